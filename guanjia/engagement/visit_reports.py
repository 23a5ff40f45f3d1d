"""The figures of the monthly visit summary for the director (VS-5): computed from the month's
visits, never typed. One query for the visits, plus the VS-1 progress (`visits.progress`)."""

import datetime as dt
from dataclasses import dataclass, field

from guanjia.core import clock
from guanjia.core.models import DeadlineState
from guanjia.core.topics import Topic

from . import selectors, visits
from .choices import VisitForm
from .models import Visit, VisitSummary
from .services import month_label, summary_due


def parse_month(value: str | None, default: dt.date | None = None) -> dt.date:
    """'2026-11' → 2026-11-01; anything else → `default` (last month: the summary is for the past month)."""
    try:
        return dt.datetime.strptime((value or "").strip(), "%Y-%m").date()
    except ValueError:
        if default is not None:
            return default
        return (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@dataclass
class MonthFigures:
    month: dt.date
    label: str
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


def month_figures(community, month: dt.date) -> MonthFigures:
    """VS-5: everything the director reads about the month's visits (callbacks listed but not
    counted against the VS-1 quota)."""
    month = month.replace(day=1)
    start, end = visits.month_bounds(month)
    rows = list(
        selectors.visits_with_related(
            Visit.objects.filter(community=community, visited_at__gte=start, visited_at__lt=end)
        ).order_by("visited_at", "id")
    )
    figures = MonthFigures(month=month, label=month_label(month), progress=visits.progress(community, month))
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


def summary_of(community, month: dt.date) -> VisitSummary | None:
    return (
        VisitSummary.objects.select_related("submitted_by")
        .filter(community=community, month=month.replace(day=1))
        .first()
    )


def summary_state(summary: VisitSummary | None, due: dt.datetime, now: dt.datetime | None = None) -> str:
    """Open / overdue / met / late from the clock and the submission time (DESIGN.md §4)."""
    now = now or clock.now()
    if summary is not None and summary.submitted_at:
        return DeadlineState.MET if summary.submitted_at <= due else DeadlineState.LATE
    return DeadlineState.OVERDUE if now > due else DeadlineState.OPEN


__all__ = ["MonthFigures", "month_figures", "parse_month", "summary_due", "summary_of", "summary_state"]
