"""Rectification notices through the REST API (QA-2, RC-5): issued from the callback or for any
registered finding, closed with the result, scoped like every list (another community's is a 404),
and listed in a fixed number of queries."""

import datetime as dt

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from guanjia.core import clock, workdays
from guanjia.quality.models import RectificationNotice
from guanjia.servicedesk.models import Callback

from .factories import NOW, SOURCE, Office, issue, unsatisfied

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(type(user).objects.get(pk=user.pk))  # no cached roles
    return client


@pytest.fixture
def office():
    return Office()


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


def test_issue_from_the_callback_read_and_close(office):
    callback = unsatisfied(office, "还在渗水")
    sup, tech = client_for(office.supervisor), client_for(office.technician)
    assert tech.post(f"/api/callbacks/{callback.pk}/rectify/", {}, format="json").status_code == 403
    response = sup.post(f"/api/callbacks/{callback.pk}/rectify/", {"requirement": "重做防水"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["subject_type"], body["subject"]) == (SOURCE, "servicedesk.callback", callback.pk)
    assert (body["recipient"], body["recipient_label"], body["problem"]) == (
        office.technician.pk,
        office.technician.username,
        "还在渗水",
    )
    assert body["subject_label"] == callback.ticket.number and body["status"] == "issued" and not body["overdue"]
    assert sup.get(f"/api/callbacks/{callback.pk}/").json()["rectification"] == body["id"]
    assert sup.post(f"/api/callbacks/{callback.pk}/rectify/", {}, format="json").status_code == 409
    response = tech.post(f"/api/rectifications/{body['id']}/close/", {"result": "重做防水，已不渗水"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed" and response.json()["result"] == "重做防水，已不渗水"
    ticket = sup.get(f"/api/tickets/{callback.ticket_id}/").json()
    assert [n["number"] for n in ticket["rectifications"]] == [body["number"]]
    assert len(ticket["callbacks"]) == 2  # RC-4: called back again


def test_issue_for_a_registered_finding_by_source_and_subject(office):
    callback = unsatisfied(office)
    sup = client_for(office.supervisor)
    response = sup.post("/api/rectifications/", {"source": "NOPE", "subject": callback.pk}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "source"
    response = sup.post(
        "/api/rectifications/", {"source": SOURCE, "subject": callback.pk, "fix_due": "2026-11-30"}, format="json"
    )
    assert response.status_code == 201, response.content
    notice = RectificationNotice.objects.get(pk=response.json()["id"])
    assert notice.due_at == workdays.deadline_end(dt.date(2026, 11, 30)) and notice.subject == callback


def test_another_communitys_notice_and_finding_are_404(office):
    other = Office()
    notice = issue(other)
    callback = unsatisfied(other)
    api = client_for(office.manager)
    assert api.get(f"/api/rectifications/{notice.pk}/").status_code == 404
    assert api.post(f"/api/rectifications/{notice.pk}/close/", {"result": "x"}, format="json").status_code == 404
    assert api.post(f"/api/callbacks/{callback.pk}/rectify/", {}, format="json").status_code == 404
    response = api.post("/api/rectifications/", {"source": SOURCE, "subject": callback.pk}, format="json")
    assert response.status_code == 404
    assert api.get("/api/rectifications/").json()["count"] == 0
    assert api.get("/api/rectifications/", {"community": other.community.pk}).json()["count"] == 0
    assert not RectificationNotice.objects.filter(subject_id=callback.pk).exists()


def test_list_query_budget_and_filters(office, django_assert_max_num_queries):
    notices = [issue(office) for _ in range(25)]
    api = client_for(office.supervisor)
    with django_assert_max_num_queries(5):  # roles, count, page, the findings (+ their content type)
        body = api.get("/api/rectifications/", {"page_size": 200}).json()
    assert body["count"] == 25 and {r["subject_label"] for r in body["results"]} == {
        n.subject.ticket.number for n in notices
    }
    RectificationNotice.objects.filter(pk=notices[0].pk).update(due_at=NOW)
    with clock.frozen(NOW.replace(hour=11)):
        assert [r["id"] for r in api.get("/api/rectifications/", {"overdue": "true"}).json()["results"]] == [
            notices[0].pk
        ]
    assert api.get("/api/rectifications/", {"status": "closed"}).json()["count"] == 0


def test_callbacks_list_still_within_budget(office, django_assert_max_num_queries):
    for _ in range(10):
        issue(office)
    api = client_for(office.supervisor)
    with django_assert_max_num_queries(4):  # roles, count, page, their notices
        body = api.get("/api/callbacks/", {"page_size": 200}).json()
    assert sum(1 for c in body["results"] if c["rectification"]) == 10
    assert Callback.objects.count() == 10


def test_schema_lists_the_notice_endpoints(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/rectifications/", "/api/rectifications/{id}/close/", "/api/callbacks/{id}/rectify/"):
        assert path in text, path
