"""The monthly lists as of month end (PR-2, PR-3); their review and hand-over are in test_monthly_lists."""

import datetime as dt
from decimal import Decimal

import pytest

from guanjia.core.periods import Period
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import monthly_lists, registers, services
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, PersonFactory, RoomFactory

pytestmark = pytest.mark.django_db

MARCH = Period.parse("2025-03")


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


def person(community, name):
    return PersonFactory(community=community, name=name)


def owners_of(rows, code):
    return next(r.owners for r in rows if r.code == code)


def transfer(room, to, on, supervisor, acquisition="purchase"):
    services.ownership_transfer(
        room=room, actor=supervisor, owners=[(to, Decimal(100))], on=on, acquisition=acquisition
    )


def test_property_list_shows_owners_at_month_end_with_mid_month_transfer(community, supervisor):
    room = RoomFactory(unit__building__community=community)
    OwnershipFactory(room=room, person=person(community, "张三"), since=dt.date(2020, 5, 1), certificate_no="粤-001")
    transfer(room, person(community, "李四"), dt.date(2025, 3, 15), supervisor)

    march = registers.property_list(community, MARCH)
    assert owners_of(march, room.code) == "李四（100%）"
    row = next(r for r in march if r.code == room.code)
    assert row.changed and row.acquisition == "购买" and row.since == "2025-03-15"

    changes = registers.property_changes(community, MARCH)
    assert [(c.day, c.code, c.manner, c.before_label, c.after_label) for c in changes] == [
        (dt.date(2025, 3, 15), room.code, "购买", "张三（100%）", "李四（100%）")
    ]

    february = registers.property_list(community, MARCH.previous())
    assert owners_of(february, room.code) == "张三（100%）"
    assert next(r for r in february if r.code == room.code).certificate_no == "粤-001"
    assert not next(r for r in february if r.code == room.code).changed
    assert registers.property_changes(community, Period.parse("2025-02")) == []


def test_transfer_after_the_month_does_not_change_its_list(community, supervisor):
    room = RoomFactory(unit__building__community=community)
    OwnershipFactory(room=room, person=person(community, "王五"), since=dt.date(2020, 5, 1))
    transfer(room, person(community, "赵六"), dt.date(2025, 5, 10), supervisor, acquisition="inheritance")

    assert owners_of(registers.property_list(community, MARCH), room.code) == "王五（100%）"
    assert owners_of(registers.property_list(community, Period.parse("2025-05")), room.code) == "赵六（100%）"
    assert registers.property_changes(community, Period.parse("2025-05"))[0].manner == "继承"


def test_transfer_on_the_last_day_counts_for_the_new_owner(community, supervisor):
    room = RoomFactory(unit__building__community=community)
    OwnershipFactory(room=room, person=person(community, "王五"), since=dt.date(2020, 5, 1))
    transfer(room, person(community, "赵六"), dt.date(2025, 3, 31), supervisor)
    assert owners_of(registers.property_list(community, MARCH), room.code) == "赵六（100%）"
    assert owners_of(registers.property_list(community, Period.parse("2025-02")), room.code) == "王五（100%）"


def test_every_room_is_listed_with_pr2_columns_and_shared_owners(community):
    room = RoomFactory(
        unit__building__community=community,
        kind="residence",
        building_area="120.50",
        usable_area="98.00",
        land_area="12.30",
        facilities="储藏室",
        garage="B1-023 车位",
        use="rented",
    )
    OwnershipFactory(room=room, person=person(community, "陈晓梅"), share=50, since=dt.date(2019, 1, 2))
    OwnershipFactory(room=room, person=person(community, "欧阳娜娜"), share=50, since=dt.date(2019, 1, 2))
    empty = RoomFactory(unit__building__community=community)
    RoomFactory()  # another community's room never appears

    rows = registers.property_list(community, MARCH)
    assert [r.code for r in rows] == sorted([room.code, empty.code], key=registers._natural)
    row = next(r for r in rows if r.code == room.code)
    assert row.owners == "陈晓梅（50%）、欧阳娜娜（50%）"
    assert (row.kind, row.use, row.facilities, row.garage) == ("住宅", "出租", "储藏室", "B1-023 车位")
    assert (row.building_area, row.usable_area, row.land_area) == (
        Decimal("120.50"),
        Decimal("98.00"),
        Decimal("12.30"),
    )
    assert row.since == "2019-01-02"
    assert next(r for r in rows if r.code == empty.code).owners == ""


def test_rooms_sort_naturally(community):
    building = RoomFactory(unit__building__community=community, number="201").building
    unit = building.units.get()
    for number in ("1001", "301"):
        RoomFactory(unit=unit, number=number)
    assert [r.room.number for r in registers.property_list(community, MARCH)] == ["201", "301", "1001"]


def test_lease_list_statuses(community):
    def lease(name, start, end, ended_on=None):
        return LeaseFactory(
            room=RoomFactory(unit__building__community=community),
            tenant=person(community, name),
            start=start,
            end=end,
            ended_on=ended_on,
            registration_no=f"备-{name}",
            decoration="简装",
        )

    active = lease("在租甲", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    started = lease("新租乙", dt.date(2025, 3, 20), dt.date(2026, 3, 19))
    expiring = lease("到期丙", dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    moved_out = lease("退租丁", dt.date(2025, 1, 1), dt.date(2025, 12, 31), ended_on=dt.date(2025, 3, 10))
    lease("早退戊", dt.date(2025, 1, 1), dt.date(2025, 12, 31), ended_on=dt.date(2025, 2, 28))
    lease("已满己", dt.date(2024, 3, 1), dt.date(2025, 2, 28))
    lease("未起庚", dt.date(2025, 4, 1), dt.date(2026, 3, 31))

    rows = {r.lease.pk: r for r in registers.lease_list(community, MARCH)}
    assert set(rows) == {active.pk, started.pk, expiring.pk, moved_out.pk}
    assert rows[active.pk].status == "在租"
    assert rows[started.pk].status == "在租"
    assert rows[expiring.pk].status == "本月到期"
    assert rows[moved_out.pk].status == "本月退租"
    row = rows[moved_out.pk]
    assert row.tenant == "退租丁" and row.registration_no == "备-退租丁" and row.decoration == "简装"
    assert row.period == "2025-01-01 至 2025-12-31（2025-03-10 退租）"
    assert row.address == moved_out.room.display_name


def test_list_queries_do_not_grow_with_rows(community, supervisor, django_assert_max_num_queries):
    for i in range(30):
        room = RoomFactory(unit__building__community=community)
        OwnershipFactory(room=room, person=person(community, f"业主{i}"), since=dt.date(2020, 1, 1))
        if i % 3 == 0:
            transfer(room, person(community, f"新业主{i}"), dt.date(2025, 3, 5), supervisor)
        LeaseFactory(room=room, tenant=person(community, f"租户{i}"), start=dt.date(2025, 1, 1))
    with django_assert_max_num_queries(3):
        rows = registers.property_list(community, MARCH)
        [(r.owners, r.code, r.kind) for r in rows]
    assert len(rows) == 30 and sum(r.changed for r in rows) == 10
    with django_assert_max_num_queries(1):
        rows = registers.lease_list(community, Period.parse("2025-06"))
        [(r.address, r.tenant, r.period) for r in rows]
    assert len(rows) == 30
    with django_assert_max_num_queries(6):  # sizes (3), sign-offs, months sent for review, duties
        overview = monthly_lists.months_overview(community, [MARCH.shift(-n) for n in range(-3, 9)])
    march = next(m for m in overview if m.period == MARCH)
    assert (march.property_rows, march.owned_rooms, march.changed_rooms) == (30, 30, 10)
    assert march.lease_rows == 30
