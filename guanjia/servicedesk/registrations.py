"""What the service desk adds to the shared pages (core.registry)."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.registry import DashboardPanel, MenuEntry, MenuGroup, menu, menu_group, panel
from guanjia.core.roles import Role


def register() -> None:
    # loaded after the page (htmx): the slot itself needs no data
    panel(
        DashboardPanel(
            "servicedesk.due",
            "servicedesk/followup_dashboard_panel.html",
            lambda request: {},
            "servicedesk.view",
            order=20,
        )
    )
    menu_group(MenuGroup("servicedesk", _("客服中心"), order=10))
    menu(
        MenuEntry("servicedesk", _("前台受理"), "servicedesk:desk", "servicedesk.create", order=10),
        MenuEntry(
            "servicedesk",
            _("工单"),
            "servicedesk:tickets",
            "servicedesk.view",
            order=20,
            active=("servicedesk:ticket", "servicedesk:ticket_*"),
        ),
        MenuEntry(
            "servicedesk",
            _("我的工单"),
            "servicedesk:my_tickets",
            "servicedesk.work",
            order=30,
            first_for=frozenset({Role.TECHNICIAN}),
        ),
        MenuEntry("servicedesk", _("来电来访"), "servicedesk:calls", "servicedesk.view", order=40),
        MenuEntry("servicedesk", _("到期事项"), "servicedesk:due", "servicedesk.view", order=50),
        MenuEntry(
            "servicedesk",
            _("回访"),
            "servicedesk:callbacks",
            "servicedesk.view",
            order=60,
            active=("servicedesk:callback_record",),
        ),
        MenuEntry(
            "servicedesk",
            _("整改通知"),
            "servicedesk:rectifications",
            "servicedesk.view",
            order=70,
            active=("servicedesk:rectification*",),
        ),
        MenuEntry("servicedesk", _("回访抽查"), "servicedesk:spot_checks", "servicedesk.spot_check", order=80),
        MenuEntry("servicedesk", _("服务指标"), "servicedesk:kpis", "servicedesk.kpi", order=90),
        MenuEntry("servicedesk", _("投诉周报"), "servicedesk:complaints_weekly", "servicedesk.kpi", order=100),
        MenuEntry(
            "servicedesk",
            _("投诉月度汇总"),
            "servicedesk:summaries",
            "servicedesk.kpi",
            order=110,
            active=("servicedesk:summary_prepare",),
        ),
        MenuEntry(
            "servicedesk",
            _("特约服务收费"),
            "servicedesk:pricelist",
            "servicedesk.view",
            order=120,
            active=("servicedesk:pricelist_edit",),
        ),
    )
