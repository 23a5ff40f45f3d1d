"""QA-4 indicators as the KPI page reads them: each app's figures (core.registry `Indicator`) with
the community's target, for many communities and periods at once.

A rate is numerator ÷ denominator × 100, rounded half up to one decimal, and None while nothing
counts yet; "met" compares the shown (rounded) rate with the target, so a page never says 95.0% ✗
against a 95% target. The page's cost is each indicator's own `compute` (a fixed number of queries)
and one query for every target: nothing per community, nothing per indicator beyond that.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from . import clock
from .models import PolicySetting
from .periods import Period
from .policies import spec_of
from .registry import Indicator

ONE_DECIMAL = Decimal("0.1")


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × 100, half up to one decimal (47 / 49 → 95.9); None for 0 / 0."""
    if not denominator:
        return None
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    """One indicator's value in a community and period, as `Indicator.compute` returns it.

    `met` and `target_label` only where the target is not the indicator's percentage (VS-1: so many
    households); `note` says where the figure comes from (the survey a satisfaction rate is of)."""

    rate: Decimal | None
    arithmetic: str
    display: str = ""
    met: bool | None = None
    target_label: str = ""
    note: str = ""

    @property
    def shown(self) -> str:
        if self.display:
            return self.display
        return "—" if self.rate is None else f"{self.rate}%"


def ratio(numerator: int, denominator: int, **extra) -> Figure:
    """The figure of a counted rate: "47 / 49 = 95.9%", or "0 / 0" while nothing counts yet."""
    rate = percent(numerator, denominator)
    arithmetic = f"{numerator} / {denominator}" if rate is None else f"{numerator} / {denominator} = {rate}%"
    return Figure(rate, arithmetic, **extra)


NOTHING = Figure(None, "")


def targets(keys: Iterable[str], community_ids: Sequence[int]) -> dict[int, dict[str, Decimal]]:
    """{community id: {policy key: target %}}: every community's value, or the rule's default, in one query."""
    keys = sorted(set(keys))
    stored: dict[int, dict[str, object]] = defaultdict(dict)
    if keys:
        rows = PolicySetting.objects.filter(community_id__in=community_ids, key__in=keys)
        for cid, key, value in rows.values_list("community_id", "key", "value"):
            stored[cid][key] = value
    defaults = {key: spec_of(key).default for key in keys}
    return {cid: {key: Decimal(str(stored[cid].get(key, defaults[key]))) for key in keys} for cid in community_ids}


@dataclass(frozen=True)
class Reading:
    """An indicator's figure in one community and period, against that community's target."""

    indicator: Indicator
    figure: Figure
    target: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        return self.figure.rate

    @property
    def shown(self) -> str:
        return self.figure.shown

    @property
    def arithmetic(self) -> str:
        return self.figure.arithmetic

    @property
    def met(self) -> bool | None:
        if self.figure.met is not None:
            return self.figure.met
        if self.figure.rate is None or self.target is None:
            return None
        return self.figure.rate >= self.target

    @property
    def target_label(self) -> str:
        if self.figure.target_label:
            return self.figure.target_label
        return "" if self.target is None else f"≥{self.target.normalize():f}%"

    @property
    def colour(self) -> str:
        return {True: "green", False: "red"}.get(self.met, "grey")


Readings = dict[tuple[int, Period], dict[str, Reading]]


def read(
    indicators: Sequence[Indicator],
    community_ids: Sequence[int],
    periods: Sequence[Period],
    *,
    now: dt.datetime | None = None,
) -> Readings:
    """{(community id, period): {indicator key: Reading}} for every pair, each indicator computed once."""
    now = now or clock.now()
    community_ids, periods = list(community_ids), list(periods)
    goals = targets([i.target_policy for i in indicators if i.target_policy], community_ids)
    out: Readings = {(cid, p): {} for cid in community_ids for p in periods}
    for ind in indicators:
        figures = ind.compute(community_ids, periods, now)
        for cid in community_ids:
            target = goals[cid][ind.target_policy] if ind.target_policy else ind.target
            for p in periods:
                out[(cid, p)][ind.key] = Reading(ind, figures.get((cid, p), NOTHING), target)
    return out


__all__ = ["NOTHING", "Figure", "Reading", "percent", "ratio", "read", "targets"]
