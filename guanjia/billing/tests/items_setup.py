"""Shared set-up of the fee item part's tests (FE-1, LW-4): an office with its manager (who sets prices),
cashier (who reads them) and technician (who sees no fees), two residential buildings, a shop and a
parking space; items made through the services at a pinned moment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.roles import Role
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.estates.tests.factories import BuildingFactory, RoomFactory, UnitFactory

from ..choices import Basis, ItemKind, MeterKind
from ..services import items as services

NOW = at(2026, 11, 20, 10, 0)
TODAY = dt.date(2026, 11, 20)
STARTS = dt.date(2026, 12, 1)
EARLIER = at(2025, 12, 1, 9, 0)  # a year before NOW: items made then are in force today


class Office:
    def __init__(self):
        self.community = CommunityFactory(office_phone="0755-26881234", address="南山区科苑路8号")
        self.manager = staff(Role.OFFICE_MANAGER, self.community)
        self.cashier = staff(Role.CASHIER, self.community)
        self.technician = staff(Role.TECHNICIAN, self.community)
        self.tower_a = BuildingFactory(community=self.community, code="1", name="1幢")
        self.tower_b = BuildingFactory(community=self.community, code="2", name="2幢")
        self.shops = BuildingFactory(community=self.community, code="S1", name="沿街商铺")
        self.unit_a = UnitFactory(building=self.tower_a)
        self.unit_b = UnitFactory(building=self.tower_b)
        self.unit_s = UnitFactory(building=self.shops)

    def room(self, unit=None, **fields):
        return RoomFactory(unit=unit or self.unit_a, **fields)

    def item(self, code: str = "wy", *, price: str | None = "2.50", effective_from=None, when=NOW, **fields):
        """An item made and (unless `price` is None) first priced by the manager at `when` (NOW)."""
        defaults = {
            "name": "物业服务费",
            "kind": ItemKind.PERIODIC,
            "basis": Basis.BUILDING_AREA,
            "unit_label": "元/㎡·月",
            "legal_basis": "《物业服务合同》第五条",
            "service_standard": "二级物业服务标准",
            "starts_on": STARTS,
        }
        defaults.update(fields)
        with clock.frozen(when):
            item = services.item_create(community=self.community, actor=self.manager, code=code, **defaults)
            if price is not None:
                services.price_publish(
                    item=item,
                    unit_price=Decimal(price),
                    effective_from=effective_from or item.starts_on,
                    note="",
                    actor=self.manager,
                )
        return item

    def water(self, **fields):
        defaults = {
            "price": "3.45",
            "name": "水费",
            "kind": ItemKind.METERED,
            "basis": Basis.METER_USAGE,
            "unit_label": "元/吨",
            "meter_kind": MeterKind.WATER,
            "collected_on_behalf": True,
            "supplier": "市自来水有限公司",
            "price_form": "government_guided",
            "legal_basis": "市发改委水价文件",
        }
        return self.item("water", **{**defaults, **fields})


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(type(user).objects.get(pk=user.pk))  # no cached roles
    return client
