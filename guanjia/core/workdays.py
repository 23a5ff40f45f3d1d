"""Working days and time limits (DESIGN.md §5; RULES.md "Clocks").

Which days are working days, by priority:

1. a `Holiday` row for the date (the State Council's notice, entered in the console);
2. chinese-calendar, for the years it knows (2004–2026 in 1.11);
3. for any other year: if it has `Holiday` rows, those rows are its whole notice
   ("loaded"); otherwise Monday–Friday minus the statutory holidays computed by
   `core.holidays.fallback_year` ("fallback"), and the console warns until it is loaded.

Time limits (RULES.md Clocks):

* `add_hours(moment, n)`: "within N hours", N clock hours from the event;
* `add_days(moment, n)`: "within N days", counting from the day after the event and
  ending at 24:00 of the Nth day (《民法典》 art. 201);
* `add_workdays(moment, n)`: "within N working days", likewise ending at 24:00 of the
  Nth working day after the event day;
* `add(day, n)`: the date of the n-th working day after `day`; `deadline_end(day)`: 24:00 of it.

Every public function reads one `calendar()` snapshot: one small query checks whether the
`Holiday` table changed (so every process sees an edit at once), and the year tables are
cached. Code that asks about many dates at once should take `calendar()` once and use it.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock

from . import holidays as source
from .access import community_ids
from .activity import log
from .errors import Forbidden, ServiceError
from .holidays import HOLIDAY, ONE_DAY, WORKDAY, YearDays
from .models import Holiday

OFFICIAL, LOADED, FALLBACK = "official", "loaded", "fallback"
Tz = ZoneInfo | dt.tzinfo | str | None

WEEKDAYS = [
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
]


@functools.lru_cache(maxsize=256)
def _base_year(year: int) -> YearDays:
    """The year as chinese-calendar knows it, or computed from the national rules."""
    try:
        return source.official_year(year)
    except NotImplementedError:
        return source.fallback_year(year)


class Calendar:
    """The working-day calendar as of one reading of the `Holiday` table."""

    def __init__(self, rows: dict[dt.date, tuple[str, str]]):
        self.rows = rows
        self.loaded_years = frozenset(day.year for day in rows)
        self._years: dict[int, YearDays] = {}

    def year(self, year: int) -> YearDays:
        """The year's rest days and make-up workdays, after the `Holiday` rows."""
        days = self._years.get(year)
        if days is None:
            days = self._years[year] = self._build_year(year)
        return days

    def _build_year(self, year: int) -> YearDays:
        base = _base_year(year)
        if year not in self.loaded_years:
            return base
        own = {d: row for d, row in self.rows.items() if d.year == year}
        if base.source == OFFICIAL:
            # A row overrides chinese-calendar for its date only.
            rest = {d: n for d, n in base.rest.items() if d not in own}
            work = {d: n for d, n in base.work.items() if d not in own}
            source_name = OFFICIAL
        else:
            # The loaded notice replaces the computed fallback for the whole year.
            rest, work, source_name = {}, {}, LOADED
        for day, (kind, name) in own.items():
            (rest if kind == HOLIDAY else work)[day] = name
        return YearDays(source_name, dict(sorted(rest.items())), dict(sorted(work.items())))

    def status(self, year: int) -> str:
        return self.year(year).source

    def is_workday(self, day: dt.date) -> bool:
        day = _as_date(day)
        days = self.year(day.year)
        if day in days.work:
            return True
        if day in days.rest:
            return False
        return day.weekday() < 5

    def name(self, day: dt.date) -> str:
        """The holiday or make-up day's name ("" for an ordinary day)."""
        day = _as_date(day)
        days = self.year(day.year)
        return str(days.work.get(day) or days.rest.get(day) or "")

    def add(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (n=0: `start` itself; n<0: before it)."""
        day = _as_date(start)
        step = ONE_DAY if n >= 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def count_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is earlier.

        So `count_between(d, add(d, n)) == n` for every n.
        """
        start, end = _as_date(start), _as_date(end)
        if end < start:
            # Mirror of add() going backwards: working days in [end, start).
            return -sum(self.is_workday(end + i * ONE_DAY) for i in range((start - end).days))
        return sum(self.is_workday(start + i * ONE_DAY) for i in range(1, (end - start).days + 1))

    def holiday_blocks(self, year: int) -> list[HolidayBlock]:
        """The year's holidays as the notice states them: each run of rest days around a holiday."""
        days = self.year(year)
        blocks: list[HolidayBlock] = []
        for day in days.rest:
            if day.year != year or (blocks and blocks[-1].start <= day <= blocks[-1].end):
                continue
            start = day
            while not self.is_workday(start - ONE_DAY) and (start - ONE_DAY).year == year:
                start -= ONE_DAY
            end = day
            while not self.is_workday(end + ONE_DAY) and (end + ONE_DAY).year == year:
                end += ONE_DAY
            names = []
            for i in range((end - start).days + 1):
                name = str(days.rest.get(start + i * ONE_DAY) or "")
                if name and name not in names:
                    names.append(name)
            blocks.append(HolidayBlock(start, end, "、".join(names)))
        return blocks

    def makeup_workdays(self, year: int) -> list[tuple[dt.date, str]]:
        """调休 make-up workdays: Saturdays and Sundays worked."""
        return [(d, str(n)) for d, n in self.year(year).work.items() if d.weekday() >= 5]

    def unloaded_statutory_days(self, year: int) -> list[tuple[dt.date, str]]:
        """For a loaded year: statutory holiday weekdays its rows leave as working days (a typo check)."""
        if self.status(year) != LOADED:
            return []
        return [(d, str(n)) for d, n in source.statutory_days(year) if d.weekday() < 5 and self.is_workday(d)]


@dataclass(frozen=True)
class HolidayBlock:
    start: dt.date
    end: dt.date
    name: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


_snapshot: tuple[tuple, Calendar] | None = None


def calendar() -> Calendar:
    """The current calendar; rebuilt only when the `Holiday` table has changed."""
    global _snapshot
    fingerprint = tuple(Holiday.objects.aggregate(n=Count("id"), last=Max("id"), changed=Max("updated_at")).values())
    cached = _snapshot
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    rows = {day: (kind, name) for day, kind, name in Holiday.objects.values_list("date", "kind", "name")}
    fresh = Calendar(rows)
    _snapshot = (fingerprint, fresh)
    return fresh


# -- the public API: one snapshot per call ------------------------------------------------


def is_workday(day: dt.date) -> bool:
    return calendar().is_workday(day)


def is_holiday(day: dt.date) -> bool:
    """A rest day: a weekend day that is not a make-up workday, or a holiday."""
    return not calendar().is_workday(day)


def holiday_name(day: dt.date) -> str:
    return calendar().name(day)


def add(start: dt.date, n: int) -> dt.date:
    """The date of the n-th working day after `start` (n=0 → `start`)."""
    return calendar().add(start, n)


def count_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    return calendar().count_between(start, end)


def year_status(year: int) -> str:
    """ "official" (chinese-calendar knows it), "loaded" (Holiday rows) or "fallback" (computed)."""
    return calendar().status(year)


def deadline_end(day: dt.date, tz: Tz = None) -> dt.datetime:
    """24:00 of `day`, i.e. 00:00 of the next day, in `tz` (default Asia/Shanghai, the site zone)."""
    return dt.datetime.combine(_as_date(day) + ONE_DAY, dt.time.min, tzinfo=_zone(tz))


# How a deadline reads where the full "2026-12-22 24:00" does not fit: what the desk says to a caller,
# the owner's phone, a narrow table column. Every deadline text is `deadline_text` in one of these.
DEADLINE_FORMS = ("", "desk", "phone", "narrow")


def deadline_parts(moment: dt.datetime, tz: Tz = None) -> tuple[dt.date, str]:
    """(the last day, "HH:MM"): a limit stored as midnight is 24:00 of the day before (RULES.md Clocks)."""
    local = moment.astimezone(_zone(tz)) if timezone.is_aware(moment) else moment
    if local.time() == dt.time.min:
        return local.date() - ONE_DAY, "24:00"
    return local.date(), f"{local:%H:%M}"


def deadline_text(moment: dt.datetime | None, form: str = "", *, now: dt.datetime | None = None, tz: Tz = None) -> str:
    """A deadline as people read it; one ending at midnight is "24:00" of its last day, never 00:00 of the next.

    ""        "2026-12-22 24:00"   pages, notices, PDFs, reminders
    "desk"    "11:00" (today), "明日 09:00", "12月22日 24:00" (this year), else the full form
    "phone"   "12月22日 24:00"     the owner's portal
    "narrow"  "12-22 24:00"        a narrow table column
    """
    if form not in DEADLINE_FORMS:
        raise ValueError(f"unknown deadline form {form!r}")
    if not moment:
        return ""
    day, hhmm = deadline_parts(moment, tz)
    if form == "narrow":
        return f"{day:%m-%d} {hhmm}"
    month_day = _("%(m)s月%(d)s日 %(t)s") % {"m": day.month, "d": day.day, "t": hhmm}
    if form == "phone":
        return month_day
    if form == "desk":
        today = local_date(now or clock.now(), tz)
        if day == today:
            return hhmm
        if day == today + ONE_DAY:
            return _("明日 %(t)s") % {"t": hhmm}
        if day.year == today.year:
            return month_day
    return f"{day:%Y-%m-%d} {hhmm}"


def add_hours(start: dt.datetime, n: float) -> dt.datetime:
    """ "Within N hours": N clock hours from the event."""
    return start + dt.timedelta(hours=n)


def add_days(start: dt.datetime | dt.date, n: int, tz: Tz = None) -> dt.datetime:
    """ "Within N days": 24:00 of the Nth calendar day after the event day (weekends and holidays count)."""
    return deadline_end(local_date(start, tz) + n * ONE_DAY, tz)


def add_workdays(start: dt.datetime | dt.date, n: int, tz: Tz = None) -> dt.datetime:
    """ "Within N working days": 24:00 of the Nth working day after the event day."""
    return deadline_end(add(local_date(start, tz), n), tz)


def local_date(moment: dt.datetime | dt.date, tz: Tz = None) -> dt.date:
    """The calendar date of `moment` in `tz` (a naive datetime is taken as already local)."""
    if isinstance(moment, dt.datetime):
        if timezone.is_aware(moment):
            moment = moment.astimezone(_zone(tz))
        return moment.date()
    return moment


def _zone(tz: Tz) -> dt.tzinfo:
    if tz is None:
        return timezone.get_default_timezone()
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _as_date(day: dt.date) -> dt.date:
    return day.date() if isinstance(day, dt.datetime) else day


# -- the console's warning ------------------------------------------------------------------


def today() -> dt.date:
    return clock.today()


def years_in_fallback(on: dt.date | None = None) -> list[int]:
    """This year and next year, where no notice is loaded and the calendar is only computed."""
    on = on or today()
    cal = calendar()
    return [y for y in (on.year, on.year + 1) if cal.status(y) == FALLBACK]


def fallback_warning(on: dt.date | None = None) -> str:
    """ "2027年放假安排尚未录入，按法定节假日推算。", or "" when this year and next are loaded."""
    return warning_text(years_in_fallback(on))


def warning_text(years: list[int]) -> str:
    if not years:
        return ""
    return _("%(years)s放假安排尚未录入，按法定节假日推算。") % {
        "years": "、".join(_("%(y)d年") % {"y": y} for y in years)
    }


def calendar_warnings(on: dt.date | None = None) -> list[tuple[int, str]]:
    """(year, message) for this year and next: no notice loaded, or a loaded notice missing a statutory holiday."""
    on = on or today()
    cal = calendar()
    years = (on.year, on.year + 1)
    fallback = [y for y in years if cal.status(y) == FALLBACK]
    warnings = [(fallback[0], warning_text(fallback))] if fallback else []
    for year in years:
        if cal.unloaded_statutory_days(year):
            warnings.append((year, _("%(y)d年已录入的放假安排漏了法定节假日，请核对。") % {"y": year}))
    return warnings


# -- services: entering the State Council's notice --------------------------------------------


def require_calendar_editor(actor) -> None:
    """The calendar is national: an office manager of any community, or a company admin, may edit it."""
    if not getattr(actor, "is_superuser", False) and community_ids(actor, "core.edit_calendar") == set():
        raise Forbidden("forbidden", _("您没有权限执行此操作。"))


def day_problem(day: dt.date, kind: str) -> str | None:
    """Why `day` cannot be entered as `kind`, or None."""
    label = f"{day:%Y-%m-%d}（{WEEKDAYS[day.weekday()]}）"
    if not 2000 <= day.year <= 2100:
        return _("%(day)s 超出可录入的年份范围（2000–2100年）。") % {"day": label}
    if kind == WORKDAY and day.weekday() < 5:
        return _("%(day)s 本来就是工作日，无需登记调休上班。") % {"day": label}
    if kind == HOLIDAY and day.weekday() >= 5:
        return _("%(day)s 是周末，本来就休息，无需登记放假。") % {"day": label}
    return None


def _existing(days: list[dt.date]) -> dict[dt.date, Holiday]:
    return {h.date: h for h in Holiday.objects.filter(date__in=days)}


def _duplicate_message(holiday: Holiday) -> str:
    return _("%(day)s 已录入（%(what)s），请先删除原记录。") % {
        "day": f"{holiday.date:%Y-%m-%d}",
        "what": f"{holiday.name} {holiday.get_kind_display()}".strip(),
    }


def _many_taken(taken: list[Holiday]) -> str:
    return _("%(first)s 等%(n)d天已录入，请先删除原记录。") % {"first": f"{taken[0].date:%Y-%m-%d}", "n": len(taken)}


def holiday_add(*, day: dt.date, kind: str, name: str = "", actor) -> Holiday:
    """Enter one holiday or make-up workday of the State Council's notice (DESIGN.md §5)."""
    require_calendar_editor(actor)
    if kind not in Holiday.Kind.values:
        raise ServiceError("holiday_kind", _("请选择“放假”或“调休上班”。"), field="kind")
    problem = day_problem(day, kind)
    if problem:
        raise ServiceError("holiday_date", problem, field="date")
    existing = _existing([day]).get(day)
    if existing:
        raise ServiceError("holiday_duplicate", _duplicate_message(existing), field="date")
    holiday = Holiday(date=day, kind=kind, name=(name or "").strip(), created_by=actor)
    holiday.year = day.year
    holiday.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            holiday.save()
            log(
                actor,
                "core.holiday.added",
                holiday,
                summary=str(holiday),
                date=day.isoformat(),
                kind=kind,
                name=holiday.name,
            )
    except IntegrityError:  # entered at the same moment by someone else
        raise ServiceError(
            "holiday_duplicate", _duplicate_message(Holiday.objects.get(date=day)), field="date"
        ) from None
    return holiday


def holiday_delete(*, holiday: Holiday, actor) -> None:
    require_calendar_editor(actor)
    with transaction.atomic():
        log(
            actor,
            "core.holiday.deleted",
            holiday,
            summary=str(holiday),
            date=holiday.date.isoformat(),
            kind=holiday.kind,
            name=holiday.name,
        )
        holiday.delete()


@dataclass
class NoticeCheck:
    """Bulk entry, checked: what would be saved and what is wrong, by line number."""

    lines: list[source.NoticeLine]
    errors: list[tuple[int, str]]

    @property
    def day_count(self) -> int:
        return sum(len(line.days) for line in self.lines)

    @property
    def years(self) -> list[int]:
        return sorted({d.year for line in self.lines for d in line.days})


def notice_check(text: str) -> NoticeCheck:
    """Parse bulk entry text and check every day against the rules and the table (the preview)."""
    lines, errors = source.parse_notice(text)
    all_days = [d for line in lines for d in line.days]
    existing = _existing(all_days)
    seen: dict[dt.date, int] = {}
    good = []
    for line in lines:
        problems = [p for p in (day_problem(day, line.kind) for day in line.days) if p]
        taken = [existing[day] for day in line.days if day in existing]
        if taken:
            problems.append(_duplicate_message(taken[0]) if len(taken) == 1 else _many_taken(taken))
        for day in line.days:
            if day in seen:
                problems.append(_("%(day)s 与第%(n)d行重复。") % {"day": f"{day:%Y-%m-%d}", "n": seen[day]})
            elif day not in existing:
                seen[day] = line.line
        if not line.days:
            problems.append(_("该区间全是周末，无需登记放假。"))
        elif line.kind == HOLIDAY and not line.name:
            problems.append(_("请写明节日名称，例如“国庆节”。"))
        if problems:
            errors.extend((line.line, p) for p in problems)
        else:
            good.append(line)
    errors.sort(key=lambda item: item[0])
    if not lines and not errors:
        errors.append((0, _("请至少填写一行。")))
    return NoticeCheck(good, errors)


class NoticeInvalid(ServiceError):
    def __init__(self, check: NoticeCheck):
        super().__init__(
            "notice_invalid", _("有%(n)d处错误，未保存任何记录。") % {"n": len(check.errors)}, field="text"
        )
        self.check = check


def holidays_import(*, text: str, actor) -> list[Holiday]:
    """Enter a year's notice from bulk text, all or nothing."""
    require_calendar_editor(actor)
    check = notice_check(text)
    if check.errors:
        raise NoticeInvalid(check)
    rows = [
        Holiday(date=day, year=day.year, kind=line.kind, name=line.name, created_by=actor)
        for line in check.lines
        for day in line.days
    ]
    try:
        with transaction.atomic():
            created = Holiday.objects.bulk_create(rows)
            log(
                actor,
                "core.holiday.imported",
                summary=_("录入%(n)d天节假日安排（%(years)s）")
                % {"n": len(rows), "years": "、".join(map(str, check.years))},
                days=len(rows),
                years=check.years,
                lines=[line.text for line in check.lines],
            )
    except IntegrityError:
        raise ServiceError("holiday_duplicate", _("部分日期刚被他人录入，请刷新后重试。"), field="text") from None
    return created
