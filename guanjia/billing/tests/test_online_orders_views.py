"""FE-1 the console page 在线缴费订单 and the API api/billing/online-orders/: the community's orders by
state (query budget constant in page size), 向支付渠道查询 and 关闭订单 through the services, the menu
entry for the roles that hold billing.online_orders, another community's order a 404."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from guanjia.billing.choices import OrderStatus
from guanjia.billing.models import Payment, PaymentOrder
from guanjia.billing.services import online
from guanjia.core import clock
from guanjia.core.tests.factories import at, staff
from guanjia.portal.views_fees_online import payable_lines

from .online_gateway import Gateway
from .online_setup import OnlineOffice

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)
LIST = "billing:online_orders"
API = "/api/billing/online-orders/"
TXN = "4200000001202611200000000055"


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


def rows(office, n, *, start=0, **fields):
    """`n` stored orders of the office's room (the list reads rows; how they were made does not matter)."""
    for i in range(start, start + n):
        PaymentOrder.objects.create(
            community=office.community,
            room=office.room,
            user=office.owner,
            out_trade_no=f"GJ20261120{i:016d}",
            provider="wechatpay",
            amount=Decimal("10.00"),
            description="物业费用",
            created_at=NOW - dt.timedelta(minutes=i + 1),
            expires_at=NOW + dt.timedelta(minutes=29 - i),
            **fields,
        )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_fe1_the_orders_page_lists_by_state_within_a_constant_query_budget(
    client, office, django_assert_max_num_queries
):
    client.force_login(office.cashier)
    rows(office, 3)
    with django_assert_max_num_queries(14) as few:
        page = client.get(reverse(LIST)).content.decode()
    assert page.count('id="order-') == 3 and page.count("向支付渠道查询") == 3
    rows(office, 40, start=3)
    with django_assert_max_num_queries(14) as many:
        page = client.get(reverse(LIST)).content.decode()
    assert page.count('id="order-') == 43  # one page of 50 holds them all
    assert len(many.captured_queries) == len(few.captured_queries)
    # by state as of now: 待支付 until the deadline, 已过期 after it (both stored as created)
    assert client.get(reverse(LIST), {"status": "expired"}).content.decode().count('id="order-') == 14
    assert client.get(reverse(LIST), {"status": "created"}).content.decode().count('id="order-') == 29
    assert client.get(reverse(LIST), {"status": "paid"}).content.decode().count('id="order-') == 0


def test_fe1_only_the_orders_roles_see_the_page_and_its_menu_entry(client, office):
    other = OnlineOffice()
    rows(other, 1)
    client.force_login(office.cashier)
    page = client.get(reverse(LIST)).content.decode()
    assert "在线缴费订单" in page and 'id="order-' not in page  # the other community's order is not here
    assert reverse(LIST) in client.get(reverse("billing:payments")).content.decode()
    supervisor = staff("cs_supervisor", office.community)
    client.force_login(supervisor)
    assert client.get(reverse(LIST)).status_code == 200
    client.force_login(office.desk)
    assert client.get(reverse(LIST)).status_code == 403
    assert reverse(LIST) not in client.get(reverse("billing:payments")).content.decode()


def test_fe1_the_query_button_books_a_paid_order_and_returns_to_the_list(client, office, gateway):
    order = order_for(office)
    gateway.pay(order, transaction_id=TXN)
    client.force_login(office.cashier)
    back = reverse(LIST) + "?status=created"
    response = client.post(reverse("billing:online_order_query", args=[order.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.payment.source_key == TXN
    page = client.get(reverse(LIST)).content.decode()
    assert order.payment.number in page and "已开具收据" in page and "向支付渠道查询" not in page
    # a paid order is not queried again: the page says why
    again = client.get(reverse("billing:online_order_query", args=[order.pk]))
    assert again.status_code == 409 and "已支付" in again.content.decode()


def test_fe1_the_close_button_closes_at_the_provider(client, office, gateway):
    order = order_for(office)
    client.force_login(office.manager)
    response = client.post(reverse("billing:online_order_close", args=[order.pk]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and gateway.calls("POST")[-1][1].endswith("/close")
    assert client.get(reverse("billing:online_order_close", args=[order.pk])).status_code == 409


def test_fe1_another_communitys_order_is_a_404_and_the_front_desk_a_403(client, office, gateway):
    order = order_for(office)
    other = OnlineOffice()
    client.force_login(other.cashier)
    for name in ("billing:online_order_query", "billing:online_order_close"):
        assert client.post(reverse(name, args=[order.pk])).status_code == 404
    assert api(other.cashier).post(f"{API}{order.pk}/close/").status_code == 404
    client.force_login(office.desk)
    assert client.post(reverse("billing:online_order_close", args=[order.pk])).status_code == 403
    assert api(office.desk).get(API).json()["count"] == 0  # scoped by the action: none of them
    assert api(office.desk).post(f"{API}{order.pk}/close/").status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED and len(gateway.calls("POST")) == 1  # the create only


def test_fe1_the_api_lists_queries_and_closes(office, gateway, django_assert_max_num_queries):
    client = api(office.cashier)
    paid, unpaid = order_for(office), None
    gateway.pay(paid, transaction_id=TXN)
    rows(office, 5, start=100)
    with django_assert_max_num_queries(8):
        listed = client.get(API).json()
    assert listed["count"] == 6 and listed["results"][0]["out_trade_no"] == paid.out_trade_no
    assert client.get(API, {"state": "expired"}).json()["count"] == 5
    answer = client.post(f"{API}{paid.pk}/query/")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["provider_state"] == "SUCCESS" and body["order"]["state"] == "paid"
    assert body["order"]["receipt_number"] == Payment.objects.get().number
    refused = client.post(f"{API}{paid.pk}/close/")
    assert refused.status_code == 409 and refused.json()["code"] == "paid"
    unpaid = PaymentOrder.objects.filter(status=OrderStatus.CREATED).first()
    closed = client.post(f"{API}{unpaid.pk}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.get(API, {"state": "nonsense"}).status_code == 400
