"""Periods: the one home of day / week / month / quarter / half-year / year arithmetic (DESIGN §11).

A `Period` is a kind and its first day; everything else is derived. Bounds are half-open
`[start, end)`, as aware datetimes at local midnight, so "within the month" is
`start <= moment < end` on every database. A URL names a period by its key
(`2026-11`, `2026-Q4`, `2026-H2`, `2026`, `2026-W48`, `2026-11-20`); `Period.parse` reads it back.
Duties "by the 5th of the next month" end at 24:00 of that day (RULES.md Clocks): `due_on_day`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from . import workdays

DAY, WEEK, MONTH, QUARTER, HALF_YEAR, YEAR = "day", "week", "month", "quarter", "half_year", "year"
KINDS = (DAY, WEEK, MONTH, QUARTER, HALF_YEAR, YEAR)
_MONTHS = {MONTH: 1, QUARTER: 3, HALF_YEAR: 6, YEAR: 12}


def add_months(day: dt.date, n: int) -> dt.date:
    """The same day n months later (or earlier), clamped to the month's last day (Jan 31 + 1 → Feb 28)."""
    index = day.year * 12 + day.month - 1 + n
    year, month = divmod(index, 12)
    first_of_next = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return dt.date(year, month + 1, min(day.day, (first_of_next - dt.timedelta(days=1)).day))


def _start_of(kind: str, day: dt.date) -> dt.date:
    if kind == DAY:
        return day
    if kind == WEEK:
        return day - dt.timedelta(days=day.weekday())
    size = _MONTHS[kind]
    return dt.date(day.year, (day.month - 1) // size * size + 1, 1)


@dataclass(frozen=True, order=True)
class Period:
    kind: str
    start: dt.date

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if _start_of(self.kind, self.start) != self.start:
            raise ValueError(f"{self.start} does not start a {self.kind}")

    # -- making one ---------------------------------------------------------------------------

    @classmethod
    def of(cls, kind: str, day: dt.date | dt.datetime | Period) -> Period:
        """The period of `kind` that contains `day` (a datetime is read in the current time zone), or the
        whole of a period: the month of a day or of a month, the quarter of a month, never the month of a
        quarter (ValueError), so a caller handed the wrong kind of period fails instead of guessing."""
        if isinstance(day, Period):
            period = cls.of(kind, day.start)
            if day.last_day not in period:
                raise ValueError(f"{day.key} is not within one {kind}")
            return period
        if isinstance(day, dt.datetime):
            day = timezone.localdate(day)
        return cls(kind, _start_of(kind, day))

    @classmethod
    def parse(cls, value: str | None, kind: str | None = None) -> Period | None:
        """A period from its key, or None when `value` is empty or not a key (of `kind`, if given)."""
        period = _parse(value or "")
        return period if period is not None and (kind is None or period.kind == kind) else None

    # -- arithmetic ---------------------------------------------------------------------------

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        if self.kind == DAY:
            return self.start + dt.timedelta(days=1)
        if self.kind == WEEK:
            return self.start + dt.timedelta(days=7)
        return add_months(self.start, _MONTHS[self.kind])

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def shift(self, n: int) -> Period:
        if self.kind in (DAY, WEEK):
            return Period(self.kind, self.start + dt.timedelta(days=n * (1 if self.kind == DAY else 7)))
        return Period(self.kind, add_months(self.start, n * _MONTHS[self.kind]))

    def next(self) -> Period:
        return self.shift(1)

    def previous(self) -> Period:
        return self.shift(-1)

    def until(self, last: Period) -> list[Period]:
        """This period and each one after it up to `last`, inclusive ([] when `last` is earlier)."""
        if last.kind != self.kind:
            raise ValueError(f"{last.key} is not a {self.kind}")
        periods, period = [], self
        while period <= last:
            periods.append(period)
            period = period.next()
        return periods

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day < self.end

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days)]

    def months(self) -> list[Period]:
        """The months the period covers (a week may touch two)."""
        first, last = Period.of(MONTH, self.start), Period.of(MONTH, self.last_day)
        months = [first]
        while months[-1] != last:
            months.append(months[-1].next())
        return months

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight."""
        return _midnight(self.start), _midnight(self.end)

    def has_ended(self, now: dt.datetime) -> bool:
        return self.bounds()[1] <= now

    def due_on_day(self, day_of_month: int, months_after: int = 1) -> dt.datetime:
        """24:00 of the given day of the month `months_after` after the period's end month began:
        "by the 5th of the next month" is `due_on_day(5)`; of the next quarter's first month too."""
        month = add_months(Period.of(MONTH, self.last_day).start, months_after)
        return workdays.deadline_end(month.replace(day=min(day_of_month, Period(MONTH, month).last_day.day)))

    # -- names --------------------------------------------------------------------------------

    @property
    def key(self) -> str:
        s = self.start
        return {
            DAY: f"{s:%Y-%m-%d}",
            WEEK: f"{s.isocalendar().year}-W{s.isocalendar().week:02d}",
            MONTH: f"{s:%Y-%m}",
            QUARTER: f"{s.year}-Q{(s.month - 1) // 3 + 1}",
            HALF_YEAR: f"{s.year}-H{(s.month - 1) // 6 + 1}",
            YEAR: f"{s.year}",
        }[self.kind]

    @property
    def label(self) -> str:
        s = self.start
        if self.kind == DAY:
            return _("%(y)d年%(m)d月%(d)d日") % {"y": s.year, "m": s.month, "d": s.day}
        if self.kind == WEEK:  # the ISO week's own year and number: 2026-W01 may begin in December 2025
            e, iso = self.last_day, s.isocalendar()
            return _("%(y)d年第%(w)d周（%(m)d月%(d)d日–%(m2)d月%(d2)d日）") % {
                "y": iso.year, "w": iso.week, "m": s.month, "d": s.day, "m2": e.month, "d2": e.day,
            }  # fmt: skip
        if self.kind == MONTH:
            return _("%(y)d年%(m)d月") % {"y": s.year, "m": s.month}
        if self.kind == QUARTER:
            return _("%(y)d年第%(q)d季度") % {"y": s.year, "q": (s.month - 1) // 3 + 1}
        if self.kind == HALF_YEAR:
            return (_("%(y)d年上半年") if s.month == 1 else _("%(y)d年下半年")) % {"y": s.year}
        return _("%(y)d年") % {"y": s.year}

    def __str__(self) -> str:
        return self.key


_KEYS = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), DAY),
    (re.compile(r"^(\d{4})-W(\d{2})$"), WEEK),
    (re.compile(r"^(\d{4})-(\d{2})$"), MONTH),
    (re.compile(r"^(\d{4})-Q([1-4])$"), QUARTER),
    (re.compile(r"^(\d{4})-H([12])$"), HALF_YEAR),
    (re.compile(r"^(\d{4})$"), YEAR),
]


def _parse(value: str) -> Period | None:
    value = value.strip().upper()  # "2026-w42" typed by hand is the week <input type=week> sends as "2026-W42"
    for pattern, kind in _KEYS:
        match = pattern.match(value)
        if not match:
            continue
        n = [int(g) for g in match.groups()]
        if not 1900 <= n[0] <= 2200:
            return None
        try:
            if kind == DAY:
                return Period(DAY, dt.date(*n))
            if kind == WEEK:
                return Period(WEEK, dt.date.fromisocalendar(n[0], n[1], 1))
            if kind == MONTH:
                return Period(MONTH, dt.date(n[0], n[1], 1))
            if kind == QUARTER:
                return Period(QUARTER, dt.date(n[0], 3 * n[1] - 2, 1))
            if kind == HALF_YEAR:
                return Period(HALF_YEAR, dt.date(n[0], 6 * n[1] - 5, 1))
            return Period(YEAR, dt.date(n[0], 1, 1))
        except ValueError:
            return None
    return None


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
