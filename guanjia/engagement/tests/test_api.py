"""The engagement API: visits (VS), visit summaries (VS-5), surveys, sheets and results (SV-3, SV-4)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.engagement import stats, surveys
from guanjia.engagement.choices import Answer, SurveyKind
from guanjia.engagement.models import SurveyAnswer, Visit
from guanjia.engagement.services import visit_record, visit_summary_prepare
from guanjia.estates.tests.factories import RoomFactory
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def rooms(office, n):
    c = office.community
    return [RoomFactory(community=c, unit__building__community=c, unit__community=c) for _ in range(n)]


def record(office, room=None, **kw):
    kw.setdefault("form", "office")
    kw.setdefault("visited_at", at(2026, 10, 10, 10, 0))
    return visit_record(community=office.community, actor=office.supervisor, room=room or office.room, **kw)


def issued_questionnaire(office, households=4):
    rooms(office, households - 1)
    survey = surveys.survey_create(
        community=office.community, actor=office.supervisor, kind=SurveyKind.QUESTIONNAIRE, year=2026, period=2
    )
    surveys.survey_draw(survey=survey, actor=office.supervisor)
    surveys.survey_issue(survey=survey, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    return survey


# --- visits ---------------------------------------------------------------------------------


def test_visit_list_filters_and_query_budget(office, django_assert_max_num_queries):
    others = rooms(office, 6)
    for room in others:
        record(office, room=room, form="phone")
    record(office, form="office", key_customer=True, measures="跟进")
    record(office, form="office", visited_at=at(2026, 11, 2, 10, 0))
    client = api(office.desk)
    with django_assert_max_num_queries(8):
        body = client.get("/api/visits/", {"month": "2026-10"}).json()
    assert body["count"] == 7
    assert client.get("/api/visits/", {"form": "phone"}).json()["count"] == 6
    rows = client.get("/api/visits/", {"key_customer": "true"}).json()["results"]
    assert [r["measures"] for r in rows] == ["跟进"]
    assert client.get("/api/visits/", {"room": office.room.pk}).json()["count"] == 2
    assert client.get("/api/visits/", {"month": "2026-11"}).json()["count"] == 1


def test_visit_create_through_the_service(office):
    client = api(office.supervisor)
    payload = {
        "room": office.room.pk,
        "form": "home",
        "visited_at": "2026-10-10T19:00:00+08:00",
        "appointment_at": "2026-10-09T10:00:00+08:00",
        "topics": ["cleaning"],
        "opinions": "楼道灯坏",
    }
    response = client.post("/api/visits/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["room_code"] == office.room.code and response.json()["topics"] == ["cleaning"]
    visit = Visit.objects.get()
    assert visit.visitor == office.supervisor and visit.community == office.community
    # VS-2: not after 22:00
    late = client.post("/api/visits/", {**payload, "visited_at": "2026-10-10T22:30:00+08:00"}, format="json")
    assert late.status_code == 400 and late.json()["field"] == "visited_at"
    # VS-6: measures required
    key = client.post("/api/visits/", {**payload, "key_customer": True}, format="json")
    assert key.status_code == 400 and key.json()["field"] == "measures"
    assert Visit.objects.count() == 1


def test_visit_api_permissions_and_scope(office):
    other = Office()
    theirs = record(other, room=other.room)
    assert api(office.desk).get(f"/api/visits/{theirs.pk}/").status_code == 404
    response = api(office.supervisor).post(
        "/api/visits/", {"room": other.room.pk, "form": "phone", "visited_at": "2026-10-10T10:00:00+08:00"}
    )
    assert response.status_code == 404
    technician = api(office.technician)
    assert technician.get("/api/visits/").json()["results"] == []  # AR-4: visits are not his to read
    response = technician.post(
        "/api/visits/", {"room": office.room.pk, "form": "phone", "visited_at": "2026-10-10T10:00:00+08:00"}
    )
    assert response.status_code in (403, 404)
    assert APIClient().get("/api/visits/").status_code == 401


def test_visit_summaries_list_and_detail(office):
    other = Office()
    with clock.frozen(at(2026, 11, 3, 10, 0)):  # October is over (VS-5), whatever today is
        mine = visit_summary_prepare(
            community=office.community, month=dt.date(2026, 10, 1), actor=office.supervisor, text="好"
        )
        theirs = visit_summary_prepare(
            community=other.community, month=dt.date(2026, 10, 1), actor=other.supervisor, text="x"
        )
    client = api(office.desk)
    rows = client.get("/api/visit-summaries/").json()["results"]
    assert [(r["id"], r["month"], r["text"]) for r in rows] == [(mine.pk, "2026-10", "好")]
    assert client.get(f"/api/visit-summaries/{theirs.pk}/").status_code == 404


# --- surveys -------------------------------------------------------------------------------------


def test_survey_list_detail_and_sheets(office, django_assert_max_num_queries):
    survey = issued_questionnaire(office, households=6)
    client = api(office.desk)
    with django_assert_max_num_queries(6):
        rows = client.get("/api/surveys/").json()["results"]
    assert [r["id"] for r in rows] == [survey.pk] and rows[0]["status"] == "issued"
    detail = client.get(f"/api/surveys/{survey.pk}/").json()
    assert len(detail["items"]) == 10 and detail["items"][0]["text"] == "治安"
    assert (detail["issued"], detail["returned"]) == (6, 0)
    with django_assert_max_num_queries(8):
        sheets = client.get(f"/api/surveys/{survey.pk}/sheets/", {"page_size": 4}).json()
    assert sheets["count"] == 6 and len(sheets["results"]) == 4
    assert [s["number"] for s in sheets["results"]] == sorted(s["number"] for s in sheets["results"])
    other = Office()
    assert api(other.desk).get(f"/api/surveys/{survey.pk}/").status_code == 404
    assert api(other.desk).get(f"/api/surveys/{survey.pk}/sheets/").status_code == 404


def test_answers_endpoint_with_abstentions(office):
    survey = issued_questionnaire(office)
    items = list(survey.items.all())
    sheet = survey.sheets.order_by("number").first()
    body = {
        "answers": {
            str(items[0].pk): "satisfied",
            str(items[1].pk): ["satisfied", "basic"],  # two ticks: abstains (SV-3)
            str(items[2].pk): None,  # blank: abstains
            str(items[3].pk): ["dissatisfied"],
        },
        "suggestions": "多修剪草坪",
    }
    response = api(office.desk).post(f"/api/survey-sheets/{sheet.pk}/answers/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["returned_at"] and response.json()["channel"] == "paper"
    marks = dict(SurveyAnswer.objects.filter(sheet=sheet).values_list("item_id", "choice"))
    assert marks[items[0].pk] == Answer.SATISFIED
    assert marks[items[1].pk] == Answer.MULTIPLE
    assert marks[items[2].pk] == Answer.BLANK
    assert marks[items[3].pk] == Answer.DISSATISFIED
    assert marks[items[9].pk] == Answer.BLANK  # left out
    sheet.refresh_from_db()
    assert sheet.suggestions == "多修剪草坪"


def test_answers_endpoint_refusals(office):
    survey = issued_questionnaire(office)
    sheet = survey.sheets.first()
    item = survey.items.first()
    bad = api(office.desk).post(
        f"/api/survey-sheets/{sheet.pk}/answers/", {"answers": {str(item.pk): "great"}}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["field"] == f"item_{item.pk}"
    assert (
        api(office.technician)
        .post(f"/api/survey-sheets/{sheet.pk}/answers/", {"answers": {}}, format="json")
        .status_code
        == 403
    )
    other = Office()
    assert (
        api(other.desk).post(f"/api/survey-sheets/{sheet.pk}/answers/", {"answers": {}}, format="json").status_code
        == 404
    )
    sheet.refresh_from_db()
    assert sheet.returned_at is None


def test_results_equal_the_survey_service(office):
    """5 forms issued, 2 returned: 40% return rate, 20 points short of 60% → 100 points off (SV-3)."""
    survey = issued_questionnaire(office, households=5)
    items = list(survey.items.all())
    sheets = list(survey.sheets.order_by("number"))
    surveys.sheet_record(
        sheet=sheets[0],
        actor=office.desk,
        answers={items[0].pk: "satisfied", items[1].pk: "dissatisfied", items[2].pk: "dissatisfied"},
    )
    surveys.sheet_record(
        sheet=sheets[1],
        actor=office.desk,
        answers={items[0].pk: "basic", items[1].pk: "dissatisfied", items[2].pk: ["basic", "satisfied"]},
    )
    body = api(office.supervisor).get(f"/api/surveys/{survey.pk}/results/").json()
    result, rows = surveys.results(survey)
    assert (body["issued"], body["returned"], body["return_rate"]) == (5, 2, "40.0")
    assert body["shortfall_points"] == 20 and body["penalty"] == "100.0"
    assert body["overall"]["raw_rate"] == stats.fmt(result.overall.raw) == "40.0"
    assert body["overall"]["adjusted_rate"] == "0.0"
    assert body["overall"]["explain"] == result.explain()
    first = body["items"][0]
    assert (first["item_id"], first["satisfied"], first["basic"], first["raw_rate"]) == (items[0].pk, 1, 1, "100.0")
    assert body["items"][2]["abstained"] == 1  # two ticks on the second sheet (SV-3)
    assert [r["raw_rate"] for r in body["items"]] == [None if r.raw is None else stats.fmt(r.raw) for r in result.items]
    assert [(p["item"], p["dissatisfied"], p["cumulative"], p["key"]) for p in body["pareto"]] == [
        (r.item, r.dissatisfied, stats.fmt(r.cumulative), r.key) for r in rows
    ]
    assert body["pareto"][0] == {
        "item": items[1].text,
        "dissatisfied": 2,
        "share": "66.7",
        "cumulative": "66.7",
        "key": True,
    }
