"""The demo's fee items (FE-1, LW-4): made through the services for every community after the register's
rooms exist; utilities collected on behalf with no surcharge; an announced change after the demo's now."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from guanjia.core import clock, demo
from guanjia.core.tests.factories import at

from ..models import FeeApplication, FeeItem, FeePrice
from ..selectors_items import items_for_rooms, price_board

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)


@pytest.fixture
def register_and_items(monkeypatch, settings):
    """Only the register's part and this one (the other parts have their own tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    keep = {key: part for key, part in demo._PARTS.items() if key in ("estates.register", "billing.items")}
    monkeypatch.setattr(demo, "_PARTS", keep)
    with clock.frozen(NOW):
        call_command("demo", "--scale", "0.05", stdout=io.StringIO())
    return list(demo.demo_company().communities.order_by("pk"))


def test_fe1_demo_items_are_priced_applied_and_announce_a_change(register_and_items):
    communities = register_and_items
    assert demo._PARTS["billing.items"].order > demo._PARTS["estates.register"].order
    for community in communities:
        codes = set(FeeItem.objects.filter(community=community).values_list("code", flat=True))
        assert codes == {"wy", "wysp", "dt", "water", "power", "cw", "zxyj"}
        water = FeeItem.objects.get(community=community, code="water")
        assert water.collected_on_behalf and water.surcharge == 0 and water.supplier  # LW-4
        assert FeeApplication.objects.filter(community=community, item__code="cw", room_kind="parking").exists()
        applying = items_for_rooms(community, dt.date(2026, 10, 1), dt.date(2026, 10, 31), kinds=["periodic"])
        assert applying and all(a.whole for rows in applying.values() for a in rows)
        board = price_board(community, dt.date(2026, 11, 20))
        assert {row.item.code for row in board["rows"]} == codes
    first = communities[0]
    changes = [(item.code, p.effective_from) for item, p in price_board(first, dt.date(2026, 11, 20))["changes"]]
    assert changes == [("wy", dt.date(2027, 1, 1))]
    # every price was published before it took effect
    prices = list(FeePrice.objects.all())
    assert prices and all(timezone.localdate(p.published_at) <= p.effective_from for p in prices)
