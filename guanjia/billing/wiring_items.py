"""What the fee item part (FE-1, LW-4) adds to the shared pages: its menu entry, the printed 明码标价
poster FE-1.price_board, how its log entries read, and its demo part (the items and prices every
other billing part of the demo bills from)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import demo
from guanjia.core.activity import describe
from guanjia.core.demo import DemoPart
from guanjia.core.registry import MenuEntry, menu

VERBS = {
    "billing.item.created": pgettext_lazy("activity", "新增收费项目"),
    "billing.item.updated": pgettext_lazy("activity", "修改收费项目"),
    "billing.application.added": pgettext_lazy("activity", "增加收费项目适用范围"),
    "billing.application.ended": pgettext_lazy("activity", "停止收费项目适用"),
    "billing.price.published": pgettext_lazy("activity", "公示收费标准"),
    "billing.price.withdrawn": pgettext_lazy("activity", "撤回收费标准"),
}

# After the register's communities and rooms (estates.register, 10), before any part that bills.
DEMO_ORDER = 12


def _demo_part(context) -> str | None:
    from . import demo_items

    return demo_items.build(context)


def register() -> None:
    from . import documents_items

    documents_items.register()  # FE-1.price_board: the 明码标价 poster
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
    demo.register(DemoPart("billing.items", DEMO_ORDER, build=_demo_part))
    menu(
        MenuEntry(
            "billing",
            _("收费项目与标准"),
            "billing:items",
            "billing.view",
            order=10,
            active=("billing:item*", "billing:price*", "billing:application*"),
        )
    )
