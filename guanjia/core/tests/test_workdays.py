"""The working-day calendar (DESIGN.md §5) and the clocks of RULES.md: official years, loaded years, computed years."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanjia.core import holidays, workdays
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog, Holiday
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db

D = dt.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def manager():
    return staff("office_manager", CommunityFactory())


def rest_days(start, end):
    """The non-working days in [start, end]."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return [d for d in days if not workdays.is_workday(d)]


class TestOfficialYear2026:
    """chinese-calendar 1.11 carries the 2026 notice: 中秋 25–27 Sep, 国庆 1–7 Oct, make-up 20 Sep and 10 Oct."""

    def test_status(self):
        assert workdays.year_status(2026) == "official"
        assert workdays.year_status(2004) == "official"

    def test_make_up_workdays_are_workdays(self):
        assert D(2026, 9, 20).weekday() == 6 and workdays.is_workday(D(2026, 9, 20))
        assert D(2026, 10, 10).weekday() == 5 and workdays.is_workday(D(2026, 10, 10))
        assert workdays.holiday_name(D(2026, 9, 20)) == "国庆节"

    def test_mid_autumn_and_national_day_breaks(self):
        assert rest_days(D(2026, 9, 19), D(2026, 10, 11)) == [
            D(2026, 9, 19),  # an ordinary Saturday
            D(2026, 9, 25),
            D(2026, 9, 26),
            D(2026, 9, 27),
            *[D(2026, 10, d) for d in range(1, 8)],
            D(2026, 10, 11),  # an ordinary Sunday
        ]
        # The notice ends the National Day break on the 7th; the 8th (Thursday) is worked.
        assert workdays.is_workday(D(2026, 10, 8))
        assert workdays.is_holiday(D(2026, 10, 7))
        assert workdays.holiday_name(D(2026, 9, 25)) == "中秋节"

    @pytest.mark.parametrize(
        ("start", "n", "expected"),
        [
            (D(2026, 9, 30), 1, D(2026, 10, 8)),
            (D(2026, 9, 30), 2, D(2026, 10, 9)),
            (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the Saturday make-up day counts
            (D(2026, 9, 30), 4, D(2026, 10, 12)),
            (D(2026, 9, 18), 1, D(2026, 9, 20)),  # the Sunday make-up day counts
            (D(2026, 9, 24), 1, D(2026, 9, 28)),  # over 中秋
            (D(2026, 9, 24), 3, D(2026, 9, 30)),
            (D(2026, 10, 3), 0, D(2026, 10, 3)),  # n=0 is the day itself, even a holiday
            (D(2026, 10, 8), -1, D(2026, 9, 30)),
            (D(2026, 10, 12), -2, D(2026, 10, 9)),
        ],
    )
    def test_add_across_the_breaks(self, start, n, expected):
        assert workdays.add(start, n) == expected

    def test_count_between(self):
        assert workdays.count_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
        assert workdays.count_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
        assert workdays.count_between(D(2026, 9, 24), D(2026, 9, 24)) == 0
        assert workdays.count_between(D(2026, 10, 8), D(2026, 9, 30)) == -1


class TestComputedHolidays:
    """The lunar and solar-term dates the fallback needs, checked against the official data."""

    @pytest.mark.parametrize("year", range(2004, 2027))
    def test_spring_festival_day_matches_official(self, year):
        first_day = holidays.chinese_new_years_eve(year) + dt.timedelta(days=1)
        assert chinese_calendar.holidays.get(first_day) == "Spring Festival"

    @pytest.mark.parametrize("year", range(2008, 2027))  # 清明, 端午, 中秋 are holidays since 2008
    def test_qingming_dragon_boat_mid_autumn_match_official(self, year):
        for day, name in [
            (holidays.qingming(year), "Tomb-sweeping Day"),
            (holidays.lunar_date(year, 5, 5), "Dragon Boat Festival"),
            (holidays.lunar_date(year, 8, 15), "Mid-autumn Festival"),
        ]:
            # A rest day in the notice (chinese-calendar leaves some weekend festival days unnamed,
            # and lists 中秋 under 国庆 when they meet).
            assert not chinese_calendar.is_workday(day), (day, name)
            assert chinese_calendar.holidays.get(day) in (name, "National Day", None), (day, name)

    @pytest.mark.parametrize("year", [2025, 2026])
    def test_fallback_agrees_with_the_notices_under_the_2025_rules(self, year):
        """Every weekday the computed calendar rests on, the State Council's notice rests on too."""
        computed = holidays.fallback_year(year).rest
        assert len(holidays.statutory_days(year)) == 13  # art. 2: 13 days a year
        assert [d for d in computed if d.weekday() < 5 and chinese_calendar.is_workday(d)] == []

    def test_2027_dates(self):
        assert holidays.chinese_new_years_eve(2027) == D(2027, 2, 5)
        assert holidays.lunar_date(2027, 5, 5) == D(2027, 6, 9)
        assert holidays.lunar_date(2027, 8, 15) == D(2027, 9, 15)
        assert holidays.qingming(2027) == D(2027, 4, 5)
        assert holidays.qingming(2028) == D(2028, 4, 4)


class TestFallbackYear2027:
    def test_status_and_warning(self):
        assert workdays.year_status(2027) == "fallback"
        assert workdays.fallback_warning(D(2026, 11, 23)) == "2027年放假安排尚未录入，按法定节假日推算。"
        assert workdays.fallback_warning(D(2027, 3, 1)) == "2027年、2028年放假安排尚未录入，按法定节假日推算。"
        assert workdays.fallback_warning(D(2025, 6, 1)) == ""
        assert workdays.calendar_warnings(D(2026, 11, 23)) == [(2027, "2027年放假安排尚未录入，按法定节假日推算。")]

    def test_spring_festival_four_days_from_new_years_eve_with_weekend_made_up(self):
        # 除夕 Fri 5 Feb, 初一–初三 Sat–Mon; Sat and Sun are made up on Tue 9 and Wed 10 (art. 6).
        assert rest_days(D(2027, 2, 4), D(2027, 2, 12)) == [D(2027, 2, d) for d in range(5, 11)]
        assert workdays.holiday_name(D(2027, 2, 5)) == "春节"

    def test_mid_autumn_and_national_day(self):
        assert rest_days(D(2027, 9, 13), D(2027, 9, 17)) == [D(2027, 9, 15)]
        assert workdays.holiday_name(D(2027, 9, 15)) == "中秋节"
        # 1 Oct is a Friday; 2–3 Oct fall on the weekend and are made up on Mon 4 and Tue 5.
        assert rest_days(D(2027, 9, 30), D(2027, 10, 8)) == [D(2027, 10, d) for d in range(1, 6)]
        # No make-up workdays are invented: the last Sunday of September stays a rest day.
        assert not workdays.is_workday(D(2027, 9, 26))

    def test_other_statutory_holidays(self):
        assert not workdays.is_workday(D(2027, 1, 1))  # 元旦
        assert not workdays.is_workday(D(2027, 4, 5))  # 清明 (Monday)
        assert rest_days(D(2027, 5, 1), D(2027, 5, 7)) == [D(2027, 5, d) for d in (1, 2, 3, 4)]  # 劳动节
        assert not workdays.is_workday(D(2027, 6, 9))  # 端午
        assert workdays.is_workday(D(2027, 6, 10))

    def test_add_over_the_2027_spring_festival(self):
        assert workdays.add(D(2027, 2, 4), 1) == D(2027, 2, 11)
        assert workdays.count_between(D(2027, 2, 1), D(2027, 2, 28)) == 15

    def test_mid_autumn_on_national_day_is_made_up(self):
        # 2028: 中秋 is 3 Oct, already a National Day holiday; it is made up after the break.
        assert holidays.lunar_date(2028, 8, 15) == D(2028, 10, 3)
        # 1 Oct (Sunday) is made up on Wed 4, 中秋 on Thu 5; Friday 6 is a working day.
        assert rest_days(D(2028, 9, 30), D(2028, 10, 9)) == [
            D(2028, 9, 30),
            *[D(2028, 10, d) for d in (1, 2, 3, 4, 5, 7, 8)],
        ]


class TestHolidayTable:
    def test_a_loaded_notice_replaces_the_computed_year(self, manager):
        assert not workdays.is_workday(D(2027, 2, 9))  # computed 补假
        workdays.holidays_import(
            text="2027-02-05 至 2027-02-11 春节 放假\n2027-02-20 春节 上班\n2027-01-01 元旦 放假", actor=manager
        )
        assert workdays.year_status(2027) == "loaded"
        assert rest_days(D(2027, 2, 4), D(2027, 2, 12)) == [D(2027, 2, d) for d in range(5, 12)]
        assert workdays.is_workday(D(2027, 2, 20))  # a Saturday make-up day
        # The notice is the whole year now: days it does not name are ordinary days.
        assert workdays.is_workday(D(2027, 10, 4))
        assert workdays.fallback_warning(D(2026, 11, 23)) == ""
        # Only 春节 and 元旦 are in: the console asks for the rest of the notice.
        assert workdays.calendar_warnings(D(2026, 11, 23)) == [(2027, "2027年已录入的放假安排漏了法定节假日，请核对。")]

    def test_a_row_overrides_chinese_calendar_for_its_date_only(self, manager):
        workdays.holiday_add(day=D(2026, 10, 8), kind="holiday", name="国庆节", actor=manager)
        assert not workdays.is_workday(D(2026, 10, 8))
        assert workdays.is_workday(D(2026, 10, 10))  # still chinese-calendar's make-up day
        assert workdays.year_status(2026) == "official"

    def test_the_calendar_sees_changes_at_once(self, manager):
        assert not workdays.is_workday(D(2027, 9, 26))
        holiday = workdays.holiday_add(day=D(2027, 9, 26), kind="workday", name="国庆节", actor=manager)
        assert workdays.is_workday(D(2027, 9, 26))
        # A change made outside the services (the admin, another process) is seen too.
        holiday.kind = "holiday"
        holiday.save()
        assert not workdays.is_workday(D(2027, 9, 26))
        workdays.holiday_delete(holiday=holiday, actor=manager)
        assert workdays.year_status(2027) == "fallback"

    def test_thirty_working_days_cost_two_queries(self, django_assert_max_num_queries):
        Holiday.objects.create(date=D(2026, 12, 31), kind="holiday", name="test")
        with django_assert_max_num_queries(2):
            assert workdays.add(D(2026, 9, 1), 30) == D(2026, 10, 19)
        with django_assert_max_num_queries(1):  # the table did not change: only the check
            assert workdays.add(D(2026, 9, 1), 30) == D(2026, 10, 19)


class TestServices:
    def test_add_is_logged(self, manager):
        holiday = workdays.holiday_add(day=D(2027, 9, 26), kind="workday", name="国庆节", actor=manager)
        assert holiday.year == 2027 and holiday.created_by == manager
        entry = ActivityLog.objects.get(verb="core.holiday.added")
        assert entry.actor == manager and entry.data["date"] == "2027-09-26"

    @pytest.mark.parametrize(
        ("day", "kind", "message"),
        [
            (D(2027, 9, 27), "workday", "2027-09-27（星期一） 本来就是工作日"),
            (D(2027, 10, 2), "holiday", "2027-10-02（星期六） 是周末"),
            (D(1999, 10, 1), "holiday", "超出可录入的年份范围"),
        ],
    )
    def test_refused_days(self, manager, day, kind, message):
        with pytest.raises(ServiceError) as err:
            workdays.holiday_add(day=day, kind=kind, name="国庆节", actor=manager)
        assert message in str(err.value)
        assert err.value.field == "date"
        assert not Holiday.objects.exists()

    def test_duplicate_date(self, manager):
        workdays.holiday_add(day=D(2027, 10, 1), kind="holiday", name="国庆节", actor=manager)
        with pytest.raises(ServiceError) as err:
            workdays.holiday_add(day=D(2027, 10, 1), kind="holiday", name="国庆节", actor=manager)
        assert "2027-10-01 已录入（国庆节 放假）" in str(err.value)

    def test_only_managers_and_admins_edit(self, manager):
        desk = staff("front_desk", CommunityFactory())
        with pytest.raises(ServiceError) as err:
            workdays.holiday_add(day=D(2027, 10, 1), kind="holiday", name="国庆节", actor=desk)
        assert err.value.status == 403
        assert workdays.holiday_add(day=D(2027, 10, 1), kind="holiday", name="国庆节", actor=staff("company_admin"))
        with pytest.raises(ServiceError):
            workdays.holiday_delete(holiday=Holiday.objects.get(), actor=desk)
        workdays.holiday_delete(holiday=Holiday.objects.get(), actor=manager)
        assert not Holiday.objects.exists()
        assert ActivityLog.objects.filter(verb="core.holiday.deleted", actor=manager).exists()

    def test_bulk_entry_reports_every_bad_line_and_saves_nothing(self, manager):
        Holiday.objects.create(date=D(2027, 1, 1), kind="holiday", name="元旦")
        text = "\n".join(
            [
                "2027-10-01 至 2027-10-07 国庆节 放假",  # 1: fine
                "2027-09-26 上班",  # 2: fine
                "国庆节放假",  # 3: no date
                "2027-10-08 国庆节",  # 4: no kind
                "2027-09-27 上班",  # 5: a Monday
                "2027-01-01 元旦 放假",  # 6: already entered
                "2027-10-05 国庆节 放假",  # 7: repeats line 1
                "2027-10-07 至 2027-10-01 国庆节 放假",  # 8: backwards
                "",
                "# a comment",
                "2027-02-30 春节 放假",  # 11: no such day
            ]
        )
        check = workdays.notice_check(text)
        assert [line for line, _ in check.errors] == [3, 4, 5, 6, 7, 8, 11]
        assert [line.line for line in check.lines] == [1, 2]
        assert check.day_count == 6  # 1, 4–7 Oct and 26 Sep
        with pytest.raises(workdays.NoticeInvalid) as err:
            workdays.holidays_import(text=text, actor=manager)
        assert "7处错误" in str(err.value)
        assert Holiday.objects.count() == 1

    def test_bulk_entry_saves_a_whole_notice(self, manager):
        created = workdays.holidays_import(
            text="２０２７年１０月１日至１０月７日 国庆节 放假调休\n2027/9/26 国庆节 上班\n2027-10-09 补班",
            actor=manager,
        )
        assert sorted(h.date for h in created) == [D(2027, 9, 26), *[D(2027, 10, d) for d in (1, 4, 5, 6, 7, 9)]]
        assert Holiday.objects.get(date=D(2027, 10, 9)).kind == "workday"
        entry = ActivityLog.objects.get(verb="core.holiday.imported")
        assert entry.data["days"] == 7 and entry.data["years"] == [2027]


class TestClocks:
    def test_deadline_ends_at_24_00_local(self):
        end = workdays.deadline_end(D(2026, 9, 30))
        assert end == dt.datetime(2026, 10, 1, tzinfo=SHANGHAI)
        assert end.utcoffset() == dt.timedelta(hours=8)
        assert workdays.deadline_end(D(2026, 9, 30), "Asia/Urumqi") == dt.datetime(
            2026, 10, 1, tzinfo=ZoneInfo("Asia/Urumqi")
        )

    def test_days_count_from_the_day_after_and_run_through_weekends(self):
        friday_afternoon = dt.datetime(2026, 11, 20, 15, 30, tzinfo=SHANGHAI)
        # "within 2 days": Saturday and Sunday; ends at 24:00 on Sunday.
        assert workdays.add_days(friday_afternoon, 2) == dt.datetime(2026, 11, 23, tzinfo=SHANGHAI)
        # "within 1 working day": Monday, ending at 24:00.
        assert workdays.add_workdays(friday_afternoon, 1) == dt.datetime(2026, 11, 24, tzinfo=SHANGHAI)
        assert workdays.add_hours(friday_afternoon, 72) == dt.datetime(2026, 11, 23, 15, 30, tzinfo=SHANGHAI)

    def test_the_event_day_is_the_local_day(self):
        # 17:30 UTC on Friday is 01:30 on Saturday in Shanghai: the count starts on Sunday.
        late = dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.UTC)
        assert workdays.add_days(late, 1) == dt.datetime(2026, 11, 23, tzinfo=SHANGHAI)
        assert workdays.add_workdays(late, 1) == dt.datetime(2026, 11, 24, tzinfo=SHANGHAI)

    def test_working_day_limit_over_national_day(self):
        event = dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
        assert workdays.add_workdays(event, 2) == dt.datetime(2026, 10, 10, tzinfo=SHANGHAI)
        assert workdays.add_days(event, 7) == dt.datetime(2026, 10, 8, tzinfo=SHANGHAI)


@settings(max_examples=150, deadline=None)
@given(day=st.dates(min_value=D(2024, 1, 1), max_value=D(2028, 12, 31)), n=st.integers(min_value=1, max_value=60))
def test_add_lands_on_a_workday_n_workdays_later(day, n):
    later = workdays.add(day, n)
    assert later > day
    assert workdays.is_workday(later)
    assert workdays.count_between(day, later) == n
    earlier = workdays.add(day, -n)
    assert workdays.is_workday(earlier)
    assert workdays.count_between(day, earlier) == -n


def test_deadline_text_reads_midnight_as_24_00_of_the_day():
    from guanjia.core.workdays import deadline_end, deadline_text

    assert deadline_text(deadline_end(dt.date(2026, 12, 22))) == "2026-12-22 24:00"
    assert deadline_text(None) == ""


def _sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_every_deadline_form_reads_midnight_as_24_00_of_the_day_before():
    """RULES.md Clocks: one text, shortened only where the full form does not fit (desk, phone, column)."""
    midnight = _sh(2026, 11, 22, 0, 0)  # a day-based limit ending on 21 November
    assert workdays.deadline_parts(midnight) == (dt.date(2026, 11, 21), "24:00")
    assert workdays.deadline_text(midnight) == "2026-11-21 24:00"
    assert workdays.deadline_text(midnight, "phone") == "11月21日 24:00"
    assert workdays.deadline_text(midnight, "narrow") == "11-21 24:00"
    assert workdays.deadline_text(_sh(2026, 12, 5, 11, 30), "phone") == "12月5日 11:30"
    # the desk says it relative to now
    assert workdays.deadline_text(midnight, "desk", now=_sh(2026, 11, 21, 9, 0)) == "24:00"  # today
    assert workdays.deadline_text(midnight, "desk", now=_sh(2026, 11, 20, 9, 0)) == "明日 24:00"
    assert workdays.deadline_text(midnight, "desk", now=_sh(2026, 11, 18, 9, 0)) == "11月21日 24:00"
    assert workdays.deadline_text(_sh(2027, 1, 3, 0, 0), "desk", now=_sh(2026, 12, 30, 9, 0)) == "2027-01-02 24:00"
    assert workdays.deadline_text(_sh(2026, 11, 19, 9, 0), "desk", now=_sh(2026, 11, 18, 22, 0)) == "明日 09:00"
    # a UTC moment reads in the site's zone: 16:00 UTC is Shanghai's midnight
    assert workdays.deadline_text(dt.datetime(2026, 11, 21, 16, 0, tzinfo=dt.UTC), "narrow") == "11-21 24:00"
    for form in workdays.DEADLINE_FORMS:
        assert workdays.deadline_text(None, form) == ""
    with pytest.raises(ValueError):
        workdays.deadline_text(midnight, "long")


def test_the_deadline_filter_takes_the_form():
    from django.template import Context, Template

    from guanjia.core import clock

    template = Template(
        '{% load guanjia %}{{ d|deadline }}|{{ d|deadline:"phone" }}|{{ d|deadline:"narrow" }}|{{ d|deadline:"desk" }}'
    )
    with clock.frozen(_sh(2026, 11, 20, 9, 0)):
        text = template.render(Context({"d": _sh(2026, 11, 22, 0, 0)}))
    assert text == "2026-11-21 24:00|11月21日 24:00|11-21 24:00|明日 24:00"
