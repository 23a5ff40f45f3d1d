"""Where the working-day calendar gets its holidays from (DESIGN.md §5).

Three sources, none of which touches the database (core.workdays adds the `Holiday` table):

* `official_year()`: chinese-calendar's copy of the State Council's notices (2004–2026 in 1.11).
* `fallback_year()`: for a year nobody has loaded, the statutory holidays that
  《全国年节及纪念日放假办法》 (as revised 2024, in force 2025-01-01) fixes: art. 2 gives
  元旦 1 day, 春节 4 days (除夕 and 初一–初三), 清明 1, 劳动节 2 (May 1–2), 端午 1,
  中秋 1, 国庆 3 (Oct 1–3); art. 6 says a holiday that falls on a Saturday or Sunday is
  made up on a working day (补假). Make-up *workdays* (调休上班) are the State Council's
  choice each year, so the fallback has none.
* `parse_notice()`: the console's bulk entry, one line per holiday or make-up workday
  (`2027-10-01 至 2027-10-07 国庆节 放假`, `2027-09-26 上班`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from dataclasses import dataclass, field

import chinese_calendar
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lunardate import LunarDate

from .textnorm import clean_text

HOLIDAY, WORKDAY = "holiday", "workday"  # = core.models.Holiday.Kind values
ONE_DAY = dt.timedelta(days=1)

# The holiday names used throughout the console.
NEW_YEAR = gettext_lazy("元旦")
SPRING = gettext_lazy("春节")
QINGMING = gettext_lazy("清明节")
LABOUR = gettext_lazy("劳动节")
DRAGON_BOAT = gettext_lazy("端午节")
MID_AUTUMN = gettext_lazy("中秋节")
NATIONAL = gettext_lazy("国庆节")

_OFFICIAL_NAMES = {
    chinese_calendar.Holiday.new_years_day.value: NEW_YEAR,
    chinese_calendar.Holiday.spring_festival.value: SPRING,
    chinese_calendar.Holiday.tomb_sweeping_day.value: QINGMING,
    chinese_calendar.Holiday.labour_day.value: LABOUR,
    chinese_calendar.Holiday.dragon_boat_festival.value: DRAGON_BOAT,
    chinese_calendar.Holiday.mid_autumn_festival.value: MID_AUTUMN,
    chinese_calendar.Holiday.national_day.value: NATIONAL,
}

OFFICIAL_FIRST = min(chinese_calendar.holidays).year
OFFICIAL_LAST = max(chinese_calendar.holidays).year


@dataclass(frozen=True)
class YearDays:
    """A year's exceptions to the Monday–Friday week: rest days and make-up workdays, by date → name."""

    source: str  # "official" | "fallback" | "loaded"
    rest: dict[dt.date, str] = field(default_factory=dict)
    work: dict[dt.date, str] = field(default_factory=dict)


def is_official(year: int) -> bool:
    return OFFICIAL_FIRST <= year <= OFFICIAL_LAST


@functools.lru_cache(maxsize=256)
def official_year(year: int) -> YearDays:
    """chinese-calendar's data for a year it knows (it raises NotImplementedError for others)."""
    if not is_official(year):
        raise NotImplementedError(year)
    name = _OFFICIAL_NAMES.get
    rest = {d: name(n, n) for d, n in chinese_calendar.holidays.items() if d.year == year}
    work = {d: name(n, n) for d, n in chinese_calendar.workdays.items() if d.year == year}
    return YearDays("official", dict(sorted(rest.items())), dict(sorted(work.items())))


# -- the statutory holidays, computed --------------------------------------------------


def lunar_date(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of a lunar date (lunardate covers lunar years 1900–2099)."""
    return LunarDate(year, month, day).to_solar_date()


def chinese_new_years_eve(year: int) -> dt.date:
    """除夕: the day before 正月初一 of the lunar year starting in `year` (always in late Jan/Feb)."""
    return lunar_date(year, 1, 1) - ONE_DAY


def qingming(year: int) -> dt.date:
    """The Qingming solar term (Apr 4–6), by the 寿星 formula with its published corrections.

    chinese-calendar implements that formula for 1900–2100; the tests check it against every
    Qingming holiday in the official data.
    """
    terms = chinese_calendar.get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 30))
    return next(day for day, term in terms if term == "清明")


def statutory_days(year: int) -> list[tuple[dt.date, str]]:
    """Each day of holiday the national rules give in `year` (art. 2), weekend or not, by date."""
    days = [(dt.date(year, 1, 1), NEW_YEAR), (dt.date(year, 5, 1), LABOUR), (dt.date(year, 5, 2), LABOUR)]
    days += [(dt.date(year, 10, d), NATIONAL) for d in (1, 2, 3)]
    try:
        eve = chinese_new_years_eve(year)
        days += [(eve + i * ONE_DAY, SPRING) for i in range(4)]
        days += [(lunar_date(year, 5, 5), DRAGON_BOAT), (lunar_date(year, 8, 15), MID_AUTUMN)]
    except ValueError:  # outside lunardate's range: only the fixed-date holidays are known
        pass
    with contextlib.suppress(NotImplementedError):  # the solar-term formula covers 1900–2100
        days.append((qingming(year), QINGMING))
    return sorted(days, key=lambda item: item[0])


@functools.lru_cache(maxsize=256)
def fallback_year(year: int) -> YearDays:
    """The statutory holidays of `year`, with art. 6 make-up rest days (补假); no make-up workdays.

    A holiday day on a Saturday or Sunday, or on a day another holiday already takes
    (中秋 on 1–3 October), is made up on the first following weekday that is still free.
    """
    rest: dict[dt.date, str] = {}
    owed: list[tuple[dt.date, str]] = []
    for day, name in statutory_days(year):
        if day.weekday() < 5 and day not in rest:
            rest[day] = name
        else:
            owed.append((day, name))
    for day, name in owed:
        rest.setdefault(day, name)  # a weekend holiday is still named on the calendar
        extra = day + ONE_DAY
        while extra.weekday() >= 5 or extra in rest:
            extra += ONE_DAY
        rest[extra] = name
    return YearDays("fallback", dict(sorted(rest.items())), {})


# -- bulk entry --------------------------------------------------------------------------

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_SHORT = r"(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(rf"^{_DATE}(?:\s*(?:至|到|~|～|—|–|\s-\s)\s*{_SHORT})?\s*(.*)$")
_KINDS = [
    ("放假调休", HOLIDAY),
    ("调休上班", WORKDAY),
    ("放假", HOLIDAY),
    ("休息", HOLIDAY),
    ("上班", WORKDAY),
    ("补班", WORKDAY),
    ("休", HOLIDAY),
    ("班", WORKDAY),
]
MAX_RANGE_DAYS = 31
NAME_MAX = 30


@dataclass
class NoticeLine:
    """One parsed line of a holiday notice."""

    line: int
    text: str
    days: list[dt.date]
    kind: str
    name: str


def parse_notice(text: str) -> tuple[list[NoticeLine], list[tuple[int, str]]]:
    """Parse bulk entry text; returns the good lines and (line number, message) for each bad one.

    Blank lines and lines starting with # are skipped. A holiday range keeps only its
    Monday–Fridays: Saturdays and Sundays inside it are rest days anyway.
    """
    entries: list[NoticeLine] = []
    errors: list[tuple[int, str]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = clean_text(raw)
        if not line or line.startswith("#"):
            continue
        try:
            entries.append(_parse_line(number, line))
        except ValueError as error:
            errors.append((number, str(error)))
    return entries, errors


def _parse_line(number: int, line: str) -> NoticeLine:
    match = _LINE.match(line)
    if not match:
        raise ValueError(_("无法识别日期，请按“2027-10-01 至 2027-10-07 国庆节 放假”或“2027-09-26 上班”的格式填写。"))
    y1, m1, d1, y2, m2, d2, rest = match.groups()
    start = _date(y1, m1, d1)
    end = _date(y2 or y1, m2, d2) if m2 else start
    if end < start:
        raise ValueError(_("结束日期早于开始日期。"))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValueError(_("日期区间超过%(n)d天，请检查。") % {"n": MAX_RANGE_DAYS})
    rest = rest.strip(" ，,：:、。;；")
    kind = None
    for word, value in _KINDS:
        if rest.endswith(word):
            kind, rest = value, rest[: -len(word)]
            break
    if kind is None:
        raise ValueError(_("请在行末写明“放假”或“上班”。"))
    name = rest.strip(" ，,：:、。;；()（）")
    if len(name) > NAME_MAX:
        raise ValueError(_("节日名称过长（不超过%(n)d个字）。") % {"n": NAME_MAX})
    days = [start + i * ONE_DAY for i in range((end - start).days + 1)]
    if kind == HOLIDAY and len(days) > 1:
        days = [d for d in days if d.weekday() < 5]
    return NoticeLine(number, line, days, kind, name)


def _date(year: str, month: str, day: str) -> dt.date:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(_("日期 %(d)s 不存在。") % {"d": f"{year}-{month}-{day}"}) from None
