"""Test data for the fee office. `bill_for` writes an issued bill directly (as a billing run would)
so that payment, arrears and statement tests need not run a month's billing first."""

import datetime as dt
from decimal import Decimal

import factory

from guanjia.core.tests.factories import UserFactory
from guanjia.estates.tests.factories import OwnershipFactory, RoomFactory  # noqa: F401

from ..choices import Basis, ItemKind, PayerKind
from ..models import Bill, BillLine, FeeApplication, FeeItem, FeePrice


class FeeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeItem

    community = factory.SubFactory("guanjia.core.tests.factories.CommunityFactory")
    code = factory.Sequence(lambda n: f"item{n}")
    name = "物业服务费"
    kind = ItemKind.PERIODIC
    basis = Basis.BUILDING_AREA
    unit_label = "元/㎡·月"
    legal_basis = "物业服务合同第五条"
    starts_on = dt.date(2025, 1, 1)


def priced(item: FeeItem, unit_price: str, effective_from: dt.date | None = None, by=None) -> FeeItem:
    """Give `item` a published price (written directly, as if published long before)."""
    FeePrice.objects.create(
        community=item.community,
        item=item,
        unit_price=Decimal(unit_price),
        effective_from=effective_from or item.starts_on,
        published_by=by or UserFactory(),
    )
    return item


def applied(item: FeeItem, *, room_kind: str = "residence", since: dt.date | None = None) -> FeeItem:
    FeeApplication.objects.create(
        community=item.community, item=item, room_kind=room_kind, since=since or item.starts_on
    )
    return item


_numbers = iter(range(1, 10**9))


def bill_for(room, lines, *, period=dt.date(2026, 10, 1), due_on=None, payer_kind=PayerKind.OWNER, payer_name="张三"):
    """An issued bill for `room` with `lines` = [(item, "amount"), …], covering `period`'s month."""
    due_on = due_on or period.replace(day=10)
    last = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    amounts = [Decimal(a) for _item, a in lines]
    bill = Bill.objects.create(
        community=room.community,
        number=f"ZD-T-{next(_numbers):06d}",
        room=room,
        payer_kind=payer_kind,
        payer_name=payer_name,
        period=period,
        due_on=due_on,
        total=sum(amounts, Decimal("0.00")),
    )
    BillLine.objects.bulk_create(
        BillLine.of(
            bill,
            item=item,
            item_name=item.name,
            on_behalf=item.collected_on_behalf,
            payer_kind=payer_kind,
            period=period,
            covers_from=period,
            covers_to=last,
            quantity=Decimal("1"),
            basis_label="",
            unit_price=amount,
            amount=amount,
            due_on=due_on,
            open_amount=amount,
        )
        for (item, _a), amount in zip(lines, amounts, strict=True)
    )
    return bill


# -- meters and readings (FE-1) ------------------------------------------------------------------


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "billing.Meter"

    room = factory.SubFactory(RoomFactory)
    community = factory.SelfAttribute("room.community")
    kind = "water"
    number = factory.Sequence(lambda n: f"W-{n:04d}")


def read(meter, day: dt.date, value: str, **fields):
    """A reading written directly (as if recorded long ago): `usage` and `status` as given (default OK)."""
    from ..models import MeterReading

    return MeterReading.objects.create(
        community=meter.community, meter=meter, read_on=day, value=Decimal(value), source="staff", **fields
    )


# --- the cashier's window (payments part) -----------------------------------------------------------


class Window:
    """One community's fee office at the window (FE-1): a cashier, the office manager, the front desk,
    a room with its owner, a property fee and a water fee, and two months' bills (September and
    October 2026, 100.00 + 30.00 each, due on the 10th)."""

    def __init__(self, bills: bool = True):
        from guanjia.core.tests.factories import CommunityFactory, staff

        c = self.community = CommunityFactory()
        self.cashier = staff("cashier", c)
        self.manager = staff("office_manager", c)
        self.desk = staff("front_desk", c)
        self.room = RoomFactory(community=c, unit__building__community=c, unit__community=c)
        self.ownership = OwnershipFactory(room=self.room, community=c, person__community=c, person__name="张三")
        self.fee = FeeItemFactory(community=c, name="物业服务费")
        self.water = FeeItemFactory(community=c, name="水费", collected_on_behalf=True, supplier="自来水公司")
        self.bills = []
        if bills:
            for month in (9, 10):
                self.bills.append(
                    bill_for(self.room, [(self.fee, "100.00"), (self.water, "30.00")], period=dt.date(2026, month, 1))
                )

    def lines(self):
        return list(BillLine.objects.filter(room=self.room).order_by("due_on", "id"))
