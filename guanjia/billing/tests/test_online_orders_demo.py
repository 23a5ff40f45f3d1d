"""The demo's online payment (FE-1): one portal owner has an unpaid open order for his room's open
lines, made through order_create, shown on the console's 在线缴费订单 page."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from guanjia.core import clock, demo
from guanjia.core.models import Membership
from guanjia.core.tests.factories import at
from guanjia.estates.models import Person

from ..choices import OrderStatus
from ..models import PaymentOrder

pytestmark = pytest.mark.django_db
PARTS = (
    "estates.register",
    "billing.items",
    "billing.meters",
    "billing.bills",
    "billing.payments",
    "estates.owners",
    "billing.online",
)
NOW = at(2026, 12, 3, 10, 0)


def test_fe1_the_demo_has_one_unpaid_open_order_of_a_portal_owner(monkeypatch, settings, client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    keep = {key: part for key, part in demo._PARTS.items() if key in PARTS}
    assert set(keep) == set(PARTS)
    monkeypatch.setattr(demo, "_PARTS", keep)
    with clock.frozen(NOW):
        call_command("demo", "--scale", "0.05", stdout=io.StringIO())
        order = PaymentOrder.objects.get()
        assert order.state == OrderStatus.CREATED and order.payment_id is None and order.provider == "wechatpay"
        assert Person.objects.filter(user=order.user, ownerships__room=order.room).exists()  # his own room
        frozen = sum(entry.amount for entry in order.lines.all())
        assert frozen == order.amount and all(entry.line.room_id == order.room_id for entry in order.lines.all())
        assert all(entry.line.open_amount >= entry.amount for entry in order.lines.select_related("line"))
        member = Membership.objects.filter(community=order.community, role="cashier").select_related("user").first()
        client.force_login(member.user)
        page = client.get(reverse("billing:online_orders")).content.decode()
        assert order.out_trade_no in page and "待支付" in page
