"""The monthly lists as of month end (PR-2, PR-3) and the office manager's sign-off (PR-4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import registers, services
from guanjia.estates.models import RegisterReview
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, PersonFactory, RoomFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


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

    february = registers.property_list(community, dt.date(2025, 2, 1))
    assert owners_of(february, room.code) == "张三（100%）"
    assert next(r for r in february if r.code == room.code).certificate_no == "粤-001"
    assert not next(r for r in february if r.code == room.code).changed
    assert registers.property_changes(community, dt.date(2025, 2, 1)) == []


def test_transfer_after_the_month_does_not_change_its_list(community, supervisor):
    room = RoomFactory(unit__building__community=community)
    OwnershipFactory(room=room, person=person(community, "王五"), since=dt.date(2020, 5, 1))
    transfer(room, person(community, "赵六"), dt.date(2025, 5, 10), supervisor, acquisition="inheritance")

    assert owners_of(registers.property_list(community, MARCH), room.code) == "王五（100%）"
    assert owners_of(registers.property_list(community, dt.date(2025, 5, 1)), room.code) == "赵六（100%）"
    assert registers.property_changes(community, dt.date(2025, 5, 1))[0].manner == "继承"


def test_transfer_on_the_last_day_counts_for_the_new_owner(community, supervisor):
    room = RoomFactory(unit__building__community=community)
    OwnershipFactory(room=room, person=person(community, "王五"), since=dt.date(2020, 5, 1))
    transfer(room, person(community, "赵六"), dt.date(2025, 3, 31), supervisor)
    assert owners_of(registers.property_list(community, MARCH), room.code) == "赵六（100%）"
    assert owners_of(registers.property_list(community, dt.date(2025, 2, 1)), room.code) == "王五（100%）"


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
        rows = registers.lease_list(community, dt.date(2025, 6, 1))
        [(r.address, r.tenant, r.period) for r in rows]
    assert len(rows) == 30
    with django_assert_max_num_queries(4):
        overview = registers.months_overview(community, registers.recent_months(dt.date(2025, 7, 1)))
    march = next(m for m in overview if m["month"] == MARCH)
    assert (march["property_rows"], march["owned_rooms"], march["changed_rooms"]) == (30, 30, 10)
    assert march["lease_rows"] == 30


# --- Sign-off (PR-4) ------------------------------------------------------------------------


def test_manager_signs_off_an_ended_month(community, manager):
    OwnershipFactory(room=RoomFactory(unit__building__community=community), since=dt.date(2020, 1, 1))
    RoomFactory(unit__building__community=community)
    review = registers.register_review_sign(
        community=community, month=dt.date(2025, 3, 17), kind="property", actor=manager, comment="  核对无误 "
    )
    assert (review.month, review.kind, review.rows, review.comment) == (MARCH, "property", 2, "核对无误")
    assert review.reviewed_by == manager
    entry = ActivityLog.objects.get(verb="estates.register.reviewed")
    assert entry.community == community and entry.actor == manager
    assert entry.data == {"month": "2025-03", "kind": "property", "rows": 2}
    # The lease list of the same month is a separate sign-off.
    assert registers.register_review_sign(community=community, month=MARCH, kind="lease", actor=manager).rows == 0


def test_front_desk_and_supervisor_may_not_sign(community):
    for role in ("front_desk", "cs_supervisor", "archivist"):
        with pytest.raises(ServiceError) as err:
            registers.register_review_sign(
                community=community, month=MARCH, kind="property", actor=staff(role, community)
            )
        assert err.value.status == 403
    assert not RegisterReview.objects.exists()


def test_unfinished_month_refused(community, manager):
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(ServiceError, match="尚未结束") as err:
        registers.register_review_sign(community=community, month=this_month, kind="lease", actor=manager)
    assert err.value.field == "month"
    assert not RegisterReview.objects.exists()


def test_second_sign_off_refused(community, manager):
    registers.register_review_sign(community=community, month=MARCH, kind="lease", actor=manager)
    other = staff("office_manager", community)
    with pytest.raises(ServiceError, match="已审核") as err:
        registers.register_review_sign(community=community, month=MARCH, kind="lease", actor=other)
    assert err.value.status == 409
    assert RegisterReview.objects.count() == 1
    assert ActivityLog.objects.filter(verb="estates.register.reviewed").count() == 1


def test_manager_of_another_community_may_not_sign(community):
    other_manager = staff("office_manager", CommunityFactory())
    with pytest.raises(ServiceError) as err:
        registers.register_review_sign(community=community, month=MARCH, kind="property", actor=other_manager)
    assert err.value.status == 403


def test_months():
    assert registers.parse_month("2025-3") == MARCH
    assert registers.parse_month("2025-13") is None
    assert registers.parse_month("x") is None
    assert registers.month_end(dt.date(2024, 2, 1)) == dt.date(2024, 2, 29)
    assert registers.last_month(dt.date(2026, 1, 15)) == dt.date(2025, 12, 1)
    months = registers.recent_months(dt.date(2026, 1, 15))
    assert len(months) == 12 and months[0] == dt.date(2025, 12, 1) and months[-1] == dt.date(2025, 1, 1)
