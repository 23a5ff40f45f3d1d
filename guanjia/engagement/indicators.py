"""The engagement figures the office reports (QA-4) for a month: the satisfaction rate (SV-3) and
whether the visit quota was met (VS-1), for one community or many, for one month or many. Both are
registered on the KPI page (core.registry) by `register_indicators`; the dashboard panel reads
`indicators`.

- 满意率: the overall adjusted rate of the latest survey whose results were published before the
  month's end, as `surveys.results` computes it (SV-3, with the return-rate penalty); "—" when no
  survey has been published yet. No target: the rulebook gives none.
- 拜访指标完成: distinct households visited in the month (callbacks excluded) ÷ the month's quota
  (moved-in households × the tiered share of policy VS-1.tiers, rounded up), met when visited ≥ quota.

Any number of communities and months costs a fixed number of queries: one GROUP BY each for the
households and the visits, one for the published surveys, three for their answers, items and
sheets, and one read per policy.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.indicators import Figure, percent
from guanjia.core.periods import MONTH, Period
from guanjia.core.policies import policy_of_many
from guanjia.core.registry import Indicator, indicator
from guanjia.estates.households import SHOPS_POLICY, households_of_many

from . import stats, visits
from .choices import Answer
from .models import Survey, SurveyAnswer, SurveyItem, SurveySheet, Visit

TIERS_KEY = "VS-1.tiers"
PERMISSION = "engagement.kpi"  # QA-4: who reads these figures on the KPI page

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

    def figure(self) -> Figure:
        return Figure(self.rate, self.arithmetic, display=self.display, note=self.survey.title if self.survey else "")


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
        return percent(self.visited, self.quota)

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

    def figure(self) -> Figure:
        # The target is a number of households, not a percentage: met only when every one was visited
        # (a rate rounded to 100.0% may still be one short).
        target = _("≥%(q)s 户") % {"q": self.quota}
        return Figure(self.rate, self.arithmetic, display=self.display, met=self.met, target_label=target)


@dataclass(frozen=True)
class Indicators:
    satisfaction: Satisfaction
    visits: VisitQuota
    satisfaction_definition = SATISFACTION_DEFINITION
    visits_definition = VISITS_DEFINITION


def _ids(communities) -> list[int]:
    return [getattr(c, "pk", c) for c in communities]


def _months(months) -> list[Period]:
    return sorted({Period.of(MONTH, m) for m in months})


# --- VS-1: the visit quota ---------------------------------------------------------------------


def visit_quotas_by_month(community_ids, months) -> dict[tuple[int, Period], VisitQuota]:
    """{(community id, month): VisitQuota} (VS-1): four queries for any number of communities and months."""
    ids, months = _ids(community_ids), _months(months)
    if not ids or not months:
        return {}
    households = dict(  # dwellings, shops by policy, never parking or storage (VS-1)
        households_of_many(ids)
        .values("community_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("community_id", "n")
    )
    start, end = months[0].bounds()[0], months[-1].bounds()[1]
    rows = (  # distinct households, callbacks not counted (VS-1)
        Visit.objects.filter(community_id__in=ids, visited_at__gte=start, visited_at__lt=end, is_callback=False)
        .filter(room__in=households_of_many(ids).values("pk"))  # households only, as the quota counts them
        .annotate(month=TruncMonth("visited_at", tzinfo=timezone.get_default_timezone()))
        .values("community_id", "month")
        .annotate(n=Count("room_id", distinct=True))
        .order_by()
    )
    visited = {(r["community_id"], Period.of(MONTH, r["month"])): r["n"] for r in rows}
    tiers = policy_of_many(ids, TIERS_KEY)
    shops = policy_of_many(ids, SHOPS_POLICY)  # for the text saying what was counted
    out = {}
    for cid in ids:
        n = households.get(cid, 0)
        pct = visits.tier_pct(n, tiers[cid])
        for month in months:
            seen = visited.get((cid, month), 0)
            out[(cid, month)] = VisitQuota(visits.Progress(n, pct, visits.quota_for(n, pct), seen, bool(shops[cid])))
    return out


def visit_quotas(communities, month: Period | dt.date) -> dict[int, VisitQuota]:
    """{community id: VisitQuota} for the month (VS-1)."""
    month = Period.of(MONTH, month)
    return {cid: q for (cid, _m), q in visit_quotas_by_month(communities, [month]).items()}


# --- SV-3: the satisfaction rate ---------------------------------------------------------------


def _latest_published(ids: list[int], months: list[Period]) -> dict[tuple[int, Period], Survey]:
    """{(community id, month): the survey whose results were published last before the month's end}."""
    rows = (
        Survey.objects.published()
        .filter(
            community_id__in=ids,
            results_published_at__isnull=False,
            results_published_at__lt=months[-1].bounds()[1],
        )
        .order_by("community_id", "-results_published_at", "-id")
        .only(
            "id", "community_id", "title", "status", "results_published_at"
        )  # status: read on loading (ConcurrentTransitionMixin)
    )
    by_community: dict[int, list[Survey]] = defaultdict(list)
    for survey in rows:
        by_community[survey.community_id].append(survey)
    found = {}
    for cid, published in by_community.items():
        for month in months:
            end = month.bounds()[1]
            latest = next((s for s in published if s.results_published_at < end), None)
            if latest is not None:
                found[(cid, month)] = latest
    return found


def _results(surveys: list[Survey]) -> dict[int, stats.Result]:
    """{survey id: its SV-3 result}, as `surveys.results` computes each, for all the surveys at once:
    the answers grouped by (survey, item, choice), the items, the sheets, two policies."""
    ids = [s.pk for s in surveys]
    if not ids:
        return {}
    tally: dict = defaultdict(lambda: defaultdict(int))
    answers = SurveyAnswer.objects.filter(survey_id__in=ids).values_list("item_id", "choice").annotate(n=Count("id"))
    for item_id, choice, n in answers.order_by():
        tally[item_id][choice] += n
    items: dict[int, list[stats.ItemCounts]] = defaultdict(list)
    for survey_id, item_id, text in SurveyItem.objects.filter(survey_id__in=ids).values_list("survey_id", "id", "text"):
        t = tally[item_id]
        items[survey_id].append(
            stats.ItemCounts(
                item=text,
                satisfied=t[Answer.SATISFIED],
                basic=t[Answer.BASIC],
                dissatisfied=t[Answer.DISSATISFIED],
                abstained=t[Answer.BLANK] + t[Answer.MULTIPLE],
            )
        )
    sheets = {
        row["survey_id"]: row
        for row in SurveySheet.objects.filter(survey_id__in=ids)
        .values("survey_id")
        .annotate(issued=Count("id"), returned=Count("returned_at"))
        .order_by()
    }
    community_ids = sorted({s.community_id for s in surveys})
    thresholds = policy_of_many(community_ids, "SV-2.min_return_pct")
    penalties = policy_of_many(community_ids, "SV-3.penalty_points")
    out = {}
    for survey in surveys:
        counted = sheets.get(survey.pk, {"issued": 0, "returned": 0})
        out[survey.pk] = stats.satisfaction(
            items[survey.pk],
            issued=counted["issued"],
            returned=counted["returned"],
            threshold_pct=Decimal(str(thresholds[survey.community_id])),
            penalty_points=Decimal(str(penalties[survey.community_id])),
        )
    return out


def satisfactions_by_month(community_ids, months) -> dict[tuple[int, Period], Satisfaction]:
    """{(community id, month): Satisfaction} (SV-3): a fixed number of queries for any number of each."""
    ids, months = _ids(community_ids), _months(months)
    if not ids or not months:
        return {}
    latest = _latest_published(ids, months)
    results = _results(list({s.pk: s for s in latest.values()}.values()))
    out = {}
    for cid in ids:
        for month in months:
            survey = latest.get((cid, month))
            out[(cid, month)] = Satisfaction(survey, results[survey.pk] if survey else None)
    return out


def satisfactions(communities, month: Period | dt.date) -> dict[int, Satisfaction]:
    """{community id: Satisfaction} for the month (SV-3)."""
    month = Period.of(MONTH, month)
    return {cid: s for (cid, _m), s in satisfactions_by_month(communities, [month]).items()}


def indicators(community, month: Period | dt.date) -> Indicators:
    """The QA-4 engagement indicators of one community for the month (the dashboard panel)."""
    cid = getattr(community, "pk", community)
    return Indicators(satisfactions([cid], month)[cid], visit_quotas([cid], month)[cid])


# --- the KPI page (core.registry) -------------------------------------------------------------


def _satisfaction_figures(community_ids, periods, now) -> dict[tuple[int, Period], Figure]:
    return {key: s.figure() for key, s in satisfactions_by_month(community_ids, periods).items()}


def _visit_quota_figures(community_ids, periods, now) -> dict[tuple[int, Period], Figure]:
    return {key: q.figure() for key, q in visit_quotas_by_month(community_ids, periods).items()}


def register_indicators() -> None:
    """QA-4: the satisfaction rate and the visit quota on the KPI page, after the service desk's."""
    indicator(
        Indicator(
            key="engagement.satisfaction",
            label=SATISFACTION_LABEL,
            rule="SV-3",
            target_policy=None,
            compute=_satisfaction_figures,
            permission=PERMISSION,
            definition=SATISFACTION_DEFINITION,
            order=200,
        )
    )
    indicator(
        Indicator(
            key="engagement.visit_quota",
            label=VISITS_LABEL,
            rule="VS-1",
            target_policy=None,
            compute=_visit_quota_figures,
            permission=PERMISSION,
            definition=VISITS_DEFINITION,
            target=Decimal(100),
            order=210,
        )
    )


__all__ = [
    "Indicators",
    "Satisfaction",
    "VisitQuota",
    "indicators",
    "register_indicators",
    "satisfactions",
    "satisfactions_by_month",
    "visit_quotas",
    "visit_quotas_by_month",
]
