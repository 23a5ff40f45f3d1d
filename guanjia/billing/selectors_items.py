"""Reading fee items and their prices (FE-1): the price on a day, which items apply to which rooms
for a billing run, and the 明码标价 board.

Every function here reads in a fixed number of queries, whatever the number of items or rooms: the
billing run calls `prices_on` and `items_for_rooms` once for a community of hundreds of thousands of
rooms.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.estates.models import Room

from .choices import ItemKind
from .models import FeeApplication, FeeItem, FeePrice

# 物业服务收费明码标价规定 art. 6 / 价格法: the board names the price authority's complaint line 12358.
PRICE_COMPLAINT_LINE = "12358"
# Kinds whose price the board shows (a prepayment has no price of its own).
PRICED_KINDS = tuple(k for k in ItemKind.values if k != ItemKind.PREPAYMENT)


def price_text(price: Decimal | None) -> str:
    """A price as the board prints it: two places, or four where the price has them (2.50, 0.5283)."""
    if price is None:
        return ""
    two = price.quantize(Decimal("0.01"))
    return f"{two}" if two == price else f"{price.normalize():f}"


def price_on(item: FeeItem, day: dt.date) -> FeePrice | None:
    """The price of `item` in force on `day` (the last one effective on or before it), or None."""
    return FeePrice.objects.filter(item=item, effective_from__lte=day).order_by("-effective_from").first()


def prices_on(items, day: dt.date) -> dict[int, FeePrice]:
    """{item id: the price in force on `day`} for `items` (FeeItems or ids), in ONE query: a correlated
    subquery picks each item's latest effective date on or before `day` (unique per item)."""
    ids = [getattr(i, "pk", i) for i in items]
    if not ids:
        return {}
    latest = (
        FeePrice.objects.filter(item_id=OuterRef("item_id"), effective_from__lte=day)
        .order_by("-effective_from")
        .values("effective_from")[:1]
    )
    rows = FeePrice.objects.filter(item_id__in=ids, effective_from=Subquery(latest))
    return {p.item_id: p for p in rows}


def with_prices(queryset, day: dt.date):
    """FeeItems annotated with the price in force on `day` (`current_price`, `current_from`) and the
    next published one after it (`next_price`, `next_from`), in the same one query."""
    current = FeePrice.objects.filter(item_id=OuterRef("pk"), effective_from__lte=day).order_by("-effective_from")
    upcoming = FeePrice.objects.filter(item_id=OuterRef("pk"), effective_from__gt=day).order_by("effective_from")
    return queryset.annotate(
        current_price=Subquery(current.values("unit_price")[:1]),
        current_from=Subquery(current.values("effective_from")[:1]),
        next_price=Subquery(upcoming.values("unit_price")[:1]),
        next_from=Subquery(upcoming.values("effective_from")[:1]),
    )


# --- Which items apply to which rooms (the billing run) --------------------------------------


@dataclass(frozen=True)
class Applies:
    """`item` applies to a room from `starts` to `ends` (inclusive), within the period asked for."""

    item: FeeItem
    starts: dt.date
    ends: dt.date
    whole: bool = True  # it covers the whole period asked for (else the run prorates, FE-1)


def _stretch(item: FeeItem, span: tuple, period_start: dt.date, period_end: dt.date) -> tuple | None:
    since, until = span
    starts = max(item.starts_on, since, period_start)
    ends = min(item.ends_on or period_end, until or period_end, period_end)
    return (starts, ends) if starts <= ends else None


def _widen(spans: dict, pk: int, since: dt.date, until: dt.date | None) -> None:
    """Record that item `pk` applies from `since` to `until` (None: open), keeping the widest span."""
    known = spans.get(pk)
    if known is None:
        spans[pk] = (since, until)
    else:
        ends = None if known[1] is None or until is None else max(known[1], until)
        spans[pk] = (min(known[0], since), ends)


def items_for_rooms(
    community, period_start: dt.date, period_end: dt.date, *, kinds=None, rooms=None
) -> dict[int, list[Applies]]:
    """Which items apply to which rooms of `community` between `period_start` and `period_end`
    (inclusive), in three queries whatever the number of rooms.

    Returns {room id: [Applies(item, starts, ends), …]} (ordered by item code), one entry per item
    that applies to the room on at least one day of the period: `starts`/`ends` are the stretch it
    applies (the latest of the item's start, the application's `since` and the period start; the
    earliest of the item's end and the period end), `whole` says whether that is the whole period.
    An item applying to a room through several applications (its kind and its building) counts
    once, from the earliest start to the latest end among them (an ended application stops at its
    `until`). Rooms to which nothing applies are left out. `kinds` narrows
    the items (ItemKind values: the run bills periodic ones, the meters part metered ones); `rooms`
    narrows the rooms (a queryset or ids). Rooms sharing a kind and a building share one list
    object: treat the lists as read-only.
    """
    items = FeeItem.objects.filter(community=community, starts_on__lte=period_end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=period_start)
    )
    if kinds is not None:
        items = items.filter(kind__in=list(kinds))
    items = items.prefetch_related(
        Prefetch(
            "applications",
            queryset=FeeApplication.objects.filter(since__lte=period_end)
            .filter(Q(until__isnull=True) | Q(until__gte=period_start))
            .order_by("since"),
        )
    ).order_by("code")
    by_kind: dict[str, dict[int, tuple]] = defaultdict(dict)  # room kind → {item id: (since, until)}
    by_building: dict[int, dict[int, tuple]] = defaultdict(dict)
    by_room: dict[int, dict[int, tuple]] = defaultdict(dict)
    catalogue: dict[int, FeeItem] = {}
    for item in items:
        for app in item.applications.all():
            catalogue[item.pk] = item
            if app.room_kind:
                target = by_kind[app.room_kind]
            elif app.building_id:
                target = by_building[app.building_id]
            else:
                target = by_room[app.room_id]
            _widen(target, item.pk, app.since, app.until)
    if not catalogue:
        return {}
    order = {pk: n for n, pk in enumerate(catalogue)}

    def build(*sources: dict[int, tuple]) -> list[Applies]:
        merged: dict[int, tuple] = {}
        for source in sources:
            for pk, (since, until) in source.items():
                _widen(merged, pk, since, until)
        out = []
        for pk in sorted(merged, key=order.__getitem__):
            stretch = _stretch(catalogue[pk], merged[pk], period_start, period_end)
            if stretch:
                whole = stretch == (period_start, period_end)
                out.append(Applies(catalogue[pk], stretch[0], stretch[1], whole=whole))
        return out

    shared: dict[tuple[str, int], list[Applies]] = {}
    result: dict[int, list[Applies]] = {}
    room_rows = Room.objects.filter(community=community)
    if rooms is not None:
        room_rows = room_rows.filter(pk__in=rooms)
    for room_id, kind, building_id in room_rows.values_list("pk", "kind", "building_id").iterator(chunk_size=5000):
        if room_id in by_room:
            applies = build(by_kind.get(kind, {}), by_building.get(building_id, {}), by_room[room_id])
        else:
            key = (kind, building_id)
            applies = shared.get(key)
            if applies is None:
                applies = shared[key] = build(by_kind.get(kind, {}), by_building.get(building_id, {}))
        if applies:
            result[room_id] = applies
    return result


# --- The console's lists --------------------------------------------------------------------


def items_list(community, day: dt.date | None = None):
    """The community's items with their current and next price (one query)."""
    return with_prices(FeeItem.objects.filter(community=community), day or clock.today()).order_by("code")


def item_detail(item: FeeItem) -> dict:
    """An item's price history (newest first, with the one in force marked) and its applications."""
    today = clock.today()
    prices = list(item.prices.select_related("published_by").order_by("-effective_from"))
    current = next((p for p in prices if p.effective_from <= today), None)
    for p in prices:
        p.price_text = price_text(p.unit_price)
        p.in_force = p is current
        p.upcoming = p.effective_from > today
        p.superseded = not p.in_force and not p.upcoming
    applications = list(item.applications.select_related("building", "room").order_by("since", "pk"))
    return {"prices": prices, "current": current, "applications": applications, "today": today}


# --- The 明码标价 board --------------------------------------------------------------------------


@dataclass
class BoardRow:
    item: FeeItem
    price: Decimal | None
    effective_from: dt.date | None
    upcoming: list[FeePrice]
    applies_to: list[str]

    @property
    def price_text(self) -> str:
        return price_text(self.price)


def price_board(community, day: dt.date | None = None) -> dict:
    """What the 明码标价 board of `community` shows on `day` (物业服务收费明码标价规定 art. 6–7): the
    company, the office and its phone, each item with its service content and standard, basis and
    start date of charging, unit and price, price form and legal basis, the price changes published
    ahead with their effective dates, and the price complaint line 12358. Four queries."""
    day = day or clock.today()
    items = list(
        FeeItem.objects.filter(community=community, kind__in=PRICED_KINDS)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .prefetch_related(
            Prefetch(
                "applications",
                queryset=FeeApplication.objects.filter(Q(until__isnull=True) | Q(until__gte=day)).select_related(
                    "building"
                ),
            )
        )
        .order_by("code")
    )
    current = prices_on(items, day)
    upcoming: dict[int, list[FeePrice]] = defaultdict(list)
    for p in FeePrice.objects.filter(item__in=items, effective_from__gt=day).order_by("effective_from"):
        p.price_text = price_text(p.unit_price)
        upcoming[p.item_id].append(p)
    rows = []
    for item in items:
        price = current.get(item.pk)
        if price is None and not upcoming[item.pk]:
            continue  # nothing published: not a standard yet
        rows.append(
            BoardRow(
                item=item,
                price=price.unit_price if price else None,
                effective_from=price.effective_from if price else None,
                upcoming=upcoming[item.pk],
                applies_to=_applies_to(item),
            )
        )
    return {
        "community": community,
        "company": community.company,
        "day": day,
        "rows": rows,
        "changes": sorted(
            ((row.item, p) for row in rows for p in row.upcoming), key=lambda c: (c[1].effective_from, c[0].code)
        ),
        "complaint_line": PRICE_COMPLAINT_LINE,
        "office_phone": community.office_phone,
    }


def _applies_to(item: FeeItem) -> list[str]:
    """Where the item applies, for the board: room kinds and buildings; single rooms are counted, never
    named (LW-1: nothing published to owners names a room)."""
    labels, singles = [], 0
    for app in item.applications.all():
        if app.room_kind:
            labels.append(str(app.get_room_kind_display()))
        elif app.building_id:
            labels.append(str(app.building))
        else:
            singles += 1
    if singles:
        labels.append(str(_("指定房屋 %(n)s 户")) % {"n": singles})
    return list(dict.fromkeys(labels))
