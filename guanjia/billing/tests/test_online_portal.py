"""FE-1 online payment in the portal: the 在线缴费 button only where the provider is configured (and
a sentence where it is not), the owner's own room only (another household's: 404), the order page
from "pay" to the receipt once the provider's notification has come."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanjia.billing.choices import OrderStatus
from guanjia.billing.models import PaymentOrder
from guanjia.billing.tests.factories import RoomFactory, bill_for
from guanjia.core import clock
from guanjia.core.tests.factories import UserFactory, at
from guanjia.estates.models import Person
from guanjia.estates.tests.factories import OwnershipFactory

from .online_setup import OnlineOffice, post_notification
from .test_online_wechatpay import CODE_URL, Provider

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return OnlineOffice()


def test_fe1_the_bills_page_offers_online_payment_only_where_configured(client, office, settings):
    client.force_login(office.owner)
    page = client.get(reverse("portal:fees_bills")).content.decode()
    assert "本小区暂未开通在线缴费" in page and reverse("portal:fees_online_room", args=[office.room.pk]) not in page
    room_page = client.get(reverse("portal:fees_online_room", args=[office.room.pk])).content.decode()
    assert 'id="online-off"' in room_page and 'id="online-form"' not in room_page
    office.configure(settings)
    page = client.get(reverse("portal:fees_bills")).content.decode()
    assert reverse("portal:fees_online_room", args=[office.room.pk]) in page and "在线缴费" in page


def test_fe1_an_owner_cannot_order_for_another_households_room(client, office, settings):
    office.configure(settings)
    client.force_login(office.owner)
    nothing = client.post(reverse("portal:fees_online_room", args=[office.room.pk]), {"chosen": "1"})
    assert nothing.status_code == 400 and "请选择要缴纳的账单明细" in nothing.content.decode()
    neighbour = RoomFactory(community=office.community, unit=office.room.unit)
    OwnershipFactory(room=neighbour, community=office.community, person__community=office.community)
    bill_for(neighbour, [(office.fee, "80.00")])
    client.force_login(office.owner)
    url = reverse("portal:fees_online_room", args=[neighbour.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert not PaymentOrder.objects.exists()


def test_fe1_the_owner_orders_pays_and_sees_his_receipt(client, office, settings):
    client.force_login(office.owner)
    lines = office.lines()
    with Provider(office.merchant) as server:
        office.configure(settings, api_base=server.url)
        form = client.get(reverse("portal:fees_online_room", args=[office.room.pk])).content.decode()
        assert form.count('name="line"') == 4 and "260.00" in form
        response = client.post(
            reverse("portal:fees_online_room", args=[office.room.pk]), {"line": [lines[0].pk, lines[1].pk]}
        )
    order = PaymentOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:fees_online_order", args=[order.pk])
    assert order.amount == Decimal("130.00") and order.user == office.owner
    page = client.get(response["Location"]).content.decode()
    assert CODE_URL in page and "待支付" in page
    # the same lines are not ordered twice while the order may be paid: the room page points to it
    again = client.get(reverse("portal:fees_online_room", args=[office.room.pk])).content.decode()
    assert 'id="online-live"' in again and order.out_trade_no in again
    body = office.merchant.notification(order)
    assert post_notification(client, office, body, office.merchant.headers(body)).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    page = client.get(reverse("portal:fees_online_order", args=[order.pk])).content.decode()
    assert reverse("portal:fees_receipt", args=[order.payment_id]) in page and order.payment.number in page
    assert client.get(reverse("portal:fees_receipt", args=[order.payment_id])).status_code == 200


def test_fe1_another_persons_order_is_404(client, office, settings):
    office.configure(settings, api_base="http://127.0.0.1:9")
    client.force_login(office.owner)
    client.post(reverse("portal:fees_online_room", args=[office.room.pk]), {})
    order = PaymentOrder.objects.get()
    assert order.status == OrderStatus.FAILED  # the provider could not be reached: the page says so
    assert "重新下单" in client.get(reverse("portal:fees_online_order", args=[order.pk])).content.decode()
    stranger = UserFactory()
    Person.objects.filter(pk=office.ownership.person_id).update(user=stranger)  # not even a co-owner sees it
    client.force_login(stranger)
    assert client.get(reverse("portal:fees_online_order", args=[order.pk])).status_code == 404


def test_fe1_the_room_and_order_pages_cost_the_same_queries_whatever_the_lines(client, office, settings):
    office.configure(settings, api_base="http://127.0.0.1:9")
    client.force_login(office.owner)
    room_url = reverse("portal:fees_online_room", args=[office.room.pk])

    def cost(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = cost(room_url)
    for month in range(1, 7):  # six more months of property fee and water
        bill_for(office.room, [(office.fee, "100.00"), (office.water, "30.00")], period=dt.date(2026, month, 1))
    assert cost(room_url) == few
    lines = office.lines()
    client.post(room_url, {"line": [lines[0].pk]})  # the provider is unreachable: failed, lines free again
    client.post(room_url, {})
    small, large = PaymentOrder.objects.order_by("pk")
    assert (small.lines.count(), large.lines.count()) == (1, 16)
    order_url = reverse("portal:fees_online_order", args=[small.pk])
    assert cost(order_url) == cost(reverse("portal:fees_online_order", args=[large.pk]))
