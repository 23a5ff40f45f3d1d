"""What the service desk adds to the shared pages (core.registry), and its recurring duties and
approval chains (core.duties, core.approvals)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import approvals, demo, duties, periods, policies, roles
from guanjia.core.activity import describe
from guanjia.core.approvals import ApprovalKind, StepDefault
from guanjia.core.demo import DemoPart
from guanjia.core.duties import Duty, Opens, by_day_of_next_period
from guanjia.core.registry import DashboardPanel, MenuEntry, MenuGroup, menu, menu_group, panel
from guanjia.core.roles import Role

from .permissions import PERMISSIONS
from .policies import POLICIES

# RC-10 names no time for the director's approval, only the publication by the 5th: the summary is
# prepared from the 1st, so two days leaves the approval inside that window. A step of the
# community's chain that its office manager may change (设置 › 审批流程).
SUMMARY_APPROVAL_HOURS = 48


def register_rc10() -> None:
    """RC-10: the month's complaint summary is published in the community by the 5th, after the
    director's approval.

    The duty is owed by every community for every month once the month is over, whether or not
    anyone complained (a month without complaints publishes a summary saying so); it is met when
    the summary is published. The director's approval is the "RC-10.summary" chain: by default one
    step, the office manager (管理处经理/主任), who approves it or returns it with what to change."""
    from .services import summaries

    duties.register(
        Duty(
            key=summaries.SUMMARY,
            rule="RC-10",
            title=_("月度投诉汇总公布"),
            period=periods.MONTH,
            due=by_day_of_next_period("RC-10.summary_day"),
            owner_role=Role.CS_SUPERVISOR,
            opens=Opens.AT_END,
            url=summaries.summary_url,
        )
    )
    approvals.register(
        ApprovalKind(
            key=summaries.SUMMARY,
            label=_("月度投诉汇总"),
            rule="RC-10",
            steps=(StepDefault(Role.OFFICE_MANAGER, SUMMARY_APPROVAL_HOURS),),
            on_approved=summaries.complaint_summary_approved,
            on_returned=summaries.complaint_summary_returned,
            url=summaries.complaint_summary_url,
        )
    )
    describe("servicedesk.summary.submitted", pgettext_lazy("activity", "报送投诉月度汇总待批准"))


def _documents_and_household_file() -> None:
    from . import documents, household_file

    documents.register()  # 派工单, 投诉月度汇总 (core.documents)
    household_file.register()  # the household file's tickets (AR-1)


def _indicators() -> None:
    from . import kpis

    kpis.register_indicators()  # QA-4: the KPI page (core.views_kpi)


def _quality() -> None:
    from . import quality_hooks

    quality_hooks.register()  # RC-4's spot check of callbacks, RC-5's notice (quality.registry)


def _demo_part(context) -> None:
    from . import demo as desk_demo

    desk_demo.build_part(context)


def register() -> None:
    roles.register(PERMISSIONS)
    policies.register(*POLICIES)
    register_rc10()
    # three months of desk work and this month's (with their RC-10 summaries), after the register's part
    demo.register(DemoPart("servicedesk", 30, build=_demo_part))
    _indicators()
    _documents_and_household_file()
    _quality()
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
        MenuEntry("servicedesk", _("来电来访"), "servicedesk:calls", "servicedesk.view_all", order=40),
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
            _("服务指标"),
            "core:kpis",  # the QA-4 page of every app's indicators; the service desk's lead it
            "servicedesk.kpi",
            order=90,
            active=("servicedesk:kpi_technicians",),
        ),
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
