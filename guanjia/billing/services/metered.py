"""What meters charge in a billing run (FE-1, FE-2): `metered_charges(community, period, items)`.

Called by the run (services.runs) for its METERED and SHARED_METER items; returns `charges.Charge`s,
each rounded once by the item's rule (`charges.rounded`). The price is the one in effect on the
period's first day (the price public when the period began). The payer is left to the run: every
charge here is the owner's (payer_kind OWNER, no payer), and the run assigns the room's payer as it
does for its own charges (developer before handover, the tenant where the lease says so).

Room meters (METERED items): the billable readings of the room meters of the item's `meter_kind`,
for the rooms the item applies to: read in the period, with a usage (a meter's base reading has
none), status OK or CONFIRMED — never CHECK: a reading on the check list is billed once confirmed —
and on no bill line yet (BillLine.reading; the unique constraint `billline_reading_once` makes a
second billing impossible). A reading of an earlier month that was on the check list when that month
was billed, and confirmed since, is billed by the next run (status CONFIRMED, read after the item
started). Quantity = the reading's usage; the line covers the month it was read in.

Common meters (SHARED_METER items): the usage of the item's common meter read in the period
(Σ usage of its readings of the period, OK or CONFIRMED) is allocated to the rooms the item applies
to by building area, or per household (a room with a current owner or resident), its basis written on
the line: "公共水表 GS-01 用量 120.000 吨 × 89.50/10,230.00㎡". A common meter reading still on the
check list stops the run with a message (its usage would otherwise be lost to the allocation): it is
confirmed or corrected first. The line is keyed by the period (covers_from), so a period is allocated
once (`billline_once_per_period`).

The allocation adds up (largest remainder): the total, usage × price, is rounded once by the item's
rule; each room's exact share (total × its weight ÷ Σ weights) is cut down to the item's decimals,
and the cents (units of the item's last decimal) left over go one each to the rooms with the largest
cut-off fractions, ties to the lower room id. Σ lines = the rounded total, always.

A fixed number of queries whatever the number of rooms: prices, applications, rooms, readings, and
(shared items) the common meters' readings, each one query.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.periods import Period
from guanjia.estates.models import Ownership, Resident, Room

from .. import selectors_items
from ..choices import Basis, ItemKind, MeterKind, PayerKind, ReadingStatus
from ..models import BillLine, MeterReading
from .charges import Charge, rounded

BILLABLE = (ReadingStatus.OK, ReadingStatus.CONFIRMED)
THOUSANDTH = Decimal("0.001")


def _month_end(day: dt.date) -> dt.date:
    return Period.of("month", day).last_day


def prices_on(items, day: dt.date) -> dict[int, Decimal]:
    """{item id: unit price in effect on `day`} (one query, the items part's selector)."""
    return {pk: price.unit_price for pk, price in selectors_items.prices_on(items, day).items()}


def rooms_for_items(community, items, period: Period) -> dict[int, list[dict]]:
    """{item id: [room rows]} of the rooms each of `items` applies to in the period: the items part's
    selector (which rooms by kind, building or list), then one query for the rooms' area and whether
    a household lives there."""
    wanted = {item.pk for item in items}
    applying = selectors_items.items_for_rooms(
        community, period.start, period.last_day, kinds=[ItemKind.METERED, ItemKind.SHARED_METER]
    )
    by_item: dict[int, list[int]] = defaultdict(list)
    for room_id, rows in applying.items():
        for applies in rows:
            if applies.item.pk in wanted:
                by_item[applies.item.pk].append(room_id)
    if not by_item:
        return {}
    household = Exists(Ownership.objects.filter(room=OuterRef("pk"), until__isnull=True)) | Exists(
        Resident.objects.filter(room=OuterRef("pk"), until__isnull=True)
    )
    rooms = {
        row["pk"]: row
        for row in Room.objects.filter(community=community)
        .annotate(household=household)
        .values("pk", "kind", "building_id", "building_area", "household")
    }
    return {item_id: [rooms[pk] for pk in sorted(ids)] for item_id, ids in by_item.items()}


def _active(item, period: Period) -> bool:
    return item.starts_on <= period.last_day and (item.ends_on is None or item.ends_on >= period.start)


def metered_charges(community, period: Period, items) -> list[Charge]:
    """The period's charges of the METERED and SHARED_METER items among `items` (see the module)."""
    if not isinstance(period, Period):
        period = Period.of("month", period)  # the run's month as a date (BillingRun.period)
    items = [i for i in items if i.kind in (ItemKind.METERED, ItemKind.SHARED_METER) and _active(i, period)]
    if not items:
        return []
    prices = prices_on(items, period.start)
    missing = [i.name for i in items if i.pk not in prices]
    if missing:
        raise ServiceError(
            "no_price",
            _("收费项目：%(items)s 在 %(d)s 没有执行中的单价。") % {"items": "、".join(missing), "d": period.start},
        )
    rooms = rooms_for_items(community, items, period)
    metered = [i for i in items if i.kind == ItemKind.METERED]
    shared = [i for i in items if i.kind == ItemKind.SHARED_METER]
    return [
        *_room_meter_charges(community, period, metered, prices, rooms),
        *_shared_meter_charges(period, shared, prices, rooms),
    ]


def _room_meter_charges(community, period: Period, items, prices, rooms) -> list[Charge]:
    if not items:
        return []
    wanted: dict[tuple[int, str], object] = {}
    for item in items:
        for row in rooms.get(item.pk, []):
            key = (row["pk"], item.meter_kind)
            if key in wanted and wanted[key] != item:
                raise Conflict(
                    "two_items",
                    _("收费项目：%(a)s 与 %(b)s 按同一类表计的用量计费，同一读数只能计费一次。")
                    % {"a": wanted[key].name, "b": item.name},
                )
            wanted[key] = item
    if not wanted:
        return []
    earliest = min(i.starts_on for i in items)
    readings = (
        MeterReading.objects.filter(
            community=community,
            meter__room__isnull=False,
            meter__kind__in={i.meter_kind for i in items},
            usage__isnull=False,
            read_on__lte=period.last_day,
        )
        .filter(
            Q(read_on__gte=period.start, status__in=BILLABLE)
            | Q(read_on__gte=earliest, read_on__lt=period.start, status=ReadingStatus.CONFIRMED)
        )
        .filter(~Exists(BillLine.objects.filter(reading=OuterRef("pk"))))
        .order_by("meter__room_id", "meter__kind", "read_on", "pk")
        .values_list("pk", "read_on", "value", "usage", "meter__room_id", "meter__kind", "meter__number")
    )
    charges = []
    for pk, read_on, value, usage, room_id, kind, number in readings:
        item = wanted.get((room_id, kind))
        if item is None or read_on < item.starts_on:
            continue
        price = prices[item.pk]
        label = _("%(kind)s %(number)s %(on)s 读数 %(value)s，用量 %(usage)s %(unit)s") % {
            "kind": MeterKind(kind).label,
            "number": number,
            "on": f"{read_on:%m-%d}",
            "value": value,
            "usage": usage,
            "unit": MeterKind(kind).unit,
        }
        charges.append(
            Charge(
                room_id=room_id,
                item=item,
                payer_kind=PayerKind.OWNER,
                quantity=usage,
                basis_label=str(label)[:120],
                unit_price=price,
                amount=rounded(usage * price, item),
                covers_from=read_on.replace(day=1),
                covers_to=_month_end(read_on),
                reading_id=pk,
            )
        )
    return charges


def allocate_cents(total: Decimal, weights: list[Decimal], decimals: int) -> list[Decimal]:
    """Split `total` by `weights` so that the parts add up to it exactly (largest remainder, ties to
    the earlier weight), each part to `decimals` places."""
    step = Decimal(1).scaleb(-decimals)
    whole = sum(weights, Decimal(0))
    if whole <= 0:
        return [Decimal("0.00") for _w in weights]
    exact = [total * w / whole for w in weights]
    parts = [e.quantize(step, rounding=ROUND_DOWN) for e in exact]
    left = int(((total - sum(parts, Decimal(0))) / step).to_integral_value())
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += step
    return [p.quantize(Decimal("0.01")) for p in parts]


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _shared_meter_charges(period: Period, items, prices, rooms) -> list[Charge]:
    if not items:
        return []
    readings = list(
        MeterReading.objects.filter(
            meter_id__in={i.common_meter_id for i in items},
            read_on__gte=period.start,
            read_on__lte=period.last_day,
        ).values_list("meter_id", "status", "usage", "meter__number", "read_on")
    )
    usage: dict[int, Decimal] = {}
    numbers: dict[int, str] = {}
    for meter_id, status, used, number, read_on in readings:
        if status == ReadingStatus.CHECK:
            raise Conflict(
                "common_on_check_list",
                _("公共表 %(n)s 在 %(d)s 的读数待复核，请先复核后再计费。") % {"n": number, "d": read_on},
            )
        numbers[meter_id] = number
        usage[meter_id] = usage.get(meter_id, Decimal(0)) + (used or Decimal(0))
    charges = []
    for item in items:
        used = usage.get(item.common_meter_id)
        targets = rooms.get(item.pk, [])
        if not used or not targets:
            continue
        if item.basis == Basis.BUILDING_AREA:
            targets = [r for r in targets if r["building_area"]]
            weights = [Decimal(r["building_area"]) for r in targets]
        else:
            targets = [r for r in targets if r["household"]]
            weights = [Decimal(1) for _r in targets]
        whole = sum(weights, Decimal(0))
        if not targets or whole <= 0:
            continue
        price = prices[item.pk]
        total = rounded(used * price, item)
        amounts = allocate_cents(total, weights, item.decimals)
        unit = MeterKind(item.meter_kind).unit
        meter = _("公共%(kind)s %(n)s 用量 %(u)s %(unit)s") % {
            "kind": MeterKind(item.meter_kind).label,
            "n": numbers[item.common_meter_id],
            "u": used.quantize(THOUSANDTH),
            "unit": unit,
        }
        for row, weight, amount in zip(targets, weights, amounts, strict=True):
            if item.basis == Basis.BUILDING_AREA:
                share = f"{_fmt(weight)}/{_fmt(whole)}㎡"
            else:
                share = _("1/%(n)s户") % {"n": len(targets)}
            charges.append(
                Charge(
                    room_id=row["pk"],
                    item=item,
                    payer_kind=PayerKind.OWNER,
                    quantity=(used * weight / whole).quantize(THOUSANDTH),
                    basis_label=f"{meter} × {share}"[:120],
                    unit_price=price,
                    amount=amount,
                    covers_from=period.start,
                    covers_to=period.last_day,
                )
            )
    return charges
