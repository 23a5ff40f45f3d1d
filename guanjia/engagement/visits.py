"""The monthly visit quota (VS-1): moved-in households × the tiered share, rounded up,
against the distinct households visited (callbacks not counted), and whom to visit next.
Households are `estates.households` (dwellings; shops only by policy; never parking or storage)."""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, Max, OuterRef, Q

from guanjia.core import periods
from guanjia.core.periods import Period
from guanjia.core.policies import policy
from guanjia.estates.households import counts_shops, households, households_text

from .models import Visit


def tier_pct(households: int, tiers) -> Decimal:
    """The share for this many households: the first tier whose upper bound holds them (VS-1)."""
    for upto, pct in tiers:
        if upto is None or households <= upto:
            return Decimal(str(pct))
    return Decimal(str(tiers[-1][1]))


def quota_for(households: int, pct: Decimal) -> int:
    """VS-1: quotas round UP to whole households (301 × 5% = 15.05 → 16)."""
    return math.ceil(Decimal(households) * Decimal(pct) / 100)


def monthly_quota(community, month: Period | dt.date) -> tuple[int, Decimal, int]:
    """(moved-in households, share %, quota) for the month (VS-1; the tiers are a policy)."""
    n = households(community).count()
    pct = tier_pct(n, policy(community, "VS-1.tiers"))
    return n, pct, quota_for(n, pct)


def _month_visits(community, month: Period | dt.date):
    start, end = Period.of(periods.MONTH, month).bounds()
    return Visit.objects.filter(community=community, visited_at__gte=start, visited_at__lt=end, is_callback=False)


def visited_households(community, month: Period | dt.date) -> int:
    """Distinct households with a visit in the month; callbacks are not counted, nor visits to a
    room that is no household (a shop where shops do not count, a garage) (VS-1)."""
    rows = _month_visits(community, month).filter(room__in=households(community).values("pk"))
    return rows.values("room").distinct().count()


@dataclass(frozen=True)
class Progress:
    households: int
    pct: Decimal
    quota: int
    visited: int
    count_shops: bool = False

    @property
    def households_text(self) -> str:
        """What `households` counts: "已入住住宅 412 户（不含车位、车库、储藏室、商铺）"."""
        return households_text(self.households, self.count_shops)

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


def progress(community, month: Period | dt.date) -> Progress:
    n, pct, quota = monthly_quota(community, month)
    return Progress(n, pct, quota, visited_households(community, month), counts_shops(community))


def proposals(community, month: Period | dt.date, limit: int = 20):
    """Moved-in households not visited for longest (never visited first), leaving out those
    already visited this month (VS-1). One query; each row carries `last_visit`."""
    start, end = Period.of(periods.MONTH, month).bounds()
    visited_this_month = Visit.objects.filter(
        room=OuterRef("pk"), is_callback=False, visited_at__gte=start, visited_at__lt=end
    )
    return (
        households(community)
        .annotate(last_visit=Max("visits__visited_at", filter=Q(visits__is_callback=False)))
        .filter(~Exists(visited_this_month))
        .order_by(F("last_visit").asc(nulls_first=True), "sort_key")[:limit]
    )
