"""Survey console pages (SV-1, SV-2): list, new, detail with draw/issue/close, sheets, printable forms."""

import datetime as dt
import random

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.tests.factories import staff
from guanjia.core.tests.pdf import pdf_text, pdf_tool
from guanjia.engagement import surveys
from guanjia.engagement.choices import SurveyKind, SurveyStatus
from guanjia.engagement.models import Survey
from guanjia.engagement.tests.factories import add_rooms, new_survey, step_url, survey_office
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return survey_office()


make = new_survey


def issued(office, **kw):
    s = make(office, **kw)
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    return s


def html_of(response):
    return response.content.decode()


# --- permissions and scoping ---------------------------------------------------------------


def test_desk_clerk_can_enter_but_not_draw_or_issue(client, office):
    add_rooms(office, 4)
    s = make(office)
    client.force_login(office.desk)
    assert client.get(reverse("engagement:surveys")).status_code == 200
    assert "新建" not in html_of(client.get(reverse("engagement:surveys")))
    assert client.get(reverse("engagement:survey_new")).status_code == 403
    page = html_of(client.get(reverse("engagement:survey", args=[s.pk])))
    assert "确定发放对象" not in page
    assert client.post(step_url(s, "draw")).status_code == 403
    assert not s.sheets.exists()
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    assert client.get(reverse("engagement:survey_entry", args=[s.pk])).status_code == 200
    assert client.post(step_url(s, "close")).status_code == 403
    s.refresh_from_db()
    assert s.status == SurveyStatus.ISSUED


def test_quality_can_view_but_not_enter(client, office):
    s = issued(office)
    quality = staff("quality", office.community)
    client.force_login(quality)
    assert client.get(reverse("engagement:survey", args=[s.pk])).status_code == 200
    assert client.get(reverse("engagement:survey_sheets", args=[s.pk])).status_code == 200
    assert client.get(reverse("engagement:survey_entry", args=[s.pk])).status_code == 403
    assert "纸质答卷录入" not in html_of(client.get(reverse("engagement:survey", args=[s.pk])))


def test_another_communitys_survey_is_404(client, office):
    s = issued(office)
    other = Office()
    client.force_login(other.manager)
    for name in ("survey", "survey_sheets", "survey_entry"):
        assert client.get(reverse(f"engagement:{name}", args=[s.pk])).status_code == 404, name
    for code in ("SV.register", "SV-6.results", "SV-6.public"):
        assert client.get(reverse("core:document_pdf", args=[code, s.pk])).status_code == 404, code
    assert client.get(reverse("core:document_pdf", args=["SV.form", s.pk]) + "?sheet=1").status_code == 404
    assert client.post(step_url(s, "close")).status_code == 404
    assert s.title not in html_of(client.get(reverse("engagement:surveys")))


# --- list --------------------------------------------------------------------------------------


def test_list_shows_counts_and_return_rate_against_policy(client, office, django_assert_max_num_queries):
    add_rooms(office, 9)  # 10 households
    s = issued(office)
    for sheet in s.sheets.all()[:7]:
        surveys.sheet_record(sheet=sheet, actor=office.desk, answers={})
    for year in (2023, 2024, 2025):
        for period in (1, 2):
            make(office, year=year, period=period)
    client.force_login(office.supervisor)
    url = reverse("engagement:surveys")
    client.get(url)
    with django_assert_max_num_queries(10):
        page = html_of(client.get(url))
    row = page.split(s.title)[1].split("</tr>")[0]
    assert "回收中" in row and ">10<" in row and ">7<" in row
    assert 'badge green">70.0%' in row  # ≥ 60% (SV-2)
    assert page.index("2026年下半年") < page.index("2025年下半年") < page.index("2023年上半年")  # newest first
    assert "新建" in page


# --- new ---------------------------------------------------------------------------------------


def test_new_prefills_next_due_period_and_creates_with_default_items(client, office):
    client.force_login(office.supervisor)
    with clock.frozen(at(2026, 11, 20, 10, 0)):  # in the second half of 2026
        page = html_of(client.get(reverse("engagement:survey_new") + "?kind=questionnaire"))
    assert 'name="year" value="2026"' in page or 'value="2026"' in page
    assert 'name="period" value="2"' in page
    response = client.post(
        reverse("engagement:survey_new"), {"kind": "questionnaire", "year": 2026, "period": 2, "title": ""}
    )
    s = Survey.objects.get(community=office.community)
    assert response.status_code == 302 and response.url == reverse("engagement:survey", args=[s.pk])
    assert s.items.count() == 10 and s.title.startswith("2026年下半年")
    page = html_of(client.get(reverse("engagement:survey_new") + "?kind=questionnaire"))
    assert 'name="period" value="1"' in page and 'value="2027"' in page  # this half exists: next one
    again = client.post(reverse("engagement:survey_new"), {"kind": "questionnaire", "year": 2026, "period": 2})
    assert "已经建立" in html_of(again)


# --- detail: items, draw, issue, close, coverage ---------------------------------------------------


def test_items_edited_one_per_line_with_topic(client, office):
    s = make(office)
    client.force_login(office.supervisor)
    url = reverse("engagement:survey", args=[s.pk])
    bad = client.post(step_url(s, "set_items"), {"items": "保安巡逻|治安\n\n电梯|不存在的事项"})
    assert bad.status_code == 400 and "第 3 行：对应事项“不存在的事项”不在规定范围内" in html_of(bad)
    assert s.items.count() == 10
    saved = client.post(step_url(s, "set_items"), {"items": "保安巡逻|治安\n\n电梯运行\n保洁|cleaning\n绿化"})
    assert saved.status_code == 302 and saved.url == url
    assert list(s.items.values_list("text", "topic")) == [
        ("保安巡逻", "security"),
        ("电梯运行", ""),
        ("保洁", "cleaning"),
        ("绿化", "greening"),  # an item named after a topic belongs to it (SV-7)
    ]
    html = html_of(client.get(url))
    assert "保安巡逻|治安" in html and "绿化|绿化" not in html


def test_sv1_draw_shows_the_arithmetic_and_avoids_earlier_draws(client, office):
    add_rooms(office, 99, units=3)  # 100 moved-in households
    q3 = make(office, SurveyKind.EVALUATION, period=3)
    surveys.survey_draw(survey=q3, actor=office.supervisor, rng=random.Random(1))
    q4 = make(office, SurveyKind.EVALUATION, period=4)
    client.force_login(office.supervisor)
    url = reverse("engagement:survey", args=[q4.pk])
    assert "已入住住宅 100 户（不含车位、车库、储藏室、商铺） × 20% = 至少 20 户" in html_of(client.get(url))
    response = client.post(step_url(q4, "draw"), follow=True)
    assert "已入住住宅 100 户（不含车位、车库、储藏室、商铺） × 20% = 20 户，已避开本年度已抽取的业户" in html_of(
        response
    )
    assert q4.sheets.count() == 20
    assert not set(q3.sheets.values_list("room_id", flat=True)) & set(q4.sheets.values_list("room_id", flat=True))


def test_issue_with_date_opens_clocks_and_close_stops_entry(client, office):
    add_rooms(office, 6, units=2)
    s = make(office)
    client.force_login(office.supervisor)
    url = reverse("engagement:survey", args=[s.pk])
    page = html_of(client.get(url))
    assert 'value="2026-12-01"' in page  # proposed date: first working day of December (SV-2)
    client.post(step_url(s, "draw"))
    wrong = client.post(step_url(s, "issue"), {"issued_on": "2026-11-20"})
    assert wrong.status_code == 400 and "应在 2026 年 12 月发放" in html_of(wrong)
    client.post(step_url(s, "issue"), {"issued_on": "2026-12-01"})
    s.refresh_from_db()
    assert s.status == SurveyStatus.ISSUED
    page = html_of(client.get(url))
    assert "SV-2.collect" in page and "SV-6.analysis" in page and "SV-6.measures" in page
    assert "每个单元均已覆盖" in page
    assert f"/console/engagement/surveys/{s.pk}/results/" in page
    client.post(step_url(s, "close"))
    s.refresh_from_db()
    assert s.status == SurveyStatus.CLOSED


def test_coverage_highlights_entrances_without_forms(client, office):
    add_rooms(office, 4, units=2)
    s = issued(office)
    c = office.community
    late = UnitFactory(community=c, building__community=c)
    RoomFactory(community=c, unit=late, building=late.building, handover="moved_in")  # moved in after the draw
    client.force_login(office.supervisor)
    page = html_of(client.get(reverse("engagement:survey", args=[s.pk])))
    coverage = page.split('id="survey-coverage"')[1]
    assert "1 个单元未发放" in coverage
    assert coverage.count("未发放") >= 2  # the badge and the row


# --- sheets ------------------------------------------------------------------------------------


def test_sheets_filter_and_query_budget(client, office, django_assert_max_num_queries):
    add_rooms(office, 30, units=3)
    s = issued(office)
    returned = list(s.sheets.order_by("number")[:5])
    for sheet in returned:
        surveys.sheet_record(sheet=sheet, actor=office.desk, answers={})
    client.force_login(office.supervisor)
    url = reverse("engagement:survey_sheets", args=[s.pk])
    client.get(url)
    with django_assert_max_num_queries(12):
        page = html_of(client.get(url))
    assert "已回收 5 / 31" in page
    assert page.count("<tr>") - 1 == 31
    returned_page = html_of(client.get(url + "?state=returned"))
    assert returned_page.count('badge green">已回收') == 5 and "未回收</span>" not in returned_page
    pending = html_of(client.get(url + "?state=pending"))
    assert pending.count('badge grey">未回收') == 26
    building = returned[0].room.building.code
    by_building = html_of(client.get(url + f"?building={building}"))
    assert all(
        (sh.room.code in by_building) == (sh.room.building.code == building)
        for sh in s.sheets.select_related("room__building")
    )


# --- printable forms ---------------------------------------------------------------------------


def pdf_pages(content: bytes) -> int:
    info = pdf_tool("pdfinfo", content)
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_blank_forms_one_page_each_with_chinese_text(client, office, tmp_path):
    added = add_rooms(office, 4, units=2)  # two entrances of two (the office's own room has a third)
    s = issued(office)
    sheet = s.sheets.select_related("room__building", "room__unit").filter(room=added[-1]).get()
    client.force_login(office.desk)
    url = reverse("core:document_pdf", args=["SV.form", s.pk])
    one = client.get(url + f"?sheet={sheet.number}")
    assert one["Content-Type"] == "application/pdf"
    text = pdf_text(one.content, layout=True)
    assert "表号" in text and sheet.room.code in text and "基本满意" in text and "治安" in text
    assert "意见和建议" in text and "2026-12-22" in text  # return deadline (15 working days)
    assert pdf_pages(one.content) == 1
    unit = client.get(url + f"?building={sheet.room.building.code}&unit={sheet.room.unit.code}")
    assert pdf_pages(unit.content) == 2


def test_issue_register_pdf(client, office, tmp_path):
    add_rooms(office, 3)
    s = issued(office)
    client.force_login(office.supervisor)
    response = client.get(reverse("core:document_pdf", args=["SV.register", s.pk]))
    text = pdf_text(response.content, layout=True)
    assert "发放登记表" in text and "发放人" in text and "签收" in text
    assert all(sheet.room.code in text for sheet in s.sheets.select_related("room"))
