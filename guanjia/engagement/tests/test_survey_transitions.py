"""The survey's state machine (SV-1 … SV-6, DESIGN.md §16): each transition's state, log entry,
deadlines and notifications; the machine refusing what the state or the role does not allow; and
the survey pages offering exactly what the machine offers each user."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock, transitions
from guanjia.core.errors import Conflict, Forbidden
from guanjia.core.tests.assertions import assert_transition
from guanjia.engagement import sample, surveys
from guanjia.engagement.choices import SurveyStatus
from guanjia.engagement.tests.factories import add_rooms, new_survey, step_url, survey_office
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db

ISSUED_AT = at(2026, 12, 1, 9, 0)


@pytest.fixture
def office():
    return survey_office(households=4, units=2)


def offered(survey, user) -> list[str]:
    return [offer.action for offer in transitions.offers(survey, user)]


def drawn(office):
    survey = new_survey(office)
    surveys.survey_draw(survey=survey, actor=office.supervisor)
    return survey


def issued(office):
    survey = drawn(office)
    with clock.frozen(ISSUED_AT):
        surveys.survey_issue(survey=survey, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    return survey


# --- each transition: state, log, deadlines, notifications ------------------------------------


def test_set_items_keeps_the_draft_and_logs(office):
    survey = new_survey(office)
    with assert_transition(
        survey,
        state=SurveyStatus.DRAFT,
        verb="engagement.survey.items",
        deadline=None,
        notification=None,
        actor=office.supervisor,
    ):
        surveys.survey_set_items(survey=survey, actor=office.supervisor, items=[("保洁", "cleaning"), ("绿化", "")])
    assert list(survey.items.values_list("text", flat=True)) == ["保洁", "绿化"]


def test_draw_keeps_the_draft_and_logs(office):
    survey = new_survey(office)
    with assert_transition(
        survey,
        state=SurveyStatus.DRAFT,
        verb="engagement.survey.drawn",
        deadline=None,
        notification=None,
        actor=office.supervisor,
    ):
        surveys.survey_draw(survey=survey, actor=office.supervisor)
    assert survey.sheets.count() == 4  # SV-2: every moved-in household


def test_issue_opens_collection_and_its_clocks(office):
    survey = drawn(office)
    with (
        clock.frozen(ISSUED_AT),
        assert_transition(
            survey,
            state=SurveyStatus.ISSUED,
            verb="engagement.survey.issued",
            deadline=[
                {"rule": "SV-2.collect", "state": "open", "owner_role": "cs_supervisor"},
                {"rule": "SV-6.analysis", "state": "open"},
                {"rule": "SV-6.measures", "state": "open"},
            ],
            notification=None,
            actor=office.supervisor,
        ),
    ):
        surveys.survey_issue(survey=survey, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    assert survey.issued_on == dt.date(2026, 12, 1) and survey.accepts_answers


def test_top_up_keeps_collecting_and_logs(office):
    survey = issued(office)
    add_rooms(office, 2)  # moved in after the draw (SV-2: every household gets a form)
    with assert_transition(
        survey,
        state=SurveyStatus.ISSUED,
        verb="engagement.survey.topped_up",
        deadline=None,
        notification=None,
        actor=office.supervisor,
    ):
        assert sample.survey_top_up(survey=survey, actor=office.supervisor) == 2


def test_close_ends_collection_and_meets_its_clock(office):
    survey = issued(office)
    closing = at(2026, 12, 10, 16, 0)
    with (
        clock.frozen(closing),
        assert_transition(
            survey,
            state=SurveyStatus.CLOSED,
            verb="engagement.survey.closed",
            deadline={"rule": "SV-2.collect", "state": "met", "met_at": closing, "met_by": office.supervisor},
            notification=None,
            actor=office.supervisor,
        ),
    ):
        surveys.survey_close(survey=survey, actor=office.supervisor)
    assert survey.closed_at == closing and not survey.accepts_answers


def test_publish_results_meets_the_analysis_clock(office):
    survey = issued(office)
    with clock.frozen(at(2026, 12, 10, 16, 0)):
        surveys.survey_close(survey=survey, actor=office.supervisor)
    publishing = at(2026, 12, 12, 10, 0)
    with (
        clock.frozen(publishing),
        assert_transition(
            survey,
            state=SurveyStatus.PUBLISHED,
            verb="engagement.survey.published",
            deadline={"rule": "SV-6.analysis", "state": "met", "met_at": publishing},
            notification=None,
            actor=office.supervisor,
        ),
    ):
        surveys.survey_publish_results(survey=survey, actor=office.supervisor, conclusion="清洁是重点")
    assert survey.conclusion == "清洁是重点" and survey.results_published_at == publishing


# --- what the machine refuses --------------------------------------------------------------------


def test_the_machine_refuses_by_state_with_the_rule_s_own_words(office):
    survey = issued(office)
    with pytest.raises(Conflict) as refused:
        surveys.survey_draw(survey=survey, actor=office.supervisor)
    assert refused.value.status == 409 and "问卷已发放，不能再修改评议项目或发放对象" in refused.value.message
    with pytest.raises(Conflict) as refused:
        surveys.survey_publish_results(survey=survey, actor=office.supervisor)
    assert "请先截止回收" in refused.value.message
    with clock.frozen(at(2026, 12, 10, 16, 0)):
        surveys.survey_close(survey=survey, actor=office.supervisor)
    with pytest.raises(Conflict) as refused:
        surveys.survey_close(survey=survey, actor=office.supervisor)
    assert "只有回收中的问卷可以截止回收" in refused.value.message
    with pytest.raises(Conflict) as refused:
        sample.survey_top_up(survey=survey, actor=office.supervisor)
    assert "只有回收中的问卷可以补发" in refused.value.message
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED


def test_the_machine_refuses_the_front_desk_every_step(office):
    survey = drawn(office)
    with pytest.raises(Forbidden):
        surveys.survey_issue(survey=survey, actor=office.desk, issued_on=dt.date(2026, 12, 1))
    with pytest.raises(Forbidden):
        surveys.survey_set_items(survey=survey, actor=office.desk, items=[("保洁", "")])
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT and survey.items.count() == 10


def test_status_is_only_moved_by_its_transitions(office):
    survey = new_survey(office)
    with pytest.raises(AttributeError):
        survey.status = SurveyStatus.PUBLISHED


# --- pages offer what the machine offers -------------------------------------------------------------


FORMS = {
    "set_items": 'id="survey-items-form"',
    "draw": 'id="survey-draw-form"',
    "issue": 'id="survey-issue-form"',
    "close": 'id="survey-close-form"',
}


def page_forms(client, user, survey) -> list[str]:
    client.force_login(user)
    page = client.get(reverse("engagement:survey", args=[survey.pk])).content.decode()
    return [action for action, marker in FORMS.items() if marker in page]


def test_offers_follow_the_state_and_the_role(client, office):
    survey = new_survey(office)
    assert offered(survey, office.supervisor) == ["set_items", "draw", "issue"]
    assert offered(survey, office.manager) == ["set_items", "draw", "issue"]
    assert offered(survey, office.desk) == []
    assert page_forms(client, office.supervisor, survey) == ["set_items", "draw", "issue"]
    assert page_forms(client, office.desk, survey) == []

    surveys.survey_draw(survey=survey, actor=office.supervisor)
    with clock.frozen(ISSUED_AT):
        surveys.survey_issue(survey=survey, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    assert offered(survey, office.supervisor) == ["top_up", "close"]
    assert offered(survey, office.desk) == []
    assert page_forms(client, office.supervisor, survey) == ["close"]
    assert page_forms(client, office.desk, survey) == []

    with clock.frozen(at(2026, 12, 10, 16, 0)):
        surveys.survey_close(survey=survey, actor=office.supervisor)
    assert offered(survey, office.supervisor) == ["publish_results"]
    assert page_forms(client, office.supervisor, survey) == []
    client.force_login(office.supervisor)
    results = client.get(reverse("engagement:survey_results", args=[survey.pk])).content.decode()
    assert step_url(survey, "publish_results") in results
    client.force_login(office.desk)
    results = client.get(reverse("engagement:survey_results", args=[survey.pk])).content.decode()
    assert step_url(survey, "publish_results") not in results


def test_a_step_the_machine_does_not_offer_is_refused_on_the_page(client, office):
    survey = issued(office)
    client.force_login(office.supervisor)
    page = client.get(step_url(survey, "draw"))
    assert page.status_code == 409 and "问卷已发放，不能再修改评议项目或发放对象" in page.content.decode()
    assert client.post(step_url(survey, "draw")).status_code == 409
    assert client.get(step_url(survey, "no_such_step")).status_code == 404
    client.force_login(office.desk)
    assert client.post(step_url(survey, "close")).status_code == 403
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.ISSUED


def test_a_refused_step_without_fields_says_why_on_the_page(client):
    office = Office()
    office.room.handover = "awaiting"  # its one room has not moved in: nobody to hand a form to
    office.room.save()
    survey = new_survey(office)
    client.force_login(office.supervisor)
    response = client.post(step_url(survey, "draw"))
    page = response.content.decode()
    assert response.status_code == 400 and "本小区还没有已入住的住宅，无法发放问卷" in page.split('id="refusal"')[1]
    assert not survey.sheets.exists()
