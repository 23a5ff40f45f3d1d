"""The demo's equipment ledger (FM-1), made through the services at the moments an office would have:
in each community the lifts, the domestic and fire pumps, the fire alarm panel, the water tank, the
generator, the substation, the gate and the CCTV, entered in the ledger 400 days before now with their
contractors; then a year of maintenance (the lifts and the fire system monthly by their contractors,
the generator's monthly test run, the pumps quarterly), a pump repair, and each lift's statutory
inspection 345 days ago. Lift 1's next inspection falls 20 days after now, inside
FM-1.inspection_warn_days, so the supervisor's panel and 到期事项 show it coming due; the fire
contractor's licence expires 25 days after now. The service desk's repair tickets about the lift
lobby and the east gate are linked to those devices as their faults. Runs after the desk (30)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from importlib import import_module

from django.apps import apps as django_apps
from django.utils import timezone

from guanjia.core.demo import DemoBuild
from guanjia.estates.models import Building
from guanjia.servicedesk.choices import Kind
from guanjia.servicedesk.models import Ticket

from . import services
from .choices import Importance, Maintainer, RecordKind
from .models import DeviceType

LIFT_CO = ("通达电梯维保有限公司", "TS3431088-2027", 200)  # name, licence, days its licence has left
FIRE_CO = ("安消消防技术服务有限公司", "XF-ZY-2023-0412", 25)
# code, name, type code, building index (None: common area), floor, place, importance, contractor,
# brand, model, value
DEVICES = [
    ("DT-01", "1号客梯", "lift-passenger", 0, "", "1号电梯井", "A", LIFT_CO, "奥的斯", "GeN2-MR", "380000"),
    ("DT-02", "2号客梯", "lift-passenger", 0, "", "2号电梯井", "A", LIFT_CO, "奥的斯", "GeN2-MR", "380000"),
    ("SB-01", "生活水泵1号", "water-pump", None, "B1", "地下一层生活水泵房", "B", None, "格兰富", "CR32-4", "26000"),
    (
        "SB-02",
        "生活水泵2号（备用）",
        "water-pump",
        None,
        "B1",
        "地下一层生活水泵房",
        "B",
        None,
        "格兰富",
        "CR32-4",
        "26000",
    ),
    ("XF-01", "消防水泵", "fire-pump", None, "B1", "地下一层消防泵房", "A", FIRE_CO, "上海连成", "XBD8/40", "48000"),
    ("XF-02", "火灾报警控制器", "alarm-panel", None, "1", "消防控制室", "A", FIRE_CO, "海湾", "JB-QB-GST200", "35000"),
    ("SX-01", "生活水箱", "water-tank", None, "B1", "地下一层水箱间", "B", None, "", "不锈钢 36m³", "42000"),
    ("FD-01", "柴油发电机", "generator", None, "B1", "地下一层发电机房", "A", None, "康明斯", "C250D5", "210000"),
    ("PD-01", "1号变配电室", "substation", None, "1", "小区北侧配电房", "A", None, "施耐德", "MVnex", "650000"),
    ("DZ-01", "东门道闸", "gate", None, "", "小区东门", "C", None, "捷顺", "JSDZ0601", "12000"),
    ("JK-01", "视频监控主机", "cctv", None, "1", "监控中心", "B", None, "海康威视", "DS-9664N", "30000"),
]
MONTHLY = {"DT-01", "DT-02", "XF-01", "XF-02", "FD-01"}
QUARTERLY = {"SB-01", "SB-02", "SX-01"}
WORK = {
    "DT": "曳引机、制动器、门系统、安全钳检查，导轨润滑",
    "XF": "巡检：压力、阀门状态、联动测试",
    "FD": "空载试运行 30 分钟，检查油位、电瓶",
    "SB": "检查轴封、轴承温升，切换主备泵",
    "SX": "清洗消毒，水质送检",
}


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _maintenance(device, actor, code: str, day: dt.date):
    def step():
        services.device_record_add(
            device=device,
            actor=actor,
            kind=RecordKind.MAINTENANCE,
            done_on=day,
            done_by=device.contractor.name if device.contractor_id else "工程部",
            content=("月度" if code in MONTHLY else "季度") + "保养：" + WORK[code[:2]],
            result="正常",
        )

    return step


def _repair(device, actor, day: dt.date):
    def step():
        services.device_record_add(
            device=device,
            actor=actor,
            kind=RecordKind.REPAIR,
            done_on=day,
            done_by="工程部",
            content="机械密封渗漏，更换机械密封",
            result="已修复，试运行正常",
            cost=Decimal("680.00"),
        )

    return step


def _inspection(device, actor, day: dt.date, next_due: dt.date, certificate: str):
    def step():
        services.device_record_add(
            device=device,
            actor=actor,
            kind=RecordKind.INSPECTION,
            done_on=day,
            done_by="市特种设备监督检验研究院",
            content="电梯定期检验",
            result="合格",
            next_due_on=next_due,
            certificate_no=certificate,
        )

    return step


def build(context: DemoBuild) -> str:
    today = timezone.localdate(context.now)
    entered = today - dt.timedelta(days=400)
    inspected = today - dt.timedelta(days=345)
    # The type tree is seeded by migration 0002 (idempotent); a test database flushed between
    # live-server tests has lost it, so the demo seeds it again from that one list.
    import_module("guanjia.facilities.migrations.0002_device_types").seed(django_apps, None)
    types = {t.code: t for t in DeviceType.objects.all()}
    made = records = 0
    with context.timeline() as timeline:
        plan = {}
        timeline.reached(_moment(entered, 9))
        for community in context.communities:
            supervisor = context.member(community, "equipment_supervisor")
            buildings = list(Building.objects.filter(community=community).order_by("sort_key")[:2])
            contractors = {}
            for name, licence, days in (LIFT_CO, FIRE_CO):
                contractors[name] = services.contractor_create(
                    community=community,
                    actor=supervisor,
                    name=name,
                    licence_no=licence,
                    licence_expires_on=today + dt.timedelta(days=days),
                    contact="王经理" if name == LIFT_CO[0] else "李工",
                    phone="021-5888" + ("1200" if name == LIFT_CO[0] else "3400"),
                )
            devices = {}
            for code, name, type_code, b, floor, place, importance, co, brand, model, value in DEVICES:
                lift = type_code.startswith("lift")
                building = buildings[b] if b is not None and b < len(buildings) else None
                devices[code] = services.device_create(
                    community=community,
                    actor=supervisor,
                    code=code,
                    name=name,
                    type=types[type_code],
                    brand=brand,
                    model=model,
                    serial_no=f"{code}-{community.pk:03d}-2019",
                    building=building,
                    floor=floor,
                    place=place,
                    importance=Importance(importance),
                    commissioned_on=today - dt.timedelta(days=365 * 6),
                    warranty_ends_on=today - dt.timedelta(days=365 * 4),
                    value=Decimal(value),
                    maintainer=Maintainer.CONTRACTOR if co else Maintainer.IN_HOUSE,
                    contractor=contractors[co[0]] if co else None,
                    registration_no=f"梯11沪{community.pk:02d}{code[-2:]}88" if lift else "",
                    last_inspection_on=inspected - dt.timedelta(days=365) if lift else None,
                    next_inspection_on=inspected if lift else None,
                )
            made += len(devices)
            plan[community.pk] = (community, supervisor, devices)
        # A year of history, replayed in the order it happened.
        events = []
        for back in range(12, -1, -1):
            day = (today.replace(day=10) - dt.timedelta(days=30 * back)).replace(day=10)
            for _community, supervisor, devices in plan.values():
                for code, device in devices.items():
                    if code in MONTHLY or (code in QUARTERLY and back % 3 == 0):
                        events.append((_moment(day), _maintenance(device, supervisor, code, day)))
            if back == 2:
                repaired = day + dt.timedelta(days=5)
                for _community, supervisor, devices in plan.values():
                    events.append((_moment(repaired, 14), _repair(devices["SB-01"], supervisor, repaired)))
        for community, supervisor, devices in plan.values():
            for code, next_days in (("DT-01", 20), ("DT-02", 200)):
                certificate = f"DT{inspected:%Y%m%d}-{community.pk:02d}{code[-1]}"
                next_due = today + dt.timedelta(days=next_days)
                events.append(
                    (_moment(inspected, 15), _inspection(devices[code], supervisor, inspected, next_due, certificate))
                )
        events.sort(key=lambda event: event[0])
        for moment, step in events:
            if timeline.reached(moment):
                step()
                records += 1
        timeline.reached(context.now)
        links = 0
        for community, supervisor, devices in plan.values():
            faults = Ticket.objects.filter(community=community, kind=Kind.REPAIR).exclude(area="")
            for ticket in faults.filter(area__contains="电梯").order_by("received_at")[:3]:
                services.device_ticket_link(device=devices["DT-01"], ticket=ticket, actor=supervisor)
                links += 1
            for ticket in faults.filter(area__contains="东门").order_by("received_at")[:2]:
                services.device_ticket_link(device=devices["DZ-01"], ticket=ticket, actor=supervisor)
                links += 1
    return f"设备台账 {made} 台（履历 {records} 条，故障工单 {links} 张）"
