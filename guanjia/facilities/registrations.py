"""What the equipment ledger (FM-1) adds to the shared pages and mechanisms: its actions (core.roles),
rule numbers (core.policies), menu entries and dashboard panel (core.registry), import kind
("facilities.devices", core.importing), how its log entries read (core.activity) and its demo part."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import demo, policies, roles
from guanjia.core.activity import describe
from guanjia.core.demo import DemoPart
from guanjia.core.registry import DashboardPanel, MenuEntry, MenuGroup, menu, menu_group, panel
from guanjia.core.roles import Role

from .permissions import PERMISSIONS
from .policies import POLICIES

VERBS = {
    "facilities.device.created": pgettext_lazy("activity", "设备登记入账"),
    "facilities.device.updated": pgettext_lazy("activity", "修改设备台账"),
    "facilities.record.added": pgettext_lazy("activity", "记录设备履历"),
    "facilities.contractor.created": pgettext_lazy("activity", "新增维保单位"),
    "facilities.contractor.updated": pgettext_lazy("activity", "修改维保单位"),
    "facilities.ticket.linked": pgettext_lazy("activity", "关联设备故障工单"),
    "facilities.ticket.unlinked": pgettext_lazy("activity", "取消关联故障工单"),
    "facilities.document.added": pgettext_lazy("activity", "上传设备资料"),
    "facilities.template.seeded": pgettext_lazy("activity", "生成法定检查表模板"),
    "facilities.checkpoint.created": pgettext_lazy("activity", "新增巡更点"),
}
DEMO_ORDER = 35  # after the service desk's tickets (30): the demo links a lift fault to its lift


def inspections_panel(request) -> dict | None:
    """FM-1: devices whose statutory inspection falls within FM-1.inspection_warn_days, or is overdue."""
    from guanjia.core import clock

    from .selectors import due_for_inspection

    devices, count = due_for_inspection(request.community)
    if not count:
        return None
    return {"devices": devices, "count": count, "today": clock.today()}


def _demo_part(context) -> str | None:
    from . import demo as facilities_demo

    return facilities_demo.build(context)


def register() -> None:
    from guanjia.core.plans.services import register_kind

    from .importing import register as register_import
    from .plans import KINDS

    roles.register(PERMISSIONS)
    policies.register(*POLICIES)
    register_import()
    for kind in KINDS:
        register_kind(kind)
    for verb, sentence in VERBS.items():
        describe(verb, sentence)
    demo.register(DemoPart("facilities", DEMO_ORDER, build=_demo_part))
    panel(
        DashboardPanel(
            "facilities.inspections",
            "facilities/dashboard_panel.html",
            inspections_panel,
            "facilities.manage",
            roles=frozenset({Role.EQUIPMENT_SUPERVISOR, Role.OFFICE_MANAGER}),
            order=55,
        )
    )
    menu_group(MenuGroup("facilities", _("设施设备"), order=35))
    menu(
        MenuEntry(
            "facilities",
            _("设备台账"),
            "facilities:devices",
            "facilities.view",
            order=10,
            active=("facilities:device", "facilities:devices", "facilities:device_*"),
        ),
        MenuEntry(
            "facilities",
            _("维保单位"),
            "facilities:contractors",
            "facilities.view",
            order=20,
            active=("facilities:contractor*",),
        ),
        MenuEntry("facilities", _("设备类型"), "facilities:types", "facilities.view", order=30),
        MenuEntry("facilities", _("维保巡检任务"), "facilities:tasks", "facilities.maintenance.manage", order=32),
        MenuEntry("facilities", _("年度维保计划"), "facilities:annual_plan", "facilities.view", order=34),
        MenuEntry("facilities", _("导入设备台账"), "facilities:import", "facilities.import", order=40),
    )
