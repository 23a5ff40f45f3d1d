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
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.servicedesk.tests.factories import Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    o = Office()
    o.room.handover = "moved_in"
    o.room.save()
    return o


def add_rooms(office, n, units=1):
    c = office.community
    made = []
    for u in range(units):
        unit = UnitFactory(community=c, building__community=c)
        made += [
            RoomFactory(community=c, unit=unit, building=unit.building, handover="moved_in") for _ in range(n // units)
        ]
    return made


def make(office, kind=SurveyKind.QUESTIONNAIRE, year=2026, period=2, **kw):
    return surveys.survey_create(
        community=office.community, actor=office.supervisor, kind=kind, year=year, period=period, **kw
    )


def test_sv7_default_items_are_the_topics(office):
    s = make(office)
    assert [i.text for i in s.items.all()][:3] == ["治安", "清洁", "绿化"]
    assert s.items.count() == 10
    assert s.title == "2026年下半年半年度问卷调查"


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
