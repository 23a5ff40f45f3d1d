"""What visits and surveys add to the shared pages (core.registry), and their recurring duties
and approval chains (core.duties, core.approvals)."""

from django.utils.translation import gettext_lazy as _

from guanjia.core import approvals, demo, duties, periods, policies, roles
from guanjia.core.approvals import ApprovalKind, StepDefault
from guanjia.core.demo import DemoPart
from guanjia.core.duties import Duty, Opens, by_day_of_next_period
from guanjia.core.registry import DashboardPanel, MenuEntry, MenuGroup, menu, menu_group, panel
from guanjia.core.roles import Role

from . import answers_import
from .permissions import PERMISSIONS
from .policies import POLICIES

# VS-5 names no time for the director to read the summary: three days is the house default, a step
# of the community's chain that its office manager may change (设置 › 审批流程).
SUMMARY_APPROVAL_HOURS = 72


def register_vs5() -> None:
    """VS-5: by the 5th the CS supervisor summarises last month's visits for the director.

    The duty is owed by every community for every month, once the month is over, whether or not
    anyone was visited (a month without visits is summarised as such); it is met when the summary is
    sent. The director's receipt is the "VS-5.summary" approval chain: by default one step, the
    office manager (管理处经理/主任), who approves it or returns it with what to change."""
    from . import services

    duties.register(
        Duty(
            key=services.SUMMARY,
            rule="VS-5",
            title=_("业户拜访月度汇总报送"),
            period=periods.MONTH,
            due=by_day_of_next_period("VS-5.summary_day"),
            owner_role=Role.CS_SUPERVISOR,
            opens=Opens.AT_END,
            url=services.summary_url,
        )
    )
    approvals.register(
        ApprovalKind(
            key=services.SUMMARY,
            label=_("业户拜访月度汇总"),
            rule="VS-5",
            steps=(StepDefault(Role.OFFICE_MANAGER, SUMMARY_APPROVAL_HOURS),),
            on_approved=services.visit_summary_approved,
            on_returned=services.visit_summary_returned,
            url=services.visit_summary_url,
        )
    )


def _documents_and_household_file() -> None:
    from . import documents, household_file

    documents.register()  # 问卷, 发放登记表, 问卷结果统计表, 结果公示, 拜访月度汇总 (core.documents)
    household_file.register()  # the household file's visits and surveys (AR-1)


def _indicators() -> None:
    from . import indicators

    indicators.register_indicators()  # QA-4: satisfaction (SV-3) and the visit quota (VS-1) on the KPI page


def _demo_surveys(context) -> None:
    from . import demo as engagement_demo

    engagement_demo.build_part(context)


def _demo_visits(context) -> None:
    from . import demo_visits

    demo_visits.build(context)


def register() -> None:
    roles.register(PERMISSIONS)
    policies.register(*POLICIES)
    register_vs5()
    answers_import.register()
    # surveys run to their results and this month's visits; then the past months' visits and VS-5 summaries
    demo.register(DemoPart("engagement", 20, build=_demo_surveys))
    demo.register(DemoPart("engagement.visits", 25, build=_demo_visits))
    _indicators()
    _documents_and_household_file()
    panel(
        DashboardPanel(
            "engagement.visits", "engagement/dashboard_panel_slot.html", lambda request: {}, "engagement.view", order=30
        )
    )
    menu_group(MenuGroup("engagement", _("访问与满意度"), order=20))
    menu(
        MenuEntry(
            "engagement",
            _("业户拜访"),
            "engagement:visits",
            "engagement.view_visits",
            order=10,
            active=("engagement:visit", "engagement:visit_new"),
        ),
        MenuEntry(
            "engagement",
            _("拜访月度汇总"),
            "engagement:visit_summary",
            "engagement.view_visits",  # it lists the month's visits and opinions (AR-4)
            order=20,
            active=("engagement:visit_summary*",),
        ),
        MenuEntry(
            "engagement",
            _("问卷与评议"),
            "engagement:surveys",
            "engagement.view",
            order=30,
            active=("engagement:survey*",),
        ),
        MenuEntry(
            "engagement",
            _("答卷导入"),
            "engagement:answers_import_index",
            "engagement.survey_enter",
            order=40,
            active=("engagement:answers_import*",),
        ),
        MenuEntry("engagement", _("投诉排列图"), "engagement:complaints_pareto", "engagement.view", order=50),
    )
