"""core.periods: one home of period arithmetic, keys for URLs, labels and "by the Nth" deadlines."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guanjia.core.periods import DAY, HALF_YEAR, KINDS, MONTH, QUARTER, WEEK, YEAR, Period, add_months

SH = dt.timezone(dt.timedelta(hours=8))
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2150, 12, 31))


@pytest.mark.parametrize(
    "kind, day, start, end, key, label",
    [
        (DAY, dt.date(2026, 11, 20), dt.date(2026, 11, 20), dt.date(2026, 11, 21), "2026-11-20", "2026年11月20日"),
        (
            WEEK,
            dt.date(2026, 11, 20),
            dt.date(2026, 11, 16),
            dt.date(2026, 11, 23),
            "2026-W47",
            "2026年第47周（11月16日–11月22日）",
        ),
        (MONTH, dt.date(2026, 12, 31), dt.date(2026, 12, 1), dt.date(2027, 1, 1), "2026-12", "2026年12月"),
        (QUARTER, dt.date(2026, 11, 20), dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026-Q4", "2026年第4季度"),
        (HALF_YEAR, dt.date(2026, 6, 30), dt.date(2026, 1, 1), dt.date(2026, 7, 1), "2026-H1", "2026年上半年"),
        (HALF_YEAR, dt.date(2026, 7, 1), dt.date(2026, 7, 1), dt.date(2027, 1, 1), "2026-H2", "2026年下半年"),
        (YEAR, dt.date(2026, 2, 28), dt.date(2026, 1, 1), dt.date(2027, 1, 1), "2026", "2026年"),
    ],
)
def test_period_of_a_day_has_bounds_key_and_label(kind, day, start, end, key, label):
    period = Period.of(kind, day)
    assert (period.start, period.end, period.key, period.label) == (start, end, key, label)
    assert Period.parse(key) == period and Period.parse(key, kind) == period
    lower, upper = period.bounds()
    assert lower == dt.datetime.combine(start, dt.time.min, tzinfo=SH)
    assert upper == dt.datetime.combine(end, dt.time.min, tzinfo=SH)


def test_a_moment_belongs_to_its_local_day():
    late = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 01:00 on 1 December in Shanghai
    assert Period.of(MONTH, late).key == "2026-12"


@pytest.mark.parametrize(
    "value", ["", None, "2026-13", "2026-00", "2026-Q5", "2026-H3", "2026-W54", "26-11", "2026-02-30", "x"]
)
def test_parse_refuses_what_is_not_a_period(value):
    assert Period.parse(value) is None


def test_parse_checks_the_kind_asked_for():
    assert Period.parse("2026-11", QUARTER) is None


def test_a_period_must_start_on_its_first_day():
    with pytest.raises(ValueError):
        Period(MONTH, dt.date(2026, 11, 2))


def test_add_months_clamps_to_the_months_last_day():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)
    assert add_months(dt.date(2027, 1, 15), -1) == dt.date(2026, 12, 15)
    assert add_months(dt.date(2026, 3, 31), -13) == dt.date(2025, 2, 28)


def test_by_the_5th_of_the_next_month_ends_at_24_00_of_the_5th():
    """RC-10, VS-5, AR-2: "by the 5th" is 24:00 on that day (RULES.md Clocks)."""
    november = Period.parse("2026-11")
    assert november.due_on_day(5) == dt.datetime(2026, 12, 6, 0, 0, tzinfo=SH)
    december = Period.parse("2026-12")
    assert december.due_on_day(5) == dt.datetime(2027, 1, 6, 0, 0, tzinfo=SH)
    # SV-1: the quarter's summary by the 5th of the next quarter's first month
    assert Period.parse("2026-Q4").due_on_day(5) == dt.datetime(2027, 1, 6, 0, 0, tzinfo=SH)
    # the 31st of a short month is its last day
    assert Period.parse("2027-01").due_on_day(31) == dt.datetime(2027, 3, 1, 0, 0, tzinfo=SH)


def test_months_of_a_week_across_a_month_end():
    week = Period.of(WEEK, dt.date(2026, 12, 31))
    assert [m.key for m in week.months()] == ["2026-12", "2027-01"]
    assert [m.key for m in Period.parse("2026-Q4").months()] == ["2026-10", "2026-11", "2026-12"]


def test_an_iso_week_is_named_by_its_own_year():
    week = Period.of(WEEK, dt.date(2025, 12, 30))
    assert week.key == "2026-W01" and week.label == "2026年第1周（12月29日–1月4日）"
    assert Period.parse("2026-W01") == week


def test_the_period_of_a_period_contains_the_whole_of_it():
    november = Period.parse("2026-11")
    assert Period.of(MONTH, november) == november
    assert Period.of(QUARTER, november).key == "2026-Q4"
    assert Period.of(MONTH, Period.of(DAY, dt.date(2026, 11, 20))) == november
    with pytest.raises(ValueError):
        Period.of(MONTH, Period.parse("2026-Q4"))  # three months, not one
    with pytest.raises(ValueError):
        Period.of(MONTH, Period.of(WEEK, dt.date(2026, 12, 31)))  # a week across the month end


def test_until_lists_the_periods_up_to_the_last_inclusive():
    may, october = Period.parse("2026-05"), Period.parse("2026-10")
    assert [m.key for m in may.until(october)] == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    assert october.until(may) == [] and may.until(may) == [may]
    assert [m.key for m in Period.parse("2026-12").until(Period.parse("2027-01"))] == ["2026-12", "2027-01"]
    with pytest.raises(ValueError):
        may.until(Period.parse("2026-Q4"))


def test_has_ended_at_the_first_moment_of_the_next_period():
    november = Period.parse("2026-11")
    assert not november.has_ended(dt.datetime(2026, 11, 30, 23, 59, tzinfo=SH))
    assert november.has_ended(dt.datetime(2026, 12, 1, 0, 0, tzinfo=SH))


@given(kind=st.sampled_from(KINDS), day=days, n=st.integers(-40, 40))
def test_periods_tile_the_calendar(kind, day, n):
    period = Period.of(kind, day)
    assert day in period and period.end not in period
    assert period.next().start == period.end and period.next().previous() == period
    assert period.shift(n).shift(-n) == period
    assert Period.parse(period.key) == period
    assert len(period.days()) == (period.end - period.start).days
