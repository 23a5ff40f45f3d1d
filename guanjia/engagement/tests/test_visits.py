"""Visits to households: the monthly quota (VS-1), the rules of a visit (VS-2 … VS-4) and the
one step from an opinion to a service-desk ticket."""

import datetime as dt
from decimal import Decimal

import pytest

from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.policies import policy_set
from guanjia.engagement import visits
from guanjia.engagement.models import Visit
from guanjia.engagement.services import visit_give_feedback, visit_record, visit_to_ticket
from guanjia.estates.households import households
from guanjia.estates.models import Room
from guanjia.estates.tests.factories import RoomFactory
from guanjia.servicedesk.models import Ticket
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db

NOV = dt.date(2026, 11, 1)
TIERS = [[300, 4], [500, 5], [800, 6], [None, 7]]


@pytest.fixture
def office():
    return Office()


def rooms(office, n, handover="moved_in"):
    c = office.community
    return [
        RoomFactory(community=c, unit__building__community=c, unit__community=c, handover=handover) for _ in range(n)
    ]


def record(office, room=None, **kw):
    kw.setdefault("form", "office")
    kw.setdefault("visited_at", at(2026, 11, 10, 10, 0))
    return visit_record(community=office.community, actor=office.supervisor, room=room or office.room, **kw)


# --- VS-1: the quota -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("households", "pct", "quota"),
    [
        (300, 4, 12),
        (301, 5, 16),  # 301 × 5% = 15.05 → 16 (round up)
        (500, 5, 25),
        (501, 6, 31),  # 30.06 → 31
        (800, 6, 48),
        (801, 7, 57),  # 56.07 → 57
        (1, 4, 1),  # 0.04 → 1
        (0, 4, 0),
    ],
)
def test_vs1_quota_tiers_round_up(households, pct, quota):
    got_pct = visits.tier_pct(households, TIERS)
    assert got_pct == pct
    assert visits.quota_for(households, got_pct) == quota


def test_vs1_monthly_quota_counts_moved_in_households_only(office):
    rooms(office, 9)  # + the Office's own room = 10 moved in
    rooms(office, 5, handover="awaiting")
    assert visits.monthly_quota(office.community, NOV) == (10, Decimal(4), 1)


def test_vs1_policy_change_is_respected(office):
    rooms(office, 99)  # 100 moved in
    assert visits.monthly_quota(office.community, NOV)[2] == 4
    policy_set(community=office.community, key="VS-1.tiers", raw_value="50:10, *:12.5", actor=office.manager)
    assert visits.monthly_quota(office.community, NOV) == (100, Decimal("12.5"), 13)


def test_vs1_distinct_households_counted_once_and_callbacks_excluded(office):
    second, third = rooms(office, 2)
    record(office)
    record(office, visited_at=at(2026, 11, 20, 15, 0))  # same household again
    record(office, room=second, is_callback=True)  # a callback does not count
    record(office, room=third, visited_at=at(2026, 10, 31, 23, 59))  # last month (local time)
    record(office, room=third, visited_at=at(2026, 12, 1, 0, 0))  # next month
    assert visits.visited_households(office.community, NOV) == 1
    prog = visits.progress(office.community, NOV)
    assert (prog.households, prog.quota, prog.visited, prog.met) == (3, 1, 1, True)


def test_vs1_proposals_longest_unvisited_first_without_this_months(office, django_assert_max_num_queries):
    a, b, c = rooms(office, 3)
    rooms(office, 1, handover="undelivered")
    record(office, room=a, visited_at=at(2026, 9, 1, 10, 0))
    record(office, room=b, visited_at=at(2026, 6, 1, 10, 0))
    record(office, room=c, visited_at=at(2026, 11, 3, 10, 0))  # visited this month: not proposed
    record(office, room=a, visited_at=at(2026, 11, 4, 10, 0), is_callback=True)  # a callback: still proposed
    with django_assert_max_num_queries(1):
        got = list(visits.proposals(office.community, NOV, limit=10))
    assert [r.pk for r in got] == [office.room.pk, b.pk, a.pk]  # never visited first
    assert got[0].last_visit is None
    assert got[1].last_visit == at(2026, 6, 1, 10, 0)


# --- VS-2: forms and hours of a visit --------------------------------------------------------


def test_vs2_home_visit_at_2200_allowed(office):
    visit = record(office, form="home", visited_at=at(2026, 11, 10, 22, 0), appointment_at=at(2026, 11, 9, 18, 0))
    assert visit.pk and visit.form == "home"


def test_vs2_home_visit_at_2201_refused(office):
    with pytest.raises(ServiceError) as err:
        record(office, form="home", visited_at=at(2026, 11, 10, 22, 1), appointment_at=at(2026, 11, 9, 18, 0))
    assert err.value.field == "visited_at"
    assert "22:00" in str(err.value.message)
    assert not Visit.objects.exists()


def test_vs2_late_hour_applies_only_to_home_visits(office):
    assert record(office, form="phone", visited_at=at(2026, 11, 10, 22, 30)).pk


def test_vs2_home_visit_needs_an_appointment(office):
    with pytest.raises(ServiceError) as err:
        record(office, form="home", visited_at=at(2026, 11, 10, 10, 0))
    assert err.value.field == "appointment_at"
    assert "预约" in str(err.value.message)


def test_vs2_latest_hour_is_a_policy(office):
    policy_set(community=office.community, key="VS-2.latest_home_visit", raw_value="21:00", actor=office.manager)
    with pytest.raises(ServiceError):
        record(office, form="home", visited_at=at(2026, 11, 10, 21, 30), appointment_at=at(2026, 11, 9, 9, 0))


# --- VS-3, VS-4: the record, signature and feedback ------------------------------------------


def test_vs3_visit_is_recorded_and_logged_on_the_household(office):
    visit = record(office, topics=["cleaning", "security"], opinions="楼道灯坏了", signature_refused=True)
    assert visit.topic_labels == ["清洁", "治安"]
    assert visit.visitor == office.supervisor
    entry = ActivityLog.objects.get(verb="engagement.visit.recorded")
    assert entry.household_id == office.room.pk


def test_vs3_signed_and_refused_cannot_both_hold(office):
    with pytest.raises(ServiceError) as err:
        record(office, signed=True, signature_refused=True)
    assert err.value.field == "signed"


def test_unknown_topic_refused(office):
    with pytest.raises(ServiceError) as err:
        record(office, topics=["weather"])
    assert err.value.field == "topics"


def test_room_of_another_community_refused(office):
    other = Office()
    with pytest.raises(ServiceError) as err:
        record(office, room=other.room)
    assert err.value.field == "room"


def test_vs4_feedback_given(office):
    visit = record(office, feedback_owed=True)
    assert visit.feedback_pending
    visit_give_feedback(visit=visit, actor=office.desk, feedback="已安排保洁", given_at=at(2026, 11, 11, 9, 0))
    visit.refresh_from_db()
    assert not visit.feedback_pending and visit.feedback == "已安排保洁"
    with pytest.raises(ServiceError):
        visit_give_feedback(visit=visit, actor=office.desk, feedback="  ")


# --- permissions -------------------------------------------------------------------------------


def test_technician_may_not_record_a_visit(office):
    with pytest.raises(Forbidden):
        visit_record(
            community=office.community,
            actor=office.technician,
            room=office.room,
            form="office",
            visited_at=at(2026, 11, 10, 10, 0),
        )
    assert not Visit.objects.exists()


def test_staff_of_another_community_may_not_record(office):
    other = Office()
    with pytest.raises(Forbidden):
        visit_record(
            community=office.community,
            actor=other.supervisor,
            room=office.room,
            form="office",
            visited_at=at(2026, 11, 10, 10, 0),
        )


# --- an opinion becomes a ticket -----------------------------------------------------------------


def test_visit_to_ticket_creates_a_linked_repair(office):
    visit = record(office, opinions="卫生间漏水")
    ticket = visit_to_ticket(visit=visit, actor=office.supervisor, kind="repair", category="leakage")
    visit.refresh_from_db()
    assert visit.ticket == ticket
    assert ticket.room == office.room and ticket.channel == "staff"
    assert ticket.description == "卫生间漏水"  # the opinion, when no description is given
    assert ticket.reporter == office.owner and ticket.reporter_name == office.owner.name  # whom to call back
    with pytest.raises(ServiceError):  # only once
        visit_to_ticket(visit=visit, actor=office.supervisor, kind="repair", category="leakage")
    assert Ticket.objects.count() == 1


def test_visit_to_ticket_refused_by_the_desk_rules_leaves_no_link(office):
    visit = record(office, opinions="保安态度差")
    with pytest.raises(ServiceError) as err:
        visit_to_ticket(visit=visit, actor=office.supervisor, kind="complaint")  # no topic
    assert err.value.field == "topic"
    visit.refresh_from_db()
    assert visit.ticket is None and not Ticket.objects.exists()


def test_households_ignore_other_communities(office):
    Office()  # another community's moved-in room
    assert households(office.community).count() == Room.objects.filter(community=office.community).count()
