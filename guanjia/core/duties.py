"""Recurring duties (DESIGN §13): a duty is declared once and owed by every community, every period.

    duties.register(Duty(
        key="RC-10.summary", rule="RC-10", title=_("投诉月度汇总公示"), period=periods.MONTH,
        due=by_day_of_next_period("RC-10.summary_day"), owner_role=Role.CS_SUPERVISOR,
        opens=Opens.AT_END,        # the summary of a month is owed once the month is over
    ))

Each occurrence is one `Deadline` row (duty, period) of the community, opened by the calendar —
not by the first event of the period: a month with no complaint still owes its summary, met by
recording that there was nothing to publish. `duties_open()` makes the missing rows for the
periods that have begun (or ended) by now; it is idempotent (a unique constraint, conflicts
ignored) and is called both when a page reads the duties and by the reminder task, so the rows
never depend on a job having run. An occurrence is met only through `duty_meet()`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import clock
from .activity import log
from .deadlines import deadline_meet
from .models import Community, Deadline
from .periods import Period
from .policies import policy


class Opens(enum.Enum):
    AT_START = "start"  # done during the period (open the contact box today)
    AT_END = "end"  # about the period, owed after it (last month's summary)


DueRule = Callable[[Community, Period], dt.datetime]


@dataclass(frozen=True)
class Duty:
    key: str
    rule: str
    title: Any
    period: str
    due: DueRule
    owner_role: str
    opens: Opens = Opens.AT_START
    applies: Callable[[Community], bool] | None = None
    url: Callable[[Community, Period], str] | None = None
    lookback: int = 2  # past periods opened when a community first reads the duty

    def occurrence_period(self, now: dt.datetime) -> Period:
        """The latest period whose occurrence has opened by `now`."""
        current = Period.of(self.period, now)
        return current.previous() if self.opens is Opens.AT_END else current

    def owed_periods(self, now: dt.datetime) -> list[Period]:
        latest = self.occurrence_period(now)
        return [latest.shift(-n) for n in range(self.lookback, -1, -1)]


def by_day_of_next_period(day_policy: str) -> DueRule:
    """24:00 of the day (a policy, e.g. the 5th) of the month after the period: RC-10, VS-5, AR-2."""
    return lambda community, period: period.due_on_day(policy(community, day_policy))


def at_time_of_day(time_policy: str) -> DueRule:
    """The period's (first) day at a time of day (a policy, e.g. "10:00"): CM-1's daily contact box."""

    def due(community, period: Period) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(period.start, dt.time.fromisoformat(policy(community, time_policy)))
        )

    return due


_DUTIES: dict[str, Duty] = {}


def register(duty: Duty) -> Duty:
    _DUTIES[duty.key] = duty
    return duty


def unregister(key: str) -> None:
    _DUTIES.pop(key, None)


def duty_of(key: str) -> Duty:
    try:
        return _DUTIES[key]
    except KeyError:
        raise KeyError(f"unknown duty {key!r}; register it in the app's AppConfig.ready()") from None


def registered() -> list[Duty]:
    return sorted(_DUTIES.values(), key=lambda d: d.key)


def _row(duty: Duty, community: Community, period: Period, community_type: ContentType) -> Deadline:
    start, end = period.bounds()
    with translation.override(settings.LANGUAGE_CODE):  # stored in the source language, shown translated
        title = (_("%(title)s（%(period)s）") % {"title": duty.title, "period": period.label})[:200]
    return Deadline(
        community=community,
        rule=duty.rule,
        title=title,
        subject_type=community_type,
        subject_id=str(community.pk),
        starts_at=end if duty.opens is Opens.AT_END else start,
        due_at=duty.due(community, period),
        owner_role=duty.owner_role,
        duty=duty.key,
        period=period.key,
    )


def duties_open(communities: Iterable[Community], *, now: dt.datetime | None = None, keys=None) -> int:
    """Open every occurrence owed by now and missing; returns how many were made. Idempotent."""
    now = now or clock.now()
    communities = list(communities)
    chosen = [duty_of(k) for k in keys] if keys else registered()
    if not communities or not chosen:
        return 0
    wanted = {
        (c.pk, d.key, p.key): (d, c, p)
        for d in chosen
        for c in communities
        if d.applies is None or d.applies(c)
        for p in d.owed_periods(now)
    }
    existing = set(
        Deadline.objects.filter(
            community__in={key[0] for key in wanted},
            duty__in={key[1] for key in wanted},
            period__in={key[2] for key in wanted},
        ).values_list("community_id", "duty", "period")
    )
    missing = [value for key, value in wanted.items() if key not in existing]
    if not missing:
        return 0
    community_type = ContentType.objects.get_for_model(Community)
    rows = [_row(d, c, p, community_type) for d, c, p in missing]
    Deadline.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def occurrence(community: Community, key: str, period: Period) -> Deadline:
    """The community's occurrence of a duty for a period, opened if it is not there yet."""
    duty = duty_of(key)
    found = Deadline.objects.filter(community=community, duty=key, period=period.key).first()
    if found is None:
        Deadline.objects.bulk_create(
            [_row(duty, community, period, ContentType.objects.get_for_model(Community))], ignore_conflicts=True
        )
        found = Deadline.objects.get(community=community, duty=key, period=period.key)
    return found


def duty_meet(
    *, community: Community, key: str, period: Period, actor=None, at: dt.datetime | None = None, note: str = ""
) -> Deadline:
    """The duty is done for the period (or recorded as having nothing to do, with `note`)."""
    row = occurrence(community, key, period)
    at = at or clock.now()
    deadline_meet(community, row.rule, at=at, by=actor, duty=key, period=period.key)
    row.refresh_from_db()
    if note:
        log(actor, "core.duty.met", community, community=community, duty=key, period=period.key, note=note)
    return row


def link(deadline: Deadline) -> str:
    """The page where an occurrence is done ("" when its duty declares none)."""
    duty = _DUTIES.get(deadline.duty)
    if duty is None or duty.url is None:
        return ""
    return duty.url(deadline.community, Period.parse(deadline.period, duty.period))
