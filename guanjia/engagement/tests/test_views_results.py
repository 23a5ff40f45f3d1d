"""The results page, its PDFs and the published version (SV-3, SV-4, SV-6, LW-1), and the portal."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core.tests.pdf import pdf_text
from guanjia.engagement import surveys
from guanjia.engagement.choices import Answer, SurveyKind, SurveyStatus
from guanjia.engagement.models import SurveyAnswer, SurveySheet
from guanjia.engagement.tests.factories import add_rooms, step_url, survey_office
from guanjia.portal.tests.factories import portal_user
from guanjia.quality.models import Action
from guanjia.servicedesk.tests.factories import Office

pytestmark = pytest.mark.django_db

S, B, D, BLANK, MULTI = Answer.SATISFIED, Answer.BASIC, Answer.DISSATISFIED, None, [Answer.SATISFIED, Answer.BASIC]


@pytest.fixture
def office():
    return survey_office()


def issued_survey(office, rooms=9):
    add_rooms(office, rooms)
    s = surveys.survey_create(
        community=office.community,
        actor=office.supervisor,
        kind=SurveyKind.QUESTIONNAIRE,
        year=2026,
        period=2,
        items=[("治安", "security"), ("清洁", "cleaning")],
    )
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    return s


# Worked example (SV-3, SV-4): 10 forms issued, 5 returned (50%, 10 whole points below 60% → −50).
#   治安: S S B D blank      → 2 + 1 satisfied, 1 dissatisfied, 1 abstained → 3/4 = 75.0% → 25.0%
#   清洁: D D S multiple B   → 1 + 1, 2 dissatisfied, 1 abstained          → 2/4 = 50.0% → 0.0%
#   overall: (3 + 2) ÷ (3 + 2 + 3) = 62.5% → 12.5%
#   Pareto: 清洁 2 (66.7%, key ★), 治安 1 (100%).
EXAMPLE = [(S, D), (S, D), (B, S), (D, MULTI), (BLANK, B)]


def answer(survey, office, marks, suggestions=()):
    sec, cle = survey.items.all()
    sheets = list(survey.sheets.order_by("number"))
    for n, (sheet, (a, b)) in enumerate(zip(sheets, marks, strict=False)):
        text = suggestions[n] if n < len(suggestions) else ""
        surveys.sheet_record(sheet=sheet, actor=office.desk, answers={sec.pk: a, cle.pk: b}, suggestions=text)
    return sheets


def results_url(survey):
    return reverse("engagement:survey_results", args=[survey.pk])


def test_sv3_sv4_worked_example_on_the_page(client, office):
    s = issued_survey(office)
    answer(s, office, EXAMPLE)
    client.force_login(office.desk)
    html = client.get(results_url(s)).content.decode()
    assert "中期数据" in html  # still collecting
    assert 'id="return-rate">50.0%' in html
    assert 'id="overall-raw">62.5%' in html
    assert 'id="overall-adjusted">12.5%' in html
    assert "(3 + 2) ÷ (3 + 2 + 3) × 100% = 62.5%" in html  # the arithmetic, checkable by hand
    assert "低于 60% 10 个百分点，扣 50 分 → 12.5%" in html
    assert "(2 + 1) ÷ (2 + 1 + 1) × 100% = 75.0%" in html  # 治安's arithmetic, abstention left out
    assert "75.0%" in html and "25.0%" in html and "0.0%" in html
    assert 'id="penalty-note"' in html
    pareto = html.split('id="pareto-table"')[1].split("</table>")[0]
    assert pareto.index("清洁") < pareto.index("治安")
    assert "66.7%" in pareto and "100.0%" in pareto
    assert pareto.count("★") == 1  # only 清洁 is a key item (SV-4)
    cle = s.items.get(text="清洁")
    assert reverse("quality:fishbone", args=[s.pk, cle.pk]) in html  # SV-5: the quality app's page
    assert "<svg" in html and 'class="bar key"' in html


def test_sv3_no_penalty_at_60_pct(client, office):
    s = issued_survey(office)
    answer(s, office, EXAMPLE + [(S, S)])  # 6 of 10 = 60%
    client.force_login(office.desk)
    html = client.get(results_url(s)).content.decode()
    assert 'id="return-rate">60.0%' in html
    assert 'id="penalty-note"' not in html
    assert "不低于 60%，不扣分" in html
    assert 'id="overall-raw">70.0%' in html and 'id="overall-adjusted">70.0%' in html  # (4+3)/(4+3+3)


def test_suggestions_with_room_code_for_staff(client, office):
    s = issued_survey(office)
    sheets = answer(s, office, EXAMPLE[:1], suggestions=["楼道灯坏了很久"])
    client.force_login(office.desk)
    html = client.get(results_url(s)).content.decode()
    assert "楼道灯坏了很久" in html and sheets[0].room.code in html


def test_other_community_survey_is_404(client, office):
    s = issued_survey(office)
    other = Office()
    client.force_login(other.supervisor)
    assert client.get(results_url(s)).status_code == 404
    assert client.get(reverse("core:document_pdf", args=["SV-6.public", s.pk])).status_code == 404


def test_publish_needs_permission_and_closed_survey(client, office):
    s = issued_survey(office)
    answer(s, office, EXAMPLE)
    client.force_login(office.desk)  # front desk may not publish
    assert client.post(step_url(s, "publish_results"), {"conclusion": "x"}).status_code == 403
    client.force_login(office.supervisor)
    assert 'id="id_conclusion"' not in client.get(results_url(s)).content.decode()  # not offered while collecting
    response = client.post(step_url(s, "publish_results"), {"conclusion": "清洁是重点"})
    assert response.status_code == 409  # the state machine refuses it (core.transitions)
    assert "请先截止回收" in response.content.decode()
    s.refresh_from_db()
    assert s.status == SurveyStatus.ISSUED
    surveys.survey_close(survey=s, actor=office.supervisor)
    assert 'id="id_conclusion"' in client.get(results_url(s)).content.decode()
    response = client.post(step_url(s, "publish_results"), {"conclusion": "清洁是重点"})
    assert response.status_code == 302 and response.url == results_url(s)
    s.refresh_from_db()
    assert s.status == SurveyStatus.PUBLISHED and s.conclusion == "清洁是重点"
    assert s.results_published_at is not None
    html = client.get(results_url(s)).content.decode()
    assert "中期数据" not in html and "已公布" in html


def test_results_query_budget_does_not_grow_with_sheets(client, office, django_assert_max_num_queries):
    s = issued_survey(office, rooms=199)  # 200 forms
    items = list(s.items.all())
    sheets = list(s.sheets.all())
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(survey=s, sheet=sh, item=i, choice=[S, B, D][(sh.number + i.position) % 3])
        for sh in sheets
        for i in items
    )
    SurveySheet.objects.filter(survey=s).update(returned_at=dt.datetime(2026, 12, 3, tzinfo=dt.UTC), suggestions="好")
    client.force_login(office.desk)
    with django_assert_max_num_queries(20):
        response = client.get(results_url(s))
    assert response.status_code == 200
    assert 'id="return-rate">100.0%' in response.content.decode()


def test_lw1_published_pdf_has_no_room_name_or_suggestion(client, office, tmp_path):
    s = issued_survey(office)
    sheets = answer(s, office, EXAMPLE, suggestions=["楼道灯坏了很久"])
    surveys.survey_close(survey=s, actor=office.supervisor)
    surveys.survey_publish_results(survey=s, actor=office.supervisor, conclusion="清洁为重点改进项目")
    Action.objects.create(
        community=office.community,
        survey=s,
        problem="楼道清洁不及时",
        measure="每日两次保洁巡查",
        owner=office.supervisor,
        due_on=dt.date(2027, 1, 20),
        created_by=office.supervisor,
    )
    s.measures_published_at = s.results_published_at
    s.save(update_fields=["measures_published_at"])
    office.supervisor.first_name = "张三丰"
    office.supervisor.save()
    client.force_login(office.supervisor)
    response = client.get(reverse("core:document_pdf", args=["SV-6.public", s.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, layout=True)
    compact = text.replace(" ", "")
    assert "62.5%" in text and "12.5%" in text and "清洁为重点改进项目" in compact
    assert "每日两次保洁巡查" in compact and "管理处" in compact
    assert "不满意项目排列图" in compact and "66.7%" in text  # the chart's labels render
    for sheet in sheets:
        assert sheet.room.code not in text
    assert office.owner.name not in compact and "张三丰" not in compact
    assert "楼道灯坏了很久" not in compact

    internal = pdf_text(client.get(reverse("core:document_pdf", args=["SV-6.results", s.pk])).content, layout=True)
    assert "楼道灯坏了很久" in internal.replace(" ", "") and sheets[0].room.code in internal
    assert "统计人" in internal and "审核人" in internal


def test_console_print_view_has_no_room_codes(client, office):
    s = issued_survey(office)
    sheets = answer(s, office, EXAMPLE, suggestions=["楼道灯坏了很久"])
    client.force_login(office.desk)
    html = client.get(reverse("engagement:survey_public", args=[s.pk])).content.decode()
    body = html.split('class="survey-public"')[1]
    assert "12.5%" in body and "楼道灯坏了很久" not in body
    assert all(sh.room.code not in body for sh in sheets)


def test_portal_shows_only_published_surveys_of_own_communities(client, office):
    s = issued_survey(office)
    answer(s, office, EXAMPLE)
    user = portal_user(office.owner)
    client.force_login(user)
    list_url = reverse("portal:survey_results")
    detail = reverse("portal:survey_result", args=[s.pk])
    assert s.title not in client.get(list_url).content.decode()
    assert client.get(detail).status_code == 404  # issued, not published
    surveys.survey_close(survey=s, actor=office.supervisor)
    assert client.get(detail).status_code == 404  # closed, not published
    surveys.survey_publish_results(survey=s, actor=office.supervisor)
    assert s.title in client.get(list_url).content.decode()
    html = client.get(detail).content.decode()
    assert "12.5%" in html and office.room.code not in html

    other = Office()
    o = issued_survey(other)
    surveys.survey_close(survey=o, actor=other.supervisor)
    surveys.survey_publish_results(survey=o, actor=other.supervisor)
    assert client.get(reverse("portal:survey_result", args=[o.pk])).status_code == 404
    assert reverse("portal:survey_result", args=[o.pk]) not in client.get(list_url).content.decode()
