"""Surveys from draw to results (SV-1 … SV-3, SV-6): sampling, clocks, answers, counting."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.engagement import surveys
from guanjia.engagement.choices import Answer, SurveyKind, SurveyStatus
from guanjia.engagement.models import SurveyAnswer
from guanjia.engagement.tests.factories import add_rooms, new_survey, survey_office
from guanjia.estates.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return survey_office()


make = new_survey


def test_sv7_default_items_are_the_topics(office):
    s = make(office)
    assert [i.text for i in s.items.all()][:3] == ["治安", "清洁", "绿化"]
    assert s.items.count() == 10
    assert s.title == "2026年下半年业户问卷调查"


def test_sv2_every_moved_in_household_and_clocks(office):
    add_rooms(office, 9, units=3)
    RoomFactory(community=office.community, handover="awaiting")
    s = make(office)
    assert surveys.survey_draw(survey=s, actor=office.supervisor) == 10
    assert all(r["issued"] for r in surveys.coverage(s))
    with pytest.raises(ServiceError) as e:
        surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 11, 2))
    assert e.value.field == "issued_on"
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    rules = {d.rule: d.due_at for d in deadlines_of(s)}
    # 15 working days from Tue 1 Dec 2026 → Tue 22 Dec, 24:00 (SV-2); 30 → Tue 12 Jan 2027 (SV-6, 1 Jan holiday)
    assert rules["SV-2.collect"].astimezone(surveys.timezone.get_current_timezone()).date() == dt.date(2026, 12, 23)
    assert set(rules) == {"SV-2.collect", "SV-6.analysis", "SV-6.measures"}


def test_sv1_draws_20pct_spread_and_avoids_earlier_draws(office):
    add_rooms(office, 99, units=3)  # 100 moved-in households
    q3 = make(office, SurveyKind.EVALUATION, period=3)
    assert surveys.survey_draw(survey=q3, actor=office.supervisor, rng=random.Random(1)) == 20
    # three entrances of 33 and the office room's own: dealt in turn, 1 + 7 + 6 + 6
    assert sorted(r["issued"] for r in surveys.coverage(q3)) == [1, 6, 6, 7]
    first = set(q3.sheets.values_list("room_id", flat=True))
    q4 = make(office, SurveyKind.EVALUATION, period=4)
    surveys.survey_draw(survey=q4, actor=office.supervisor, rng=random.Random(2))
    assert not first & set(q4.sheets.values_list("room_id", flat=True))


def test_answers_count_and_abstentions(office):
    add_rooms(office, 9)
    s = make(office, items=[("治安", "security"), ("清洁", "cleaning")])
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    sec, cle = s.items.all()
    sheets = list(s.sheets.all())
    marks = [("satisfied", "dissatisfied"), ("basic", ["satisfied", "dissatisfied"]), ("dissatisfied", None)]
    for sheet, (a, b) in zip(sheets, marks, strict=False):
        surveys.sheet_record(sheet=sheet, actor=office.desk, answers={sec.pk: a, cle.pk: b})
    assert SurveyAnswer.objects.filter(choice=Answer.MULTIPLE).count() == 1
    result, rows = surveys.results(s)
    assert (result.issued, result.returned) == (10, 3)
    assert result.items[0].raw == Decimal(2) * 100 / 3
    assert result.items[1].raw == Decimal(0)  # one dissatisfied, two abstentions
    assert result.shortfall_points == 30  # 30% returned: 30 points short → −150, floored at 0
    assert result.overall.adjusted == 0
    assert rows[0].item == "治安" and rows[0].key
    with pytest.raises(Forbidden):
        surveys.survey_close(survey=s, actor=office.desk)
    surveys.survey_close(survey=s, actor=office.supervisor)
    with pytest.raises(ServiceError):
        surveys.sheet_record(sheet=sheets[5], actor=office.desk, answers={})
    surveys.survey_publish_results(survey=s, actor=office.supervisor)
    assert s.status == SurveyStatus.PUBLISHED
    assert {d.rule for d in deadlines_of(s) if d.met_at} == {"SV-2.collect", "SV-6.analysis"}


# --- SV-1 calendar: mid of the quarter's last month, half a month to collect, summary by the 5th ---


def test_sv1_calendar(office):
    c = office.community
    assert surveys.proposed_issue_date(c, SurveyKind.EVALUATION, 2026, 3) == dt.date(2026, 9, 15)  # Tuesday
    assert surveys.proposed_issue_date(c, SurveyKind.EVALUATION, 2026, 1) == dt.date(2026, 3, 16)  # 15th is a Sunday
    q4 = make(office, SurveyKind.EVALUATION, period=4)
    due = surveys.summary_due(q4).astimezone(surveys.timezone.get_current_timezone())
    assert due == dt.datetime(2027, 1, 6, tzinfo=due.tzinfo)  # 24:00 of 5 January next year
    assert surveys.collect_due(q4, dt.date(2026, 12, 15)).date() == dt.date(2026, 12, 31)  # 15 days → 24:00 of 30 Dec
    add_rooms(office, 4)
    surveys.survey_draw(survey=q4, actor=office.supervisor)
    with pytest.raises(ServiceError) as e:  # SV-1: handed out in the quarter's last month
        surveys.survey_issue(survey=q4, actor=office.supervisor, issued_on=dt.date(2026, 11, 15))
    assert "12 月" in e.value.message
    surveys.survey_issue(survey=q4, actor=office.supervisor, issued_on=dt.date(2026, 12, 15))
    assert {d.rule for d in deadlines_of(q4)} == {"SV-1.collect", "SV-1.summary"}


def test_sv1_takes_earlier_households_only_when_fresh_ones_run_out(office):
    from guanjia.core.policies import policy_set

    add_rooms(office, 9)  # 10 households
    policy_set(community=office.community, key="SV-1.sample_pct", raw_value="60", actor=office.manager)
    q1 = make(office, SurveyKind.EVALUATION, period=1)
    assert surveys.survey_draw(survey=q1, actor=office.supervisor, rng=random.Random(3)) == 6
    q2 = make(office, SurveyKind.EVALUATION, period=2)
    assert surveys.survey_draw(survey=q2, actor=office.supervisor, rng=random.Random(4)) == 6
    first, second = (set(s.sheets.values_list("room_id", flat=True)) for s in (q1, q2))
    assert len(second - first) == 4  # all four not asked yet, then two of Q1's
    last_year = make(office, SurveyKind.EVALUATION, year=2025, period=4)
    surveys.survey_draw(survey=last_year, actor=office.supervisor)  # another year: no avoidance needed


def test_sv2_issue_month_follows_the_policy(office):
    from guanjia.core.policies import policy_set

    policy_set(community=office.community, key="SV-2.months", raw_value="5, 11", actor=office.manager)
    s = make(office)
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 11, 23))
    assert s.status == SurveyStatus.ISSUED


def test_items_are_checked_line_by_line(office):
    s = make(office)
    with pytest.raises(ServiceError) as e:
        surveys.survey_set_items(survey=s, actor=office.supervisor, items=[("治安", ""), ("  ", "")])
    assert "第 2 项" in e.value.message
    with pytest.raises(ServiceError) as e:
        surveys.survey_set_items(survey=s, actor=office.supervisor, items=[("治安", ""), ("治安", "")])
    assert "重复" in e.value.message
    surveys.survey_set_items(survey=s, actor=office.supervisor, items=[("保安巡逻", "security"), ("电梯运行", "")])
    assert list(s.items.values_list("position", "text")) == [(1, "保安巡逻"), (2, "电梯运行")]
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    with pytest.raises(ServiceError):  # issued: items are frozen
        surveys.survey_set_items(survey=s, actor=office.supervisor, items=[("治安", "")])


@pytest.mark.parametrize(
    ("ticks", "expected"),
    [
        (None, Answer.BLANK),
        ("", Answer.BLANK),
        ([], Answer.BLANK),
        ("satisfied", Answer.SATISFIED),
        (["basic"], Answer.BASIC),
        (["satisfied", "dissatisfied"], Answer.MULTIPLE),  # SV-3: two or more choices
        (["satisfied", "basic", "dissatisfied"], Answer.MULTIPLE),
        (["satisfied", "satisfied"], Answer.SATISFIED),  # the same box twice is one tick
        ("multiple", Answer.MULTIPLE),
    ],
)
def test_sv3_marks(ticks, expected):
    assert surveys.mark(ticks) == expected


def test_owner_answers_once_in_the_portal(office):
    from guanjia.core.tests.factories import UserFactory

    owner_user = UserFactory()
    office.owner.user = owner_user
    office.owner.save()
    s = make(office, items=[("治安", "security")])
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    sheet = surveys.sheets_for_owner(owner_user).get()
    item = s.items.get()
    surveys.sheet_answer_by_owner(sheet=sheet, user=owner_user, answers={str(item.pk): "basic"})
    with pytest.raises(ServiceError) as e:
        surveys.sheet_answer_by_owner(sheet=sheet, user=owner_user, answers={str(item.pk): "dissatisfied"})
    assert e.value.status == 409
    stranger = UserFactory()
    with pytest.raises(ServiceError) as e:
        surveys.sheet_answer_by_owner(sheet=sheet, user=stranger, answers={})
    assert e.value.status == 404
    result, _rows = surveys.results(s)
    assert (result.overall.basic, result.returned) == (1, 1)
