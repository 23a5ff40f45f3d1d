"""The monthly visit summary for the director (VS-5) as it is read: the figures, computed from the
month's visits and never typed (one query for the visits, plus the VS-1 progress), the month's
duty with its clock, and the director's approval."""

import datetime as dt
from dataclasses import dataclass, field

from guanjia.core import approvals, clock, duties, periods
from guanjia.core.approval_models import Approval, ApprovalOutcome, ApprovalStatus
from guanjia.core.models import Deadline
from guanjia.core.periods import Period
from guanjia.core.topics import Topic

from . import selectors, visits
from .choices import VisitForm
from .models import Visit, VisitSummary
from .services import SUMMARY


@dataclass
class MonthFigures:
    period: Period
    progress: visits.Progress
    visits: list = field(default_factory=list)
    total: int = 0
    callbacks: int = 0
    by_form: list = field(default_factory=list)  # [(label, n)] in VisitForm order
    by_topic: list = field(default_factory=list)  # [(label, n)] in Topic order, only topics heard
    signed: int = 0
    refused: int = 0
    unsigned: int = 0
    feedback_owed: int = 0
    feedback_given: int = 0
    feedback_pending: int = 0
    tickets: int = 0
    key_customers: list = field(default_factory=list)
    opinions: list = field(default_factory=list)
    beyond_authority: list = field(default_factory=list)

    @property
    def key_customer_count(self) -> int:
        return len(self.key_customers)

    @property
    def label(self) -> str:
        return self.period.label


def month_figures(community, month: Period | dt.date) -> MonthFigures:
    """VS-5: everything the director reads about the month's visits (callbacks listed but not
    counted against the VS-1 quota)."""
    month = Period.of(periods.MONTH, month)
    start, end = month.bounds()
    rows = list(
        selectors.visits_with_related(
            Visit.objects.filter(community=community, visited_at__gte=start, visited_at__lt=end)
        ).order_by("visited_at", "id")
    )
    figures = MonthFigures(period=month, progress=visits.progress(community, month))
    figures.visits = rows
    figures.total = len(rows)
    figures.callbacks = sum(v.is_callback for v in rows)
    forms = dict.fromkeys(VisitForm.values, 0)
    topics = dict.fromkeys(Topic.values, 0)
    for v in rows:
        forms[v.form] = forms.get(v.form, 0) + 1
        for t in v.topics:
            if t in topics:
                topics[t] += 1
    labels = dict(VisitForm.choices)
    figures.by_form = [(str(labels[k]), n) for k, n in forms.items() if k in labels]
    topic_labels = dict(Topic.choices)
    figures.by_topic = [(str(topic_labels[k]), n) for k, n in topics.items() if n]
    figures.signed = sum(v.signed for v in rows)
    figures.refused = sum(v.signature_refused for v in rows)
    figures.unsigned = figures.total - figures.signed - figures.refused
    figures.feedback_owed = sum(v.feedback_owed for v in rows)
    figures.feedback_given = sum(v.feedback_given_at is not None for v in rows)
    figures.feedback_pending = sum(v.feedback_pending for v in rows)
    figures.tickets = sum(v.ticket_id is not None for v in rows)
    figures.key_customers = [v for v in rows if v.key_customer]  # VS-6
    figures.opinions = [v for v in rows if v.opinions]
    figures.beyond_authority = [v for v in rows if v.beyond_authority]  # VS-5: to the complaint centre
    return figures


def summary_of(community, month: Period) -> VisitSummary | None:
    return VisitSummary.objects.select_related("submitted_by").filter(community=community, month=month.start).first()


def summary_duty(community, month: Period, now: dt.datetime | None = None) -> Deadline | None:
    """The month's VS-5 occurrence with its `state` from the clock, or None while it is not owed
    (the month is not over, or is older than the calendar opens for a community).

    Read first: the occurrences are opened by the calendar (`duties_open`, idempotent), here on
    read when the month's row is missing, so the page never depends on a job having run."""
    now = now or clock.now()
    rows = Deadline.objects.with_state(now).filter(community=community, duty=SUMMARY, period=month.key)
    row = rows.first()
    if row is None and month.has_ended(now) and duties.duties_open([community], now=now, keys=[SUMMARY]):
        row = rows.first()
    return row


def summary_due(community, month: Period, row: Deadline | None = None) -> dt.datetime:
    """24:00 of the 5th (VS-5.summary_day) of the next month: the occurrence's, or the duty's rule."""
    return row.due_at if row is not None else duties.duty_of(SUMMARY).due(community, month)


def approval_of(summary: VisitSummary | None) -> Approval | None:
    return approvals.current_approval(summary, SUMMARY) if summary is not None else None


def approvers(approval: Approval | None) -> list:
    """Who approved which step and when (the PDF's sign-off), in chain order; [] unless approved."""
    if approval is None or approval.status != ApprovalStatus.APPROVED:
        return []
    return list(
        approval.decisions.filter(outcome=ApprovalOutcome.APPROVE).select_related("decided_by").order_by("position")
    )


__all__ = [
    "MonthFigures",
    "approval_of",
    "approvers",
    "month_figures",
    "summary_due",
    "summary_duty",
    "summary_of",
]
