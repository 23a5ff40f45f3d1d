"""The month's billing run (FE-1): a dry run that writes nothing, then one atomic, idempotent issue.

What a run bills. Every periodic item whose cycle begins in the run's month (a quarterly item in
January, April, July and October: the natural quarter of core.periods; half-yearly in January and
July; yearly in January), for every room it applies to (FeeApplication by room kind, building or
room, from its `since`), at the price published for the cycle's first day (the latest FeePrice with
`effective_from` on or before it), covering the whole cycle and due on the item's `due_day` of the
run's month. A unit price is a price per month (元/㎡·月, 元/户·月): the cycle's amount is
price × quantity × months of the cycle. Metered and shared-meter items are asked of the meters part
(`services.metered.metered_charges`). One bill per payer and room.

Who pays (FE-1). The developer 开发建设单位 while the room is not handed over (`handover` is
"undelivered", or before its `moved_in_on`); the tenant for the items the lease's `TenantPays` lists,
while the lease runs; otherwise the room's current owner(s) (their names joined; the first is the
bill's payer).

Proration — the one rule (FE-1, services.charges). A stretch of the cycle paid by one payer (handed
over on the 13th: the developer for the 1st–12th, the owner from the 13th; a lease ending on the
20th: the tenant to the 20th, the owner after; an item or an application starting mid-cycle) is
charged cycle amount × days in the stretch ÷ days in the cycle, exactly, then rounded once by the
item's rounding (`charges.rounded`). Each stretch is its own line, rounded on its own; nothing is
carried from one line to another.

Surcharges (LW-4). The run bills no handling fee: `FeeItem.surcharge` is not added to any line (an
on-behalf item may not carry one at all, FeeItem.clean), so what a line says is price × quantity.

Issue. Everything is written in one transaction: the run row (unique per community and month — a
second run is a Conflict, and two started at once leave one: the loser's insert fails on the unique
constraint), the bills and lines in bulk (numbers reserved in one block), the automatic prepayment
draws, one log entry per bill for the household file. A run that fails midway leaves nothing. The
lines' own unique constraint (item, room, covers_from) makes billing a period twice impossible even
past the run row. Queries do not grow with the number of rooms: each kind of fact (rooms, items,
prices, applications, owners, leases, residents, last month's totals) is one query (the items part's
selectors_items for which items apply where and at what price).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.periods import HALF_YEAR, MONTH, QUARTER, YEAR, Period
from guanjia.estates.choices import Handover, RoomKind
from guanjia.estates.models import Lease, Ownership, Resident, Room

from ..choices import Basis, BillKind, ItemKind, PayerKind, RunStatus
from ..models import BillingRun, BillLine, FeeItem, TenantPays
from ..selectors_bills import cents
from ..selectors_items import items_for_rooms, prices_on
from . import runs_bulk as bulk
from .charges import Charge, prorate, rounded

CYCLE_KINDS = {1: MONTH, 3: QUARTER, 6: HALF_YEAR, 12: YEAR}
PAYER_ORDER = {PayerKind.DEVELOPER: 0, PayerKind.OWNER: 1, PayerKind.TENANT: 2}
METERED_KINDS = (ItemKind.METERED, ItemKind.SHARED_METER)
ONE_DAY = dt.timedelta(days=1)
ONE = Decimal(1)


# -- what a run would bill -------------------------------------------------------------------------


@dataclass
class PlannedBill:
    room_id: int
    room_code: str
    payer_kind: str
    payer_id: int | None
    payer_name: str
    lines: list[Charge] = field(default_factory=list)
    due_on: dt.date | None = None
    change: str = ""  # new / changed / same, against the room's regular bills of the month before
    last_total: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.lines), Decimal("0.00"))

    @property
    def payer_kind_label(self) -> str:
        return PayerKind(self.payer_kind).label


@dataclass
class Plan:
    community: object
    period: Period
    bills: list[PlannedBill]
    gone: list[tuple[str, Decimal]]  # rooms billed the month before and not now: (code, last total)
    warnings: list[str]
    existing: BillingRun | None = None

    @property
    def total(self) -> Decimal:
        return sum((b.total for b in self.bills), Decimal("0.00"))

    @property
    def line_count(self) -> int:
        return sum(len(b.lines) for b in self.bills)

    @property
    def room_totals(self) -> dict[int, Decimal]:
        totals: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
        for bill in self.bills:
            totals[bill.room_id] += bill.total
        return totals

    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "changed": 0, "same": 0}
        seen = set()
        for bill in self.bills:
            if bill.room_id not in seen:
                seen.add(bill.room_id)
                counts[bill.change] += 1
        counts["gone"] = len(self.gone)
        return counts


def month_of(period) -> Period:
    """The run's month: a Period of kind month (or a date/key naming one); anything else is refused."""
    if isinstance(period, str):
        period = Period.parse(period, MONTH)
    elif isinstance(period, dt.date):
        period = Period.of(MONTH, period)
    if not isinstance(period, Period) or period.kind != MONTH:
        raise ServiceError("run_period", _("账期：请选择一个月份。"), field="period")
    return period


def cycle_of(item, month: Period) -> Period | None:
    """The item's natural cycle that begins in `month`, or None when its cycle begins another month."""
    cycle = Period.of(CYCLE_KINDS.get(item.cycle_months, MONTH), month.start)
    return cycle if cycle.start == month.start else None


@dataclass
class _Facts:
    """Who is in each room during the month: owners, leases whose tenant pays, residents."""

    owners: dict[int, list[tuple[int, str]]]
    leases: dict[int, list[tuple[dt.date, dt.date, int, str, frozenset]]]
    occupied: set[int]
    named: dict[int, tuple] = field(default_factory=dict)  # room → (payer id, payer name), once
    unregistered: str = ""


def _facts(community, start: dt.date, last: dt.date) -> _Facts:
    owners: dict[int, list] = defaultdict(list)
    current: dict[int, list] = defaultdict(list)
    rows = (
        Ownership.objects.filter(community=community)
        .filter(Q(since__isnull=True) | Q(since__lte=last), Q(until__isnull=True) | Q(until__gt=start))
        .order_by("room_id", "-share", "id")
        .values_list("room_id", "person_id", "person__name", "until")
    )
    for room_id, person_id, name, until in rows:
        owners[room_id].append((person_id, name))
        if until is None:
            current[room_id].append((person_id, name))
    # the owners of now, where there are any; else whoever held it during the month
    owners.update(current)
    pays: dict[int, set] = defaultdict(set)
    through = TenantPays.items.through.objects.filter(
        tenantpays__community=community,
        tenantpays__lease__start__lte=last,
    ).values_list("tenantpays__lease_id", "feeitem_id")
    for lease_id, item_id in through:
        pays[lease_id].add(item_id)
    leases: dict[int, list] = defaultdict(list)
    if pays:
        lease_rows = (
            Lease.objects.filter(community=community, tenant_pays__isnull=False, start__lte=last)
            .order_by("room_id", "start")
            .values_list("pk", "room_id", "start", "end", "ended_on", "tenant_id", "tenant__name")
        )
        for pk, room_id, lease_start, end, ended_on, tenant_id, tenant_name in lease_rows:
            last_day = ended_on or end
            if last_day >= start and pk in pays:
                leases[room_id].append((lease_start, last_day, tenant_id, tenant_name, frozenset(pays[pk])))
    residents = Resident.objects.filter(community=community).filter(
        Q(since__isnull=True) | Q(since__lte=last), Q(until__isnull=True) | Q(until__gt=start)
    )
    occupied = set(residents.values_list("room_id", flat=True)) | set(owners)
    return _Facts(owners=dict(owners), leases=dict(leases), occupied=occupied, unregistered=_("业主（未登记）"))


class _Basis:
    """An item's quantity and printed basis for a room (labels translated once per item, not per room)."""

    def __init__(self, item, facts: _Facts):
        self.basis, self.facts, self.labels = item.basis, facts, {}
        self.area_label = {
            Basis.BUILDING_AREA: _("建筑面积 %(a)s㎡"),
            Basis.USABLE_AREA: _("使用面积 %(a)s㎡"),
        }.get(self.basis, "")
        self.missing = {Basis.BUILDING_AREA: _("缺少建筑面积"), Basis.USABLE_AREA: _("缺少使用面积")}.get(
            self.basis, ""
        )
        self.fixed = {
            Basis.PER_ROOM: _("每户 1 户"),
            Basis.PER_HOUSEHOLD: _("每户 1 户（有业主或住户）"),
            Basis.PARKING_SPACE: _("车位 1 个"),
        }.get(self.basis, "")

    def of(self, room) -> tuple[Decimal | None, str]:
        """(quantity, label), or (None, why) when the item does not bill the room ("" when it never would)."""
        basis = self.basis
        if basis in (Basis.BUILDING_AREA, Basis.USABLE_AREA):
            area = room.building_area if basis == Basis.BUILDING_AREA else room.usable_area
            if area is None:
                return None, self.missing
            label = self.labels.get(area)
            if label is None:
                label = self.labels[area] = self.area_label % {"a": area}
            return area, label
        if basis == Basis.PER_ROOM:
            return ONE, self.fixed
        if basis == Basis.PER_HOUSEHOLD:
            return (ONE, self.fixed) if room.pk in self.facts.occupied else (None, "")
        if basis == Basis.PARKING_SPACE:
            return (ONE, self.fixed) if room.kind == RoomKind.PARKING else (None, "")
        return None, ""


def _payer(kind: str, room_id: int, facts: _Facts, tenant=None) -> tuple[int | None, str]:
    if kind == PayerKind.DEVELOPER:
        return None, str(PayerKind.DEVELOPER.label)
    if kind == PayerKind.TENANT:
        return tenant
    named = facts.named.get(room_id)
    if named is None:
        owners = facts.owners.get(room_id) or []
        if owners:
            named = (owners[0][0], "、".join(dict.fromkeys(name for _pk, name in owners)))
        else:
            named = (None, facts.unregistered)
        facts.named[room_id] = named
    return named


def _stretches(room, item_id: int, first: dt.date, last: dt.date, facts: _Facts) -> list[tuple]:
    """[(payer kind, payer id, payer name, from, to)] covering first…last (inclusive), by FE-1's who-pays."""
    out = []
    if room.handover == Handover.UNDELIVERED:
        return [(PayerKind.DEVELOPER, *_payer(PayerKind.DEVELOPER, room.pk, facts), first, last)]
    if room.moved_in_on and room.moved_in_on > first:
        until = min(last, room.moved_in_on - ONE_DAY)
        out.append((PayerKind.DEVELOPER, *_payer(PayerKind.DEVELOPER, room.pk, facts), first, until))
        first = until + ONE_DAY
        if first > last:
            return out
    owner = _payer(PayerKind.OWNER, room.pk, facts)
    cursor = first
    for lease_start, lease_last, tenant_id, tenant_name, items in facts.leases.get(room.pk, ()):
        if item_id not in items:
            continue
        a, b = max(cursor, lease_start), min(last, lease_last)
        if a > b:
            continue
        if a > cursor:
            out.append((PayerKind.OWNER, *owner, cursor, a - ONE_DAY))
        out.append((PayerKind.TENANT, tenant_id, tenant_name, a, b))
        cursor = b + ONE_DAY
    if cursor <= last:
        out.append((PayerKind.OWNER, *owner, cursor, last))
    return out


class _RoomRow:
    __slots__ = ("pk", "code", "kind", "building_id", "building_area", "usable_area", "handover", "moved_in_on")

    def __init__(self, *values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)


def _rooms(community) -> dict[int, _RoomRow]:
    rows = Room.objects.filter(community=community).order_by("sort_key", "id")
    return {r[0]: _RoomRow(*r) for r in rows.values_list(*_RoomRow.__slots__)}


def _metered(community, period: Period, items) -> list[Charge]:
    """The meters part's charges for the month: usage lines and shared-meter allocations."""
    from .metered import metered_charges  # the meters part (services.metered)

    return metered_charges(community, period, items)


def plan(community, period) -> Plan:
    """What a run of `period` would bill in `community`: the bills, their lines, and per room the
    difference from the month before. Writes nothing."""
    month = month_of(period)
    rooms = _rooms(community)
    items = list(
        FeeItem.objects.filter(community=community, starts_on__lte=month.last_day).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=month.start)
        )
    )
    periodic = [(i, c) for i in items if i.kind == ItemKind.PERIODIC for c in [cycle_of(i, month)] if c]
    metered = [i for i in items if i.kind in METERED_KINDS]
    warnings: list[str] = []
    charges: list[Charge] = []
    facts = _facts(community, month.start, max((c.last_day for _i, c in periodic), default=month.last_day))
    by_cycle: dict[Period, list] = defaultdict(list)
    for item, cycle in periodic:
        by_cycle[cycle].append(item)
    prices = prices_on([i for i, _c in periodic], month.start) if periodic else {}
    for cycle, cycle_items in by_cycle.items():
        priced = {}
        for item in cycle_items:
            if item.pk in prices:
                priced[item.pk] = item
            else:
                warnings.append(
                    _("“%(item)s”在 %(day)s 没有生效的收费标准，未计费。") % {"item": item.name, "day": month.start}
                )
        if not priced:
            continue
        stretches: dict[int, list] = defaultdict(list)  # item id → [(room id, first, last)]
        applying = items_for_rooms(community, cycle.start, cycle.last_day, kinds=[ItemKind.PERIODIC])
        for room_id, applies in applying.items():
            for a in applies:
                if a.item.pk in priced:
                    stretches[a.item.pk].append((room_id, a.starts, a.ends))
        for item_id, item in priced.items():
            price = prices[item_id].unit_price
            charges.extend(_item_charges(item, cycle, price, stretches[item_id], rooms, facts, warnings))
    if metered:
        for charge in _metered(community, month, metered):
            # the meters part leaves the payer to the run: whoever pays on the last day the line covers
            day = charge.covers_to
            kind, pid, name, _a, _b = _stretches(rooms[charge.room_id], charge.item.pk, day, day, facts)[0]
            charge.payer_kind, charge.payer_id, charge.payer_name = kind, pid, name
            charges.append(charge)
    charges = _not_carried(community, month, charges, warnings)
    bills: dict[tuple, PlannedBill] = {}
    dues: dict[int, dt.date] = {}
    for charge in charges:
        room = rooms[charge.room_id]
        bill = bills.get(charge.key)
        if bill is None:
            bill = bills[charge.key] = PlannedBill(
                room.pk, room.code, charge.payer_kind, charge.payer_id, charge.payer_name
            )
        bill.lines.append(charge)
        due = dues.get(charge.item.pk)
        if due is None:
            due = dues[charge.item.pk] = bulk.due_on(charge.item, month)
        bill.due_on = due if bill.due_on is None else min(bill.due_on, due)
    order = {pk: n for n, pk in enumerate(rooms)}
    ordered = sorted(bills.values(), key=lambda b: (order[b.room_id], PAYER_ORDER[b.payer_kind], b.payer_id or 0))
    gone = _compare(community, month, ordered, rooms)
    existing = BillingRun.objects.filter(community=community, period=month.start).first()
    return Plan(community, month, ordered, gone, warnings, existing)


def _not_carried(community, month: Period, charges: list[Charge], warnings: list[str]) -> list[Charge]:
    """FE-1, never bill twice: an item's months carried over from the former system by the opening
    import (services.opening) were billed there; the run does not bill the item for them again."""
    from .opening import carried_through

    carried = carried_through(community, {c.item.pk for c in charges}) if charges else {}
    skipped = {c.item.pk: c.item for c in charges if c.item.pk in carried and month.start <= carried[c.item.pk]}
    for item in skipped.values():
        warnings.append(
            _("“%(item)s”至%(last)s已作为期初欠费从原系统结转，%(month)s不再计费。")
            % {"item": item.name, "last": Period(MONTH, carried[item.pk]).label, "month": month.label}
        )
    return [c for c in charges if c.item.pk not in skipped] if skipped else charges


def _item_charges(item, cycle: Period, price: Decimal, stretches: list, rooms: dict, facts: _Facts, warnings) -> list:
    """The item's charges over the cycle: for each room it applies to (from `first` to `last`), one
    per payer's stretch, prorated by days and rounded once (the module's one rule)."""
    out = []
    cycle_days = (cycle.end - cycle.start).days
    full_unit = price * item.cycle_months
    missing = 0
    basis = _Basis(item, facts)
    amounts: dict[tuple, Decimal] = {}  # (quantity, days) → the rounded amount: computed once each
    for room_id, first, last in stretches:
        room = rooms[room_id]
        quantity, label = basis.of(room)
        if quantity is None:
            missing += bool(label)
            continue
        for kind, payer_id, payer_name, a, b in _stretches(room, item.pk, first, last, facts):
            days = (b - a).days + 1
            amount = amounts.get((quantity, days))
            if amount is None:
                amount = amounts[(quantity, days)] = rounded(prorate(full_unit * quantity, days, cycle_days), item)
            if amount <= 0:
                continue
            out.append(
                Charge(
                    room_id=room_id,
                    item=item,
                    payer_kind=kind,
                    quantity=quantity,
                    basis_label=label,
                    unit_price=price,
                    amount=amount,
                    covers_from=a,
                    covers_to=b,
                    proration="" if days == cycle_days else _("%(d)d/%(n)d 天") % {"d": days, "n": cycle_days},
                    payer_id=payer_id,
                    payer_name=payer_name,
                )
            )
    if missing:
        warnings.append(_("“%(item)s”有 %(n)d 户缺少计费面积，未计费。") % {"item": item.name, "n": missing})
    return out


def _compare(community, month: Period, bills: list[PlannedBill], rooms: dict) -> list[tuple[str, Decimal]]:
    """Mark each planned bill new / changed / same against the room's regular bills of the month
    before (one aggregate query); return the rooms billed then and not now."""
    rows = (
        BillLine.objects.filter(
            community=community, period=month.previous().start, bill__kind=BillKind.REGULAR, correction=False
        )
        .values("room_id")
        .annotate(total=Sum("amount"))
        .values_list("room_id", "total")
    )
    before = {room_id: cents(total) for room_id, total in rows}
    now_totals: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for bill in bills:
        now_totals[bill.room_id] += bill.total
    for bill in bills:
        last = before.get(bill.room_id)
        bill.last_total = last
        bill.change = "new" if last is None else ("same" if last == now_totals[bill.room_id] else "changed")
    return [
        (rooms[rid].code if rid in rooms else str(rid), total) for rid, total in before.items() if rid not in now_totals
    ]


def run_preview(*, community, period, actor) -> Plan:
    """The dry run (FE-1): the bills a run of `period` would issue, and their differences from the
    month before. Nothing is written."""
    require(actor, "billing.run", community)
    return plan(community, period)


# -- issuing ---------------------------------------------------------------------------------------


def _refuse_twice(community, month: Period) -> Conflict:
    return Conflict(
        "run_exists",
        _("%(month)s的账单已开具，同一账期不能重复计费。") % {"month": month.label},
        field="period",
    )


def issued_already(community, month: Period) -> bool:
    return BillingRun.objects.filter(community=community, period=month.start).exists()


def run_issue(*, community, period, actor) -> BillingRun:
    """Issue the month's bills (FE-1), all or nothing, once."""
    require(actor, "billing.run", community)
    month = month_of(period)
    if issued_already(community, month):
        raise _refuse_twice(community, month)
    now = clock.now()
    try:
        with transaction.atomic():
            planned = plan(community, month)  # reads only: on SQLite no write lock is held meanwhile
            if not planned.bills:  # an empty run would close the month to a run once prices are published
                raise ServiceError(
                    "run_empty", _("账期：%(month)s没有应开具的账单。") % {"month": month.label}, field="period"
                )
            run = BillingRun(community=community, period=month.start, started_by=actor, started_at=now)
            run.full_clean(validate_constraints=False)
            run.save()  # the unique (community, period) row: a concurrent run fails here
            bills, lines = bulk.write(run, planned, now)
            drawn = bulk.draw_prepayments(community, month, run, now)
            total = planned.total
            BillingRun.objects.filter(pk=run.pk).update(
                status=RunStatus.ISSUED, issued_at=now, bills=len(bills), lines=lines, total=total
            )
            run.status, run.issued_at, run.bills, run.lines, run.total = (
                RunStatus.ISSUED, now, len(bills), lines, total,
            )  # fmt: skip
            bulk.log_bills(actor, community.pk, bills, now)
            log(
                actor,
                "billing.run.issued",
                run,
                community=community,
                summary=_("开具%(month)s账单 %(n)d 份") % {"month": month.label, "n": len(bills)},
                period=month.key,
                bills=len(bills),
                lines=lines,
                total=str(total),
                drawn=str(drawn),
            )
    except IntegrityError:
        # another run of the month won the race, or a line of this period was billed already
        raise _refuse_twice(community, month) from None
    return run
