"""Deposits 押金 (FE-1): received on a numbered receipt and numbered YJ, custody never income (in no
collection figure), itemised deductions never beyond what is held, the remainder refunded through the
office manager's approval before the deposit is settled, the ageing list, the payer's portal page, the
API, and another community's deposit a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from guanjia.core import approvals, clock
from guanjia.core.approval_models import ApprovalOutcome
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.periods import MONTH, Period
from guanjia.core.tests.factories import UserFactory, login

from .. import indicators_arrears as ind
from ..choices import DepositStatus, RefundStatus
from ..models import Allocation, Deposit, Refund
from ..services import deposits
from .arrears_setup import NOW, TODAY, Office

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def receive(office, room=None, amount="2000.00", **extra):
    args = {
        "room": room or office.room(),
        "kind": "renovation",
        "amount": amount,
        "method": "cash",
        "reference": "",
        "release_event": "装修验收合格后",
        "release_on": TODAY + dt.timedelta(days=90),
        "payer_name": "张三",
        "actor": office.cashier,
        **extra,
    }
    return deposits.deposit_receive(**args)


def test_fe1_a_deposit_is_received_on_a_receipt_and_numbered(office):
    deposit = receive(office)
    assert deposit.number == "YJ-2026-000001"
    payment = deposit.payment
    assert payment.number.startswith("SJ-2026-") and payment.to_deposit == payment.amount == Decimal("2000.00")
    assert not Allocation.objects.exists()
    assert deposit.status == DepositStatus.HELD and deposits.held(deposit) == Decimal("2000.00")


def test_fe1_deposit_refusals(office):
    with pytest.raises(ServiceError) as error:
        receive(office, method="transfer")
    assert error.value.field == "reference"
    with pytest.raises(ServiceError):
        receive(office, amount="0")
    with pytest.raises(ServiceError):
        receive(office, release_event=" ")
    with pytest.raises(Forbidden):
        receive(office, actor=office.supervisor)
    assert not Deposit.objects.exists()


def test_fe1_deposits_never_count_in_the_collection_figures(office):
    room = office.owe(office.room(), "100.00", days=10, period=dt.date(2026, 11, 1)).room
    month = Period(MONTH, dt.date(2026, 11, 1))
    before = ind.collection([office.community.pk], [month], NOW)
    receive(office, room=room, amount="5000.00")
    assert ind.collection([office.community.pk], [month], NOW) == before
    assert ind.recovery([office.community.pk], [month.next()], NOW) == ind.recovery(
        [office.community.pk], [month.next()], NOW
    )


def test_fe1_deductions_are_itemised_and_never_beyond_what_is_held(office):
    deposit = receive(office, amount="1000.00")
    deposits.deposit_deduct(deposit=deposit, amount="300.00", reason="损坏公共墙面修复", actor=office.cashier)
    with pytest.raises(ServiceError) as error:
        deposits.deposit_deduct(deposit=deposit, amount="700.01", reason="清运垃圾", actor=office.cashier)
    assert error.value.field == "amount" and "700.00" in str(error.value.message)
    with pytest.raises(ServiceError) as error:
        deposits.deposit_deduct(deposit=deposit, amount="10", reason="", actor=office.cashier)
    assert error.value.field == "reason"
    deposits.deposit_deduct(deposit=deposit, amount="700.00", reason="清运垃圾", actor=office.cashier)
    assert deposits.held(deposit) == Decimal("0.00")


def test_fe1_settling_refunds_the_remainder_after_approval(office):
    deposit = receive(office, amount="1000.00")
    deposits.deposit_deduct(deposit=deposit, amount="200.00", reason="损坏门禁", actor=office.cashier)
    deposit = deposits.deposit_settle(deposit=deposit, method="transfer", actor=office.cashier)
    refund = deposit.refund
    assert (refund.amount, refund.status, deposit.status) == (Decimal("800.00"), RefundStatus.PENDING, "held")
    with pytest.raises(Conflict):
        deposits.deposit_deduct(deposit=deposit, amount="1", reason="又一项", actor=office.cashier)
    approval = approvals.current_approval(refund, deposits.REFUND_KIND)
    approvals.approval_decide(approval=approval, actor=office.manager, outcome=ApprovalOutcome.APPROVE)
    deposit.refresh_from_db()
    refund.refresh_from_db()
    assert deposit.status == DepositStatus.SETTLED and refund.status == RefundStatus.APPROVED and refund.paid_at
    with pytest.raises(Conflict):
        deposits.deposit_settle(deposit=deposit, method="cash", actor=office.cashier)


def test_fe1_a_returned_refund_leaves_the_deposit_held(office):
    deposit = deposits.deposit_settle(deposit=receive(office), method="cash", actor=office.cashier)
    approval = approvals.current_approval(deposit.refund, deposits.REFUND_KIND)
    approvals.approval_decide(approval=approval, actor=office.manager, outcome=ApprovalOutcome.RETURN, comment="核对")
    deposit.refresh_from_db()
    assert deposit.status == DepositStatus.HELD and deposit.refund is None
    assert Refund.objects.get().status == RefundStatus.RETURNED
    deposits.deposit_settle(deposit=deposit, method="cash", actor=office.cashier)  # may be asked again


def test_fe1_a_fully_deducted_deposit_is_settled_at_once(office):
    deposit = receive(office, amount="100.00")
    deposits.deposit_deduct(deposit=deposit, amount="100.00", reason="遗失门禁卡", actor=office.cashier)
    assert deposits.deposit_settle(deposit=deposit, method="cash", actor=office.cashier).status == "settled"
    assert not Refund.objects.exists()


def test_fe1_the_ageing_list_shows_deposits_held_past_their_date(office):
    late = receive(office, release_on=TODAY - dt.timedelta(days=30))
    receive(office, release_on=TODAY + dt.timedelta(days=1))
    assert list(deposits.ageing(office.community, TODAY)) == [late]


def test_fe1_deposit_pages(client, office, django_assert_max_num_queries):
    deposit = receive(office, release_on=TODAY - dt.timedelta(days=3))
    login(client, office.cashier, office.community)
    for _n in range(3):
        receive(office)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/console/billing/deposits/").status_code == 200
    for _n in range(10):
        receive(office)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/console/billing/deposits/").status_code == 200
    assert deposit.number in client.get("/console/billing/deposits/?tab=ageing").content.decode()
    assert client.get(f"/console/billing/deposits/{deposit.pk}/").status_code == 200
    response = client.post(
        f"/console/billing/deposits/{deposit.pk}/deduct/", {"amount": "50.00", "reason": "公共区域清洁"}
    )
    assert response.status_code == 302 and deposits.held(deposit) == Decimal("1950.00")
    response = client.post(
        "/console/billing/deposits/new/",
        {
            "room": deposit.room.code,
            "kind": "key",
            "amount": "100",
            "method": "cash",
            "payer_name": "李四",
            "release_event": "归还钥匙",
            "release_on": "2027-01-01",
        },
    )
    assert response.status_code == 302 and Deposit.objects.filter(kind="key").exists()
    assert client.post(f"/console/billing/deposits/{deposit.pk}/settle/", {"method": "cash"}).status_code == 302
    login(client, office.technician, office.community)
    assert client.get("/console/billing/deposits/").status_code == 403
    stranger = Office()
    login(client, stranger.cashier, stranger.community)
    assert client.get(f"/console/billing/deposits/{deposit.pk}/").status_code == 404
    assert (
        client.post(f"/console/billing/deposits/{deposit.pk}/deduct/", {"amount": "1", "reason": "x"}).status_code
        == 404
    )


def test_fe1_the_payer_sees_his_deposits_and_deductions_in_the_portal(client, office):
    owner = UserFactory()
    mine = receive(office, room=office.owned(user=owner))
    deposits.deposit_deduct(deposit=mine, amount="120.00", reason="损坏电梯轿厢", actor=office.cashier)
    other = receive(office, room=office.owned(), payer_name="王五")
    response = login(client, owner).get("/m/fees/deposits/")
    text = response.content.decode()
    assert response.status_code == 200
    assert mine.number in text and "损坏电梯轿厢" in text and "1880.00" in text
    assert other.number not in text and "王五" not in text
    assert "/m/fees/deposits/" in client.get("/m/").content.decode()


def test_fe1_deposits_api_is_scoped(office):
    deposit = receive(office)
    deposits.deposit_deduct(deposit=deposit, amount="10", reason="清洁", actor=office.cashier)
    api = APIClient()
    api.force_authenticate(office.cashier)
    [row] = api.get("/api/billing/deposits/").json()["results"]
    assert row["number"] == deposit.number and row["deductions"][0]["reason"] == "清洁"
    assert api.get(f"/api/billing/deposits/{deposit.pk}/").status_code == 200
    stranger = Office()
    api.force_authenticate(stranger.cashier)
    assert api.get(f"/api/billing/deposits/{deposit.pk}/").status_code == 404
    assert api.get("/api/billing/deposits/").json()["results"] == []
