"""Reads of the meter pages (FE-1): the meters list's filters, verification state, the reading round
in walking order with each meter's previous reading, the check list, the owner's meters. Each a fixed
number of queries whatever the number of meters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.policies import policy

from .choices import MeterKind, ReadingStatus
from .models import Meter, MeterReading

THOUSANDTH = Decimal("0.001")


def _latest(field: str):
    output = MeterReading._meta.get_field(field).clone()  # a Decimal keeps its three places
    return Subquery(
        MeterReading.objects.filter(meter=OuterRef("pk")).order_by("-read_on", "-id").values(field)[:1],
        output_field=output,
    )


def _three(value):
    """A reading as stored, three places (SQLite returns an annotation's Decimal unscaled)."""
    return None if value is None else Decimal(value).quantize(THOUSANDTH)


def with_last_reading(meters):
    """Annotate each meter with its latest reading's date and value (two subqueries, one query)."""
    return meters.annotate(last_on=_latest("read_on"), last_value=_latest("value"))


def filter_meters(meters, filters: dict, community):
    meters = meters.select_related("room", "room__building")
    if filters.get("kind") in MeterKind.values:
        meters = meters.filter(kind=filters["kind"])
    if str(filters.get("building", "")).isdigit():
        meters = meters.filter(room__building_id=int(filters["building"]))
    if filters.get("scope") == "common":
        meters = meters.filter(room__isnull=True)
    elif filters.get("scope") == "room":
        meters = meters.filter(room__isnull=False)
    if filters.get("due"):
        meters = meters.filter(active=True, verify_by__lte=due_before(community))
    if filters.get("q"):
        meters = meters.filter(Q(number__icontains=filters["q"]) | Q(room__code__icontains=filters["q"]))
    return with_last_reading(meters).order_by("kind", "number")


def due_before(community, today: dt.date | None = None) -> dt.date:
    """Meters to verify by this day are due (FE-1.verify_warn_days ahead) or overdue."""
    return (today or clock.today()) + dt.timedelta(days=policy(community, "FE-1.verify_warn_days"))


def verify_state(meter: Meter, today: dt.date, warn_days: int) -> tuple[str, str] | None:
    """(label, colour) of the meter's verification date, or None when it is far off or not set."""
    if meter.verify_by is None or not meter.active:
        return None
    if meter.verify_by < today:
        return _("检定已逾期"), "red"
    if meter.verify_by <= today + dt.timedelta(days=warn_days):
        return _("即将到期检定"), "amber"
    return None


def due_for_verification(community, limit: int = 10) -> tuple[list[Meter], int]:
    """The dashboard's meters due within FE-1.verify_warn_days or overdue, soonest first, and how many."""
    meters = Meter.objects.filter(community=community, active=True, verify_by__lte=due_before(community))
    return list(meters.select_related("room").order_by("verify_by", "id")[:limit]), meters.count()


def round_rows(community, building) -> list[dict]:
    """A building's active room meters in walking order (unit, floor, room), with the previous reading."""
    meters = with_last_reading(
        Meter.objects.filter(community=community, room__building=building, active=True).select_related(
            "room", "room__unit"
        )
    ).order_by("room__unit__sort_key", "room__floor", "room__sort_key", "kind", "number")
    return [{"meter": m, "last_on": m.last_on, "last_value": _three(m.last_value)} for m in meters]


def check_list(readings):
    """Readings waiting on the check list, oldest first."""
    return (
        readings.filter(status=ReadingStatus.CHECK)
        .select_related("meter", "meter__room", "reader")
        .order_by("read_on", "id")
    )


def owner_meters(rooms) -> list[Meter]:
    """The active meters of the owner's rooms, with their latest readings."""
    meters = list(
        with_last_reading(Meter.objects.filter(room__in=rooms, active=True))
        .select_related("room", "community")
        .order_by("room__community_id", "room__sort_key", "kind", "number")
    )
    for meter in meters:
        meter.last_value = _three(meter.last_value)
    return meters
