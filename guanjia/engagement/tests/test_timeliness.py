"""Lateness is visible (SV-1, SV-6): an evaluation handed out before mid-month warns and the clerk
confirms; measures not published within their 30 working days show in the list (the measures page
is the quality app's, tested there); a sample left below SV-1's minimum after an import of new households is flagged
on the survey page, and the missing forms can be added."""

import datetime as dt
import io
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing.services import import_commit
from guanjia.core.models import ActivityLog
from guanjia.core.policies import policy_set
from guanjia.engagement import sample, surveys, timeliness
from guanjia.engagement.choices import SurveyKind, SurveyStatus
from guanjia.engagement.tests.factories import add_rooms, new_survey, step_url, survey_office
from guanjia.estates.tests.test_import import import_preview
from guanjia.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return survey_office(households=10)


def html(response) -> str:
    return response.content.decode()


# --- SV-1: handed out mid of the quarter's last month ------------------------------------------


def drawn_evaluation(office, period=4):
    s = new_survey(office, SurveyKind.EVALUATION, period=period)
    surveys.survey_draw(survey=s, actor=office.supervisor, rng=random.Random(1))
    return s


def test_sv1_early_issue_is_refused_with_the_warning_until_confirmed(office):
    s = drawn_evaluation(office)
    assert timeliness.mid_month(s) == dt.date(2026, 12, 15)
    with pytest.raises(ServiceError) as e:
        surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    assert e.value.code == "early_issue" and e.value.field == "issued_on"
    assert "2026-12-01 早于季末月中旬" in e.value.message and "2026-12-15" in e.value.message
    assert "确认提前发放" in e.value.message
    s.refresh_from_db()
    assert s.status == SurveyStatus.DRAFT
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1), early_ok=True)
    assert s.status == SurveyStatus.ISSUED
    entry = ActivityLog.objects.get(verb="engagement.survey.issued")
    assert entry.data["early"] is True and "早于季末月中旬" in entry.summary


def test_sv1_mid_month_and_later_issue_without_warning_and_the_day_is_a_policy(office):
    s = drawn_evaluation(office)
    assert timeliness.early_issue_warning(s, dt.date(2026, 12, 15)) == ""
    policy_set(community=office.community, key="SV-1.issue_day", raw_value="10", actor=office.manager)
    assert timeliness.early_issue_warning(s, dt.date(2026, 12, 10)) == ""
    assert surveys.proposed_issue_date(office.community, SurveyKind.EVALUATION, 2026, 4) == dt.date(2026, 12, 10)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 10))
    assert ActivityLog.objects.get(verb="engagement.survey.issued").data["early"] is False


def test_sv2_questionnaire_is_never_warned_for_the_1st(office):
    s = new_survey(office)
    surveys.survey_draw(survey=s, actor=office.supervisor)
    assert timeliness.early_issue_warning(s, dt.date(2026, 12, 1)) == ""
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))


def test_sv1_console_shows_the_warning_then_issues_when_confirmed(client, office):
    s = drawn_evaluation(office)
    client.force_login(office.supervisor)
    url = reverse("engagement:survey", args=[s.pk])
    page = html(client.get(url))
    assert "季度评议于季末月中旬发放：2026-12-15 起（SV-1）" in page
    assert 'id="survey-early-warning"' not in page
    warned = html(client.post(step_url(s, "issue"), {"issued_on": "2026-12-07"}))
    assert 'id="survey-early-warning"' in warned and 'name="early_ok"' in warned
    assert "2026-12-07 早于季末月中旬：季度业户评议应于 2026-12-15 起发放（SV-1）" in warned
    s.refresh_from_db()
    assert s.status == SurveyStatus.DRAFT
    client.post(step_url(s, "issue"), {"issued_on": "2026-12-07", "early_ok": "on"})
    s.refresh_from_db()
    assert (s.status, s.issued_on) == (SurveyStatus.ISSUED, dt.date(2026, 12, 7))
    assert "早于季末月中旬（SV-1）" in html(client.get(url))
    listing = html(client.get(reverse("engagement:surveys")))
    assert "提前发放" in listing


# --- SV-6: the measures clocks of the survey list (the measures notice itself: quality/tests/test_measures.py)


def test_survey_list_reads_the_measures_clocks_in_one_query(client, office, django_assert_max_num_queries):
    for year in (2024, 2025, 2026):
        s = new_survey(office, year=year)
        surveys.survey_draw(survey=s, actor=office.supervisor)
        surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(year, 12, 1))
    client.force_login(office.supervisor)
    client.get(reverse("engagement:surveys"))
    with clock.frozen(at(2027, 2, 1, 9, 0)), django_assert_max_num_queries(12):
        listing = html(client.get(reverse("engagement:surveys")))
    assert listing.count("已超期未公布") == 3


# --- SV-1 minimum sample after an import of new households --------------------------------------


def import_households(office, codes):
    """New moved-in dwellings through the register's Excel import (as an office does)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["房号", "类型", "建筑面积", "交付状态"])
    for code in codes:
        sheet.append([code, "住宅", 89.5, "已入伙"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("new.xlsx", buffer.getvalue())
    batch = import_preview(community=office.community, actor=office.supervisor, kind="rooms", file=upload)
    assert batch.errors == []
    import_commit(batch=batch, actor=office.supervisor)


def test_sv1_sample_below_minimum_after_import_is_flagged_and_topped_up(client, office):
    s = drawn_evaluation(office)  # 10 households × 20% → 2 forms
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 15))
    assert not sample.sample_check(s).short
    import_households(office, [f"88-1-{n:03d}" for n in range(101, 121)])  # 20 more: 30 × 20% → 6
    check = sample.sample_check(s)
    assert (check.households, check.minimum, check.issued, check.missing) == (30, 6, 2, 4)
    client.force_login(office.supervisor)
    url = reverse("engagement:survey", args=[s.pk])
    page = html(client.get(url))
    flag = page.split('id="survey-sample-short"')[1].split("</div>")[0]
    assert (
        "样本不足：现已入住住宅 30 户（不含车位、车库、储藏室、商铺），至少应发放 6 份（≥20%，SV-1），"
        "目前只有 2 份，还差 4 份。" in flag
    )
    assert "补发 4 份" in flag
    client.post(step_url(s, "top_up"))
    assert s.sheets.count() == 6
    assert sorted(s.sheets.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert not sample.sample_check(s).short
    assert 'id="survey-sample-short"' not in html(client.get(url))
    assert ActivityLog.objects.filter(verb="engagement.survey.topped_up").exists()


def test_sv2_new_households_without_a_form_are_flagged(office):
    s = new_survey(office)
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    add_rooms(office, 3)
    check = sample.sample_check(s)
    assert check.missing == 3 and "有 3 户已入住住宅尚未发放问卷（SV-2：每户都要发放）" in check.text
    assert sample.survey_top_up(survey=s, actor=office.supervisor) == 3
    assert s.sheets.count() == 13


def test_top_up_refusals(office):
    s = drawn_evaluation(office)
    with pytest.raises(ServiceError) as e:  # a draft is drawn again instead
        sample.survey_top_up(survey=s, actor=office.supervisor)
    assert "重新确定发放对象" in e.value.message
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 15))
    with pytest.raises(ServiceError) as e:
        sample.survey_top_up(survey=s, actor=office.supervisor)
    assert "无需补发" in e.value.message
