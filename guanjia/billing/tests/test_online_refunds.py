"""FE-1 / FE-1.refund: refunds paid back through the provider 原路退回. Asked only once the approval
is complete (the chain's on_approved path), never for more than the payment took minus what was
refunded from it (Decimal), signed like the order's calls and its answers verified; the refund
notification (REFUND.SUCCESS / ABNORMAL / CLOSED) verified, idempotent, SUCCESS marking the refund
paid; the query (向支付渠道查询退款) and the sweep. The provider is the local stand-in (online_gateway),
notifications are signed in the test, the clock is pinned."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from guanjia.billing.choices import Method, OnlineRefundStatus, Purse, RefundStatus
from guanjia.billing.models import OnlineRefund, PaymentOrder, PrepaymentAccount, Refund
from guanjia.billing.services import deposits, online, online_refunds
from guanjia.billing.services import payments as svc
from guanjia.core import approvals, clock
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_gateway import Gateway
from .online_setup import OnlineOffice, post_refund_notification

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)
TXN = "4200000001202611200000000099"
D = Decimal


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return OnlineOffice()


@pytest.fixture
def gateway(office, settings):
    with Gateway(office.merchant) as gateway:
        office.configure(settings, api_base=gateway.url)
        yield gateway


def paid_order(office, gateway):
    """The owner pays all four lines (260.00) online; the window took the first 100.00 meanwhile in
    cash, so 100.00 of the online payment sits in the property purse."""
    order = online.order_request(
        order=online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
    )
    first = office.lines()[0]
    svc.payment_take(room=office.room, amount=first.open_amount, method=Method.CASH, actor=office.cashier)
    body = office.merchant.notification(order, transaction_id=TXN)
    from guanjia.billing.services.online import notification_receive

    outcome = notification_receive(
        community=office.community, provider_key="wechatpay", headers=office.merchant.headers(body), body=body
    )
    assert outcome.status == 200 and outcome.payment is not None
    order.refresh_from_db()
    return order


def request_refund(office, amount="100.00", method=Method.ONLINE):
    return svc.refund_request(
        room=office.room, purse=Purse.PROPERTY, amount=amount, method=method, reason="业主退租", actor=office.cashier
    )


def approve(office, refund, key=svc.REFUND, capture=None):
    approval = approvals.current_approval(refund, key)
    with capture(execute=True):
        approvals.approval_decide(approval=approval, actor=office.manager, outcome="approve")
    refund.refresh_from_db()
    return refund


def test_fe1_refund_goes_back_through_the_provider_only_after_approval(
    office, gateway, django_capture_on_commit_callbacks
):
    order = paid_order(office, gateway)
    assert PrepaymentAccount.objects.get(room=office.room, purse=Purse.PROPERTY).balance == D("100.00")
    refund = request_refund(office)
    assert gateway.refunds == {} and not OnlineRefund.objects.exists()  # not before the approval
    refund = approve(office, refund, capture=django_capture_on_commit_callbacks)
    online_refund = refund.online
    assert online_refund.order == order and online_refund.out_refund_no == refund.number
    assert online_refund.status == OnlineRefundStatus.PROCESSING and online_refund.provider_status == "PROCESSING"
    assert refund.status == RefundStatus.APPROVED and refund.paid_at is None  # paid when the provider says so
    # the request: signed (the stand-in verified it), by transaction_id, amounts in fen, the refund notify_url
    post = [call for call in gateway.calls("POST") if call[1] == "/v3/refund/domestic/refunds"]
    assert len(post) == 1 and post[0][3] is True
    sent = json.loads(post[0][2])
    assert sent["transaction_id"] == TXN and sent["out_refund_no"] == refund.number
    assert sent["amount"] == {"refund": 10000, "total": 26000, "currency": "CNY"}
    assert sent["notify_url"].endswith(f"/fees/pay/wechatpay/{office.community.code}/refund-notify/")
    assert online_refund.provider_refund_id.startswith("50300")


def test_fe1_refund_never_exceeds_what_the_payment_took_minus_what_was_refunded(
    office, gateway, django_capture_on_commit_callbacks
):
    order = paid_order(office, gateway)
    first = approve(office, request_refund(office, "60.00"), capture=django_capture_on_commit_callbacks)
    assert online_refunds.refundable(order) == D("200.00")
    # what remains in the purse is 40.00, and the order could still give 200.00: both bound it
    with pytest.raises(ServiceError, match="可退余额 40.00 元"):
        request_refund(office, "40.01")
    second = approve(office, request_refund(office, "40.00"), capture=django_capture_on_commit_callbacks)
    assert online_refunds.refundable(order) == D("160.00")
    assert {first.online.amount, second.online.amount} == {D("60.00"), D("40.00")}
    # the order itself bounds it too: a refund larger than the order can give back is refused
    OnlineRefund.objects.filter(order=order).update(amount=D("130.00"))  # 260.00 − 2 × 130.00 = 0.00
    assert online_refunds.refundable(order) == D("0.00")
    PrepaymentAccount.objects.filter(room=office.room, purse=Purse.PROPERTY).update(balance=D("0.01"))
    with pytest.raises(ServiceError, match="没有可原路退回 0.01 元的在线缴费"):
        request_refund(office, "0.01")
    # a refund the provider closed gives its part back
    OnlineRefund.objects.filter(pk=first.online.pk).update(status=OnlineRefundStatus.CLOSED)
    assert online_refunds.refundable(order) == D("130.00")


def test_fe1_refund_by_online_needs_an_online_payment(office, gateway):
    svc.payment_take(
        room=office.room, amount=D("300.00"), method=Method.CASH, actor=office.cashier, to_prepayment_purse="property"
    )
    with pytest.raises(ServiceError, match="没有可原路退回 10.00 元的在线缴费") as error:
        request_refund(office, "10.00")
    assert error.value.field == "method"
    assert request_refund(office, "10.00", method=Method.CASH).method == Method.CASH  # the office pays it


def test_fe1_refund_notification_success_marks_it_paid_once(
    client, office, gateway, django_capture_on_commit_callbacks
):
    paid_order(office, gateway)
    refund = approve(office, request_refund(office), capture=django_capture_on_commit_callbacks)
    later = NOW + dt.timedelta(minutes=1)
    with clock.frozen(later):
        body = office.merchant.refund_notification(refund.online)  # success_time: a minute after the request
        for _ in range(2):  # delivered twice: one booking
            response = post_refund_notification(client, office, body, office.merchant.headers(body))
            assert response.status_code == 200 and response.json()["code"] == "SUCCESS"
    refund.refresh_from_db()
    assert refund.paid_at == later and refund.online.status == OnlineRefundStatus.SUCCESS
    assert refund.online.succeeded_at == later
    assert ActivityLog.objects.filter(subject_id=str(refund.pk), verb="billing.refund.paid").count() == 1


def test_fe1_refund_notification_rejected_when_forged_stale_or_wrong_amount(
    client, office, gateway, django_capture_on_commit_callbacks
):
    paid_order(office, gateway)
    refund = approve(office, request_refund(office), capture=django_capture_on_commit_callbacks)
    body = office.merchant.refund_notification(refund.online)
    forged = office.merchant.headers(body)
    forged["Wechatpay-Signature"] = office.merchant.headers(b"something else")["Wechatpay-Signature"]
    assert post_refund_notification(client, office, body, forged).status_code == 401
    stale = office.merchant.headers(body, at=NOW - dt.timedelta(minutes=6))  # FE-1.online_notify_minutes = 5
    assert post_refund_notification(client, office, body, stale).status_code == 401
    wrong = office.merchant.refund_notification(refund.online, refund_fen=10001)
    assert post_refund_notification(client, office, wrong, office.merchant.headers(wrong)).status_code == 400
    refund.refresh_from_db()
    assert refund.paid_at is None and refund.online.status == OnlineRefundStatus.PROCESSING


@pytest.mark.parametrize("state", ["ABNORMAL", "CLOSED"])
def test_fe1_refund_abnormal_or_closed_leaves_it_unpaid_and_recorded(
    client, office, gateway, state, django_capture_on_commit_callbacks
):
    paid_order(office, gateway)
    refund = approve(office, request_refund(office), capture=django_capture_on_commit_callbacks)
    body = office.merchant.refund_notification(refund.online, state=state)
    assert post_refund_notification(client, office, body, office.merchant.headers(body)).status_code == 200
    refund.refresh_from_db()
    assert refund.paid_at is None and refund.online.provider_status == state
    assert refund.online.status == OnlineRefundStatus(state.lower())
    assert ActivityLog.objects.filter(subject_id=str(refund.pk), verb="billing.refund.online_failed").exists()


def test_fe1_refund_query_and_sweep_book_success(office, gateway, django_capture_on_commit_callbacks):
    paid_order(office, gateway)
    refund = approve(office, request_refund(office), capture=django_capture_on_commit_callbacks)
    online_refund = refund.online
    assert online_refunds.refund_query(online_refund=online_refund, actor=office.cashier).status == (
        OnlineRefundStatus.PROCESSING
    )
    gets = [call for call in gateway.calls("GET") if call[1] == f"/v3/refund/domestic/refunds/{refund.number}"]
    assert len(gets) == 1 and gets[0][3] is True
    gateway.refund_done(refund.number)
    # the sweep asks only about refunds processing for FE-1.online_sweep_minutes (10)
    assert online_refunds.refunds_sweep(at=NOW + dt.timedelta(minutes=9)) == {"queried": 0, "paid": 0, "errors": 0}
    with clock.frozen(NOW + dt.timedelta(minutes=11)):
        assert online_refunds.refunds_sweep() == {"queried": 1, "paid": 1, "errors": 0}
    refund.refresh_from_db()
    assert refund.paid_at == NOW  # the provider's success_time (gateway.refund_done at NOW), not the sweep's
    assert refund.online.status == OnlineRefundStatus.SUCCESS
    # a query afterwards changes nothing (the one path: booked once)
    online_refunds.refund_query(online_refund=refund.online, actor=office.cashier)
    assert ActivityLog.objects.filter(subject_id=str(refund.pk), verb="billing.refund.paid").count() == 1


def test_fe1_refund_the_provider_refuses_is_recorded_and_may_be_asked_again(
    office, gateway, django_capture_on_commit_callbacks
):
    paid_order(office, gateway)
    gateway.refuse = (500, {"code": "SYSTEM_ERROR", "message": "系统繁忙"})
    refund = approve(office, request_refund(office), capture=django_capture_on_commit_callbacks)
    assert refund.status == RefundStatus.APPROVED and refund.paid_at is None  # the approval stands
    assert refund.online.status == OnlineRefundStatus.FAILED and "SYSTEM_ERROR" in refund.online.failure
    gateway.refuse = None
    again = online_refunds.refund_resend(online_refund=refund.online, actor=office.cashier)
    assert again.status == OnlineRefundStatus.PROCESSING and len(gateway.refunds) == 1
    with pytest.raises(Conflict):
        online_refunds.refund_resend(online_refund=again, actor=office.cashier)


def test_fe1_deposit_refund_goes_back_to_its_receipts_online_payment(
    office, gateway, django_capture_on_commit_callbacks
):
    order = paid_order(office, gateway)
    # a deposit recorded on the online receipt itself is what the office would refund 原路退回
    deposit = deposits.deposit_receive(
        room=office.room,
        kind="renovation",
        amount="50.00",
        method="cash",
        reference="",
        release_event="装修验收合格后",
        release_on=NOW.date() + dt.timedelta(days=90),
        payer_name="张三",
        actor=office.cashier,
    )
    with pytest.raises(ServiceError, match="没有可原路退回 50.00 元"):  # its receipt was paid in cash
        deposits.deposit_settle(deposit=deposit, method=Method.ONLINE, actor=office.manager)
    type(deposit).objects.filter(pk=deposit.pk).update(payment=order.payment)
    deposit.refresh_from_db()
    deposits.deposit_settle(deposit=deposit, method=Method.ONLINE, actor=office.manager)
    refund = Refund.objects.get(deposit=deposit)
    refund = approve(office, refund, key=deposits.REFUND_KIND, capture=django_capture_on_commit_callbacks)
    assert refund.online.order == order and refund.paid_at is None
    assert PaymentOrder.objects.get(pk=order.pk).refunds.count() == 1


def test_fe1_the_refund_page_shows_the_provider_state_and_queries_it(
    client, office, gateway, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from django.urls import reverse

    paid_order(office, gateway)
    refund = approve(office, request_refund(office), capture=django_capture_on_commit_callbacks)
    client.force_login(office.cashier)
    page = client.get(reverse("billing:refund", args=[refund.pk])).content.decode()
    assert 'id="refund-online"' in page and "原路退回处理中" in page and "向支付渠道查询退款" in page
    gateway.refund_done(refund.number, "ABNORMAL")
    response = client.post(reverse("billing:online_refund_query", args=[refund.online.pk]), follow=True)
    assert "ABNORMAL" in response.content.decode() and "原路退回异常" in response.content.decode()
    refund.refresh_from_db()
    assert refund.paid_at is None and refund.online.provider_status == "ABNORMAL"
    # the list: the refund's status and its 原路退回 state, in a query count constant in the page size
    with django_assert_max_num_queries(12) as few:
        listed = client.get(reverse("billing:refunds")).content.decode()
    assert "原路退回异常" in listed
    svc.payment_take(
        room=office.room, amount=D("10.00"), method=Method.CASH, actor=office.cashier, to_prepayment_purse="property"
    )
    for _ in range(5):
        request_refund(office, "1.00", method=Method.CASH)
    with django_assert_max_num_queries(12) as many:
        client.get(reverse("billing:refunds"))
    assert len(many.captured_queries) == len(few.captured_queries)
    other = OnlineOffice()
    client.force_login(other.cashier)  # another community's refund: 404
    assert client.get(reverse("billing:online_refund_query", args=[refund.online.pk])).status_code == 404


def test_fe1_the_api_shows_the_online_refund_and_queries_it(office, gateway, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    paid_order(office, gateway)
    refund = approve(office, request_refund(office), capture=django_capture_on_commit_callbacks)
    api = APIClient()
    api.force_authenticate(office.cashier)
    shown = api.get(f"/api/billing/refunds/{refund.pk}/").json()
    assert shown["method"] == "online" and shown["paid_at"] is None
    assert shown["online_refund"]["status"] == "processing" and shown["online_refund"]["out_refund_no"] == refund.number
    gateway.refund_done(refund.number)
    answer = api.post(f"/api/billing/online-refunds/{refund.online.pk}/query/")
    assert answer.status_code == 200 and answer.json()["status"] == "success"
    assert api.get(f"/api/billing/refunds/{refund.pk}/").json()["paid_at"] is not None
    again = api.post(f"/api/billing/online-refunds/{refund.online.pk}/resend/")
    assert again.status_code == 409


def test_fe1_an_order_the_provider_says_refunded_books_as_paid_and_reads_refunded(office, gateway):
    from guanjia.billing.services import online_orders

    order = online.order_request(
        order=online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
    )
    gateway.pay(order, transaction_id=TXN)
    gateway.states[order.out_trade_no]["trade_state"] = "REFUND"  # paid, then refunded at the provider
    answer = online_orders.order_query(order=order, actor=office.cashier)
    assert answer.state == "REFUND" and answer.refunded and answer.booked
    order.refresh_from_db()
    assert order.payment is not None and order.transaction_id == TXN  # money taken is never dropped


def test_fe1_an_answer_that_does_not_match_the_refund_is_kept_and_books_nothing(
    office, gateway, django_capture_on_commit_callbacks
):
    paid_order(office, gateway)
    refund = request_refund(office)
    gateway.refunds[refund.number] = {
        "refund_id": "50300000000000000000009",
        "out_refund_no": refund.number,
        "out_trade_no": "",
        "status": "SUCCESS",
        "amount": {"total": 26000, "refund": 9999, "currency": "CNY"},
    }
    refund = approve(office, refund, capture=django_capture_on_commit_callbacks)  # no error after the commit
    assert refund.paid_at is None and refund.online.status == OnlineRefundStatus.PROCESSING
    assert "99.99" in refund.online.failure and refund.online.provider_status == "SUCCESS"
