"""QA-4 indicators: satisfaction rate (SV-3) and visit quota met (VS-1), on the KPI page too."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.core import clock
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


def test_qa4_kpi_page_shows_indicators_and_comparison_with_bounded_queries(client, django_assert_max_num_queries):
    offices = [survey_office(households=5) for _ in range(3)]
    quality = staff("quality", None)
    client.force_login(quality)
    session = client.session
    session["community_id"] = offices[0].community.pk
    session.save()
    url = reverse("servicedesk:kpis") + "?month=2026-11"
    with django_assert_max_num_queries(80):
        response = client.get(url)
    assert response.status_code == 200  # the quality department reads every community's KPIs (QA-4)
    html = response.content.decode()
    assert 'id="kpi-satisfaction"' in html and "拜访指标完成" in html
    assert "0 / 1 户（0.0%）" in html
