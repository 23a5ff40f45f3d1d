"""Owners answer the questionnaire in the portal (/m/surveys/): once, their own homes only, while it
is collecting; unanswered items are abstentions (SV-2, SV-3). The answers given so far are kept as a
draft as they go, shown again after a reload or a later visit, and only the final submit returns the
form (a draft never counts, SV-3); the page's fixed submit bar replaces the tabs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.engagement import drafts, surveys
from guanjia.engagement.choices import Answer, Channel
from guanjia.engagement.models import SheetDraft, SurveySheet
from guanjia.estates.tests.factories import OwnershipFactory, RoomFactory
from guanjia.portal.tests.factories import ID_B, Household, portal_user, registered
from guanjia.servicedesk.tests.factories import at

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


# --- The answers kept as the owner goes (drafts) ------------------------------------------------

MOMENT = at(2026, 12, 3, 20, 15)


def save(client, sheet, data):
    with clock.frozen(MOMENT):
        return client.post(reverse("portal:survey_draft", args=[sheet.pk]), data)


def test_sv2_each_change_is_kept_and_shown_again_after_a_reload(owner, survey, home):
    sheet = my_sheet(survey, home)
    security, cleaning, greening = item_ids(survey)
    response = save(owner, sheet, {f"item_{security}": "satisfied"})
    assert response.status_code == 200
    assert response.json() == {"saved_at": "20:15", "answered": 1, "total": 3, "detail": "已自动保存 20:15"}
    save(
        owner, sheet, {f"item_{security}": "satisfied", f"item_{cleaning}": "dissatisfied", "suggestions": " 晚上太吵 "}
    )
    draft = SheetDraft.objects.get(sheet=sheet)
    assert draft.answers == {str(security): "satisfied", str(cleaning): "dissatisfied"}
    assert draft.suggestions == "晚上太吵"
    page = owner.get(reverse("portal:survey", args=[sheet.pk])).content.decode()
    form = owner.get(reverse("portal:survey", args=[sheet.pk])).context["form"]
    assert form[f"item_{security}"].value() == "satisfied"
    assert form[f"item_{cleaning}"].value() == "dissatisfied"
    assert form[f"item_{greening}"].value() is None
    assert form["suggestions"].value() == "晚上太吵"
    assert "checked" in page.split(f'name="item_{cleaning}" value="dissatisfied"')[1].split(">")[0]
    assert "已答 2 / 3 项" in page and "草稿已保存 12-03 20:15" in page
    # Coming back later via the list: it says the form is under way.
    assert "继续填写" in owner.get(reverse("portal:surveys")).content.decode()
    # The first save only is logged: every click would flood the household file.
    assert ActivityLog.objects.filter(verb="engagement.sheet.draft_started").count() == 1


def test_sv3_a_draft_is_never_a_returned_form(owner, survey, home):
    sheet = my_sheet(survey, home)
    security, cleaning, _greening = item_ids(survey)
    save(owner, sheet, {f"item_{security}": "dissatisfied", f"item_{cleaning}": "dissatisfied"})
    sheet.refresh_from_db()
    assert sheet.returned_at is None and sheet.answers.count() == 0
    result, _rows = surveys.results(survey)
    assert result.returned == 0 and result.overall.dissatisfied == 0
    assert "待填写问卷 (1)" in owner.get(reverse("portal:home")).content.decode()


def test_final_submit_counts_and_removes_the_draft(owner, survey, home):
    sheet = my_sheet(survey, home)
    security, cleaning, _greening = item_ids(survey)
    save(owner, sheet, {f"item_{security}": "dissatisfied"})
    response = owner.post(
        reverse("portal:survey", args=[sheet.pk]), {f"item_{security}": "satisfied", f"item_{cleaning}": "basic"}
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.returned_at and sheet.channel == Channel.PORTAL
    assert dict(sheet.answers.values_list("item_id", "choice"))[security] == Answer.SATISFIED  # what was submitted
    assert not SheetDraft.objects.exists()
    # After submitting, saving a draft is refused (a stale tab cannot reopen it).
    late = save(owner, sheet, {f"item_{security}": "dissatisfied"})
    assert late.status_code == 409 and late.json()["code"] == "answered"
    assert not SheetDraft.objects.exists()


def test_drafts_of_another_household_closed_surveys_and_bad_choices_are_refused(owner, survey, home, neighbour):
    room, _user = neighbour
    theirs = survey.sheets.get(room=room)
    assert save(owner, theirs, {}).status_code == 404
    sheet = my_sheet(survey, home)
    bad = save(owner, sheet, {f"item_{item_ids(survey)[0]}": "great"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    with pytest.raises(ServiceError) as e:
        drafts.sheet_draft_save(sheet=sheet, user=home.user, answers={"999999": "satisfied"})
    assert e.value.field == "answers"
    surveys.survey_close(survey=survey, actor=home.office.supervisor)
    closed = save(owner, sheet, {f"item_{item_ids(survey)[0]}": "satisfied"})
    assert closed.status_code == 409 and closed.json()["code"] == "closed"
    assert not SheetDraft.objects.exists()


def test_staff_paper_entry_is_not_blocked_by_an_owners_draft(owner, survey, home):
    sheet = my_sheet(survey, home)
    security = item_ids(survey)[0]
    save(owner, sheet, {f"item_{security}": "dissatisfied"})
    surveys.sheet_record(sheet=sheet, actor=home.office.desk, answers={security: "satisfied"})
    sheet.refresh_from_db()
    assert sheet.channel == Channel.PAPER and sheet.returned_at


def test_form_page_has_the_fixed_bar_instead_of_the_tabs(owner, survey, home):
    sheet = my_sheet(survey, home)
    page = owner.get(reverse("portal:survey", args=[sheet.pk])).content.decode()
    assert 'class="has-sheet-bar"' in page and 'id="sheet-bar"' in page
    assert 'class="tabs"' not in page  # two bottom bars would cover each other
    assert page.count('type="submit"') == 1  # the bar's button is the form's one submit
    assert reverse("portal:survey_draft", args=[sheet.pk]) in page
