"""What the bank statement part (FE-1) adds to the shared pages: the import kind
("billing.bank_statement"), the cashier's menu entries, how its log entries read, its demo part."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import demo
from guanjia.core.activity import describe
from guanjia.core.demo import DemoPart
from guanjia.core.registry import MenuEntry, menu

VERBS = {
    "billing.statement_line.matched": pgettext_lazy("activity", "银行流水入账"),
    "billing.statement_line.ignored": pgettext_lazy("activity", "忽略银行流水"),
    "billing.statement_line.reopened": pgettext_lazy("activity", "银行流水重新待处理"),
}


def _demo_part(context):
    from . import demo_bank

    return demo_bank.build(context)


def register() -> None:
    from . import demo_bank
    from .services import bank_import

    bank_import.register()
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
    demo.register(DemoPart("billing.bank", demo_bank.DEMO_ORDER, build=_demo_part))
    menu(
        MenuEntry(
            "billing",
            _("银行流水"),
            "billing:bank_lines",
            "billing.collect",
            order=33,
            active=("billing:bank_line*",),
        ),
        MenuEntry("billing", _("导入银行流水"), "billing:bank_import", "billing.collect", order=34),
    )
