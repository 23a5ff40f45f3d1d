"""Recurring duties (DESIGN §13): owed by every community every period, opened by the calendar,
idempotently, met only through duty_meet."""

import pytest

from guanjia.core import clock, duties, periods
from guanjia.core.duties import Duty, Opens, at_time_of_day, by_day_of_next_period
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.periods import Period
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import CommunityFactory, at, staff

pytestmark = pytest.mark.django_db


MONTHLY = Duty(
    key="TEST.monthly",
    rule="RC-10",
    title="投诉月度汇总公示",
    period=periods.MONTH,
    due=by_day_of_next_period("RC-10.summary_day"),
    owner_role="cs_supervisor",
    opens=Opens.AT_END,
)
DAILY = Duty(
    key="TEST.daily",
    rule="VS-5",
    title="每日职责",
    period=periods.DAY,
    due=at_time_of_day("RC-2.weekday_open"),
    owner_role="front_desk",
    lookback=0,
)


@pytest.fixture(autouse=True)
def toy_duties():
    """Registered for these tests only: other tests' due lists must not owe them."""
    for duty in (MONTHLY, DAILY):
        duties.register(duty)
    yield
    for key in ("TEST.monthly", "TEST.daily", "TEST.some"):
        duties.unregister(key)


def test_a_month_with_no_event_still_owes_its_summary_by_the_5th():
    """RC-10: opened by the calendar when the month is over, never by the month's first complaint."""
    community = CommunityFactory()
    made = duties.duties_open([community], now=at(2026, 12, 2, 9, 0), keys=["TEST.monthly"])
    assert made == 3  # November, just ended, and the two months before it (lookback 2)
    rows = Deadline.objects.filter(duty="TEST.monthly").order_by("period")
    assert [r.period for r in rows] == ["2026-09", "2026-10", "2026-11"]
    november = rows.get(period="2026-11")
    assert november.due_at == at(2026, 12, 6, 0, 0)  # 12-05 24:00
    assert november.starts_at == at(2026, 12, 1, 0, 0) and november.owner_role == "cs_supervisor"
    assert november.subject == community
    assert november.title == "投诉月度汇总公示（2026年11月）"  # three months owed read apart on 到期事项


def test_opening_is_idempotent_and_the_same_on_read_and_by_task():
    communities = [CommunityFactory(), CommunityFactory()]
    now = at(2026, 12, 2, 9, 0)
    assert duties.duties_open(communities, now=now, keys=["TEST.monthly"]) == 6
    assert duties.duties_open(communities, now=now, keys=["TEST.monthly"]) == 0
    assert duties.duties_open(communities[:1], now=at(2027, 1, 1, 0, 0), keys=["TEST.monthly"]) == 1  # December
    assert Deadline.objects.filter(duty="TEST.monthly").count() == 7


def test_the_due_day_is_the_communitys_policy():
    community = CommunityFactory()
    manager = staff("office_manager", community)
    policy_set(community=community, key="RC-10.summary_day", raw_value="3", actor=manager)
    row = duties.occurrence(community, "TEST.monthly", Period.parse("2026-11"))
    assert row.due_at == at(2026, 12, 4, 0, 0)


def test_a_duty_done_during_its_period_is_owed_from_its_start():
    community = CommunityFactory()
    duties.duties_open([community], now=at(2026, 11, 24, 8, 0), keys=["TEST.daily"])
    row = Deadline.objects.get(duty="TEST.daily")
    assert row.period == "2026-11-24" and row.due_at == at(2026, 11, 24, 9, 0)


def test_met_only_through_duty_meet_and_nothing_to_do_is_recorded():
    community = CommunityFactory()
    cs = staff("cs_supervisor", community)
    november = Period.parse("2026-11")
    row = duties.duty_meet(
        community=community, key="TEST.monthly", period=november, actor=cs, at=at(2026, 12, 3, 10), note="本月无投诉"
    )
    assert row.met_at == at(2026, 12, 3, 10) and row.met_by == cs
    assert Deadline.objects.with_state(now=at(2026, 12, 10)).get(pk=row.pk).state == "met"
    entry = ActivityLog.objects.get(verb="core.duty.met")
    assert entry.data == {"duty": "TEST.monthly", "period": "2026-11", "note": "本月无投诉"}
    # meeting it again changes nothing: the first time stands
    again = duties.duty_meet(community=community, key="TEST.monthly", period=november, actor=cs, at=at(2026, 12, 9))
    assert again.met_at == at(2026, 12, 3, 10)


def test_an_occurrence_not_met_by_its_day_is_overdue_from_the_clock_alone():
    community = CommunityFactory()
    with clock.frozen(at(2026, 12, 7, 9, 0)):
        duties.duties_open([community], keys=["TEST.monthly"])
        assert Deadline.objects.overdue().filter(duty="TEST.monthly", period="2026-11").exists()


def test_a_duty_can_apply_to_some_communities_only():
    yes, no = CommunityFactory(code="yes"), CommunityFactory(code="no")
    duties.register(
        Duty(
            key="TEST.some",
            rule="VS-5",
            title="部分小区",
            period=periods.MONTH,
            due=by_day_of_next_period("RC-10.summary_day"),
            owner_role="cs_supervisor",
            applies=lambda c: c.code == "yes",
            lookback=0,
        )
    )
    duties.duties_open([yes, no], now=at(2026, 12, 2), keys=["TEST.some"])
    assert list(Deadline.objects.filter(duty="TEST.some").values_list("community__code", flat=True)) == ["yes"]


def test_unknown_duty_says_where_to_register():
    with pytest.raises(KeyError, match="AppConfig.ready"):
        duties.duty_of("NOPE")
