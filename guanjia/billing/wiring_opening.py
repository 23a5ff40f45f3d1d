"""What the opening balances part (FE-1) adds to the shared pages: the import kind "billing.opening",
its menu entry beside the billing runs, and how its log entries read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core.activity import describe
from guanjia.core.registry import MenuEntry, menu

VERBS = {
    "billing.bill.opening": pgettext_lazy("activity", "导入期初欠费"),
    "billing.prepayment.opening": pgettext_lazy("activity", "导入期初预存余额"),
}


def register() -> None:
    from .services import opening_import

    opening_import.register()
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
    menu(
        MenuEntry(
            "billing",
            _("导入期初欠费"),
            "billing:opening_import",
            opening_import.PERMISSION,
            order=21,
            active=("billing:opening_*",),
        )
    )
