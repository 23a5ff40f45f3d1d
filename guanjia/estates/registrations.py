"""What the register adds to the shared pages and mechanisms (core.registry, approvals, duties)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import approvals, demo, duties, periods, policies, roles, scoping
from guanjia.core.activity import describe
from guanjia.core.approvals import ApprovalKind, StepDefault
from guanjia.core.demo import DemoPart
from guanjia.core.duties import Duty, Opens, by_day_of_next_period
from guanjia.core.registry import DashboardPanel, MenuEntry, MenuGroup, menu, menu_group, panel
from guanjia.core.roles import Role

from . import permissions
from .importing import kinds as importing_kinds
from .policies import POLICIES


def _overview(request) -> dict:
    from .selectors import community_overview

    return community_overview(request.community)


def _monthly_lists() -> None:
    from . import monthly_lists

    def month_url(community, period) -> str:
        return monthly_lists.lists_url(period)

    # PR-4: the office manager reviews the month's property and lease lists. The rule gives no time
    # for it; 48 hours lets lists sent on the 3rd be signed by the 5th (PR-4.review_day). Each
    # community's chain (设置 › 审批流程) is made from this and is then its own setting.
    approvals.register(
        ApprovalKind(
            key=monthly_lists.REVIEW,
            label=_("月度产权清单、租赁清单审核"),
            rule="PR-4",
            steps=(StepDefault(Role.OFFICE_MANAGER, 48),),
            on_approved=monthly_lists.lists_approved,
            on_returned=monthly_lists.lists_returned,
            url=lambda lists: monthly_lists.lists_url(lists.period),
        )
    )
    # Owed by the manager once the month is over, met when the chain approves the month's lists.
    duties.register(
        Duty(
            key=monthly_lists.REVIEW,
            rule="PR-4",
            title=_("月度产权清单、租赁清单经理审核"),
            period=periods.MONTH,
            due=by_day_of_next_period("PR-4.review_day"),
            owner_role=Role.OFFICE_MANAGER,
            opens=Opens.AT_END,
            url=month_url,
        )
    )
    # AR-2: the CS supervisor hands last month's documents and lists over by the 5th; met only by
    # the archivist's signature for them (monthly_lists.lists_receive).
    duties.register(
        Duty(
            key=monthly_lists.HANDOVER,
            rule="AR-2",
            title=_("月度业户资料及清单移交文档管理员签收"),
            period=periods.MONTH,
            due=by_day_of_next_period("AR-2.handover_day"),
            owner_role=Role.CS_SUPERVISOR,
            opens=Opens.AT_END,
            url=month_url,
        )
    )
    describe("estates.lists.received", pgettext_lazy("activity", "文档管理员签收月度资料"))


def _demo() -> None:
    """The register's parts of `manage.py demo` (core.demo): first the communities, staff and households;
    the monthly lists after the other apps' parts; the owners' portal accounts last (after the tickets)."""
    from . import demo_accounts, demo_lists, demo_parts
    from .importing import demo as import_demo

    demo.register(DemoPart("estates.register", 10, build=demo_parts.build_register, logins=demo_accounts.staff_table))
    demo.register(DemoPart("estates.lists", 60, build=demo_lists.build))
    demo.register(DemoPart("estates.import", 65, build=import_demo.build))  # a lease list waiting in 导入
    demo.register(
        DemoPart(
            "estates.owners",
            90,
            build=demo_parts.build_owners,
            refresh=demo_parts.refresh_owners,
            logins=demo_accounts.owner_table,
        )
    )


def _documents_and_household_file() -> None:
    from . import documents, household_file

    documents.register()  # 产权清单, 租赁清单 (core.documents)
    household_file.register()  # the household file's own sections (AR-1)


def register() -> None:
    roles.register(permissions.PERMISSIONS, in_person=permissions.IN_PERSON)
    policies.register(*POLICIES)
    importing_kinds.register()
    from .selectors import homes_of

    scoping.set_owner_homes(homes_of)  # a portal user's rooms: the one owner-side scope
    _monthly_lists()
    _demo()
    _documents_and_household_file()
    panel(DashboardPanel("estates.overview", "estates/dashboard_overview.html", _overview, order=0))
    menu_group(MenuGroup("estates", _("权籍与档案"), order=30))
    menu(
        MenuEntry("estates", _("房屋"), "estates:rooms", "estates.view", order=10, active=("estates:household",)),
        MenuEntry("estates", _("楼栋"), "estates:buildings", "estates.view", order=20),
        MenuEntry("estates", _("人员"), "estates:people", "estates.view", order=30, active=("estates:person",)),
        MenuEntry("estates", _("租赁"), "estates:leases", "estates.view", order=40),
        MenuEntry(
            "estates", _("月度清单"), "estates:lists", "estates.export", order=50, active=("estates:list_detail",)
        ),
        MenuEntry(
            "estates", _("导入"), "estates:import_start", "estates.import", order=60, active=("estates:import_*",)
        ),
        MenuEntry("estates", _("导出"), "estates:register_export", "estates.export", order=70),
    )
