"""The plan engine's reads: a person's task list and a kind's completion, made by the calendar first."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.utils import timezone

from .. import clock
from ..access import roles_of
from .models import Task, TaskStatus
from .services import tasks_generate


def my_tasks(user, community, *, kinds=None, now: dt.datetime | None = None):
    """What `user` owes in `community` up to the end of today: assigned to them, or to a role they
    hold and to nobody in person; with `state`, oldest first. The tasks are made before the read."""
    now = now or clock.now()
    tasks_generate(community=community, now=now)
    day_end = timezone.make_aware(dt.datetime.combine(timezone.localdate(now) + dt.timedelta(days=1), dt.time.min))
    mine = Q(assignee=user) | Q(assignee__isnull=True, assignee_role__in=sorted(roles_of(user, community)))
    tasks = Task.objects.filter(mine, community=community, window_start__lt=day_end).open()
    if kinds is not None:
        tasks = tasks.filter(plan__kind__in=list(kinds))
    return tasks.filter(missed_at__gt=now).with_state(now).select_related("plan").order_by("window_start", "id")


def completion(community, *, kind: str, start: dt.datetime, end: dt.datetime, now: dt.datetime | None = None):
    """Of the tasks of `kind` whose window began in [start, end): how many were owed, done, done in
    their window, and missed (one aggregate query): the arithmetic of an on-time indicator."""
    now = now or clock.now()
    tasks_generate(community=community, now=now)
    done = Q(status=TaskStatus.DONE)
    return (
        Task.objects.filter(community=community, plan__kind=kind, window_start__gte=start, window_start__lt=end)
        .exclude(status=TaskStatus.CANCELLED)
        .aggregate(
            owed=Count("id"),
            done=Count("id", filter=done),
            on_time=Count("id", filter=done & Q(done_at__lte=F("window_end"))),
            missed=Count("id", filter=~done & Q(missed_at__lte=now)),
        )
    )
