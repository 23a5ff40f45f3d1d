"""Test data of the arrears part (FE-2, FE-3): a community with two buildings, its staff, and bills written
directly (factories.bill_for) with known due dates, so that ages and ladder steps are exact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from guanjia.core.roles import Role
from guanjia.core.tests.factories import at, staff
from guanjia.estates.tests.factories import OwnershipFactory, PersonFactory, RoomFactory, UnitFactory

from ..choices import PayerKind
from .factories import FeeItemFactory, bill_for

TODAY = dt.date(2026, 12, 1)
NOW = at(2026, 12, 1, 10, 0)


class Office:
    """One community: buildings 1 and 2, a fee item and a utility item, and its staff."""

    def __init__(self):
        self.unit1 = UnitFactory()
        self.community = self.unit1.community
        self.unit2 = UnitFactory(building__community=self.community, community=self.community)
        self.item = FeeItemFactory(community=self.community, name="物业服务费")
        self.water = FeeItemFactory(community=self.community, name="水费", collected_on_behalf=True)
        self.cashier = staff(Role.CASHIER, self.community)
        self.supervisor = staff(Role.CS_SUPERVISOR, self.community)
        self.manager = staff(Role.OFFICE_MANAGER, self.community)
        self.front = staff(Role.FRONT_DESK, self.community)
        self.technician = staff(Role.TECHNICIAN, self.community)

    def room(self, building: int = 1, **kwargs):
        unit = self.unit1 if building == 1 else self.unit2
        return RoomFactory(unit=unit, **kwargs)

    def owned(self, building: int = 1, *, user=None, name="张三"):
        room = self.room(building)
        person = PersonFactory(community=self.community, name=name, user=user)
        OwnershipFactory(room=room, person=person)
        return room

    def owe(self, room, amount: str, *, days: int, item=None, period=None, payer_kind=PayerKind.OWNER, today=TODAY):
        """A bill for `room` whose one line is `days` overdue on `today`."""
        due = today - dt.timedelta(days=days)
        period = period or due.replace(day=1)
        return bill_for(room, [(item or self.item, amount)], period=period, due_on=due, payer_kind=payer_kind)


def money(value) -> Decimal:
    return Decimal(value)
