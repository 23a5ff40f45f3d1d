"""The engagement figures the office reports (QA-4) for a month: the satisfaction rate (SV-3) and
whether the visit quota was met (VS-1), for one community or for a comparison of communities.

- 满意率: the overall adjusted rate of the latest survey whose results were published on or
  before the month's end, computed by `surveys.results` (SV-3, with the return-rate penalty);
  "—" when no survey has been published yet. No target: the rulebook gives none.
- 拜访指标完成: distinct households visited in the month (callbacks excluded) ÷ the month's quota
  (moved-in households × the tiered share of policy VS-1.tiers, rounded up), met when visited ≥ quota.

The comparison costs a fixed number of queries for the visits whatever the number of
communities (one GROUP BY each for households and visits, one read per policy) and a small constant per
community for the satisfaction (one `surveys.results` each).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.periods import Period
from guanjia.core.policies import policy_of_many
from guanjia.estates.households import SHOPS_POLICY, households_of_many

from . import stats, surveys, visits
from .choices import SurveyStatus
from .models import Survey, Visit

TIERS_KEY = "VS-1.tiers"
ONE_DECIMAL = Decimal("0.1")

SATISFACTION_LABEL = gettext_lazy("满意率")
VISITS_LABEL = gettext_lazy("拜访指标完成")
SATISFACTION_DEFINITION = gettext_lazy(
    "截至月末已公布结果的最近一次业户评议或问卷调查的总体满意率："
    "（满意 + 基本满意）÷（满意 + 基本满意 + 不满意）× 100%，弃权不计；"
    "回收率低于规定比例时，每低 1 个百分点扣规定的分数（SV-3）。"
)
VISITS_DEFINITION = gettext_lazy(
    "本月拜访的不同户数（回访不计）÷ 本月拜访指标；指标 = 已入住住宅户数（不含车位、车库、储藏室，"
    "商铺按本小区规定）× 分档比例，向上取整（VS-1）。"
)


@dataclass(frozen=True)
class Satisfaction:
    """QA-4 satisfaction rate: the latest published survey's overall adjusted rate (SV-3)."""

    survey: Survey | None
    result: stats.Result | None

    @property
    def rate(self) -> Decimal | None:
        return self.result.overall.adjusted_display if self.result else None

    @property
    def display(self) -> str:
        return "—" if self.rate is None else f"{self.rate}%"

    @property
    def arithmetic(self) -> str:
        return self.result.explain() if self.result else _("尚无已公布结果的调查")


@dataclass(frozen=True)
class VisitQuota:
    """QA-4 visit quota met (VS-1): distinct households visited against the month's quota."""

    progress: visits.Progress

    @property
    def visited(self) -> int:
        return self.progress.visited

    @property
    def quota(self) -> int:
        return self.progress.quota

    @property
    def rate(self) -> Decimal | None:
        if not self.quota:
            return None
        return (Decimal(100 * self.visited) / Decimal(self.quota)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)

    @property
    def met(self) -> bool:
        return self.progress.met

    @property
    def display(self) -> str:
        """ "12 / 16 户（75.0%）"."""
        share = "—" if self.rate is None else f"{self.rate}%"
        return _("%(v)s / %(q)s 户（%(r)s）") % {"v": self.visited, "q": self.quota, "r": share}

    @property
    def arithmetic(self) -> str:
        p = self.progress
        return _("%(h)s × %(pct)s%% = %(q)s 户（向上取整）；本月已拜访 %(v)s 户") % {
            "h": p.households_text,
            "pct": f"{p.pct.normalize():f}",
            "q": p.quota,
            "v": p.visited,
        }


@dataclass(frozen=True)
class Indicators:
    satisfaction: Satisfaction
    visits: VisitQuota
    satisfaction_definition = SATISFACTION_DEFINITION
    visits_definition = VISITS_DEFINITION


def _ids(communities) -> list[int]:
    return [getattr(c, "pk", c) for c in communities]


def visit_quotas(communities, month: Period | dt.date) -> dict[int, VisitQuota]:
    """{community id: VisitQuota} for the month (VS-1): four queries for any number of communities."""
    ids = _ids(communities)
    start, end = visits.as_month(month).bounds()
    households = dict(  # dwellings, shops by policy, never parking or storage (VS-1)
        households_of_many(ids)
        .values("community_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("community_id", "n")
    )
    visited = dict(  # distinct households, callbacks not counted (VS-1)
        Visit.objects.filter(community_id__in=ids, visited_at__gte=start, visited_at__lt=end, is_callback=False)
        .filter(room__in=households_of_many(ids).values("pk"))  # households only, as the quota counts them
        .values("community_id")
        .annotate(n=Count("room_id", distinct=True))
        .order_by()
        .values_list("community_id", "n")
    )
    tiers = policy_of_many(ids, TIERS_KEY)
    shops = policy_of_many(ids, SHOPS_POLICY)  # for the text saying what was counted
    out = {}
    for cid in ids:
        n = households.get(cid, 0)
        pct = visits.tier_pct(n, tiers[cid])
        progress = visits.Progress(n, pct, visits.quota_for(n, pct), visited.get(cid, 0), bool(shops[cid]))
        out[cid] = VisitQuota(progress)
    return out


def latest_published(communities, month: Period | dt.date) -> dict[int, Survey]:
    """{community id: the survey whose results were published last on or before the month's end}."""
    ids = _ids(communities)
    found: dict[int, Survey] = {}
    rows = (
        Survey.objects.filter(
            community_id__in=ids,
            status=SurveyStatus.PUBLISHED,
            results_published_at__isnull=False,
            results_published_at__lt=visits.as_month(month).bounds()[1],
        )
        .select_related("community")
        .order_by("community_id", "-results_published_at", "-id")
    )
    for survey in rows:
        found.setdefault(survey.community_id, survey)
    return found


def satisfactions(communities, month: Period | dt.date) -> dict[int, Satisfaction]:
    """{community id: Satisfaction} for the month (SV-3 via `surveys.results`)."""
    latest = latest_published(communities, month)
    out = {}
    for cid in _ids(communities):
        survey = latest.get(cid)
        out[cid] = Satisfaction(survey, surveys.results(survey)[0] if survey else None)
    return out


def indicators(community, month: Period | dt.date) -> Indicators:
    """The QA-4 engagement indicators of one community for the month."""
    cid = getattr(community, "pk", community)
    return Indicators(satisfactions([community], month)[cid], visit_quotas([community], month)[cid])


def by_community(communities, month: Period | dt.date) -> dict[int, Indicators]:
    """{community id: Indicators} for the comparison of communities."""
    sat = satisfactions(communities, month)
    quotas = visit_quotas(communities, month)
    return {cid: Indicators(sat[cid], quotas[cid]) for cid in _ids(communities)}


def attach(communities, month: Period | dt.date) -> None:
    """Set `.engagement` (Indicators) on each community, for the comparison table."""
    figures = by_community(communities, month)
    for community in communities:
        community.engagement = figures[community.pk]


__all__ = [
    "Indicators",
    "Satisfaction",
    "VisitQuota",
    "attach",
    "by_community",
    "indicators",
    "latest_published",
    "satisfactions",
    "visit_quotas",
]
