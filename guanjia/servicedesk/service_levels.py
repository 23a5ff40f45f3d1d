"""Reception hours (RC-2) and the service levels that set each ticket's clocks (RC-3, RC-4, RC-8).

The services open their Deadline rows from these functions and the desk and the portal tell people
what will happen from the same functions (`promises`), so what is promised is what is timed.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from guanjia.core import workdays
from guanjia.core.policies import policies_for, policy

from .choices import Kind, RepairCategory


def _hours(community, day: dt.date) -> tuple[dt.time, dt.time]:
    """Opening and closing time on `day`: working days keep weekday hours, other days weekend hours (RC-2)."""
    prefix = "RC-2.weekday" if workdays.is_workday(day) else "RC-2.weekend"
    opens = dt.time.fromisoformat(policy(community, f"{prefix}_open"))
    closes = dt.time.fromisoformat(policy(community, f"{prefix}_close"))
    return opens, closes


class ReceptionHours:
    """A community's reception hours (RC-2) read once (one policy query, one calendar snapshot), for a
    page that asks about many moments; `in_reception_hours` answers for one."""

    KEYS = ("weekday_open", "weekday_close", "weekend_open", "weekend_close")

    def __init__(self, community):
        values = {spec.key: value for spec, value, _own in policies_for(community)}
        self.times = {key: dt.time.fromisoformat(values[f"RC-2.{key}"]) for key in self.KEYS}
        self.calendar = workdays.calendar()

    def contains(self, moment: dt.datetime) -> bool:
        local = timezone.localtime(moment)
        prefix = "weekday" if self.calendar.is_workday(local.date()) else "weekend"
        return self.times[f"{prefix}_open"] <= local.time() < self.times[f"{prefix}_close"]


def in_reception_hours(community, moment: dt.datetime) -> bool:
    local = timezone.localtime(moment)
    opens, closes = _hours(community, local.date())
    return opens <= local.time() < closes


def next_opening(community, moment: dt.datetime) -> dt.datetime:
    """`moment` itself within reception hours, else the next opening time."""
    local = timezone.localtime(moment)
    day = local.date()
    for _ in range(15):
        opens, closes = _hours(community, day)
        start = timezone.make_aware(dt.datetime.combine(day, opens))
        end = timezone.make_aware(dt.datetime.combine(day, closes))
        if local < start:
            return start
        if local < end:
            return local
        day += dt.timedelta(days=1)
    return local


# RC-8: water, power and lift faults are repaired on report (随报随修); RC-2: emergency repairs 24 h.
AT_ONCE = frozenset({RepairCategory.EMERGENCY, RepairCategory.UTILITIES})


def starts_at_once(kind: str, category: str) -> bool:
    """Whether a request's clocks start on receipt at any hour (RC-2, RC-3, RC-8).

    Complaints are taken 24 hours a day (RC-3); water, power and lift faults are repaired on report
    and emergencies 24 h (RC-2, RC-8). Only an ordinary repair received outside reception hours
    waits for the next opening."""
    return kind != Kind.REPAIR or category in AT_ONCE


def clock_start(community, kind: str, category: str, received_at: dt.datetime) -> dt.datetime:
    """When a ticket's clocks start: on receipt, or for an ordinary repair received outside reception
    hours at the next opening (RC-2)."""
    if starts_at_once(kind, category):
        return received_at
    return next_opening(community, received_at)


@dataclass(frozen=True)
class Clock:
    """One limit a new request runs on: its rule, when it starts and when it is due."""

    rule: str
    starts_at: dt.datetime
    due_at: dt.datetime


def response_due(community, start: dt.datetime) -> dt.datetime:
    """RC-8: a repair is responded to (the technician on site) within 2 hours of its clock start."""
    return workdays.add_hours(start, policy(community, "RC-8.response_hours"))


def reply_due(community, start: dt.datetime) -> dt.datetime:
    """RC-3: every complaint gets a reply within 72 hours."""
    return workdays.add_hours(start, policy(community, "RC-3.reply_hours"))


def civil_due(community, start: dt.datetime) -> dt.datetime:
    """RC-8: civil works 土建 are done within 3 days of the report (24:00 of the 3rd day)."""
    return workdays.add_days(start, policy(community, "RC-8.civil_days"))


def intake_clocks(community, kind: str, category: str, start: dt.datetime) -> list[Clock]:
    """The limits a request received now runs on, starting at `start` (see `clock_start`)."""
    if kind == Kind.REPAIR:
        clocks = [Clock("RC-8.response", start, response_due(community, start))]
        if category == RepairCategory.CIVIL:
            clocks.append(Clock("RC-8.civil", start, civil_due(community, start)))
        return clocks
    if kind == Kind.COMPLAINT:
        return [Clock("RC-3", start, reply_due(community, start))]
    return []


def callback_due(community, category: str, done_at: dt.datetime) -> dt.datetime:
    """RC-4: safety facilities within 2 days, leakage within 3, anything else within a week."""
    key = {
        RepairCategory.SAFETY: "RC-4.safety_days",
        RepairCategory.LEAKAGE: "RC-4.leak_days",
    }.get(category, "RC-4.other_days")
    return workdays.add_days(done_at, policy(community, key))
