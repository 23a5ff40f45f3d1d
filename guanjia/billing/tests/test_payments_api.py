"""The payments API (FE-1): create = payment_take with the same validation and messages, an
Idempotency-Key retry returns the first receipt, `POST {id}/void/`, refunds; another community's
payment, room or line is a 404; a role without the action is a 403."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from guanjia.billing.choices import PaymentStatus, Purse
from guanjia.billing.models import Payment, Refund
from guanjia.billing.services import payments as svc
from guanjia.billing.tests.factories import Window
from guanjia.core import clock
from guanjia.core.tests.factories import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
URL = "/api/billing/payments/"


@pytest.fixture
def w():
    with clock.frozen(NOW):
        yield Window()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_fe1_api_takes_a_payment_oldest_first_and_a_retry_is_not_taken_twice(w):
    client = api(w.cashier)
    body = {"room": w.room.pk, "amount": "150.00", "method": "wechat", "reference": "WX-9"}
    response = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"] == "SJ-2026-000001" and [a["amount"] for a in data["allocations"]] == [
        "100.00",
        "30.00",
        "20.00",
    ]
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    listed = client.get(URL, {"method": "wechat"}).json()
    assert listed["count"] == 1 and client.get(f"{URL}{data['id']}/").json()["room_code"] == w.room.code


def test_fe1_api_chosen_lines_and_refusals(w):
    client = api(w.cashier)
    lines = w.lines()
    body = {"room": w.room.pk, "amount": "40.00", "method": "cash", "lines": [{"line": lines[3].pk, "amount": "30.00"}]}
    response = client.post(URL, body, format="json")
    assert response.status_code == 400 and response.json()["field"] == "to_prepayment_purse"
    body["to_prepayment_purse"] = Purse.PROPERTY
    response = client.post(URL, body, format="json")
    assert response.status_code == 201 and response.json()["to_prepayment"] == "10.00"
    response = client.post(URL, {"room": w.room.pk, "amount": "10.00", "method": "transfer"}, format="json")
    assert response.status_code == 400 and response.json() == {
        "code": "invalid",
        "detail": "银行转账须填写交易流水号。",
        "field": "reference",
    }
    response = client.post(URL, {"room": w.room.pk, "amount": "0", "method": "cash"}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == "金额须大于零。"


def test_fe1_api_void_and_refund(w):
    client = api(w.cashier)
    payment = svc.payment_take(
        room=w.room, amount=Decimal("300.00"), method="cash", actor=w.cashier, to_prepayment_purse="property"
    )
    response = client.post(f"{URL}{payment.pk}/void/", {"reason": ""}, format="json")
    assert response.status_code == 400
    response = client.post(f"{URL}{payment.pk}/void/", {"reason": "收错"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == PaymentStatus.VOID_PENDING
    assert client.post(f"{URL}{payment.pk}/void/", {"reason": "收错"}, format="json").status_code == 409
    other = svc.prepayment_deposit(room=w.room, amount="50.00", purse="utilities", method="cash", actor=w.cashier)
    assert other.number == "SJ-2026-000002"
    body = {"room": w.room.pk, "purse": "utilities", "amount": "20.00", "method": "cash", "reason": "多交"}
    response = client.post("/api/billing/refunds/", body, format="json")
    assert response.status_code == 201 and response.json()["number"] == "TK-2026-000001"
    assert client.get("/api/billing/refunds/").json()["count"] == 1 and Refund.objects.count() == 1


def test_fe1_api_other_communitys_rows_are_404_and_the_desk_is_403(w):
    other = Window()
    theirs = svc.payment_take(room=other.room, amount=Decimal("10.00"), method="cash", actor=other.cashier)
    client = api(w.cashier)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/void/", {"reason": "x"}, format="json").status_code == 404
    assert (
        client.post(URL, {"room": other.room.pk, "amount": "1.00", "method": "cash"}, format="json").status_code == 404
    )
    foreign_line = other.lines()[0]
    body = {
        "room": w.room.pk,
        "amount": "1.00",
        "method": "cash",
        "lines": [{"line": foreign_line.pk, "amount": "1.00"}],
    }
    assert client.post(URL, body, format="json").status_code == 404
    assert client.get(URL).json()["count"] == 0
    desk = api(w.desk)
    assert desk.get(URL).status_code == 200  # the front desk reads receipts
    assert desk.post(URL, {"room": w.room.pk, "amount": "1.00", "method": "cash"}, format="json").status_code == 403
    assert not Payment.objects.filter(community=w.community).exists()
