"""Metered billing (FE-1, FE-2): `metered_charges` for room meters (quantity = usage, the period's
price, rounding once per line, never a reading on the check list, never a reading twice) and for a
common meter's allocation (by area, per household; the lines add up to the rounded total by largest
remainder), in a fixed number of queries whatever the number of rooms."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core import clock
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.periods import Period
from guanjia.core.tests.factories import CommunityFactory, at
from guanjia.estates.tests.factories import BuildingFactory, OwnershipFactory, RoomFactory, UnitFactory

from ..choices import Basis, ItemKind, ReadingStatus, Rounding
from ..models import BillLine, MeterReading
from ..services import metered
from ..services.meters import reading_confirm
from .factories import FeeItemFactory, MeterFactory, applied, bill_for, priced, read

pytestmark = pytest.mark.django_db

NOVEMBER = Period.of("month", dt.date(2026, 11, 1))


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(at(2026, 12, 1, 9, 0)):
        yield


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def unit(community):
    return UnitFactory(building=BuildingFactory(community=community))


def water(community, price="3.45", **fields):
    item = FeeItemFactory(
        community=community,
        name="水费",
        kind=ItemKind.METERED,
        basis=Basis.METER_USAGE,
        meter_kind="water",
        unit_label="元/吨",
        collected_on_behalf=True,
        supplier="自来水公司",
        **fields,
    )
    return applied(priced(item, price))


def metered_room(unit, base="100", now="107.333", status=ReadingStatus.OK, **room):
    meter = MeterFactory(room=RoomFactory(unit=unit, **room))
    read(meter, dt.date(2026, 10, 25), base)
    reading = read(
        meter, dt.date(2026, 11, 25), now, usage=Decimal(now) - Decimal(base), status=status, check_reason="x"
    )
    return meter, reading


def test_fe1_room_meter_charge_is_usage_times_the_period_price_rounded_once(community, unit):
    item = water(community)
    priced(item, "9.99", effective_from=dt.date(2026, 11, 2))  # published for later: not this period's
    meter, reading = metered_room(unit)
    [charge] = metered.metered_charges(community, NOVEMBER, [item])
    assert charge.room_id == meter.room_id and charge.item == item and charge.reading_id == reading.pk
    assert charge.quantity == Decimal("7.333") and charge.unit_price == Decimal("3.4500")
    assert charge.amount == Decimal("25.30")  # 7.333 × 3.45 = 25.29885, half up once
    assert (charge.covers_from, charge.covers_to) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert charge.basis_label == f"水表 {meter.number} 11-25 读数 107.333，用量 7.333 吨"
    assert charge.payer_kind == "owner"


def test_fe1_rounding_follows_the_item(community, unit):
    item = water(community, rounding=Rounding.DOWN, decimals=1)
    metered_room(unit)
    [charge] = metered.metered_charges(community, NOVEMBER, [item])
    assert charge.amount == Decimal("25.20")


def test_fe1_a_reading_on_the_check_list_is_never_billed_until_confirmed(community, unit):
    item = water(community)
    _meter, reading = metered_room(unit, status=ReadingStatus.CHECK)
    assert metered.metered_charges(community, NOVEMBER, [item]) == []
    from guanjia.core.tests.factories import staff

    reading_confirm(reading=reading, actor=staff("equipment_supervisor", community))
    [charge] = metered.metered_charges(community, NOVEMBER, [item])
    assert charge.reading_id == reading.pk


def test_fe1_a_reading_confirmed_after_its_month_was_billed_goes_on_the_next_run(community, unit):
    item = water(community)
    _meter, reading = metered_room(unit, status=ReadingStatus.CONFIRMED)
    [charge] = metered.metered_charges(community, NOVEMBER.next(), [item])
    assert charge.reading_id == reading.pk and charge.covers_from == dt.date(2026, 11, 1)
    MeterReading.objects.filter(pk=reading.pk).update(status=ReadingStatus.OK)  # an OK one was billed then
    assert metered.metered_charges(community, NOVEMBER.next(), [item]) == []


def test_fe1_a_reading_is_never_billed_twice(community, unit):
    item = water(community)
    meter, reading = metered_room(unit)
    bill = bill_for(meter.room, [(item, "25.30")], period=dt.date(2026, 11, 1))
    BillLine.objects.filter(bill=bill).update(reading=reading)
    assert metered.metered_charges(community, NOVEMBER, [item]) == []


def test_fe1_only_rooms_the_item_applies_to_and_readings_with_a_usage(community, unit):
    item = water(community)
    metered_room(unit, kind="shop")  # the item applies to residences
    base_only = MeterFactory(room=RoomFactory(unit=unit))
    read(base_only, dt.date(2026, 11, 25), "10")  # a base reading: no usage
    other_kind = MeterFactory(room=RoomFactory(unit=unit), kind="electricity")
    read(other_kind, dt.date(2026, 11, 25), "10", usage=Decimal(5))
    assert metered.metered_charges(community, NOVEMBER, [item]) == []


def test_fe1_an_item_without_a_price_for_the_period_is_refused(community, unit):
    item = water(community)
    item.prices.all().delete()
    priced(item, "3.00", effective_from=dt.date(2026, 12, 1))
    metered_room(unit)
    with pytest.raises(ServiceError) as refused:
        metered.metered_charges(community, NOVEMBER, [item])
    assert "水费" in str(refused.value.message)


def test_fe1_room_meter_charges_take_a_fixed_number_of_queries(community, unit):
    item = water(community)
    metered_room(unit)
    with CaptureQueriesContext(connection) as few:
        assert len(metered.metered_charges(community, NOVEMBER, [item])) == 1
    for _n in range(6):
        metered_room(unit)
    with CaptureQueriesContext(connection) as many:
        assert len(metered.metered_charges(community, NOVEMBER, [item])) == 7
    assert len(many) == len(few) <= 6  # prices, the items selector (3), the rooms, the readings


# --- Common meters ---------------------------------------------------------------------------------


def shared(community, common, basis, price="1.00", **fields):
    item = FeeItemFactory(
        community=community,
        name="公共用水分摊",
        kind=ItemKind.SHARED_METER,
        basis=basis,
        meter_kind="water",
        unit_label="元/吨",
        common_meter=common,
        **fields,
    )
    return applied(priced(item, price))


def common_meter(community, usage="120"):
    meter = MeterFactory(room=None, community=community, number="GS-01", place="泵房")
    read(meter, dt.date(2026, 10, 31), "1000")
    read(meter, dt.date(2026, 11, 15), "1050", usage=Decimal(50))
    read(meter, dt.date(2026, 11, 30), str(1000 + Decimal(usage)), usage=Decimal(usage) - 50)
    return meter


def test_fe2_common_meter_usage_allocated_by_building_area_adds_up(community, unit):
    rooms = [RoomFactory(unit=unit, building_area=a) for a in ("89.50", "100.00", "120.25")]
    item = shared(community, common_meter(community), Basis.BUILDING_AREA, price="2.3333")
    charges = metered.metered_charges(community, NOVEMBER, [item])
    total = Decimal("280.00")  # 120 × 2.3333 = 279.996, rounded once
    assert [c.room_id for c in charges] == [r.pk for r in rooms]
    assert sum(c.amount for c in charges) == total
    assert [c.amount for c in charges] == [Decimal("80.90"), Decimal("90.40"), Decimal("108.70")]
    first = charges[0]
    assert first.basis_label == "公共水表 GS-01 用量 120.000 吨 × 89.50/309.75㎡"
    assert first.quantity == Decimal("34.673") and first.reading_id is None
    assert (first.covers_from, first.covers_to) == (NOVEMBER.start, NOVEMBER.last_day)


def test_fe2_common_meter_usage_allocated_per_household(community, unit):
    rooms = [RoomFactory(unit=unit) for _n in range(4)]
    for room in rooms[:3]:
        OwnershipFactory(room=room)
    item = shared(community, common_meter(community, usage="100"), Basis.PER_HOUSEHOLD)
    charges = metered.metered_charges(community, NOVEMBER, [item])
    assert [c.room_id for c in charges] == [r.pk for r in rooms[:3]]  # the fourth has no household
    assert [c.amount for c in charges] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert charges[0].basis_label == "公共水表 GS-01 用量 100.000 吨 × 1/3户"


def test_fe2_largest_remainder_gives_the_left_over_cents_to_the_largest_fractions():
    parts = metered.allocate_cents(Decimal("10.00"), [Decimal(1), Decimal(1), Decimal(1)], 2)
    assert parts == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    parts = metered.allocate_cents(Decimal("1.00"), [Decimal("1"), Decimal("2"), Decimal("3.3")], 2)
    assert sum(parts) == Decimal("1.00") and parts == [Decimal("0.16"), Decimal("0.32"), Decimal("0.52")]
    assert sum(metered.allocate_cents(Decimal("7"), [Decimal(3)] * 7, 0)) == Decimal("7")


def test_fe2_a_common_meter_reading_on_the_check_list_stops_the_allocation(community, unit):
    RoomFactory(unit=unit)
    meter = common_meter(community)
    MeterReading.objects.filter(meter=meter, read_on=dt.date(2026, 11, 30)).update(status=ReadingStatus.CHECK)
    item = shared(community, meter, Basis.BUILDING_AREA)
    with pytest.raises(Conflict) as refused:
        metered.metered_charges(community, NOVEMBER, [item])
    assert "GS-01" in str(refused.value.message) and "待复核" in str(refused.value.message)


def test_fe2_shared_charges_take_a_fixed_number_of_queries(community, unit):
    item = shared(community, common_meter(community), Basis.BUILDING_AREA)
    RoomFactory(unit=unit)
    with CaptureQueriesContext(connection) as few:
        metered.metered_charges(community, NOVEMBER, [item])
    for _n in range(8):
        RoomFactory(unit=unit)
    with CaptureQueriesContext(connection) as many:
        assert len(metered.metered_charges(community, NOVEMBER, [item])) == 9
    assert len(many) == len(few) <= 6  # prices, the items selector (3), the rooms, the readings


# --- With the billing run (services.runs) ---------------------------------------------------------


def test_fe1_the_run_bills_a_reading_once_and_then_refuses_readings_of_that_month(community, unit):
    from guanjia.core.tests.factories import staff

    from ..services import runs
    from ..services.meters import reading_record

    item = water(community)
    meter, reading = metered_room(unit)
    OwnershipFactory(room=meter.room)
    cashier = staff("cashier", community)
    runs.run_issue(community=community, period=NOVEMBER, actor=cashier)
    line = BillLine.objects.get(reading=reading)
    assert line.item == item and line.quantity == Decimal("7.333") and line.amount == Decimal("25.30")
    assert line.payer_kind == "owner" and "用量 7.333 吨" in line.basis_label
    assert metered.metered_charges(community, NOVEMBER, [item]) == []  # never twice
    with pytest.raises(Conflict) as refused:
        reading_record(
            meter=meter,
            read_on=dt.date(2026, 11, 28),
            value="120",
            source="staff",
            actor=staff("technician", community),
        )
    assert refused.value.field == "read_on" and "已开具账单" in str(refused.value.message)
