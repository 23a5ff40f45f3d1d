"""The demo's meters and readings (FE-1), made through the services at the moments an office would
have: a water meter in every home and shop and a common water meter 公共水表 per community (two years
before now, each with its next verification date; the common meter's falls within the warning so the
equipment supervisor's panel shows it), then a reading of every meter on the 25th of each of the last
twelve months by the technician, with the usage a household's own pattern gives. The latest month
leaves one home per community on the check list (usage far above its average); earlier months'
readings were all confirmed or normal. Runs before any billing part, so no month is billed yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from guanjia.core.demo import DemoBuild
from guanjia.core.periods import Period, add_months
from guanjia.estates.choices import RoomKind
from guanjia.estates.models import Room

from .choices import MeterKind, ReadingSource, ReadingStatus
from .services import meters as services

DEMO_ORDER = 13  # after the fee items (12), before every part that bills
MONTHS = 12


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def build(context: DemoBuild) -> str:
    today = timezone.localdate(context.now)
    installed = add_months(today, -24)
    rng = context.rng("billing.meters")
    first = Period.of("month", today).shift(-MONTHS)  # the base readings' month
    made = readings = 0
    with context.timeline() as timeline:
        timeline.reached(_moment(installed))
        plan = {}
        for community in context.communities:
            supervisor = context.member(community, "equipment_supervisor")
            rooms = list(
                Room.objects.filter(community=community, kind__in=[RoomKind.RESIDENCE, RoomKind.SHOP]).order_by(
                    "sort_key"
                )
            )
            meters = []
            for index, room in enumerate(rooms):
                meters.append(
                    services.meter_create(
                        community=community,
                        actor=supervisor,
                        kind=MeterKind.WATER,
                        number=f"SB-{room.code}"[:40],
                        room=room,
                        installed_on=installed,
                        verify_by=add_months(installed, 72 if index % 40 else 25),  # a few due soon
                    )
                )
            common = services.meter_create(
                community=community,
                actor=supervisor,
                kind=MeterKind.WATER,
                number="GS-01",
                place="地下泵房总表",
                installed_on=installed,
                verify_by=today + dt.timedelta(days=12),
            )
            made += len(meters) + 1
            plan[community.pk] = (meters, common)
        values = {}
        for month in range(MONTHS + 1):
            day = first.shift(month).start.replace(day=25)
            if not timeline.reached(_moment(day)):
                break
            last = month == MONTHS or first.shift(month + 1).start.replace(day=25) > today
            for community in context.communities:
                reader = context.member(community, "technician")
                meters, common = plan[community.pk]
                for index, meter in enumerate([*meters, common]):
                    base = values.get(meter.pk)
                    if base is None:
                        value = Decimal(rng.randint(100, 900))
                    else:
                        usage = Decimal(rng.randint(400, 1400)) / 100
                        if meter is common:
                            usage *= 20
                        elif last and index == 0 and month >= 3:
                            usage *= 5  # left on the check list for the office to look at
                        value = base + usage
                    reading = services.reading_record(
                        meter=meter, read_on=day, value=value, source=ReadingSource.STAFF, actor=reader
                    )
                    values[meter.pk] = value
                    readings += 1
                    if reading.status == ReadingStatus.CHECK and not last:
                        services.reading_confirm(
                            reading=reading, actor=context.member(community, "equipment_supervisor")
                        )
    return f"表计 {made} 块、抄表 {readings} 次"
