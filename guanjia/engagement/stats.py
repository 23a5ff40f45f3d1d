"""Survey arithmetic: satisfaction (SV-3) and Pareto (SV-4).

Pure functions over plain data (no database), so they can be checked by hand
and tested exhaustively.  Decimal throughout; rates shown to one decimal place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

SATISFIED = "satisfied"
BASIC = "basic"
DISSATISFIED = "dissatisfied"
CHOICES = (SATISFIED, BASIC, DISSATISFIED)

HUNDRED = Decimal("100")
ONE_DP = Decimal("0.1")


def q1(value: Decimal | None) -> Decimal | None:
    """Round to one decimal place, half up (SV-3: shown to one decimal)."""
    if value is None:
        return None
    return value.quantize(ONE_DP, rounding=ROUND_HALF_UP)


def fmt(value: Decimal | None) -> str:
    return "—" if value is None else f"{q1(value)}"


@dataclass(frozen=True)
class ItemCounts:
    item: str
    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    abstained: int = 0

    @property
    def answered(self) -> int:
        return self.satisfied + self.basic + self.dissatisfied


def count_answers(items: Sequence[str], sheets: Iterable[Mapping[str, Iterable[str]]]) -> list[ItemCounts]:
    """Count each item's answers over the returned sheets.

    SV-3: an item left blank or with two or more choices is an abstention.
    """
    tally = {item: dict.fromkeys((*CHOICES, "abstained"), 0) for item in items}
    for sheet in sheets:
        for item in items:
            ticked = {c for c in (sheet.get(item) or ()) if c in CHOICES}
            key = next(iter(ticked)) if len(ticked) == 1 else "abstained"  # SV-3
            tally[item][key] += 1
    return [ItemCounts(item, t[SATISFIED], t[BASIC], t[DISSATISFIED], t["abstained"]) for item, t in tally.items()]


def raw_rate(satisfied: int, basic: int, dissatisfied: int) -> Decimal | None:
    """SV-3: (S + B) ÷ (S + B + D) × 100, exact; None when nobody answered."""
    total = satisfied + basic + dissatisfied
    if not total:
        return None
    return Decimal(satisfied + basic) * HUNDRED / Decimal(total)


@dataclass(frozen=True)
class Rate:
    item: str | None  # None for the overall rate
    satisfied: int
    basic: int
    dissatisfied: int
    raw: Decimal | None  # exact
    adjusted: Decimal | None  # exact, after penalty, never below 0

    @property
    def raw_display(self) -> Decimal | None:
        return q1(self.raw)

    @property
    def adjusted_display(self) -> Decimal | None:
        return q1(self.adjusted)


@dataclass(frozen=True)
class Result:
    items: list[Rate]
    overall: Rate
    issued: int
    returned: int
    return_rate: Decimal | None
    threshold_pct: Decimal
    shortfall_points: int
    penalty: Decimal
    per_point: Decimal = field(default=Decimal("5"))

    def explain(self, rate: Rate | None = None) -> str:
        """The arithmetic as text a manager can check by hand (SV-3)."""
        r = rate or self.overall
        if r.raw is None:
            head = _("无有效答卷，满意率无法计算")
        else:
            head = (
                f"({r.satisfied} + {r.basic}) ÷ ({r.satisfied} + {r.basic} + {r.dissatisfied}) × 100% = {fmt(r.raw)}%"
            )
        if self.return_rate is None:
            tail = _("发放 0 份，回收率无法计算，不扣分")
        elif self.shortfall_points:
            tail = _("回收率 %(rr)s%%，低于 %(th)s%% %(pts)s 个百分点，扣 %(pen)s 分") % {
                "rr": fmt(self.return_rate),
                "th": _num(self.threshold_pct),
                "pts": self.shortfall_points,
                "pen": _num(self.penalty),
            }
            if r.adjusted is not None:
                tail += f" → {fmt(r.adjusted)}%"
        else:
            tail = _("回收率 %(rr)s%%，不低于 %(th)s%%，不扣分") % {
                "rr": fmt(self.return_rate),
                "th": _num(self.threshold_pct),
            }
        return f"{head}；{tail}"


def _num(d: Decimal) -> str:
    return f"{d.normalize():f}"


def shortfall(return_rate: Decimal | None, threshold_pct: Decimal) -> int:
    """SV-3: whole percentage points below the threshold (58.5% → 1, 55.0% → 5)."""
    if return_rate is None or return_rate >= threshold_pct:
        return 0
    return int((threshold_pct - return_rate).to_integral_value(rounding=ROUND_FLOOR))


def satisfaction(
    counts: Sequence[ItemCounts],
    *,
    issued: int,
    returned: int,
    threshold_pct: Decimal = Decimal("60"),
    penalty_points: Decimal = Decimal("5"),
) -> Result:
    """Satisfaction per item and overall, with the return-rate penalty (SV-3)."""
    return_rate = Decimal(returned) * HUNDRED / Decimal(issued) if issued else None
    points = shortfall(return_rate, threshold_pct)
    penalty = penalty_points * points

    def make(item, s, b, d):
        raw = raw_rate(s, b, d)
        adjusted = None if raw is None else max(Decimal(0), raw - penalty)  # never below 0
        return Rate(item, s, b, d, raw, adjusted)

    items = [make(c.item, c.satisfied, c.basic, c.dissatisfied) for c in counts]
    overall = make(
        None,
        sum(c.satisfied for c in counts),
        sum(c.basic for c in counts),
        sum(c.dissatisfied for c in counts),
    )  # SV-3 settled: overall = same formula over all items' counts added together
    return Result(items, overall, issued, returned, return_rate, threshold_pct, points, penalty, penalty_points)


@dataclass(frozen=True)
class ParetoRow:
    item: str
    dissatisfied: int
    share: Decimal  # % of all dissatisfied answers, exact
    cumulative: Decimal  # exact
    key: bool


def pareto(counts: Sequence[ItemCounts], *, key_pct: Decimal = Decimal("80")) -> list[ParetoRow]:
    """SV-4 Pareto rows: dissatisfied counts descending, cumulative %, key items."""
    if not counts:
        return []
    # sorted() is stable: ties keep the survey's item order (SV-4 settled)
    ordered = sorted(counts, key=lambda c: -c.dissatisfied)
    total = sum(c.dissatisfied for c in ordered)
    rows: list[ParetoRow] = []
    running = 0
    for i, c in enumerate(ordered):
        running += c.dissatisfied
        share = Decimal(c.dissatisfied) * HUNDRED / total if total else Decimal(0)
        cumulative = Decimal(running) * HUNDRED / total if total else Decimal(0)
        key = c.dissatisfied > 0 and (cumulative <= key_pct or i == 0)  # SV-4
        rows.append(ParetoRow(c.item, c.dissatisfied, share, cumulative, key))
    return rows
