"""The demo's fee items and their published prices (FE-1, LW-4), made through the services at the
moments an office would have made them: every item two years before the demo's now, each first
price published a month before it took effect; one lift fee changed a year ago with its notice; and
in the first community an announced rise of the property fee that takes effect after now, so the
board shows an upcoming change. Water and electricity are collected on behalf of their suppliers,
with no surcharge (LW-4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from guanjia.core.demo import DemoBuild
from guanjia.core.periods import add_months
from guanjia.core.policies import policy
from guanjia.estates.choices import RoomKind
from guanjia.estates.models import Building

from .choices import Basis, ItemKind, MeterKind, PriceForm
from .services import items as services

CONTRACT = "《物业服务合同》第五条；前期物业服务合同已向区住房和城乡建设局备案"
STANDARD = "执行本市住宅物业服务二级标准：24小时秩序维护，公共区域每日清扫，绿化养护，共用设施设备日常运行维护。"

# (code, name, kind, basis, unit, prices per community, extra fields, where it applies)
ITEMS = (
    (
        "wy",
        "物业服务费（住宅）",
        ItemKind.PERIODIC,
        Basis.BUILDING_AREA,
        "元/㎡·月",
        ("2.50", "1.80", "3.20"),
        {"legal_basis": CONTRACT, "service_standard": STANDARD},
        [RoomKind.RESIDENCE],
    ),
    (
        "wysp",
        "物业服务费（商铺）",
        ItemKind.PERIODIC,
        Basis.BUILDING_AREA,
        "元/㎡·月",
        ("4.00", "3.50", "4.50"),
        {"legal_basis": CONTRACT, "service_standard": STANDARD},
        [RoomKind.SHOP],
    ),
    (
        "dt",
        "电梯运行维护费",
        ItemKind.PERIODIC,
        Basis.BUILDING_AREA,
        "元/㎡·月",
        ("0.30", "0.25", "0.35"),
        {"legal_basis": CONTRACT, "service_standard": "电梯每日巡视，每15日维护保养一次，年度检验合格。"},
        "lift",  # the residential buildings
    ),
    (
        "water",
        "水费（代收）",
        ItemKind.METERED,
        Basis.METER_USAGE,
        "元/吨",
        ("3.45", "3.45", "3.45"),
        {
            "legal_basis": "市发展改革委居民生活用水价格文件；代收协议",
            "price_form": PriceForm.GOVERNMENT_GUIDED,
            "collected_on_behalf": True,
            "supplier": "市自来水有限公司",
            "meter_kind": MeterKind.WATER,
        },
        [RoomKind.RESIDENCE, RoomKind.SHOP],
    ),
    (
        "power",
        "电费（代收）",
        ItemKind.METERED,
        Basis.METER_USAGE,
        "元/度",
        ("0.5283", "0.5283", "0.5283"),
        {
            "legal_basis": "省发展改革委居民阶梯电价文件；代收协议",
            "price_form": PriceForm.GOVERNMENT_GUIDED,
            "collected_on_behalf": True,
            "supplier": "国网市供电公司",
            "meter_kind": MeterKind.ELECTRICITY,
        },
        [RoomKind.RESIDENCE, RoomKind.SHOP],
    ),
    (
        "cw",
        "车位管理费",
        ItemKind.PERIODIC,
        Basis.PARKING_SPACE,
        "元/个·月",
        ("60.00", "45.00", "80.00"),
        {
            "legal_basis": "《物业服务合同》第七条；车位使用管理协议",
            "service_standard": "地下车库24小时值守，车位清洁、照明与通风。",
        },
        [RoomKind.PARKING],
    ),
    (
        "zxyj",
        "装修押金",
        ItemKind.DEPOSIT,
        Basis.PER_ROOM,
        "元/户",
        ("3000.00", "2000.00", "3000.00"),
        {"legal_basis": "《装饰装修管理服务协议》第三条（验收合格后无息退还）"},
        [RoomKind.RESIDENCE],
    ),
)


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _first_of_month_from(day: dt.date) -> dt.date:
    return day if day.day == 1 else add_months(day.replace(day=1), 1)


def build(context: DemoBuild) -> str:
    today = timezone.localdate(context.now)
    starts = add_months(today.replace(day=1), -24)
    made: dict[int, dict] = {}
    with transaction.atomic(), context.timeline() as timeline:
        timeline.reached(_moment(starts - dt.timedelta(days=35)))
        for index, community in enumerate(context.communities):
            made[community.pk] = _items(community, index, context.member(community, "office_manager"), starts)
        # A year ago the lift fee rose, published a month and more ahead (FE-1).
        published = add_months(today, -13)
        if timeline.reached(_moment(published)):
            for index, community in enumerate(context.communities):
                services.price_publish(
                    item=made[community.pk]["dt"],
                    unit_price=Decimal(prices_of("dt", index)) + Decimal("0.05"),
                    effective_from=_first_of_month_from(published + _notice(community)),
                    note="电梯使用年限增加，维保费用上涨，经业主大会同意调整",
                    actor=context.member(community, "office_manager"),
                )
        # In the first community, an announced rise of the property fee in force after now (the board shows it).
        published = today - dt.timedelta(days=3)
        if context.communities and timeline.reached(_moment(published, 9)):
            community = context.communities[0]
            services.price_publish(
                item=made[community.pk]["wy"],
                unit_price=Decimal(prices_of("wy", 0)) + Decimal("0.30"),
                effective_from=_first_of_month_from(published + _notice(community)),
                note="经业主大会表决同意，物业服务费标准调整",
                actor=context.member(community, "office_manager"),
            )
    return f"收费项目 {sum(len(m) for m in made.values())} 项"


def _notice(community) -> dt.timedelta:
    return dt.timedelta(days=policy(community, "FE-1.price_notice_days"))


def _items(community, index: int, manager, starts: dt.date) -> dict:
    lift = list(Building.objects.filter(community=community, floors__gte=6).order_by("sort_key"))
    items = {}
    for code, name, kind, basis, unit, prices, extra, where in ITEMS:
        item = services.item_create(
            community=community,
            actor=manager,
            code=code,
            name=name,
            kind=kind,
            basis=basis,
            unit_label=unit,
            starts_on=starts,
            **extra,
        )
        services.price_publish(
            item=item, unit_price=Decimal(prices[index % len(prices)]), effective_from=starts, note="", actor=manager
        )
        if where == "lift":
            for building in lift:
                services.application_add(item=item, actor=manager, since=starts, building=building)
            if not lift:
                services.application_add(item=item, actor=manager, since=starts, room_kind=RoomKind.RESIDENCE)
        else:
            for room_kind in where:
                services.application_add(item=item, actor=manager, since=starts, room_kind=room_kind)
        items[code] = item
    return items


def prices_of(code: str, index: int) -> str:
    prices = next(p for c, _n, _k, _b, _u, p, _e, _w in ITEMS if c == code)
    return prices[index % len(prices)]
