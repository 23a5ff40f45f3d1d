"""Paper forms entered by keyboard (SV-3 entry): the answer string, corrections, closed surveys."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from guanjia.engagement import surveys
from guanjia.engagement.choices import Answer, Channel, SurveyKind
from guanjia.engagement.forms_surveys import parse_answer_string
from guanjia.engagement.models import SurveyAnswer
from guanjia.engagement.tests.factories import survey_office

pytestmark = pytest.mark.django_db

ITEMS = [("治安", "security"), ("清洁", "cleaning"), ("绿化", "greening")]


@pytest.fixture
def office():
    return survey_office(households=10)


@pytest.fixture
def survey(office):
    s = surveys.survey_create(
        community=office.community,
        actor=office.supervisor,
        kind=SurveyKind.QUESTIONNAIRE,
        year=2026,
        period=2,
        items=ITEMS,
    )
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    return s


def enter(client, survey, **data):
    data.setdefault("suggestions", "")
    return client.post(reverse("engagement:survey_entry", args=[survey.pk]), data, follow=True)


# --- the answer string ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123", [Answer.SATISFIED, Answer.BASIC, Answer.DISSATISFIED]),
        ("0 -", [Answer.BLANK, Answer.BLANK, Answer.BLANK]),
        ("9*1", [Answer.MULTIPLE, Answer.MULTIPLE, Answer.SATISFIED]),
        ("１２３", [Answer.SATISFIED, Answer.BASIC, Answer.DISSATISFIED]),  # full-width from a Chinese IME
        ("12 ", [Answer.SATISFIED, Answer.BASIC, Answer.BLANK]),  # a trailing space is the last item left blank
    ],
)
def test_answer_string_valid(text, expected):
    assert parse_answer_string(text, 3) == expected


def test_answer_string_wrong_length_names_both_counts():
    with pytest.raises(ValidationError) as e:
        parse_answer_string("12", 3)
    assert "答案串有 2 位，本问卷有 3 项" in e.value.messages[0]


def test_answer_string_bad_character_names_position_and_character():
    with pytest.raises(ValidationError) as e:
        parse_answer_string("125", 3)
    assert e.value.messages[0] == "第 3 项的“5”无效，应为 1、2、3、0 或 9。"


# --- the page ----------------------------------------------------------------------------------


def test_entry_page_shows_legend_items_and_running_count(client, office, survey):
    client.force_login(office.desk)
    page = client.get(reverse("engagement:survey_entry", args=[survey.pk])).content.decode()
    assert "已回收 0 / 10" in page
    sheet_input = next(tag for tag in page.split("<input")[1:] if 'name="sheet"' in tag.split(">")[0])
    assert "autofocus" in sheet_input.split(">")[0]  # the clerk starts typing at once
    legend = page.split('id="entry-legend"')[1].split("</table>")[0]
    assert "满意" in legend and "多选" in legend
    items = page.split('id="entry-items"')[1].split("</table>")[0]
    assert items.index("治安") < items.index("清洁") < items.index("绿化")


def test_entry_by_sheet_number_saves_and_returns_ready_for_the_next(client, office, survey):
    sheet = survey.sheets.select_related("room").get(number=2)
    client.force_login(office.desk)
    response = enter(client, survey, sheet="2", answers="13 ", suggestions="绿化带杂草多")
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("engagement:survey_entry", args=[survey.pk])  # PRG
    assert f"第 2 号表（{sheet.room.code}）已录入" in page
    assert "已回收 1 / 10" in page
    entry_form = page.split('id="sheet-entry-form"')[1].split("</form>")[0]
    assert 'value="13' not in entry_form  # the form is empty again
    sheet.refresh_from_db()
    assert sheet.returned_at and sheet.channel == Channel.PAPER and sheet.entered_by == office.desk
    assert sheet.suggestions == "绿化带杂草多"
    choices = dict(SurveyAnswer.objects.filter(sheet=sheet).values_list("item__text", "choice"))
    assert choices == {"治安": Answer.SATISFIED, "清洁": Answer.DISSATISFIED, "绿化": Answer.BLANK}


def test_entry_by_room_code(client, office, survey):
    sheet = survey.sheets.select_related("room").order_by("number").last()
    client.force_login(office.desk)
    page = enter(client, survey, sheet=sheet.room.code, answers="111").content.decode()
    assert f"第 {sheet.number} 号表（{sheet.room.code}）已录入" in page
    sheet.refresh_from_db()
    assert sheet.returned_at is not None


def test_entry_errors_name_the_position_and_unknown_sheet(client, office, survey):
    client.force_login(office.desk)
    page = enter(client, survey, sheet="1", answers="125").content.decode()
    assert "第 3 项的“5”无效，应为 1、2、3、0 或 9。" in page
    page = enter(client, survey, sheet="99", answers="111").content.decode()
    assert "本问卷没有第 99 号表" in page
    assert not survey.sheets.filter(returned_at__isnull=False).exists()


def test_reentering_a_returned_sheet_asks_for_confirmation(client, office, survey):
    sheet = survey.sheets.get(number=1)
    client.force_login(office.desk)
    enter(client, survey, sheet="1", answers="111")
    page = enter(client, survey, sheet="1", answers="333").content.decode()
    assert "已于" in page and "更正已录入的答卷" in page
    assert set(SurveyAnswer.objects.filter(sheet=sheet).values_list("choice", flat=True)) == {Answer.SATISFIED}
    page = enter(client, survey, sheet="1", answers="333", correct="on").content.decode()
    assert "第 1 号表" in page and "已更正" in page
    assert set(SurveyAnswer.objects.filter(sheet=sheet).values_list("choice", flat=True)) == {Answer.DISSATISFIED}
    assert "已回收 1 / 10" in page  # a correction is not a second return


def test_closed_survey_refuses_entry(client, office, survey):
    surveys.survey_close(survey=survey, actor=office.supervisor)
    client.force_login(office.desk)
    page = client.get(reverse("engagement:survey_entry", args=[survey.pk])).content.decode()
    assert "不在回收期内" in page and 'id="sheet-entry-form"' not in page
    page = enter(client, survey, sheet="1", answers="111").content.decode()
    assert "不能录入答卷" in page
    assert not survey.sheets.filter(returned_at__isnull=False).exists()


def test_sv3_blank_and_multiple_are_abstentions_in_the_results(client, office, survey):
    """Seven forms typed in, ten issued (70% ≥ 60%: no penalty).
    治安: 1,1,2,3 counted + 0 and 9 and * abstained → (2+1)/(2+1+1) = 75.0%."""
    client.force_login(office.desk)
    for number, answers in enumerate(["111", "122", "233", "3 1", "0-1", "9*2", "*11"], start=1):
        enter(client, survey, sheet=str(number), answers=answers)
    result, _rows = surveys.results(survey)
    security = result.items[0]
    assert (security.satisfied, security.basic, security.dissatisfied) == (2, 1, 1)
    assert surveys.item_counts(survey)[0].abstained == 3
    assert security.raw == Decimal(75)
    assert (result.issued, result.returned) == (10, 7)
    assert result.shortfall_points == 0


def test_sv3_return_rate_below_60_costs_five_points_per_point(client, office, survey):
    """Five of ten returned (50%): ten points short → −50. 清洁 all satisfied: 100.0% → 50.0%."""
    client.force_login(office.desk)
    for number in range(1, 6):
        enter(client, survey, sheet=str(number), answers="111")
    result, _rows = surveys.results(survey)
    assert result.shortfall_points == 10
    assert result.items[1].adjusted == Decimal(50)
