"""Service-desk KPIs for a month and a community (RC-3, RC-4, RC-8, RC-9), computed from what happened.

Nothing here is typed in: every figure is counted from tickets, callbacks and their `Deadline`
rows, as of `now`. A month is the calendar month in Asia/Shanghai (a ticket received at
2026-10-31 23:30 local time belongs to October). A rate is numerator ÷ denominator × 100,
rounded half up to one decimal; it is None when nothing counts yet. "Met" compares the shown
(rounded) rate with the target, so the page never says 95.0% ✗ against a 95% target.

Definitions (the KPI page shows the same text, so a manager can recount by hand):

- 零修及时率 repair timeliness (RC-8, target policy RC-8.timeliness_pct): repairs received in
  the month, not cancelled. A repair counts once its service-level clocks are decided: all its
  RC-8 deadlines (the 2-hour response, the 3-day civil completion, and the response of any
  return visit) are met or past due — or one of them is already late or overdue, which decides
  it as untimely at once. Timely = every RC-8 deadline met on time.
- 零修合格率 repair pass rate (RC-8, target RC-8.pass_pct): repairs whose first check took
  place in the month; passed = the first check passed (Ticket.check_passed keeps the first
  result). The first check's time is Ticket.checked_at when it passed; when it failed, the
  return's response clock was started at that moment, so it is that deadline's start.
- 投诉答复及时率 complaint reply on time (RC-3, target 100%: "every complaint gets a reply
  within 72 hours"): complaints received in the month, not cancelled, whose first RC-3 deadline
  is met or past due; on time = that first deadline met by its due time.
- 投诉回访率 complaint callback rate (RC-9, target RC-9.complaint_callback_pct): complaint
  callbacks due in the month (not-yet-due ones excluded), plus callbacks that fell due in an
  earlier month and are still not done (they count against every month until done); done =
  the callback is recorded.
- 维修回访及时率 repair callback on time (RC-4, target 100%: every callback within its limit):
  repair callbacks due in the month (not-yet-due ones excluded, sampled-out special services
  excluded); on time = recorded by the due time.
- 特约服务回访率 special-service callback rate (RC-9, target RC-9.special_callback_pct):
  special-service tickets closed in the month; called back = a callback was recorded.

Each KPI is one aggregate query whatever the volume, grouped by month and, when asked, by
community or technician, so the trend, the comparison of communities and the per-technician
table cost a handful of queries too. The KPI page (core.views_kpi) reads them through the
indicator registry (`figures`, registered in registrations.py); the per-technician table is the
service desk's own page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.indicators import Figure, percent, ratio
from guanjia.core.indicators import targets as policy_targets
from guanjia.core.models import Deadline
from guanjia.core.periods import MONTH, Period
from guanjia.core.registry import Indicator, indicator

from .choices import Kind, Status
from .models import Callback, Ticket

REPAIR_TIMELINESS = "repair_timeliness"
REPAIR_PASS = "repair_pass"
COMPLAINT_REPLY = "complaint_reply"
COMPLAINT_CALLBACK = "complaint_callback"
REPAIR_CALLBACK = "repair_callback"
SPECIAL_CALLBACK = "special_callback"

RC8_RULES = ("RC-8.response", "RC-8.civil")
# RC-3 and RC-4 say "every": there is no tunable percentage, the target is all of them.
EVERY = Decimal(100)
JUST_BEFORE = dt.timedelta(seconds=1)


@dataclass(frozen=True)
class KpiSpec:
    code: str
    label: str
    rule: str
    target_key: str | None
    definition: str


SPECS: tuple[KpiSpec, ...] = (
    KpiSpec(
        REPAIR_TIMELINESS,
        _("零修及时率"),
        "RC-8",
        "RC-8.timeliness_pct",
        _(
            "本月受理的报修（已取消的除外）中，时限已到期或已完成的工单数为分母；"
            "所有 RC-8 时限（响应、土建完工、返修响应，时长见规则参数）均按时完成的为分子。"
            "任一时限超时即计为不及时。"
        ),
    ),
    KpiSpec(
        REPAIR_PASS,
        _("零修合格率"),
        "RC-8",
        "RC-8.pass_pct",
        _("本月首次验收的报修工单数为分母，首次验收即合格的为分子（返修后合格不计入合格）。"),
    ),
    KpiSpec(
        COMPLAINT_REPLY,
        _("投诉答复及时率"),
        "RC-3",
        None,
        _("本月受理的投诉（已取消的除外）中，首次答复时限（规则参数 RC-3）已到期或已答复的为分母；按时答复的为分子。"),
    ),
    KpiSpec(
        COMPLAINT_CALLBACK,
        _("投诉回访率"),
        "RC-9",
        "RC-9.complaint_callback_pct",
        _("本月到期的投诉回访，加上以前到期仍未回访的，为分母；已回访的为分子。"),
    ),
    KpiSpec(
        REPAIR_CALLBACK,
        _("维修回访及时率"),
        "RC-4",
        None,
        _("本月到期的维修回访（未抽中的特约服务除外）为分母；在时限内完成回访的为分子。"),
    ),
    KpiSpec(
        SPECIAL_CALLBACK,
        _("特约服务回访率"),
        "RC-9",
        "RC-9.special_callback_pct",
        _("本月关闭的特约服务工单为分母；做过回访的为分子。"),
    ),
)
SPEC_BY_CODE = {spec.code: spec for spec in SPECS}
TECHNICIAN_CODES = (REPAIR_TIMELINESS, REPAIR_PASS)


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str
    rule: str
    definition: str
    numerator: int
    denominator: int
    rate: Decimal | None
    target: Decimal
    met: bool | None

    @property
    def arithmetic(self) -> str:
        """ "47 / 49 = 95.9%", or "0 / 0" when nothing counts yet."""
        return ratio(self.numerator, self.denominator).arithmetic

    @property
    def target_label(self) -> str:
        return f"≥{self.target.normalize():f}%"


def make_kpi(code: str, numerator: int, denominator: int, target: Decimal) -> Kpi:
    spec = SPEC_BY_CODE[code]
    value = percent(numerator, denominator)
    return Kpi(
        code=code,
        label=str(spec.label),
        rule=spec.rule,
        definition=str(spec.definition),
        numerator=numerator,
        denominator=denominator,
        rate=value,
        target=target,
        met=None if value is None else value >= target,
    )


# --- months ------------------------------------------------------------------------------


def _tz():
    return timezone.get_default_timezone()


def _bucket(value) -> Period:
    """The month a TruncMonth value names (an aware datetime, or a date on some backends)."""
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = value.date()
    return Period.of(MONTH, value)


# --- counting ----------------------------------------------------------------------------

Counts = dict[tuple[Period, object], tuple[int, int]]


def _ticket_type():
    return ContentType.objects.get_for_model(Ticket)


def ticket_deadlines(rules: Iterable[str]):
    """The deadlines of the outer ticket (Deadline.subject_id is text: compare with the cast pk)."""
    return Deadline.objects.filter(
        subject_type=_ticket_type(),
        subject_id=Cast(OuterRef("pk"), output_field=CharField()),
        rule__in=list(rules),
    )


def _month_of(field: str):
    return TruncMonth(field, tzinfo=_tz())


def _due_month_of(field: str):
    """The month of a due time: a limit ending at 24:00 on 31 October (stored as 1 November 00:00) is October's."""
    return TruncMonth(ExpressionWrapper(F(field) - JUST_BEFORE, output_field=DateTimeField()), tzinfo=_tz())


def _in_window(field: str, start, end, *, due: bool = False) -> Q:
    if due:
        return Q(**{f"{field}__gt": start, f"{field}__lte": end})
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _grouped(qs, field: str, group, start, end, num_q: Q, den_q: Q | None = None, *, due: bool = False) -> list[dict]:
    keys = ["bucket", *([group] if group else [])]
    return list(
        qs.filter(_in_window(field, start, end, due=due))
        .annotate(bucket=_due_month_of(field) if due else _month_of(field))
        .values(*keys)
        .annotate(num=Count("pk", filter=num_q), den=Count("pk", filter=den_q) if den_q is not None else Count("pk"))
        .order_by()
    )


def _as_counts(rows: list[dict], group: str | None) -> Counts:
    counts: Counts = defaultdict(lambda: (0, 0))
    for row in rows:
        key = (_bucket(row["bucket"]), row[group] if group else None)
        num, den = counts[key]
        counts[key] = (num + row["num"], den + row["den"])
    return counts


def _repair_timeliness(base, group, start, end, now) -> Counts:
    # RC-8: every service-level clock of the repair met on time; one late or overdue decides it as untimely.
    deadlines = ticket_deadlines(RC8_RULES).filter(cancelled_at__isnull=True)
    failed = Exists(deadlines.filter(Q(met_at__gt=F("due_at")) | Q(met_at__isnull=True, due_at__lt=now)))
    undecided = Exists(deadlines.filter(met_at__isnull=True, due_at__gte=now))
    counted = Q(Exists(deadlines))
    repairs = base.filter(kind=Kind.REPAIR).exclude(status=Status.CANCELLED)
    rows = _grouped(
        repairs,
        "received_at",
        group,
        start,
        end,
        num_q=counted & ~Q(failed) & ~Q(undecided),
        den_q=counted & (Q(failed) | ~Q(undecided)),
    )
    return _as_counts(rows, group)


def _repair_pass(base, group, start, end, now) -> Counts:
    # RC-8: the first check decides. A failed first check started the return's response clock at that moment.
    returns = (
        ticket_deadlines(["RC-8.response"])
        .filter(starts_at__gt=OuterRef("clock_starts_at"))
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    checked = base.filter(kind=Kind.REPAIR, check_passed__isnull=False).annotate(
        first_checked_at=Coalesce(Subquery(returns), F("checked_at"))
    )
    rows = _grouped(checked, "first_checked_at", group, start, end, num_q=Q(check_passed=True))
    return _as_counts(rows, group)


def _complaint_reply(base, group, start, end, now) -> Counts:
    # RC-3: the first reply clock of each complaint (a reopened complaint's second clock does not count again).
    first = ticket_deadlines(["RC-3"]).filter(cancelled_at__isnull=True).order_by("id")
    complaints = (
        base.filter(kind=Kind.COMPLAINT)
        .exclude(status=Status.CANCELLED)
        .annotate(
            reply_due=Subquery(first.values("due_at")[:1]),
            reply_met=Subquery(first.values("met_at")[:1]),
        )
    )
    rows = _grouped(
        complaints,
        "received_at",
        group,
        start,
        end,
        num_q=Q(reply_met__isnull=False, reply_met__lte=F("reply_due")),
        den_q=Q(reply_met__isnull=False) | Q(reply_due__lt=now),
    )
    return _as_counts(rows, group)


def _callbacks(base_callbacks, kind: str):
    return base_callbacks.filter(ticket__kind=kind, skipped=False)


def _complaint_callback(base_callbacks, group, start, end, now) -> Counts:
    """RC-9: due in the month (and already due), plus earlier ones still pending (carried over)."""
    callbacks = _callbacks(base_callbacks, Kind.COMPLAINT)
    keys = ["bucket", *([group] if group else [])]
    due_now = Q(done_at__isnull=False) | Q(due_at__lte=now)
    rows = list(
        callbacks.filter(_in_window("due_at", start, end, due=True) | Q(due_at__lte=start, done_at__isnull=True))
        .annotate(bucket=_due_month_of("due_at"))
        .values(*keys)
        .annotate(
            num=Count("pk", filter=Q(done_at__isnull=False)),
            den=Count("pk", filter=due_now),
            pending=Count("pk", filter=Q(done_at__isnull=True) & due_now),
        )
        .order_by()
    )
    first, last = Period.of(MONTH, start), Period.of(MONTH, end - JUST_BEFORE)
    counts: Counts = defaultdict(lambda: (0, 0))
    pending_by_group: dict[object, list[tuple[Period, int]]] = defaultdict(list)
    for row in rows:
        month, key = _bucket(row["bucket"]), row[group] if group else None
        pending_by_group[key].append((month, row["pending"]))
        if month >= first:
            num, den = counts[(month, key)]
            counts[(month, key)] = (num + row["num"], den + row["den"])
    for key, pending in pending_by_group.items():
        for month in first.until(last):
            carried = sum(n for due_month, n in pending if due_month < month)
            if carried:
                num, den = counts[(month, key)]
                counts[(month, key)] = (num, den + carried)
    return counts


def _repair_callback(base_callbacks, group, start, end, now) -> Counts:
    # RC-4: safety 2 days, leakage 3 days, others a week: each callback against its own due time.
    rows = _grouped(
        _callbacks(base_callbacks, Kind.REPAIR),
        "due_at",
        group,
        start,
        end,
        num_q=Q(done_at__isnull=False, done_at__lte=F("due_at")),
        den_q=Q(done_at__isnull=False) | Q(due_at__lte=now),
        due=True,
    )
    return _as_counts(rows, group)


def _special_callback(base, group, start, end, now) -> Counts:
    # RC-9: special services are sampled; the rate of those closed that were called back must reach the target.
    called_back = Exists(Callback.objects.filter(ticket=OuterRef("pk"), done_at__isnull=False))
    closed = base.filter(special_service=True, status=Status.CLOSED)
    rows = _grouped(closed, "closed_at", group, start, end, num_q=Q(called_back))
    return _as_counts(rows, group)


def _counts(community_ids, first: Period, last: Period, *, group=None, codes=None, now=None) -> dict[str, Counts]:
    """{code: {(month, group value): (numerator, denominator)}} for the months first…last."""
    now = now or clock.now()
    start, end = first.bounds()[0], last.bounds()[1]
    tickets = Ticket.objects.filter(community_id__in=community_ids)
    callbacks = Callback.objects.filter(community_id__in=community_ids)
    group_ticket = {"community": "community_id", "technician": "technician_id"}.get(group) if group else None
    group_callback = {"community": "community_id", "technician": "ticket__technician_id"}.get(group) if group else None
    makers = {
        REPAIR_TIMELINESS: lambda: _repair_timeliness(tickets, group_ticket, start, end, now),
        REPAIR_PASS: lambda: _repair_pass(tickets, group_ticket, start, end, now),
        COMPLAINT_REPLY: lambda: _complaint_reply(tickets, group_ticket, start, end, now),
        COMPLAINT_CALLBACK: lambda: _complaint_callback(callbacks, group_callback, start, end, now),
        REPAIR_CALLBACK: lambda: _repair_callback(callbacks, group_callback, start, end, now),
        SPECIAL_CALLBACK: lambda: _special_callback(tickets, group_ticket, start, end, now),
    }
    return {code: makers[code]() for code in (codes or makers)}


def targets(community_ids, codes=None) -> dict[int, dict[str, Decimal]]:
    """Each community's target of each KPI, from its policies (one query for all); 100 where the rule says "every"."""
    specs = [SPEC_BY_CODE[code] for code in codes] if codes else SPECS
    stored = policy_targets([spec.target_key for spec in specs if spec.target_key], community_ids)
    return {
        cid: {spec.code: stored[cid][spec.target_key] if spec.target_key else EVERY for spec in specs}
        for cid in community_ids
    }


def _kpis_for(counts: dict[str, Counts], key, goal: dict[str, Decimal]) -> dict[str, Kpi]:
    return {code: make_kpi(code, *per_key.get(key, (0, 0)), goal[code]) for code, per_key in counts.items()}


# --- public API --------------------------------------------------------------------------


def desk_kpis(community, month: Period | dt.date, *, now: dt.datetime | None = None) -> dict[str, Kpi]:
    """Every KPI of the service desk for `community` in `month`, in SPECS order."""
    month = Period.of(MONTH, month)
    counts = _counts([community.pk], month, month, now=now)
    return _kpis_for(counts, (month, None), targets([community.pk])[community.pk])


def figures(code: str):
    """The registry's compute function of one KPI (core.registry.Indicator): {(community id, month):
    Figure} for the communities and months asked, in one query whatever their number."""

    def compute(community_ids, periods, now: dt.datetime) -> dict[tuple[int, Period], Figure]:
        months = sorted({Period.of(MONTH, p) for p in periods})
        if not months or not community_ids:
            return {}
        counts = _counts(list(community_ids), months[0], months[-1], group="community", codes=[code], now=now)[code]
        return {(cid, month): ratio(*counts.get((month, cid), (0, 0))) for cid in community_ids for month in months}

    return compute


def register_indicators() -> None:
    """QA-4: the six KPIs on the KPI page (core.registry), for roles with servicedesk.kpi; the two RC-8
    rates break down per technician on the service desk's own page."""
    for n, spec in enumerate(SPECS, start=1):
        indicator(
            Indicator(
                key=f"servicedesk.{spec.code}",
                label=spec.label,
                rule=spec.rule,
                target_policy=spec.target_key,
                compute=figures(spec.code),
                permission="servicedesk.kpi",
                definition=spec.definition,
                target=None if spec.target_key else EVERY,
                detail_url="servicedesk:kpi_technicians" if spec.code in TECHNICIAN_CODES else "",
                order=10 * n,
            )
        )


def kpis_by_technician(
    community, month: Period | dt.date, *, now: dt.datetime | None = None
) -> list[tuple[object, dict[str, Kpi]]]:
    """Repair timeliness and pass rate per technician (the ticket's technician; unassigned as None)."""
    month = Period.of(MONTH, month)
    counts = _counts([community.pk], month, month, group="technician", codes=TECHNICIAN_CODES, now=now)
    goal = targets([community.pk], TECHNICIAN_CODES)[community.pk]
    tech_ids = {key for per_key in counts.values() for (_m, key) in per_key}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[t for t in tech_ids if t is not None])}

    def sort_key(pk):
        user = users.get(pk)
        return (user is None, (user.get_full_name() or user.username) if user else "")

    return [(users.get(pk), _kpis_for(counts, (month, pk), goal)) for pk in sorted(tech_ids, key=sort_key)]


__all__ = [
    "SPECS",
    "Kpi",
    "desk_kpis",
    "figures",
    "kpis_by_technician",
    "make_kpi",
    "register_indicators",
    "targets",
]
