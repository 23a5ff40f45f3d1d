"""FE-1 online payment: a Native order's code_url is shown on the portal order page as a QR code drawn
on the server (inline SVG by segno), only while the order may be paid."""

import datetime as dt

import pytest
import segno
from django.urls import reverse

from guanjia.billing import online_qr
from guanjia.billing.choices import OrderStatus
from guanjia.billing.models import PaymentOrder
from guanjia.billing.services import online
from guanjia.core import clock
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_setup import OnlineOffice, post_notification
from .test_online_wechatpay import CODE_URL

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


def native_order(office):
    order = online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
    order.pay_data = {"kind": "native", "code_url": CODE_URL}
    order.save(update_fields=["pay_data"])
    return order


def page(client, order) -> str:
    return client.get(reverse("portal:fees_online_order", args=[order.pk])).content.decode()


def test_fe1_the_order_page_shows_the_code_url_as_an_inline_svg_qr_code(client, office):
    order = native_order(office)
    client.force_login(office.owner)
    html = page(client, order)
    expected = segno.make(CODE_URL, error="m").svg_inline(
        scale=online_qr.SCALE, border=online_qr.BORDER, title="微信扫码支付", svgclass="qr"
    )
    assert expected.startswith("<svg") and expected in html
    assert 'id="order-qr"' in html and "<img" not in html.split('id="order-qr"')[1].split("</div>")[0]
    # another URL draws another code: the SVG is the URL's, not a picture
    assert online_qr.code_svg(CODE_URL + "X") not in html


def test_fe1_no_qr_code_once_the_order_is_paid_closed_or_past_its_deadline(client, office, settings):
    client.force_login(office.owner)
    order = native_order(office)
    body = office.merchant.notification(order, transaction_id="4200000009")
    assert post_notification(client, office, body, office.merchant.headers(body)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    html = page(client, order)
    assert 'class="qr"' not in html and CODE_URL not in html and 'id="order-paid"' in html

    PaymentOrder.objects.filter(pk=order.pk).update(status=OrderStatus.CREATED, payment=None)
    order.refresh_from_db()
    assert 'class="qr"' in page(client, order)
    PaymentOrder.objects.filter(pk=order.pk).update(status=OrderStatus.CLOSED)
    html = page(client, order)
    assert 'class="qr"' not in html and "该订单已关闭" in html

    PaymentOrder.objects.filter(pk=order.pk).update(status=OrderStatus.CREATED)
    with clock.frozen(order.expires_at + dt.timedelta(seconds=1)):
        html = page(client, order)
    assert 'class="qr"' not in html and "已过支付时限" in html
