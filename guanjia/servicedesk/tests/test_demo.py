"""The service-desk demo data (`servicedesk.demo`, its part of `manage.py demo`): a living office."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count

from guanjia.core import clock, duties, periods
from guanjia.core.demo import build_demo
from guanjia.core.models import ActivityLog, Community, Deadline
from guanjia.core.periods import Period
from guanjia.engagement import complaints
from guanjia.quality.models import RectificationNotice, SpotCheck
from guanjia.servicedesk import kpis
from guanjia.servicedesk.choices import Status
from guanjia.servicedesk.models import Callback, CallLog, ComplaintSummary, Ticket
from guanjia.servicedesk.services.summaries import SUMMARY
from guanjia.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db

# The demo is built "as of" a pinned moment, so the outcome never depends on the day the suite runs.
NOW = at(2026, 11, 20, 18, 0)
TODAY = NOW.date()
SEED = 7


def _last_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _snapshot() -> dict:
    return {
        "tickets": list(Ticket.objects.order_by("number").values_list("number", "kind", "status", "received_at")),
        "callbacks": list(Callback.objects.order_by("pk").values_list("due_at", "done_at", "satisfied", "skipped")),
        "deadlines": dict(Deadline.objects.values_list("rule").annotate(n=Count("id")).order_by()),
        "notices": RectificationNotice.objects.count(),
        "calls": CallLog.objects.count(),
        "spot_checks": SpotCheck.objects.count(),
    }


def _build(now: dt.datetime) -> Community:
    with clock.frozen(now):
        build_demo(scale=0.05, seed=SEED, today=now.date())
    return Community.objects.get(code="cuiyuan")


@pytest.fixture
def demo():
    return _build(NOW)


def test_demo_has_tickets_in_every_state_of_a_working_desk(demo):
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {Status.CLOSED, Status.RECEIVED, Status.CALLBACK} <= statuses
    assert statuses & {Status.DISPATCHED, Status.ARRIVED, Status.COMPLETED}  # repairs under way
    kinds = set(Ticket.objects.values_list("kind", flat=True))
    assert {"repair", "complaint", "consultation"} <= kinds
    # RC-1: a repair's reporter is the room's owner, reachable by phone
    repair = Ticket.objects.filter(kind="repair", room__isnull=False).select_related("reporter").first()
    assert repair.reporter is not None and repair.reporter_phone


def test_demo_events_happen_when_they_happened_not_at_build_time(demo):
    # RC-8: dispatched after receipt and within the day, not "now"
    dispatched = Ticket.objects.filter(dispatched_at__isnull=False, received_at__lt=NOW - dt.timedelta(days=30))
    assert dispatched.exists()
    for ticket in dispatched[:20]:
        assert ticket.clock_starts_at <= ticket.dispatched_at < ticket.clock_starts_at + dt.timedelta(hours=1)
    closed = Ticket.objects.filter(status=Status.CLOSED, received_at__lt=NOW - dt.timedelta(days=40))
    assert all(t.closed_at < NOW - dt.timedelta(days=10) for t in closed)
    old_log = ActivityLog.objects.filter(verb="servicedesk.ticket.received").order_by("at").first()
    assert old_log.at < NOW - dt.timedelta(days=60)


def test_demo_deadlines_are_met_late_and_overdue_as_in_a_real_office(demo):
    states = dict(Deadline.objects.with_state().values_list("state").annotate(n=Count("id")).order_by())
    assert states.get("met", 0) > states.get("late", 0) > 0  # mostly on time, a few late
    assert Deadline.objects.overdue().filter(rule="RC-4").exists()  # a callback forgotten: overdue
    assert Deadline.objects.overdue().filter(rule="RC-3").exists()  # a complaint past its 72 hours
    assert RectificationNotice.objects.filter(closed_at__isnull=False).exists()  # RC-5 after an unsatisfied callback


def test_demo_kpis_of_last_month_are_computed(demo):
    last = _last_month(TODAY)
    figures = kpis.desk_kpis(demo, last, now=NOW)
    assert figures["repair_timeliness"].denominator > 0  # RC-8
    assert figures["repair_pass"].denominator > 0
    assert figures["repair_callback"].denominator > 0  # RC-4
    assert figures["repair_timeliness"].rate is not None


def test_demo_complaints_pareto_and_summaries(demo):
    period = complaints.Period(_last_month(TODAY) - dt.timedelta(days=62), TODAY)
    for community in Community.objects.all():
        rows, _topics, total = complaints.complaints_pareto(
            complaints.complaints_in(Ticket.objects.all(), community, period), community
        )
        assert total > 0  # SV-4/SV-7
        assert any(row.key for row in rows)
    # RC-10: last month's summary prepared, approved and published
    summary = ComplaintSummary.objects.get(community=demo, month=_last_month(TODAY))
    assert summary.approved_at and summary.published_at
    assert SpotCheck.objects.filter(
        community=demo, period=Period.of(periods.MONTH, _last_month(TODAY)).key
    ).exists()  # RC-4
    assert CallLog.objects.filter(community=demo, outside=True).exists()  # IC-3


def test_demo_is_deterministic_for_a_seed():
    snapshots = []
    for _run in range(2):
        with transaction.atomic():
            _build(NOW)
            snapshots.append(_snapshot())
            transaction.set_rollback(True)
    assert snapshots[0]["tickets"]
    assert snapshots[0] == snapshots[1]


@pytest.mark.parametrize("day", [2, 3, 4])
def test_demo_built_before_the_5th_leaves_last_months_summary_on_its_way(day):
    """RC-10: built at 18:00 on the 2nd-4th, last month's summary is prepared on the 2nd, approved on
    the 3rd, published on the 4th; until then the month's RC-10 duty (due the 5th, 24:00) is open, not late."""
    now = at(2026, 12, day, 18, 0)
    community = _build(now)
    month = _last_month(now.date())
    summary = ComplaintSummary.objects.filter(community=community, month=month).first()
    assert summary is not None
    assert (summary.approved_at is not None) == (day >= 3)
    assert (summary.published_at is not None) == (day >= 4)
    with clock.frozen(now):  # the calendar's occurrence of the month (opened on read if no page has yet)
        deadline = duties.occurrence(community, SUMMARY, Period.of(periods.MONTH, month))
    assert deadline.rule == "RC-10" and deadline.due_at == at(2026, 12, 6, 0, 0)  # 12-05 24:00
    assert (deadline.met_at is not None) == (day >= 4)
    assert deadline.due_at > now
