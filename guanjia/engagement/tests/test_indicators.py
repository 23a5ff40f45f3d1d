"""QA-4 indicators: satisfaction rate (SV-3) and visit quota met (VS-1), on the KPI page too."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.core import clock
from guanjia.core.periods import Period
from guanjia.core.tests.factories import staff
from guanjia.engagement import indicators, surveys
from guanjia.engagement.models import Visit
from guanjia.engagement.tests.factories import issued_survey, survey_office
from guanjia.estates.models import Room
from guanjia.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db
DEC = dt.date(2026, 12, 1)


def visit(office, room, day, callback=False):
    return Visit.objects.create(
        community=office.community,
        room=room,
        visitor=office.desk,
        form="office",
        visited_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
        is_callback=callback,
    )


def test_vs1_visit_quota_counts_distinct_households_without_callbacks():
    office = survey_office(households=301)  # 301 × 5% = 15.05 → 16
    rooms = list(Room.objects.filter(community=office.community)[:3])
    visit(office, rooms[0], DEC)
    visit(office, rooms[0], DEC + dt.timedelta(days=1))  # same household again
    visit(office, rooms[1], DEC, callback=True)  # callbacks do not count
    visit(office, rooms[2], dt.date(2026, 11, 30))  # another month
    q = indicators.visit_quotas([office.community], DEC)[office.community.pk]
    assert (q.visited, q.quota, q.met) == (1, 16, False)
    assert q.display == "1 / 16 户（6.3%）"


def test_sv3_satisfaction_is_latest_published_survey_with_penalty():
    office = survey_office(households=10)
    survey = issued_survey(office, items=[("治安", "security")])
    item = survey.items.get()
    sheets = list(survey.sheets.all())[:5]  # 5 of 10 returned: 50% → 10 points short → −50
    for sheet, mark in zip(sheets, ["satisfied", "satisfied", "basic", "dissatisfied", ""], strict=True):
        surveys.sheet_record(sheet=sheet, actor=office.desk, answers={item.pk: mark})
    assert indicators.indicators(office.community, DEC).satisfaction.display == "—"
    with clock.frozen(at(2026, 12, 10, 10, 0)):
        surveys.survey_close(survey=survey, actor=office.supervisor)
        surveys.survey_publish_results(survey=survey, actor=office.supervisor)
    sat = indicators.indicators(office.community, DEC).satisfaction
    assert sat.survey == survey
    assert sat.rate == Decimal("25.0")  # 3 ÷ 4 = 75.0%, less 50 points (abstention not counted)
    assert "(2 + 1) ÷ (2 + 1 + 1)" in sat.arithmetic and "扣 50 分" in sat.arithmetic
    # published on 10 December (results_published_at): the month before has none yet
    assert indicators.indicators(office.community, dt.date(2026, 10, 1)).satisfaction.rate is None


def test_sv3_batched_satisfaction_is_what_the_survey_results_say():
    """The KPI page reads every community's rate in one go; it must agree with surveys.results (SV-3)."""
    office = survey_office(households=10)
    survey = issued_survey(office, items=[("治安", "security"), ("绿化", "greening")])
    first, second = survey.items.all()
    marks = [("satisfied", "basic"), ("dissatisfied", ""), ("basic", "satisfied"), ("satisfied", "dissatisfied")]
    for sheet, (a, b) in zip(list(survey.sheets.all())[:4], marks, strict=True):
        surveys.sheet_record(sheet=sheet, actor=office.desk, answers={first.pk: a, second.pk: b})
    with clock.frozen(at(2026, 12, 10, 10, 0)):
        surveys.survey_close(survey=survey, actor=office.supervisor)
        surveys.survey_publish_results(survey=survey, actor=office.supervisor)
    expected = surveys.results(survey)[0]
    sat = indicators.satisfactions([office.community], DEC)[office.community.pk]
    assert sat.rate == expected.overall.adjusted_display and sat.arithmetic == expected.explain()
    figure = sat.figure()
    assert (figure.rate, figure.note) == (sat.rate, survey.title)


def test_qa4_figures_for_many_months_cost_the_same_queries_as_one(django_assert_num_queries):
    offices = [survey_office(households=5) for _ in range(3)]
    ids = [o.community.pk for o in offices]
    rooms = list(Room.objects.filter(community=offices[0].community)[:2])
    visit(offices[0], rooms[0], dt.date(2026, 11, 3))
    visit(offices[0], rooms[1], DEC)
    months = Period.parse("2026-07").until(Period.parse("2026-12"))
    with django_assert_num_queries(4):  # households, visits by month, two policies
        quotas = indicators.visit_quotas_by_month(ids, months)
    with django_assert_num_queries(4):
        indicators.visit_quotas_by_month(ids[:1], months[-1:])
    assert quotas[(ids[0], Period.parse("2026-11"))].visited == 1
    assert quotas[(ids[0], Period.parse("2026-12"))].visited == 1
    assert quotas[(ids[1], Period.parse("2026-12"))].visited == 0
    figure = quotas[(ids[0], Period.parse("2026-12"))].figure()
    assert (figure.met, figure.target_label, figure.display) == (True, "≥1 户", "1 / 1 户（100.0%）")
    assert quotas[(ids[1], Period.parse("2026-12"))].figure().met is False


def test_qa4_kpi_page_shows_the_engagement_indicators_with_bounded_queries(client):
    offices = [survey_office(households=5) for _ in range(3)]
    quality = staff("quality", None)
    client.force_login(quality)
    session = client.session
    session["community_id"] = offices[0].community.pk
    session.save()
    with clock.frozen(at(2026, 11, 20, 12, 0)):
        response = client.get(reverse("core:kpis") + "?month=2026-11")
    assert response.status_code == 200  # the quality department reads every community's KPIs (QA-4)
    html = response.content.decode()
    assert 'id="kpi-engagement.satisfaction"' in html and 'id="kpi-engagement.visit_quota"' in html
    assert "0 / 1 户（0.0%）" in html and "≥1 户" in html
    comparison = html.split('id="kpi-communities"')[1].split("</table>")[0]
    assert all(o.community.name in comparison for o in offices)


def test_qa4_engagement_indicators_need_their_permission(client):
    office = survey_office(households=5)
    client.force_login(office.desk)  # the front desk may not read QA-4 figures
    assert client.get(reverse("core:kpis")).status_code == 403
