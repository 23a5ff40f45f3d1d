"""The monthly visit quota (VS-1): moved-in households × the tiered share, rounded up,
against the distinct households visited (callbacks not counted), and whom to visit next."""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from guanjia.core.policies import policy
from guanjia.estates.choices import Handover
from guanjia.estates.models import Room

from .models import Visit


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first moment of the month, first moment of the next) in local time."""
    start = month.replace(day=1)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time()), tz),
        timezone.make_aware(dt.datetime.combine(nxt, dt.time()), tz),
    )


def tier_pct(households: int, tiers) -> Decimal:
    """The share for this many households: the first tier whose upper bound holds them (VS-1)."""
    for upto, pct in tiers:
        if upto is None or households <= upto:
            return Decimal(str(pct))
    return Decimal(str(tiers[-1][1]))


def quota_for(households: int, pct: Decimal) -> int:
    """VS-1: quotas round UP to whole households (301 × 5% = 15.05 → 16)."""
    return math.ceil(Decimal(households) * Decimal(pct) / 100)


def moved_in_rooms(community):
    return Room.objects.filter(community=community, handover=Handover.MOVED_IN)


def monthly_quota(community, month: dt.date) -> tuple[int, Decimal, int]:
    """(moved-in households, share %, quota) for the month (VS-1; the tiers are a policy)."""
    households = moved_in_rooms(community).count()
    pct = tier_pct(households, policy(community, "VS-1.tiers"))
    return households, pct, quota_for(households, pct)


def _month_visits(community, month: dt.date):
    start, end = month_bounds(month)
    return Visit.objects.filter(community=community, visited_at__gte=start, visited_at__lt=end, is_callback=False)


def visited_households(community, month: dt.date) -> int:
    """Distinct households with a visit in the month; callbacks are not counted (VS-1)."""
    return _month_visits(community, month).values("room").distinct().count()


@dataclass(frozen=True)
class Progress:
    households: int
    pct: Decimal
    quota: int
    visited: int

    @property
    def percent_done(self) -> int:
        if not self.quota:
            return 100
        return min(100, round(self.visited * 100 / self.quota))

    @property
    def remaining(self) -> int:
        return max(0, self.quota - self.visited)

    @property
    def met(self) -> bool:
        return self.visited >= self.quota


def progress(community, month: dt.date) -> Progress:
    households, pct, quota = monthly_quota(community, month)
    return Progress(households, pct, quota, visited_households(community, month))


def proposals(community, month: dt.date, limit: int = 20):
    """Moved-in households not visited for longest (never visited first), leaving out those
    already visited this month (VS-1). One query; each row carries `last_visit`."""
    start, end = month_bounds(month)
    visited_this_month = Visit.objects.filter(
        room=OuterRef("pk"), is_callback=False, visited_at__gte=start, visited_at__lt=end
    )
    return (
        moved_in_rooms(community)
        .annotate(last_visit=Max("visits__visited_at", filter=Q(visits__is_callback=False)))
        .filter(~Exists(visited_this_month))
        .order_by(F("last_visit").asc(nulls_first=True), "code")[:limit]
    )
