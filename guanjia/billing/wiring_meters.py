"""What the meters part (FE-1, FE-2) adds to the shared pages: its menu entries, the equipment
supervisor's dashboard panel of meters due for verification 计量器具检定, the readings import kind
("billing.readings"), how its log entries read, and its demo part (meters read monthly)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import demo
from guanjia.core.activity import describe
from guanjia.core.demo import DemoPart
from guanjia.core.registry import DashboardPanel, MenuEntry, menu, panel
from guanjia.core.roles import Role

VERBS = {
    "billing.meter.created": pgettext_lazy("activity", "新增表计"),
    "billing.meter.updated": pgettext_lazy("activity", "修改表计"),
    "billing.meter.verified": pgettext_lazy("activity", "记录表计检定"),
    "billing.reading.recorded": pgettext_lazy("activity", "录入抄表读数"),
    "billing.reading.confirmed": pgettext_lazy("activity", "复核抄表读数"),
}


def verification_panel(request) -> dict | None:
    """FE-1: meters to verify within FE-1.verify_warn_days, or overdue (None: nothing due)."""
    from guanjia.core import clock

    from .selectors_meters import due_for_verification

    meters, count = due_for_verification(request.community)
    if not count:
        return None
    return {"meters": meters, "count": count, "today": clock.today()}


def _demo_part(context) -> str | None:
    from . import demo_meters

    return demo_meters.build(context)


def register() -> None:
    from . import demo_meters
    from .services import meters_import

    meters_import.register()
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
    demo.register(DemoPart("billing.meters", demo_meters.DEMO_ORDER, build=_demo_part))
    panel(
        DashboardPanel(
            "billing.meters_verify",
            "billing/meters_dashboard_panel.html",
            verification_panel,
            "billing.manage_meters",
            roles=frozenset({Role.EQUIPMENT_SUPERVISOR, Role.OFFICE_MANAGER}),
            order=60,
        )
    )
    menu(
        MenuEntry(
            "billing",
            _("表计"),
            "billing:meters",
            "billing.read_meters",
            order=60,
            active=("billing:meter", "billing:meters", "billing:meter_*"),
        ),
        MenuEntry("billing", _("抄表"), "billing:meters_round", "billing.read_meters", order=61),
        MenuEntry(
            "billing",
            _("待复核读数"),
            "billing:readings_check",
            "billing.read_meters",
            order=62,
            active=("billing:reading_confirm",),
        ),
        MenuEntry("billing", _("导入抄表读数"), "billing:readings_import", "billing.read_meters", order=63),
    )
