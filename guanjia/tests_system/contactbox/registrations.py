"""Everything CM-1 adds to the shared pages and mechanisms, through the registries only."""

from decimal import Decimal

from guanjia.core import activity, clock, duties, policies, registry, roles
from guanjia.core.duties import Duty, at_time_of_day
from guanjia.core.indicators import ratio
from guanjia.core.periods import DAY, Period
from guanjia.core.registry import DashboardPanel, Indicator, MenuEntry, MenuGroup
from guanjia.core.roles import Role

from .services import DUTY

POLICY = policies.Policy("CM-1.open_time", "意见箱开箱时间", "time", "10:00")
PERMISSIONS = {
    "contactbox.view": {Role.FRONT_DESK, Role.CS_SUPERVISOR, Role.OFFICE_MANAGER, Role.QUALITY},
    "contactbox.open": {Role.FRONT_DESK, Role.CS_SUPERVISOR},
}


def _panel(request):
    duties.duties_open([request.community], keys=[DUTY])
    return {"due": duties.occurrence(request.community, DUTY, Period.of(DAY, clock.now()))}


def opened_on_time(community_ids, periods, now):
    """CM-1: days the box was opened by its time ÷ days owed, per community and month."""
    from guanjia.core.models import Deadline

    figures = {}
    rows = list(
        Deadline.objects.filter(community_id__in=community_ids, duty=DUTY, due_at__lte=now).values_list(
            "community_id", "due_at", "met_at"
        )
    )
    for cid in community_ids:
        for period in periods:
            start, end = period.bounds()
            owed = [(due, met) for c, due, met in rows if c == cid and start <= due < end]
            figures[(cid, period)] = ratio(sum(1 for due, met in owed if met and met <= due), len(owed))
    return figures


def register() -> None:
    policies.register(POLICY)
    roles.register(PERMISSIONS)
    duties.register(
        Duty(DUTY, "CM-1", "意见箱开箱", DAY, at_time_of_day("CM-1.open_time"), Role.FRONT_DESK, lookback=0)
    )
    registry.menu_group(MenuGroup("contactbox", "业主沟通", order=80))
    registry.menu(MenuEntry("contactbox", "意见箱", "contactbox:box", "contactbox.view"))
    registry.panel(DashboardPanel("contactbox.today", "contactbox/panel.html", _panel, permission="contactbox.view"))
    registry.indicator(
        Indicator(
            "CM-1.opened", "意见箱按时开箱率", "CM-1", None, opened_on_time, "contactbox.view", target=Decimal(100)
        )
    )
    activity.describe("contactbox.box.opened", "开启意见箱，信件 %(letters)s 封")


def unregister() -> None:
    registry.unregister_indicator("CM-1.opened")
    registry.unregister_panel("contactbox.today")
    registry.unregister_menu("contactbox:box", group="contactbox")
    duties.unregister(DUTY)
    roles.unregister(*PERMISSIONS)
    policies.unregister(POLICY.key)
    activity.VERBS.pop("contactbox.box.opened", None)
