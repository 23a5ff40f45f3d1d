"""FE-1: the owner leaves an order he has not paid (取消订单 on his order page): closed at the provider
first, then here; another person's order is a 404; an order the provider says was paid is booked."""

import pytest
from django.urls import reverse

from guanjia.billing.choices import OrderStatus
from guanjia.billing.models import Payment
from guanjia.billing.services import online
from guanjia.core import clock
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_gateway import CODE_URL, Gateway
from .online_setup import OnlineOffice

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)


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


def order_for(office):
    order = online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
    return online.order_request(order=order)


def test_fe1_the_owner_cancels_his_unpaid_order(client, office, gateway):
    order = order_for(office)
    client.force_login(office.owner)
    page_url = reverse("portal:fees_online_order", args=[order.pk])
    page = client.get(page_url).content.decode()
    assert 'id="order-cancel"' in page and CODE_URL in page
    close = reverse("portal:fees_online_order_close", args=[order.pk])
    assert client.get(close).status_code == 405
    response = client.post(close)
    assert response.status_code == 302 and response["Location"] == page_url
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and gateway.calls("POST")[-1][1].endswith("/close")
    page = client.get(page_url).content.decode()
    assert "订单已取消" in page and "该订单已关闭" in page and 'id="order-cancel"' not in page
    assert 'class="qr"' not in page


def test_fe1_another_persons_order_is_a_404_and_a_paid_one_is_booked(client, office, gateway):
    order = order_for(office)
    neighbour = OnlineOffice()
    client.force_login(neighbour.owner)
    assert client.post(reverse("portal:fees_online_order_close", args=[order.pk])).status_code == 404
    gateway.pay(order)
    client.force_login(office.owner)
    client.post(reverse("portal:fees_online_order_close", args=[order.pk]))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and Payment.objects.get() == order.payment
    page = client.get(reverse("portal:fees_online_order", args=[order.pk])).content.decode()
    assert "已开具收据" in page and 'id="order-receipt"' in page
