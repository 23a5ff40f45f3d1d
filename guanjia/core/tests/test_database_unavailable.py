"""The database gone for a moment (a PostgreSQL restart under load, issue 10) is 503 with
Retry-After — JSON in the API, plain text in the console — never a 500 that reads as our fault,
so a client retries (with its Idempotency-Key). Any other error is still Django's 500."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from guanjia.core import api_views
from guanjia.core.tests.factories import CommunityFactory, login, staff
from guanjia.core.views import DashboardView

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return staff("cs_supervisor", CommunityFactory())


def _broken(*args, **kwargs):
    raise OperationalError('connection to server on socket "/tmp/.s.PGSQL.5432" failed: No such file or directory')


def test_api_answers_503_with_retry_after(monkeypatch, user):
    monkeypatch.setattr(api_views.MeView, "get", _broken)
    client = Client(raise_request_exception=False)
    login(client, user)
    response = client.get(reverse("api-me"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable" and "数据库" in response.json()["detail"]


def test_console_answers_503_in_plain_text(monkeypatch, user):
    monkeypatch.setattr(DashboardView, "get", _broken)
    client = Client(raise_request_exception=False)
    login(client, user)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "请 5 秒后重试" in response.content.decode()


def test_any_other_error_is_still_a_500(monkeypatch, user):
    def bug(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr(DashboardView, "get", bug)
    client = Client(raise_request_exception=False)
    login(client, user)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 500 and "Retry-After" not in response
