"""How many resident ID numbers are consistent with what a page shows of a person (LW-1).

An attacker who sees a masked ID, and perhaps the birth date, an age or the gender, enumerates the
18-character numbers that fit (GB 11643: address code, birth date, sequence, check character) and
keeps those that pass the real checks: `stdnum.cn.ric` (the ISO 7064 MOD 11-2 check character and
an address code in use in the birth year). The count is exact and fast: the check character is a
weighted sum mod 11, so each part contributes a distribution of residues and the parts convolve.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter
from functools import cache

from stdnum import numdb
from stdnum.cn import ric

# ISO 7064 MOD 11-2 weights of the first 17 characters: 2^(17-i) mod 11.
WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
MINIMUM = 10_000
EARLIEST = dt.date(1900, 1, 1)
_MASKED = re.compile(r"(?<![0-9Xx*])[0-9Xx*]{18}(?![0-9Xx*])")
_AGE = re.compile(r"(\d{1,3})\s*岁")
_TAIL = re.compile(r"尾号\s*([0-9Xx]{4})")  # 证件尾号2146 in the pickers and search results


def _check_for(residue: int) -> str:
    return "10X98765432"[residue % 11]


@cache
def _regions() -> tuple[tuple[str, int | None, int | None], ...]:
    """Every county-level code with the years it was in use (stdnum's cn/loc, as ric.validate uses)."""
    codes = []
    for _length, low, _high, _props, counties in numdb.get("cn/loc").prefixes:
        for _l, county_code, _h, props, _c in counties:
            for county in props.get("county", "").split(","):
                start = end = None
                if county.startswith("["):
                    span = county[1 : county.index("]")]
                    first, last = span.split("-")
                    start, end = (int(first) if first else None), (int(last) if last else None)
                codes.append((low + county_code, start, end))
    return tuple(codes)


def _in_use(start, end, year: int) -> bool:
    return (start is None or year >= start) and (end is None or year <= end)


def _fits(value: str, pattern: str) -> bool:
    return all(p in "*" or p == v for v, p in zip(value, pattern, strict=True))


def _residues(strings, offset: int) -> Counter:
    return Counter(sum(WEIGHTS[offset + i] * int(c) for i, c in enumerate(s)) % 11 for s in strings)


@cache
def _region_residues(pattern: str, year: int) -> Counter:
    codes = {code for code, start, end in _regions() if _in_use(start, end, year) and _fits(code, pattern)}
    return _residues(codes, 0)


def count(masked: str, *, birth_dates, gender: str | None = None) -> int:
    """Numbers matching `masked` (`*` unknown), born on one of `birth_dates`, of `gender` (M/F) if known."""
    return _count(masked.upper(), tuple(birth_dates), gender)


@cache
def _count(masked: str, birth_dates: tuple, gender: str | None) -> int:
    region, birth, sequence, check = masked[:6], masked[6:14], masked[14:17], masked[17]
    sequences = [f"{n:03d}" for n in range(1000)]
    sequences = [s for s in sequences if _fits(s, sequence)]
    if gender:
        sequences = [s for s in sequences if (int(s[2]) % 2 == 1) == (gender == "M")]
    seq = _residues(sequences, 14)
    by_year: dict[int, list[str]] = {}
    for day in birth_dates:
        text = day.strftime("%Y%m%d")
        if _fits(text, birth):
            by_year.setdefault(day.year, []).append(text)
    total = 0
    for year, days in by_year.items():
        regions, dates = _region_residues(region, year), _residues(days, 6)
        for r, nr in regions.items():
            for d, nd in dates.items():
                for s, ns in seq.items():
                    if check == "*" or _check_for(r + d + s) == check:
                        total += nr * nd * ns
    return total


def _days(first: dt.date, last: dt.date):
    return (first + dt.timedelta(days=i) for i in range((last - first).days + 1))


@cache
def _span(first: dt.date, last: dt.date) -> tuple:
    return tuple(_days(first, last))


def _date_forms(day: dt.date) -> list[str]:
    return [day.isoformat(), day.strftime("%Y/%m/%d"), f"{day.year}年{day.month}月{day.day}日", day.strftime("%Y%m%d")]


def visible(page: str, number: str, *, today: dt.date) -> dict:
    """What `page` (HTML or JSON text) gives away about the person whose ID is `number`."""
    text = html.unescape(page)
    born = ric.get_birth_date(number)
    # The masked forms on the page that fit this person's number (an unmasked one counts as fully shown).
    shown = [m.upper() for m in _MASKED.findall(text) if _fits(number, m.upper())]
    shown += ["*" * 14 + t.upper() for t in _TAIL.findall(text) if t.upper() == number[-4:]]
    if any(form in text for form in _date_forms(born)):
        dates, seen = (born,), "birth date"
    elif f"{born.year}-{born.month:02d}" in text or f"{born.year}年{born.month}月" in text:
        dates = tuple(
            d for d in _days(born.replace(day=1), born.replace(day=28) + dt.timedelta(days=4)) if d.month == born.month
        )
        seen = "birth month"
    else:
        age = (today.year - born.year) - ((today.month, today.day) < (born.month, born.day))
        if any(int(a) == age for a in _AGE.findall(text)):
            first = today.replace(year=today.year - age - 1) + dt.timedelta(days=1)
            dates, seen = _span(first, today.replace(year=today.year - age)), "age"
        else:
            dates, seen = _span(EARLIEST, today), "nothing"
    return {"masked": shown, "birth_dates": dates, "birth": seen}


def candidates(page: str, number: str, *, today: dt.date) -> int:
    """The fewest candidates any masked form of `number` on `page` leaves, with what else it shows.

    The gender is taken as known whatever the page says (the desk addresses people as 先生/女士), so
    the count is the attacker's best case. A page showing no form of the number leaves every number
    of that birth information; 18 characters in clear leave one."""
    return _least(visible(page, number, today=today), number)


def _least(seen: dict, number: str) -> int:
    gender = "M" if int(number[16]) % 2 else "F"
    forms = seen["masked"] or ["*" * 18]
    return min(count(m, birth_dates=seen["birth_dates"], gender=gender) for m in forms)


def assert_enough(page: str, number: str, *, today: dt.date, where: str = "") -> int:
    seen = visible(page, number, today=today)
    found = _least(seen, number)
    assert found >= MINIMUM, (
        f"{where}: {found} ID candidates left (< {MINIMUM}) from {seen['masked']} and the {seen['birth']} shown (LW-1)"
    )
    return found
