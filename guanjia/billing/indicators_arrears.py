"""The fee office's QA-4 indicators (FE-1, FE-2, FE-3), computed from the ledger, never typed in.

- FE-1.collection 物业费当期收缴率: received for the period's bills ÷ (billed for the period − credits).
  Received = what payments and prepayment draws settled on lines of the period (BillLine.period), net
  of reversals (a voided receipt's negative rows), up to now — on each line amount − open_amount −
  credited, kept by services.ledger, so one query over the lines; billed = the period's bill lines
  (BillLine.period), property fees and the like (not collected on behalf); credits = credit notes
  allocated to those lines, shown apart. Late charges are not in it; what the developer owes for rooms
  not yet handed over is left out and shown apart; deposits never count (they settle no line).
  Lines an owner disputes (an open LineDispute: its complaint ticket not yet closed) are left out of
  both sides and their amount shown apart, until the dispute is settled (issue 11: "disputed and
  developer-payable amounts shown apart").
- FE-2.utilities 代收费收缴率: the same for the utilities collected on behalf of suppliers (target 90%).
- FE-3.recovery 欠费清收率: received in the month against arrears ÷ arrears open at the month's start.
  Arrears = lines due before the month started (developer and late charges apart, as above); open at
  the start = their amounts − everything allocated to them before it (payments, draws, credits).
  Arrears carried over from the former system (BillKind.OPENING, services.opening) are opening
  arrears of the month they were imported in, and of every month after: they were owed before it.

Opening bills are not in the period collection rates: the former system billed those months, and
only what was still owed came over, so a rate over them would be no rate (they count in recovery).

Each `compute(community_ids, periods, now)` is a fixed number of grouped queries whatever the number of
communities and periods: one statement each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import BooleanField, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.indicators import Figure, percent
from guanjia.core.periods import Period
from guanjia.core.registry import Indicator

from .choices import BillKind, PayerKind
from .models import Allocation, BillLine
from .models._fields import ZERO
from .selectors_disputes import disputed_lines_q

PERMISSION = "billing.kpi"

COLLECTION_DEFINITION = gettext_lazy(
    "当期实收 ÷（当期应收 − 冲减）× 100%。当期实收：收款和预收款抵扣核销到本期账单明细的金额（扣除作废冲回）；"
    "当期应收：本期账单明细金额（不含代收水电气费、违约金、原系统结转的期初欠费）；开发建设单位应缴部分、"
    "业主有异议且正在处理的费用、押金不计入，前两项另行列示（FE-1、QA-4）。"
)
UTILITIES_DEFINITION = gettext_lazy(
    "代收水电气费：当期实收 ÷（当期应收 − 冲减）× 100%，目标不低于 90%（FE-2）；开发建设单位应缴部分、"
    "业主有异议且正在处理的费用另行列示。"
)
RECOVERY_DEFINITION = gettext_lazy(
    "本月收回的往期欠费 ÷ 月初欠费余额 × 100%。往期欠费：月初前已到缴费期限的账单明细（不含违约金、开发建设单位应缴部分），"
    "含从原系统导入的期初欠费（导入当月起计入）；月初余额：其金额减去月初前的全部核销（FE-3）。"
)

PAID = Q(payment__isnull=False) | Q(prepayment__isnull=False)
CARRIED = [BillKind.LATE_CHARGE, BillKind.OPENING]


def _money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


def _ratio(
    received: Decimal, due: Decimal, developer: Decimal, credits: Decimal | None = None, disputed: Decimal = ZERO
) -> Figure:
    rate = percent(received, due) if due > 0 else None
    parts = {"r": received, "d": due}
    if credits is not None:
        text = _("实收 %(r)s ÷（应收 %(b)s − 冲减 %(c)s）") % {**parts, "b": due + credits, "c": credits}
    else:
        text = _("实收 %(r)s ÷ 应收 %(d)s") % parts
    if rate is not None:
        text += f" = {rate}%"
    if developer:
        text += _("；开发建设单位应缴 %(x)s 元另列") % {"x": developer}
    if disputed:
        text += _("；异议处理中 %(y)s 元另列") % {"y": disputed}
    return Figure(rate, text)


def _collection(community_ids, periods, on_behalf: bool) -> dict:
    """One aggregate over the asked months' lines alone: a line carries its bill's kind, what credit
    notes took off it (`credited`) and what is still open, so what it received is amount − open −
    credited (open_amount = amount − Σ allocations, services.ledger) and no allocation need be read.
    Grouped by community, month, payer kind and dispute (a handful of rows), then folded into the
    periods asked: a line's period is the first day of its month, so each group falls in a period or
    not as a whole, whatever the periods' length."""
    ids, periods = list(community_ids), list(periods)
    if not ids or not periods:
        return {}
    # Only the months asked, so that the index billline_comm_period reads those alone (issue 11).
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    groups = (
        BillLine.objects.filter(community_id__in=ids, on_behalf=on_behalf, period__gte=first, period__lt=last)
        .exclude(bill_kind__in=CARRIED)
        .annotate(disputed=ExpressionWrapper(disputed_lines_q(), output_field=BooleanField()))
        .values("community_id", "period", "payer_kind", "disputed")
        .annotate(
            billed=Sum("amount"),
            credits=Sum("credited"),
            received=Sum(F("amount") - F("open_amount") - F("credited")),
        )
        .order_by()
    )
    sums = defaultdict(lambda: dict.fromkeys("bcrxy", ZERO))
    for g in groups:
        for p in periods:
            if not p.start <= g["period"] < p.end:
                continue
            into = sums[(g["community_id"], p)]
            if g["payer_kind"] == PayerKind.DEVELOPER:
                into["x"] += g["billed"]
            elif g["disputed"]:
                into["y"] += g["billed"]
            else:
                into["b"] += g["billed"]
                into["c"] += g["credits"]
                into["r"] += g["received"]
    out = {}
    for cid in ids:
        for p in periods:
            got, credits, developer, disputed = (_money(sums[(cid, p)][k]) for k in "rcxy")
            out[(cid, p)] = _ratio(got, _money(sums[(cid, p)]["b"]) - credits, developer, credits, disputed)
    return out


def collection(community_ids, periods, now: dt.datetime) -> dict:
    """FE-1.collection: one query."""
    return _collection(community_ids, periods, on_behalf=False)


def utilities(community_ids, periods, now: dt.datetime) -> dict:
    """FE-2.utilities: one query."""
    return _collection(community_ids, periods, on_behalf=True)


def _arrears_of(period: Period) -> Q:
    """The lines (or the allocations to lines) that are arrears of `period`: due before it began and
    billed before it began, or carried over from the former system (an opening bill) before it ended."""
    start, end = period.bounds()
    return Q(due_on__lt=period.start) & (Q(issued_at__lt=start) | Q(bill_kind=BillKind.OPENING, issued_at__lt=end))


def recovery(community_ids, periods, now: dt.datetime) -> dict:
    """FE-3.recovery: one statement (a UNION ALL of two grouped reads), each over an index range rather
    than the ledger's whole history.

    A line's amount less what was allocated to it before the month is what is open on it now plus what
    was allocated to it since (open_amount = amount − Σ allocations, kept on the line): so the opening
    arrears are the open lines (the partial index billline_open_due) plus the allocations since the
    month began (allocation_comm_at), and the month's receipts are among those allocations. An
    allocation carries what is asked of its line, so no line is joined."""
    ids, periods = list(community_ids), list(periods)
    if not ids or not periods:
        return {}
    counted = Q(payer_kind__in=[PayerKind.OWNER, PayerKind.TENANT]) & ~Q(bill_kind=BillKind.LATE_CHARGE)
    before = max(p.start for p in periods)
    nothing = Value(ZERO, output_field=DecimalField(max_digits=14, decimal_places=2))
    open_lines = BillLine.objects.filter(counted, community_id__in=ids, open_amount__gt=0, due_on__lt=before)
    since = Allocation.objects.filter(
        counted, community_id__in=ids, at__gte=min(p.bounds()[0] for p in periods), due_on__lt=before
    )
    owed, moved = {}, {}
    for n, p in enumerate(periods):
        start, end = p.bounds()
        owed[f"s{n}"] = Sum("open_amount", filter=_arrears_of(p))
        owed[f"r{n}"] = nothing
        moved[f"s{n}"] = Sum("amount", filter=_arrears_of(p) & Q(at__gte=start))
        moved[f"r{n}"] = Sum("amount", filter=_arrears_of(p) & PAID & Q(at__gte=start, at__lt=end))
    rows = (
        open_lines.values("community_id")
        .annotate(**owed)
        .order_by()
        .union(since.values("community_id").annotate(**moved).order_by(), all=True)
    )
    sums = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        for key, value in row.items():
            if key != "community_id":
                sums[row["community_id"]][key] += _money(value)
    out = {}
    for cid in ids:
        for n, p in enumerate(periods):
            opening, got = sums[cid][f"s{n}"], sums[cid][f"r{n}"]
            rate = percent(got, opening) if opening > 0 else None
            text = _("本月收回 %(r)s ÷ 月初欠费 %(o)s") % {"r": got, "o": opening}
            if rate is not None:
                text += f" = {rate}%"
            out[(cid, p)] = Figure(rate, text)
    return out


INDICATORS = (
    Indicator(
        "FE-1.collection",
        gettext_lazy("物业费当期收缴率"),
        "FE-1",
        "FE-1.collection_pct",
        collection,
        PERMISSION,
        definition=COLLECTION_DEFINITION,
        order=60,
    ),
    Indicator(
        "FE-2.utilities",
        gettext_lazy("代收费收缴率"),
        "FE-2",
        "FE-2.collection_pct",
        utilities,
        PERMISSION,
        definition=UTILITIES_DEFINITION,
        order=61,
    ),
    Indicator(
        "FE-3.recovery",
        gettext_lazy("欠费清收率"),
        "FE-3",
        None,
        recovery,
        PERMISSION,
        definition=RECOVERY_DEFINITION,
        order=62,
    ),
)
