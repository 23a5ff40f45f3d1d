"""Complaint reports (RC-6, RC-10): the weekly statistics for staff and the monthly summary for owners.

The weekly statistics (RC-6) are for staff: counts of an ISO week's complaints by topic (the SV-7
axis shared with surveys), severity and outcome, and the week's complaints themselves.

The monthly summary (RC-10) is what owners read on the notice board: counts only, never a room
number or a name (LW-1). Its statistics are frozen into `ComplaintSummary.stats` when the summary
is prepared, so what the office manager approves is exactly what is published.

When is the summary due? RC-10: published by the 5th (policy RC-10.summary_day) of the following
month, after the office manager's approval. We compute that due time from the policy for every
month rather than opening a `Deadline` row, because a row would only exist once someone starts
the summary — exactly the month that is forgotten would have no clock. So `summary_state()`
gives every month a state: open, overdue (not published and past the due time, prepared or
not), met (published by the due time) or late (published after it). Publication is the act the
rule times; approval must precede it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.models import DeadlineState
from guanjia.core.periods import MONTH, WEEK, Period
from guanjia.core.policies import policy
from guanjia.core.topics import Topic

from .choices import Kind, Severity, Status
from .kpis import ticket_deadlines
from .models import Callback, ComplaintSummary, Ticket

# --- counting complaints -------------------------------------------------------------------


def _complaints(community, start: dt.datetime, end: dt.datetime):
    return Ticket.objects.filter(community=community, kind=Kind.COMPLAINT, received_at__gte=start, received_at__lt=end)


def _first_reply_clock():
    return ticket_deadlines(["RC-3"]).filter(cancelled_at__isnull=True).order_by("id")


def _complaint_counts(complaints, now: dt.datetime) -> dict:
    """Totals by severity and outcome, and the reply clock (RC-3): one query."""
    first = _first_reply_clock()
    live = ~Q(status=Status.CANCELLED)
    counts = complaints.annotate(
        reply_due=Subquery(first.values("due_at")[:1]),
        reply_met=Subquery(first.values("met_at")[:1]),
    ).aggregate(
        # Named n_* so they cannot clash with the fields they count (Ticket.valid).
        n_total=Count("pk"),
        n_cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
        n_general=Count("pk", filter=live & Q(severity=Severity.GENERAL)),
        n_major=Count("pk", filter=live & Q(severity=Severity.MAJOR)),
        n_valid=Count("pk", filter=live & Q(valid=True)),
        n_invalid=Count("pk", filter=live & Q(valid=False)),
        n_unjudged=Count("pk", filter=live & Q(valid__isnull=True)),
        n_replied=Count("pk", filter=live & Q(replied_at__isnull=False)),
        n_closed=Count("pk", filter=Q(status=Status.CLOSED)),
        n_reply_due_count=Count("pk", filter=live & (Q(reply_met__isnull=False) | Q(reply_due__lt=now))),
        n_reply_on_time=Count("pk", filter=live & Q(reply_met__isnull=False, reply_met__lte=F("reply_due"))),
    )
    counts = {key.removeprefix("n_"): value for key, value in counts.items()}
    counts["counted"] = counts["total"] - counts["cancelled"]
    counts["unresolved"] = counts["counted"] - counts["closed"]
    return counts


def _by_topic(complaints) -> list[dict]:
    """Every SV-7 topic in its fixed order, zeros included, so weeks and months compare line by line."""
    rows = {
        r["topic"]: r
        for r in complaints.exclude(status=Status.CANCELLED)
        .values("topic")
        .annotate(
            n=Count("pk"),
            n_valid=Count("pk", filter=Q(valid=True)),
            n_invalid=Count("pk", filter=Q(valid=False)),
            n_closed=Count("pk", filter=Q(status=Status.CLOSED)),
        )
        .order_by()
    }
    result = []
    for topic in Topic:
        row = rows.get(topic.value, {})
        count, closed = row.get("n", 0), row.get("n_closed", 0)
        result.append(
            {
                "topic": topic.value,
                "count": count,
                "valid": row.get("n_valid", 0),
                "invalid": row.get("n_invalid", 0),
                "closed": closed,
                "unresolved": count - closed,
            }
        )
    return result


def with_labels(by_topic: list[dict]) -> list[dict]:
    """Topic labels in the reader's language (stats store codes only)."""
    labels = dict(Topic.choices)
    return [{**row, "label": labels.get(row["topic"], row["topic"])} for row in by_topic]


@dataclass
class WeeklyComplaints:
    period: Period
    counts: dict
    by_topic: list[dict]
    tickets: object  # queryset of the week's complaints, for the staff list


def weekly_complaints(community, week: Period | dt.date, *, now: dt.datetime | None = None) -> WeeklyComplaints:
    """RC-6: the ISO week's complaint statistics (Monday 00:00 to Monday 00:00, Asia/Shanghai)."""
    now = now or clock.now()
    week = Period.of(WEEK, week)
    complaints = _complaints(community, *week.bounds())
    return WeeklyComplaints(
        period=week,
        counts=_complaint_counts(complaints, now),
        by_topic=with_labels(_by_topic(complaints)),
        tickets=complaints.select_related("room", "technician").order_by("received_at", "id"),
    )


def summary_stats(community, month: Period | dt.date, *, now: dt.datetime | None = None) -> dict:
    """RC-10: the numbers of the monthly summary for owners — counts only, no room, no name (LW-1)."""
    now = now or clock.now()
    month = Period.of(MONTH, month)
    complaints = _complaints(community, *month.bounds())
    counts = _complaint_counts(complaints, now)
    callbacks = Callback.objects.filter(ticket__in=complaints.exclude(status=Status.CANCELLED), skipped=False)
    called = callbacks.aggregate(
        due=Count("pk", filter=Q(done_at__isnull=False) | Q(due_at__lt=now)),
        done=Count("pk", filter=Q(done_at__isnull=False)),
    )
    return {
        "month": month.key,
        # The limits in force when the figures were taken: what the published text says they were measured against.
        "reply_hours": policy(community, "RC-3.reply_hours"),
        "as_of": timezone.localtime(now).isoformat(timespec="minutes"),
        "total": counts["counted"],
        "general": counts["general"],
        "major": counts["major"],
        "valid": counts["valid"],
        "invalid": counts["invalid"],
        "unjudged": counts["unjudged"],
        "replied": counts["replied"],
        "reply_on_time": counts["reply_on_time"],
        "reply_due": counts["reply_due_count"],
        "closed": counts["closed"],
        "unresolved": counts["unresolved"],
        "callback_due": called["due"],  # RC-9: complaints called back, of those due so far
        "callback_done": called["done"],
        "by_topic": _by_topic(complaints),
    }


def summary_statements(stats: dict, community) -> list[str]:
    """The published summary's sentences, each built from its own figures (RC-10): it never claims
    more than they show ("72 小时内答复 3 / 4", never "every complaint answered within 72 hours" when
    one was late). The console page, the PDF and the owners' page print these same sentences.

    Summaries frozen before a figure existed simply leave its sentence out."""
    hours = stats.get("reply_hours") or policy(community, "RC-3.reply_hours")
    total = stats.get("total", 0)
    lines = [_("投诉电话 24 小时开通（RC-3）。")]
    if not total:
        lines.append(_("本月未收到投诉。"))
        return lines
    due, on_time = stats.get("reply_due", 0), stats.get("reply_on_time", 0)
    reply = _("%(h)s 小时内答复 %(on)s / %(due)s") % {"h": hours, "on": on_time, "due": due}
    if on_time == due == total:
        reply += _("：每件投诉均在 %(h)s 小时内答复。") % {"h": hours}
    elif due < total:
        reply += _("（另有 %(n)s 件尚未到答复期限）。") % {"n": total - due}
    else:
        reply += _("（%(n)s 件未在 %(h)s 小时内答复）。") % {"n": due - on_time, "h": hours}
    lines.append(reply)
    if "callback_due" in stats:
        lines.append(_("已回访 %(done)s / %(due)s。") % {"done": stats["callback_done"], "due": stats["callback_due"]})
    lines.append(
        _("已处理完毕 %(closed)s 件，尚未解决 %(open)s 件。")
        % {"closed": stats.get("closed", 0), "open": stats.get("unresolved", 0)}
    )
    return lines


def private_words(community, month: Period | dt.date) -> list[str]:
    """Room codes and reporters' names of the month's complaints: none may appear in a published text (LW-1)."""
    complaints = _complaints(community, *Period.of(MONTH, month).bounds())
    words = set()
    for code, room_number, reporter, person in complaints.values_list(
        "room__code", "room__number", "reporter_name", "reporter__name"
    ):
        words.update(w for w in (code, reporter, person) if w and len(w) >= 2)
        if room_number and len(room_number) >= 3:
            words.add(room_number)
    return sorted(words, key=len, reverse=True)


# --- the due time of the monthly summary ---------------------------------------------------


def summary_due(community, month: Period | dt.date) -> dt.datetime:
    """24:00 of the RC-10.summary_day-th (the 5th) of the month after `month`."""
    return Period.of(MONTH, month).due_on_day(policy(community, "RC-10.summary_day"))


def summary_state(summary: ComplaintSummary | None, due: dt.datetime, now: dt.datetime | None = None) -> DeadlineState:
    """Open / overdue / met / late, from the clock and the publication time (see the module docstring)."""
    now = now or clock.now()
    if summary is not None and summary.published_at:
        return DeadlineState.MET if summary.published_at <= due else DeadlineState.LATE
    return DeadlineState.OVERDUE if now > due else DeadlineState.OPEN


def summary_stage(summary: ComplaintSummary | None) -> str:
    if summary is None:
        return _("未编制")
    if summary.published_at:
        return _("已公布")
    if summary.approved_at:
        return _("已批准，待公布")
    return _("待经理批准")


def recent_summaries(community, months: list[Period], now: dt.datetime | None = None) -> list[dict]:
    """The given months with their summary, stage and due state (one query)."""
    found = {
        s.month: s for s in ComplaintSummary.objects.filter(community=community, month__in=[m.start for m in months])
    }
    day = policy(community, "RC-10.summary_day")
    rows = []
    for month in months:
        summary = found.get(month.start)
        due = month.due_on_day(day)
        rows.append(
            {
                "month": month,
                "key": month.key,
                "label": month.label,
                "summary": summary,
                "stage": summary_stage(summary),
                "due": due,
                "state": summary_state(summary, due, now),
            }
        )
    return rows


__all__ = [
    "WeeklyComplaints",
    "private_words",
    "recent_summaries",
    "summary_due",
    "summary_stats",
    "summary_state",
    "summary_statements",
    "weekly_complaints",
    "with_labels",
]
