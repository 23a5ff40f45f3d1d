"""Deadlines (DESIGN.md §4): state derived from the clock, met/cancelled by services."""

import datetime as dt

import pytest
from django.utils import timezone

from guanjia.core import workdays
from guanjia.core.deadlines import deadline_cancel, deadline_meet, deadline_open, deadlines_of, on_time_rate
from guanjia.core.models import Deadline, DeadlineState
from guanjia.core.policies import policy
from guanjia.core.tests.factories import at
from guanjia.estates.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


def test_state_follows_the_clock_without_any_job():
    room = RoomFactory()
    received = at(2026, 11, 20, 22, 30)
    due = workdays.add_hours(received, policy(room.community, "RC-3.reply_hours"))  # RC-3: 72 hours
    assert due == at(2026, 11, 23, 22, 30)
    deadline = deadline_open(subject=room, rule="RC-3", title="投诉答复", due_at=due, starts_at=received)
    assert deadline.state_at(at(2026, 11, 23, 22, 0)) == DeadlineState.OPEN
    assert deadline.state_at(at(2026, 11, 23, 22, 31)) == DeadlineState.OVERDUE
    annotated = Deadline.objects.with_state(now=at(2026, 11, 24)).get()
    assert annotated.state == DeadlineState.OVERDUE
    assert Deadline.objects.overdue(now=at(2026, 11, 24)).count() == 1
    assert Deadline.objects.overdue(now=at(2026, 11, 22)).count() == 0


def test_day_limits_end_at_midnight_of_the_last_day():
    room = RoomFactory()
    done = at(2026, 11, 20, 16, 0)
    due = workdays.add_days(done, policy(room.community, "RC-4.leak_days"))  # RC-4: leak callback 3 days
    assert due == at(2026, 11, 24, 0, 0)  # 24:00 of 23 November
    deadline = deadline_open(subject=room, rule="RC-4", title="渗漏水回访", due_at=due, starts_at=done)
    assert deadline.state_at(at(2026, 11, 23, 23, 59)) == DeadlineState.OPEN


def test_meet_on_time_and_late():
    on_time, late = RoomFactory(), RoomFactory()
    due = timezone.now() + dt.timedelta(hours=1)
    deadline_open(subject=on_time, rule="RC-3", title="a", due_at=due)
    deadline_open(subject=late, rule="RC-3", title="b", due_at=timezone.now() - dt.timedelta(hours=1))
    assert deadline_meet(on_time) == 1
    assert deadline_meet(late, "RC-3") == 1
    assert deadline_meet(late, "RC-3") == 0  # already met: nothing pending
    states = {d.subject_id: d.state for d in Deadline.objects.with_state()}
    assert states == {str(on_time.pk): DeadlineState.MET, str(late.pk): DeadlineState.LATE}
    assert on_time_rate(Deadline.objects.all()) == (1, 2, 50.0)


def test_cancelled_and_not_yet_due_do_not_count():
    a, b, c = RoomFactory(), RoomFactory(), RoomFactory()
    past = timezone.now() - dt.timedelta(days=1)
    deadline_open(subject=a, rule="RC-4", title="a", due_at=past)
    deadline_open(subject=b, rule="RC-4", title="b", due_at=past)
    deadline_open(subject=c, rule="RC-4", title="c", due_at=timezone.now() + dt.timedelta(days=1))
    deadline_cancel(b)
    assert [d.state for d in deadlines_of(b)] == [DeadlineState.CANCELLED]
    assert on_time_rate(Deadline.objects.all()) == (0, 1, 0.0)
    assert on_time_rate(Deadline.objects.none()) == (0, 0, None)
