"""Deadlines (DESIGN.md §4): every time limit of the rulebook is one `Deadline` row.

Services open a deadline when a duty starts (a complaint received: RC-3 reply within
72 hours) and meet it when the duty is done (the reply given). Whether it is open,
overdue, met on time or met late is derived from the clock at read time, so
correctness never depends on a periodic job; the job only sends reminders.
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q

from guanjia.core import clock

from .models import Deadline, DeadlineState


def _subject_filter(subject) -> dict:
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": str(subject.pk)}


def deadline_open(
    *,
    subject,
    rule: str,
    title: str,
    due_at: dt.datetime,
    starts_at: dt.datetime | None = None,
    owner=None,
    owner_role: str = "",
    community=None,
    household=None,
) -> Deadline:
    """Start the clock on `subject` for `rule`; `due_at` comes from core.workdays and a policy."""
    return Deadline.objects.create(
        community=community or subject.community,
        rule=rule,
        title=str(title)[:200],
        household_id=getattr(household, "pk", household),
        starts_at=starts_at or clock.now(),
        due_at=due_at,
        owner=owner,
        owner_role=owner_role,
        **_subject_filter(subject),
    )


def deadline_meet(
    subject, rule: str | None = None, *, at: dt.datetime | None = None, by=None, duty: str = "", period: str = ""
) -> int:
    """Mark the pending deadlines of `subject` (of one rule, or all) as met at `at`.

    `duty` and `period` narrow to one recurring duty's occurrence (core.duties)."""
    pending = Deadline.objects.pending().filter(**_subject_filter(subject))
    if duty:
        pending = pending.filter(duty=duty, period=period)
    if rule:
        pending = pending.filter(rule=rule)
    return pending.update(met_at=at or clock.now(), met_by=by if getattr(by, "is_authenticated", False) else None)


def deadline_reassign(subject, rule: str | None = None, *, owner=None, owner_role: str = "") -> int:
    """Hand the pending deadlines of `subject` to a person, or to a role when no one is named."""
    pending = Deadline.objects.pending().filter(**_subject_filter(subject))
    if rule:
        pending = pending.filter(rule=rule)
    return pending.update(owner=owner, owner_role="" if owner else owner_role)


def deadline_cancel(subject, rule: str | None = None, *, at: dt.datetime | None = None) -> int:
    """The duty disappeared (e.g. a ticket cancelled): its clock stops without counting."""
    pending = Deadline.objects.pending().filter(**_subject_filter(subject))
    if rule:
        pending = pending.filter(rule=rule)
    return pending.update(cancelled_at=at or clock.now())


def deadlines_of(subject):
    return Deadline.objects.filter(**_subject_filter(subject)).with_state().order_by("due_at", "id")


def on_time_rate(queryset) -> tuple[int, int, float | None]:
    """(met on time, due so far, percentage) for deadlines whose due time has passed or that are met.

    Open deadlines not yet due do not count; cancelled ones never count.
    """
    now = clock.now()
    counts = queryset.filter(cancelled_at__isnull=True).aggregate(
        on_time=Count("id", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"))),
        due=Count("id", filter=Q(met_at__isnull=False) | Q(due_at__lt=now)),
    )
    due = counts["due"]
    return counts["on_time"], due, (round(100 * counts["on_time"] / due, 1) if due else None)


__all__ = [
    "Deadline",
    "DeadlineState",
    "deadline_cancel",
    "deadline_meet",
    "deadline_open",
    "deadline_reassign",
    "deadlines_of",
    "on_time_rate",
]
