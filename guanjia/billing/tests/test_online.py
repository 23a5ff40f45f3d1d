"""FE-1 online payment: the provider's signed notification books one payment through the window's
`payment_take` (method ONLINE, the provider's transaction id as reference and source_key). Keys are
generated in the test (online_setup); nothing secret is in the repository."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from guanjia.billing.choices import Method, OrderStatus, PaymentStatus, Purse
from guanjia.billing.models import Payment, PaymentOrder, PrepaymentAccount
from guanjia.billing.services import online
from guanjia.billing.services import payments as window
from guanjia.core import clock
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_setup import OnlineOffice, post_notification

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office(settings):
    office = OnlineOffice()
    office.configure(settings)
    return office


def order_for(office, line_ids=None):
    return online.order_create(
        room=office.room, user=office.owner, payable=payable_lines(office.owner), line_ids=line_ids
    )


def test_fe1_a_good_notification_books_one_payment_with_a_receipt(office):
    order = order_for(office)
    assert order.amount == Decimal("260.00") and order.lines.count() == 4
    body = office.merchant.notification(order, transaction_id="4200000001")
    # the provider has no session and no CSRF token: it signs instead
    client = Client(enforce_csrf_checks=True)
    response = post_notification(client, office, body, office.merchant.headers(body))
    assert response.status_code == 200 and response.json() == {"code": "SUCCESS", "message": "成功"}
    payment = Payment.objects.get()
    assert payment.number and payment.status == PaymentStatus.VALID
    assert (payment.method, payment.reference, payment.source_key) == (Method.ONLINE, "4200000001", "4200000001")
    assert payment.amount == Decimal("260.00") and payment.cashier == office.cashier
    assert office.total_open() == Decimal("0.00")
    order.refresh_from_db()
    assert (order.status, order.payment, order.transaction_id) == (OrderStatus.PAID, payment, "4200000001")
    assert ActivityLog.objects.filter(verb="billing.online.paid").count() == 1


def test_fe1_the_same_notification_twice_records_one_payment(client, office):
    order = order_for(office)
    body = office.merchant.notification(order)
    first = post_notification(client, office, body, office.merchant.headers(body))
    again = post_notification(client, office, body, office.merchant.headers(body))  # WeChat resends
    assert first.status_code == again.status_code == 200
    assert again.json()["code"] == "SUCCESS"
    assert Payment.objects.count() == 1
    assert ActivityLog.objects.filter(verb="billing.payment.taken").count() == 1


def test_fe1_a_tampered_notification_is_401_and_writes_nothing(client, office):
    order = order_for(office)
    body = office.merchant.notification(order)
    headers = office.merchant.headers(body)
    logged = ActivityLog.objects.count()
    tampered = body.replace(b'"summary": "', b'"summary": "x')
    response = post_notification(client, office, tampered, headers)
    assert response.status_code == 401 and response.json()["code"] == "FAIL"
    assert not Payment.objects.exists() and ActivityLog.objects.count() == logged
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED and not order.transaction_id


@pytest.mark.parametrize(
    "change",
    [
        {"at": NOW - dt.timedelta(minutes=6)},  # a replay older than FE-1.online_notify_minutes
        {"serial": "UNKNOWN-SERIAL"},
    ],
)
def test_fe1_a_stale_or_unknown_key_notification_is_401(client, office, change):
    order = order_for(office)
    body = office.merchant.notification(order)
    response = post_notification(client, office, body, office.merchant.headers(body, **change))
    assert response.status_code == 401 and not Payment.objects.exists()


def test_fe1_a_notification_signed_by_another_key_is_401(client, office, settings):
    order = order_for(office)
    body = office.merchant.notification(order)
    other = OnlineOffice().merchant  # another platform key under the same serial
    response = post_notification(client, office, body, other.headers(body))
    assert response.status_code == 401 and not Payment.objects.exists()


def test_fe1_a_wrong_amount_is_refused_and_logged(client, office):
    order = order_for(office)
    body = office.merchant.notification(order, total=100)  # 1.00 yuan for an order of 260.00
    response = post_notification(client, office, body, office.merchant.headers(body))
    assert response.status_code == 400 and response.json()["code"] == "FAIL"
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    refused = ActivityLog.objects.get(verb="billing.online.refused")
    assert refused.data["code"] == "amount_mismatch" and refused.community == office.community


def test_fe1_an_unknown_order_is_refused(client, office):
    order = order_for(office)
    order.out_trade_no = "GJ00000000000000UNKNOWN"  # signed and encrypted, but no such order
    body = office.merchant.notification(order)
    response = post_notification(client, office, body, office.merchant.headers(body))
    assert response.status_code == 400 and not Payment.objects.exists()


def test_fe1_a_failed_payment_fails_the_order_without_a_receipt(client, office):
    order = order_for(office)
    body = office.merchant.notification(order, state="PAYERROR")
    response = post_notification(client, office, body, office.merchant.headers(body))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED and order.failure == "PAYERROR"
    assert not Payment.objects.exists()


def test_fe1_the_order_freezes_its_amount_and_a_line_paid_meanwhile_goes_to_prepayment(client, office):
    first = office.lines()[0]  # September's property fee, 100.00
    order = order_for(office, [first.pk, office.lines()[1].pk])
    assert order.amount == Decimal("130.00")
    # the owner pays September's property fee at the window before paying online
    window.payment_take(
        room=office.room, amount="100.00", method=Method.CASH, actor=office.cashier, lines=[(first, "100.00")]
    )
    order.refresh_from_db()
    assert order.amount == Decimal("130.00") and sum(e.amount for e in order.lines.all()) == Decimal("130.00")
    body = office.merchant.notification(order)
    assert post_notification(client, office, body, office.merchant.headers(body)).status_code == 200
    payment = Payment.objects.get(method=Method.ONLINE)
    assert payment.amount == Decimal("130.00") and payment.to_prepayment == Decimal("100.00")
    assert PrepaymentAccount.objects.get(room=office.room, purse=Purse.PROPERTY).balance == Decimal("100.00")


def test_fe1_a_line_in_a_payable_order_is_not_ordered_twice_until_it_expires(office):
    order = order_for(office)
    with pytest.raises(online.Conflict) as refused:
        order_for(office)
    assert order.out_trade_no in str(refused.value)
    with clock.frozen(NOW + dt.timedelta(minutes=31)):  # FE-1.online_order_minutes: 30
        assert PaymentOrder.objects.get(pk=order.pk).state == OrderStatus.EXPIRED
        assert order_for(office).amount == Decimal("260.00")


@pytest.mark.parametrize("config", [{}, {"provider": "nobody"}, {"provider": "wechatpay", "apiv3_key": "short"}])
def test_fe1_unconfigured_or_misconfigured_offers_no_online_payment(office, settings, config):
    settings.PAYMENT_PROVIDERS = {office.community.code: {**office.merchant.config, **config}} if config else {}
    with pytest.raises(online.ServiceError) as refused:
        order_for(office)
    assert refused.value.code == "not_configured" and not PaymentOrder.objects.exists()


def test_fe1_the_endpoint_answers_only_post_and_only_for_a_configured_provider(client, office):
    body = json.dumps({}).encode()
    assert post_notification(client, office, body, {}).status_code == 401  # unsigned
    from django.urls import reverse

    url = reverse("fees:pay_notify", args=["wechatpay", office.community.code])
    assert client.get(url).status_code == 405
    other = reverse("fees:pay_notify", args=["alipay", office.community.code])
    assert client.post(other, data=body, content_type="application/json").status_code == 404


def test_fe1_keys_and_a_platform_certificate_may_be_given_as_files(client, office, settings, tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    merchant = office.merchant
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(merchant.platform_key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .sign(merchant.platform_key, hashes.SHA256())
    )
    (tmp_path / "wechatpay.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "apiclient_key.pem").write_text(merchant.config["merchant_key"])
    (tmp_path / "apiv3.key").write_text(merchant.apiv3_key + "\n")
    config = {k: v for k, v in merchant.config.items() if k not in ("merchant_key", "apiv3_key")}
    config.update(
        merchant_key_file=str(tmp_path / "apiclient_key.pem"),
        apiv3_key_file=str(tmp_path / "apiv3.key"),
        platform_keys={next(iter(merchant.config["platform_keys"])): str(tmp_path / "wechatpay.pem")},
    )
    settings.PAYMENT_PROVIDERS = {office.community.code: config}
    order = order_for(office)
    body = merchant.notification(order)
    assert post_notification(client, office, body, merchant.headers(body)).status_code == 200
    assert Payment.objects.count() == 1
