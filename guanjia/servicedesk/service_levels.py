"""Reception hours (RC-2) and the service levels that set each ticket's clocks (RC-3, RC-4, RC-8)."""

import datetime as dt

from django.utils import timezone

from guanjia.core import workdays
from guanjia.core.policies import policy

from .choices import RepairCategory


def _hours(community, day: dt.date) -> tuple[dt.time, dt.time]:
    """Opening and closing time on `day`: working days keep weekday hours, other days weekend hours (RC-2)."""
    prefix = "RC-2.weekday" if workdays.is_workday(day) else "RC-2.weekend"
    opens = dt.time.fromisoformat(policy(community, f"{prefix}_open"))
    closes = dt.time.fromisoformat(policy(community, f"{prefix}_close"))
    return opens, closes


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


def clock_start(community, kind: str, category: str, received_at: dt.datetime) -> dt.datetime:
    """When a ticket's clocks start. Outside hours only emergencies start at once (RC-2);
    complaints are taken 24 hours a day, so their reply clock starts on receipt (RC-3)."""
    from .choices import Kind

    if kind == Kind.REPAIR and category != RepairCategory.EMERGENCY:
        return next_opening(community, received_at)
    return received_at


def callback_due(community, category: str, done_at: dt.datetime) -> dt.datetime:
    """RC-4: safety facilities within 2 days, leakage within 3, anything else within a week."""
    key = {
        RepairCategory.SAFETY: "RC-4.safety_days",
        RepairCategory.LEAKAGE: "RC-4.leak_days",
    }.get(category, "RC-4.other_days")
    return workdays.add_days(done_at, policy(community, key))
