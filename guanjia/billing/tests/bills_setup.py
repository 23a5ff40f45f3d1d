"""Shared set-up of the bills part's tests (FE-1): an office with its cashier and manager, rooms with
owners, a priced item applying to residences, a payment allocated directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from guanjia.core import clock
from guanjia.core.periods import MONTH, Period
from guanjia.core.roles import Role
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.estates.tests.factories import BuildingFactory, OwnershipFactory, PersonFactory, RoomFactory, UnitFactory

from ..choices import Method
from ..models import Payment
from ..services import ledger
from .factories import FeeItemFactory, applied, priced

NOW = at(2026, 11, 2, 9, 0)
NOV = Period(MONTH, dt.date(2026, 11, 1))
OCT = Period(MONTH, dt.date(2026, 10, 1))


class Office:
    def __init__(self):
        self.community = CommunityFactory()
        self.building = BuildingFactory(community=self.community)
        self.unit = UnitFactory(building=self.building)
        self.cashier = staff(Role.CASHIER, self.community)
        self.manager = staff(Role.OFFICE_MANAGER, self.community)
        self.front_desk = staff(Role.FRONT_DESK, self.community)
        self.technician = staff(Role.TECHNICIAN, self.community)

    def room(self, owner: str | None = "张三", **fields):
        room = RoomFactory(unit=self.unit, **fields)
        if owner:
            OwnershipFactory(room=room, person=PersonFactory(community=self.community, name=owner))
        return room

    def item(self, price: str = "2.50", *, room_kind: str = "residence", **fields):
        return applied(priced(FeeItemFactory(community=self.community, **fields), price), room_kind=room_kind)


def pay(line, amount: str, *, cashier, when=None, number: str | None = None) -> Payment:
    """A receipt allocated straight to `line` (the payments part's services are not needed here)."""
    when = when or clock.now()
    payment = Payment.objects.create(
        community=line.community,
        number=number or f"SJ-T-{Payment.objects.count() + 1:06d}",
        room_id=line.room_id,
        payer_name="张三",
        method=Method.CASH,
        amount=Decimal(amount),
        cashier=cashier,
        received_at=when,
    )
    ledger.allocate(line, Decimal(amount), payment=payment, at=when)
    return payment
