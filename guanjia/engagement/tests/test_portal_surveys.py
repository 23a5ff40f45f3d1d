"""Owners answer the questionnaire in the portal (/m/surveys/): once, their own homes only, while it
is collecting; unanswered items are abstentions (SV-2, SV-3)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from guanjia.engagement import surveys
from guanjia.engagement.choices import Answer, Channel
from guanjia.engagement.models import SurveySheet
from guanjia.estates.tests.factories import OwnershipFactory, RoomFactory
from guanjia.portal.tests.factories import ID_B, Household, portal_user, registered

pytestmark = pytest.mark.django_db

ITEMS = [("治安", "security"), ("清洁", "cleaning"), ("绿化", "greening")]


@pytest.fixture
def home():
    h = Household()
    h.room.handover = "moved_in"
    h.room.save()
    return h


@pytest.fixture
def neighbour(home):
    room = RoomFactory(community=home.community, unit=home.room.unit, building=home.room.building, handover="moved_in")
    person = OwnershipFactory(room=room, community=home.community, person__community=home.community).person
    registered(person, id_number=ID_B, phone="13600136000")
    return room, portal_user(person)


@pytest.fixture
def survey(home, neighbour):
    office = home.office
    s = surveys.survey_create(
        community=home.community, actor=office.supervisor, kind="questionnaire", year=2026, period=2, items=ITEMS
    )
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    return s


@pytest.fixture
def owner(client, home):
    client.force_login(home.user)
    return client


def my_sheet(survey, home) -> SurveySheet:
    return survey.sheets.get(room=home.room)


def item_ids(survey):
    return [i.pk for i in survey.items.order_by("position")]


def test_home_card_and_list_show_open_forms(owner, survey, home):
    page = owner.get(reverse("portal:home")).content.decode()
    assert "待填写问卷 (1)" in page
    page = owner.get(reverse("portal:surveys")).content.decode()
    assert survey.title in page and home.room.code in page and "待填写" in page


def test_form_has_three_choices_per_item_and_the_abstention_note(owner, survey, home):
    page = owner.get(reverse("portal:survey", args=[my_sheet(survey, home).pk])).content.decode()
    assert page.count('type="radio"') == 3 * 3
    for label in ("满意", "基本满意", "不满意"):
        assert f"<span>{label}</span>" in page
    assert "未选择的项目视为弃权" in page


def test_owner_answers_once_and_sees_it_read_only(owner, survey, home):
    sheet = my_sheet(survey, home)
    security, cleaning, _greening = item_ids(survey)
    url = reverse("portal:survey", args=[sheet.pk])
    response = owner.post(
        url, {f"item_{security}": "satisfied", f"item_{cleaning}": "dissatisfied", "suggestions": "垃圾清运要及时"}
    )
    assert response.status_code == 302 and response.url == reverse("portal:survey_thanks", args=[sheet.pk])
    assert "感谢您的参与" in owner.get(response.url).content.decode()
    sheet.refresh_from_db()
    assert sheet.channel == Channel.PORTAL and sheet.returned_at and sheet.suggestions == "垃圾清运要及时"
    assert dict(sheet.answers.values_list("item__text", "choice")) == {
        "治安": Answer.SATISFIED,
        "清洁": Answer.DISSATISFIED,
        "绿化": Answer.BLANK,  # left unanswered: an abstention (SV-3)
    }
    page = owner.get(url).content.decode()
    assert "已提交" in page and 'id="sheet-form"' not in page and "未填（弃权）" in page
    # The home card no longer counts it.
    assert "待填写问卷" not in owner.get(reverse("portal:home")).content.decode()
    result, _rows = surveys.results(survey)
    assert result.returned == 1 and result.items[0].raw == Decimal(100) and result.items[1].raw == Decimal(0)


def test_double_submit_is_refused(owner, survey, home):
    sheet = my_sheet(survey, home)
    security = item_ids(survey)[0]
    url = reverse("portal:survey", args=[sheet.pk])
    owner.post(url, {f"item_{security}": "satisfied"})
    response = owner.post(url, {f"item_{security}": "dissatisfied"}, follow=True)
    assert "已经填写过了" in response.content.decode()
    assert sheet.answers.get(item_id=security).choice == Answer.SATISFIED


def test_unknown_choice_is_a_form_error(owner, survey, home):
    sheet = my_sheet(survey, home)
    response = owner.post(reverse("portal:survey", args=[sheet.pk]), {f"item_{item_ids(survey)[0]}": "great"})
    assert response.status_code == 400
    sheet.refresh_from_db()
    assert sheet.returned_at is None


def test_another_households_form_is_404(owner, survey, neighbour):
    room, _user = neighbour
    theirs = survey.sheets.get(room=room)
    assert owner.get(reverse("portal:survey", args=[theirs.pk])).status_code == 404
    assert owner.post(reverse("portal:survey", args=[theirs.pk]), {}).status_code == 404
    assert theirs.answers.count() == 0


def test_closed_survey_says_collection_has_ended(owner, survey, home):
    surveys.survey_close(survey=survey, actor=home.office.supervisor)
    sheet = my_sheet(survey, home)
    page = owner.get(reverse("portal:survey", args=[sheet.pk])).content.decode()
    assert "回收已结束" in page and 'id="sheet-form"' not in page
    response = owner.post(reverse("portal:survey", args=[sheet.pk]), {}, follow=True)
    assert response.status_code == 200
    sheet.refresh_from_db()
    assert sheet.returned_at is None
    assert survey.title not in owner.get(reverse("portal:surveys")).content.decode()


def test_staff_are_sent_to_the_console(client, survey, home):
    client.force_login(home.office.desk)
    assert client.get(reverse("portal:surveys")).status_code == 302


def test_survey_list_query_budget(owner, survey, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert owner.get(reverse("portal:surveys")).status_code == 200
