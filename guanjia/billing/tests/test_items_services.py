"""The fee item services (FE-1 明码标价, LW-4): items, where they apply, and prices published before they
apply — a first price on or before it takes effect, a change FE-1.price_notice_days ahead, never
edited, a future one withdrawable; utilities collected on behalf of a supplier carry no surcharge."""

import datetime as dt
from decimal import Decimal

import pytest

from guanjia.billing.selectors_items import items_for_rooms
from guanjia.core import clock
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import CommunityFactory
from guanjia.estates.tests.factories import BuildingFactory

from ..models import FeeApplication, FeeItem, FeePrice
from ..services import items as services
from .factories import bill_for
from .items_setup import EARLIER, NOW, STARTS, TODAY, Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


def verbs(subject) -> list[str]:
    return list(ActivityLog.objects.filter(subject_id=str(subject.pk)).order_by("pk").values_list("verb", flat=True))


# --- Items ----------------------------------------------------------------------------------


def test_fe1_item_create_logs_and_refuses_a_second_code(office):
    item = office.item(price=None)
    assert (item.code, item.community, item.surcharge) == ("wy", office.community, Decimal("0"))
    assert verbs(item) == ["billing.item.created"]
    with pytest.raises(Conflict) as refused:
        office.item(price=None)
    assert refused.value.field == "code" and "wy" in str(refused.value)


def test_lw4_an_item_collected_on_behalf_refuses_a_surcharge_on_the_field(office):
    with pytest.raises(ServiceError) as refused:
        office.water(surcharge=Decimal("0.50"))
    assert refused.value.field == "surcharge" and "LW-4" in str(refused.value)
    assert not FeeItem.objects.filter(code="water").exists()
    water = office.water()
    with pytest.raises(ServiceError) as refused:
        services.item_update(item=water, actor=office.manager, surcharge=Decimal("1.00"))
    assert refused.value.field == "surcharge"
    water.refresh_from_db()
    assert water.surcharge == 0


def test_lw4_an_item_collected_on_behalf_names_its_supplier(office):
    with pytest.raises(ServiceError) as refused:
        office.water(supplier="")
    assert refused.value.field == "supplier" and "代收单位" in str(refused.value)


def test_fe1_item_model_rules_name_their_field(office):
    with pytest.raises(ServiceError) as refused:
        office.item("m", price=None, kind="metered", basis="meter_usage", meter_kind="")
    assert refused.value.field == "meter_kind" and "表计类型" in str(refused.value)
    with pytest.raises(ServiceError) as refused:
        office.item("legal", price=None, legal_basis="  ")
    assert refused.value.field == "legal_basis"


def test_fe1_item_update_keeps_its_code_and_its_start_before_the_first_price(office):
    item = office.item()
    updated = services.item_update(item=item, actor=office.manager, name="住宅物业服务费")
    assert updated.name == "住宅物业服务费" and verbs(item)[-1] == "billing.item.updated"
    with pytest.raises(ServiceError) as refused:
        services.item_update(item=item, actor=office.manager, code="other")
    assert refused.value.field == "code"
    with pytest.raises(ServiceError) as refused:
        services.item_update(item=item, actor=office.manager, starts_on=STARTS + dt.timedelta(days=1))
    assert refused.value.field == "starts_on" and "2026-12-01" in str(refused.value)


def test_fe1_only_who_may_manage_items_changes_them(office):
    with pytest.raises(Forbidden):
        services.item_create(
            community=office.community,
            actor=office.cashier,
            code="x",
            name="x",
            unit_label="元",
            legal_basis="x",
            starts_on=STARTS,
        )
    item = office.item()
    for call in (
        lambda: services.item_update(item=item, actor=office.cashier, name="y"),
        lambda: services.price_publish(
            item=item, unit_price="3", effective_from=dt.date(2027, 1, 1), actor=office.cashier
        ),
        lambda: services.application_add(item=item, actor=office.cashier, since=STARTS, room_kind="residence"),
    ):
        with pytest.raises(Forbidden):
            call()
    other = Office()
    with pytest.raises(Forbidden):  # a manager of another community
        services.price_publish(item=item, unit_price="3", effective_from=dt.date(2027, 1, 1), actor=other.manager)


# --- Prices ---------------------------------------------------------------------------------


def test_fe1_a_first_price_is_published_on_or_before_the_day_it_applies(office):
    item = office.item(price=None, starts_on=TODAY)
    price = services.price_publish(item=item, unit_price="2.5", effective_from=TODAY, actor=office.manager)
    assert (price.unit_price, price.published_by, price.published_at) == (Decimal("2.5000"), office.manager, NOW)
    assert verbs(item)[-1] == "billing.price.published"
    late = office.item("late", price=None, starts_on=TODAY - dt.timedelta(days=10))
    with pytest.raises(ServiceError) as refused:
        services.price_publish(
            item=late, unit_price="2.5", effective_from=TODAY - dt.timedelta(days=1), actor=office.manager
        )
    assert (refused.value.code, refused.value.field) == ("retroactive", "effective_from")


def test_fe1_price_before_the_item_starts_or_after_it_ends_is_refused(office):
    item = office.item(price=None, ends_on=dt.date(2027, 12, 31))
    for day in (STARTS - dt.timedelta(days=1), dt.date(2028, 1, 1)):
        with pytest.raises(ServiceError) as refused:
            services.price_publish(item=item, unit_price="2", effective_from=day, actor=office.manager)
        assert refused.value.field == "effective_from"


def test_fe1_a_price_change_needs_the_notice_days(office):
    item = office.item()  # first price from 2026-12-01, published 2026-11-20
    with pytest.raises(ServiceError) as refused:
        services.price_publish(item=item, unit_price="2.80", effective_from=dt.date(2026, 12, 19), actor=office.manager)
    assert (refused.value.code, refused.value.field) == ("notice", "effective_from")
    assert "30" in str(refused.value) and "2026-12-20" in str(refused.value)
    change = services.price_publish(
        item=item, unit_price="2.80", effective_from=dt.date(2026, 12, 20), note="业主大会同意", actor=office.manager
    )
    assert change.note == "业主大会同意"
    assert list(FeePrice.objects.filter(item=item).values_list("unit_price", flat=True)) == [
        Decimal("2.8000"),
        Decimal("2.5000"),
    ]


def test_fe1_the_notice_is_the_communitys_policy(office):
    item = office.item()
    policy_set(community=office.community, key="FE-1.price_notice_days", raw_value="60", actor=office.manager)
    with pytest.raises(ServiceError) as refused:
        services.price_publish(item=item, unit_price="2.80", effective_from=dt.date(2026, 12, 20), actor=office.manager)
    assert "2027-01-19" in str(refused.value)
    assert services.price_publish(
        item=item, unit_price="2.80", effective_from=dt.date(2027, 1, 19), actor=office.manager
    ).pk


def test_fe1_a_published_day_is_not_published_again_and_prices_are_checked(office):
    item = office.item()
    with pytest.raises(Conflict) as refused:
        services.price_publish(item=item, unit_price="9", effective_from=STARTS, actor=office.manager)
    assert refused.value.field == "effective_from" and "撤回" in str(refused.value)
    for bad, word in (("-1", "负数"), ("abc", "数字"), ("1.23456", "四位")):
        with pytest.raises(ServiceError) as refused:
            services.price_publish(item=item, unit_price=bad, effective_from=dt.date(2027, 2, 1), actor=office.manager)
        assert refused.value.field == "unit_price" and word in str(refused.value)


def test_fe1_a_future_price_is_withdrawn_with_its_figures_logged(office):
    item = office.item()
    change = services.price_publish(
        item=item, unit_price="2.80", effective_from=dt.date(2027, 1, 1), actor=office.manager
    )
    with pytest.raises(ServiceError) as refused:
        services.price_withdraw(price=change, actor=office.manager, reason="")
    assert refused.value.field == "reason"
    services.price_withdraw(price=change, actor=office.manager, reason="业主大会未通过")
    assert not FeePrice.objects.filter(pk=change.pk).exists()
    entry = ActivityLog.objects.get(verb="billing.price.withdrawn")
    assert entry.data["price"] == "2.8000" and entry.data["effective_from"] == "2027-01-01"
    assert entry.data["reason"] == "业主大会未通过"


def test_fe1_a_price_in_force_or_billed_is_not_withdrawn(office):
    item = office.item(starts_on=TODAY, effective_from=TODAY)
    with pytest.raises(Conflict) as refused:
        services.price_withdraw(price=item.prices.get(), actor=office.manager, reason="错了")
    assert refused.value.code == "in_force"
    early = office.item("early", when=EARLIER, starts_on=dt.date(2025, 12, 1))
    change = services.price_publish(
        item=early, unit_price="3.00", effective_from=dt.date(2027, 1, 1), actor=office.manager
    )
    bill_for(office.room(), [(early, "100.00")], period=dt.date(2027, 1, 1))  # the run already billed January
    with pytest.raises(Conflict) as refused:
        services.price_withdraw(price=change, actor=office.manager, reason="错了")
    assert refused.value.code == "billed"


# --- Applications -----------------------------------------------------------------------------


def test_fe1_an_application_names_exactly_one_target_of_the_community(office):
    item = office.item()
    for targets in ({}, {"room_kind": "residence", "building": office.tower_a}):
        with pytest.raises(ServiceError) as refused:
            services.application_add(item=item, actor=office.manager, since=STARTS, **targets)
        assert "适用范围" in str(refused.value)
    foreign = BuildingFactory(community=CommunityFactory())
    with pytest.raises(ServiceError) as refused:
        services.application_add(item=item, actor=office.manager, since=STARTS, building=foreign)
    assert refused.value.field == "building"
    with pytest.raises(ServiceError) as refused:
        services.application_add(item=item, actor=office.manager, since=STARTS - dt.timedelta(days=1), room_kind="shop")
    assert refused.value.field == "since"


def test_fe1_applications_are_added_once_and_ended_with_their_history_logged(office):
    item = office.item()
    room = office.room()
    by_kind = services.application_add(item=item, actor=office.manager, since=STARTS, room_kind="residence")
    one = services.application_add(item=item, actor=office.manager, since=dt.date(2027, 1, 1), room=room)
    assert (by_kind.room_kind, one.room) == ("residence", room)
    with pytest.raises(Conflict):
        services.application_add(item=item, actor=office.manager, since=dt.date(2027, 3, 1), room_kind="residence")
    services.application_end(application=one, actor=office.manager, reason="该户改为商用")
    assert list(FeeApplication.objects.filter(item=item)) == [by_kind]  # it never applied: removed
    entry = ActivityLog.objects.get(verb="billing.application.ended")
    assert entry.household_id == room.pk and entry.data["target"] == room.code
    assert entry.data["since"] == "2027-01-01" and entry.data["ended_on"] == "2026-11-20"
    assert ActivityLog.objects.filter(verb="billing.application.added", household_id=room.pk).exists()


def test_fe1_an_ended_application_is_kept_with_its_last_day_and_bills_no_day_after(office):
    item = office.item()
    room = office.room()
    application = services.application_add(item=item, actor=office.manager, since=STARTS, room=room)
    services.application_end(application=application, actor=office.manager, last_day=dt.date(2027, 2, 10))
    application.refresh_from_db()
    assert application.until == dt.date(2027, 2, 10)
    with pytest.raises(Conflict):
        services.application_end(application=application, actor=office.manager)
    february = items_for_rooms(office.community, dt.date(2027, 2, 1), dt.date(2027, 2, 28))
    (applies,) = february[room.pk]
    assert (applies.starts, applies.ends, applies.whole) == (dt.date(2027, 2, 1), dt.date(2027, 2, 10), False)
    assert room.pk not in items_for_rooms(office.community, dt.date(2027, 3, 1), dt.date(2027, 3, 31))
    # the same room may be given the item again afterwards
    services.application_add(item=item, actor=office.manager, since=dt.date(2027, 4, 1), room=room)
