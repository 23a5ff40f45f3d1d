"""Idempotency-Key on ticket intake (issue 10): a client that retries after a dropped connection
never files twice; the same key with another body is refused; keys expire (core.idempotency)."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from guanjia.core import clock, idempotency
from guanjia.core.models import ActivityLog, IdempotentRequest
from guanjia.core.tests.factories import at
from guanjia.servicedesk.models import Ticket

from .factories import Office

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def office():
    return Office()


def repair(office, description="厨房水管漏水"):
    return {
        "kind": "repair",
        "channel": "phone",
        "category": "leakage",
        "room": office.room.pk,
        "description": description,
    }


def test_a_retry_after_a_dropped_connection_files_one_ticket(office):
    api = client_for(office.desk)
    with clock.frozen(at(2026, 3, 2, 10)):
        first = api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        # The client never saw `first` (connection dropped) and sends the same request again.
        retry = api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Ticket.objects.count() == 1
    assert ActivityLog.objects.filter(verb="servicedesk.ticket.received").count() == 1


def test_without_a_key_each_post_is_a_new_ticket(office):
    api = client_for(office.desk)
    with clock.frozen(at(2026, 3, 2, 10)):
        api.post("/api/tickets/", repair(office), format="json")
        api.post("/api/tickets/", repair(office), format="json")
    assert Ticket.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(office):
    api = client_for(office.desk)
    with clock.frozen(at(2026, 3, 2, 10)):
        api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        other = api.post("/api/tickets/", repair(office, "阳台漏水"), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert other.json() == {
        "code": "idempotency_key_reused",
        "detail": "请求头 Idempotency-Key 已用于另一个内容不同的请求，请为新的请求使用新的键。",
        "field": "Idempotency-Key",
    }
    assert Ticket.objects.count() == 1


def test_keys_belong_to_their_user(office):
    with clock.frozen(at(2026, 3, 2, 10)):
        client_for(office.desk).post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        client_for(office.supervisor).post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert Ticket.objects.count() == 2


def test_a_refused_write_is_not_remembered(office):
    api = client_for(office.desk)
    with clock.frozen(at(2026, 3, 2, 10)):
        refused = api.post("/api/tickets/", {**repair(office), "category": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert refused.status_code == 400
        assert not IdempotentRequest.objects.exists()
        fixed = api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert fixed.status_code == 201 and Ticket.objects.count() == 1


def test_keys_expire_after_the_configured_hours(office, settings):
    settings.IDEMPOTENCY_KEY_HOURS = 24
    api = client_for(office.desk)
    start = at(2026, 3, 2, 10)
    with clock.frozen(start):
        api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    with clock.frozen(start + dt.timedelta(hours=23)):
        assert api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k-4").status_code == 201
        assert Ticket.objects.count() == 1
    with clock.frozen(start + dt.timedelta(hours=25)):
        api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="k-4")
        assert Ticket.objects.count() == 2
        # The expired answer was purged; the new one is the only row for the key.
        assert IdempotentRequest.objects.filter(key="k-4").count() == 1
        assert idempotency.purge_expired() == 0


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "键"])
def test_a_malformed_key_is_400_naming_the_header(office, key):
    response = client_for(office.desk).post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (response.status_code, response.json()["field"]) == (400, "Idempotency-Key")
    assert not Ticket.objects.exists()


def test_the_unique_constraint_settles_a_twin_that_got_past_the_lookup(office, monkeypatch):
    """Two requests with one key at the same moment: the second's lookup found nothing (the first had
    not committed), its claim then hits the (user, key) constraint, its write is rolled back and it
    answers with the first's stored reply."""
    api = client_for(office.desk)
    with clock.frozen(at(2026, 3, 2, 10)):
        first = api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="twin")
        real_stored = idempotency._stored
        calls = []

        def stored_late(user, key):
            calls.append(key)
            # The lookup before the write races the twin and sees nothing; the one after the clash sees it.
            return None if len(calls) == 1 else real_stored(user, key)

        monkeypatch.setattr(idempotency, "_stored", stored_late)
        twin = api.post("/api/tickets/", repair(office), format="json", HTTP_IDEMPOTENCY_KEY="twin")
    assert len(calls) == 2
    assert twin.status_code == 201 and twin.json() == first.json() and twin["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
