"""Reading items and prices for a billing run (FE-1): the price on a day, the prices of many items in
one query, and which items apply to which rooms (by kind, building, room and dates) in a fixed number
of queries whatever the number of rooms."""

import datetime as dt
from decimal import Decimal

import pytest

from guanjia.core import clock
from guanjia.estates.tests.factories import RoomFactory

from ..selectors_items import items_for_rooms, price_board, price_on, price_text, prices_on
from ..services import items as services
from .items_setup import EARLIER, NOW, Office

pytestmark = pytest.mark.django_db

DEC = (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


@pytest.fixture
def office():
    return Office()


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


def test_fe1_price_on_a_day_is_the_last_published_one_in_force(office):
    item = office.item()  # 2.50 from 2026-12-01
    services.price_publish(item=item, unit_price="2.80", effective_from=dt.date(2027, 3, 1), actor=office.manager)
    assert price_on(item, dt.date(2026, 11, 30)) is None
    assert price_on(item, dt.date(2026, 12, 1)).unit_price == Decimal("2.5000")
    assert price_on(item, dt.date(2027, 2, 28)).unit_price == Decimal("2.5000")
    assert price_on(item, dt.date(2027, 3, 1)).unit_price == Decimal("2.8000")


@pytest.mark.parametrize("count", [2, 12])
def test_fe1_prices_on_reads_any_number_of_items_in_one_query(office, count, django_assert_num_queries):
    items = []
    for n in range(count):
        item = office.item(f"i{n}", price=f"{n + 1}.00")
        if n % 2:
            services.price_publish(
                item=item, unit_price=f"{n + 1}.50", effective_from=dt.date(2027, 1, 1), actor=office.manager
            )
        items.append(item)
    with django_assert_num_queries(1):
        prices = prices_on(items, dt.date(2027, 1, 15))
    assert {i.pk: prices[i.pk].unit_price for i in items} == {
        i.pk: Decimal(f"{n + 1}.50" if n % 2 else f"{n + 1}.00") for n, i in enumerate(items)
    }
    assert prices_on(items, dt.date(2026, 11, 30)) == {}
    assert prices_on([], dt.date(2026, 12, 1)) == {}


def test_fe1_price_text_prints_two_places_or_four():
    assert [price_text(Decimal(v)) for v in ("2.5000", "0.5283", "60", "3.4500")] == ["2.50", "0.5283", "60.00", "3.45"]
    assert price_text(None) == ""


def _applies(result, room):
    return [(a.item.code, a.starts, a.ends, a.whole) for a in result.get(room.pk, [])]


def test_fe1_items_for_rooms_by_kind_building_room_and_dates(office):
    flat_a, flat_b = office.room(office.unit_a), office.room(office.unit_b)
    shop = office.room(office.unit_s, kind="shop")
    space = office.room(office.unit_s, kind="parking", number="B001")
    wy = office.item("wy")
    lift = office.item("dt", price="0.30")
    cw = office.item("cw", price="60")
    ends = office.item("old", ends_on=dt.date(2026, 12, 20))
    office.item("later", starts_on=dt.date(2027, 1, 1))  # starts after the period: applies nowhere yet
    alone = office.item("alone")
    m = office.manager
    services.application_add(item=wy, actor=m, since=dt.date(2026, 12, 1), room_kind="residence")
    services.application_add(item=wy, actor=m, since=dt.date(2026, 12, 10), room_kind="shop")  # mid-period
    services.application_add(item=wy, actor=m, since=dt.date(2026, 12, 5), building=office.tower_a)  # later than kind
    services.application_add(item=lift, actor=m, since=dt.date(2026, 12, 1), building=office.tower_b)
    services.application_add(item=cw, actor=m, since=dt.date(2026, 12, 1), room_kind="parking")
    services.application_add(item=ends, actor=m, since=dt.date(2026, 12, 1), room_kind="residence")
    services.application_add(item=alone, actor=m, since=dt.date(2026, 12, 15), room=shop)
    services.application_add(item=alone, actor=m, since=dt.date(2027, 2, 1), room=flat_a)  # after the period
    result = items_for_rooms(office.community, *DEC)
    d = dt.date
    assert _applies(result, flat_a) == [
        ("old", d(2026, 12, 1), d(2026, 12, 20), False),
        ("wy", d(2026, 12, 1), d(2026, 12, 31), True),  # the earliest application counts
    ]
    assert _applies(result, flat_b) == [
        ("dt", d(2026, 12, 1), d(2026, 12, 31), True),
        ("old", d(2026, 12, 1), d(2026, 12, 20), False),
        ("wy", d(2026, 12, 1), d(2026, 12, 31), True),
    ]
    assert _applies(result, shop) == [
        ("alone", d(2026, 12, 15), d(2026, 12, 31), False),
        ("wy", d(2026, 12, 10), d(2026, 12, 31), False),
    ]
    assert _applies(result, space) == [("cw", d(2026, 12, 1), d(2026, 12, 31), True)]
    periodic_only = items_for_rooms(office.community, *DEC, kinds=["metered"])
    assert periodic_only == {}
    one_room = items_for_rooms(office.community, *DEC, rooms=[space.pk])
    assert list(one_room) == [space.pk]
    # November: nothing has started yet
    assert items_for_rooms(office.community, dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == {}


def test_fe1_items_for_rooms_leaves_other_communities_out(office):
    wy = office.item("wy")
    services.application_add(item=wy, actor=office.manager, since=dt.date(2026, 12, 1), room_kind="residence")
    mine = office.room()
    other = RoomFactory()
    result = items_for_rooms(office.community, *DEC)
    assert mine.pk in result and other.pk not in result


@pytest.mark.parametrize("rooms", [3, 30])
def test_fe1_items_for_rooms_reads_in_three_queries_whatever_the_rooms(office, rooms, django_assert_num_queries):
    wy = office.item("wy")
    lift = office.item("dt", price="0.30")
    services.application_add(item=wy, actor=office.manager, since=dt.date(2026, 12, 1), room_kind="residence")
    services.application_add(item=lift, actor=office.manager, since=dt.date(2026, 12, 1), building=office.tower_b)
    made = [office.room(office.unit_a if n % 2 else office.unit_b) for n in range(rooms)]
    services.application_add(item=lift, actor=office.manager, since=dt.date(2026, 12, 1), room=made[1])
    with django_assert_num_queries(3):
        result = items_for_rooms(office.community, *DEC)
    assert len(result) == rooms
    assert sum(len(v) for v in result.values()) == rooms + (rooms - rooms // 2) + 1  # wy, lift in 2幢, one more


def test_fe1_board_shows_current_prices_and_published_changes(office, django_assert_max_num_queries):
    wy = office.item("wy", when=EARLIER, starts_on=dt.date(2025, 12, 1))
    services.application_add(item=wy, actor=office.manager, since=dt.date(2025, 12, 1), room_kind="residence")
    services.application_add(item=wy, actor=office.manager, since=dt.date(2025, 12, 1), room=office.room())
    services.price_publish(
        item=wy, unit_price="2.80", effective_from=dt.date(2027, 1, 1), note="业主大会同意", actor=office.manager
    )
    office.item("none", price=None)  # nothing published: not on the board
    office.item("new")  # a new item whose first price applies from 2026-12-01
    with django_assert_max_num_queries(5):
        board = price_board(office.community)
    rows = {row.item.code: row for row in board["rows"]}
    assert set(rows) == {"wy", "new"}
    assert (rows["wy"].price_text, rows["wy"].effective_from) == ("2.50", dt.date(2025, 12, 1))
    assert [p.price_text for p in rows["wy"].upcoming] == ["2.80"]
    assert rows["wy"].applies_to == ["住宅", "指定房屋 1 户"]  # LW-1: a single room is counted, never named
    assert rows["new"].price is None and rows["new"].upcoming[0].effective_from == dt.date(2026, 12, 1)
    assert board["complaint_line"] == "12358" and board["office_phone"] == "0755-26881234"
    assert [(item.code, p.effective_from) for item, p in board["changes"]] == [
        ("new", dt.date(2026, 12, 1)),
        ("wy", dt.date(2027, 1, 1)),
    ]
