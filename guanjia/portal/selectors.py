"""Reads of the owner portal: a portal user sees the tickets of the households they belong to, nothing else."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from guanjia.core import clock, workdays
from guanjia.core.models import ActivityLog, Deadline
from guanjia.servicedesk.choices import RepairCategory, Status
from guanjia.servicedesk.models import Ticket, TicketPhoto
from guanjia.servicedesk.service_levels import AT_ONCE, ReceptionHours

from .templatetags.portal_tags import when

OPEN_STATUSES = [s for s in Status.values if s not in (Status.CLOSED, Status.CANCELLED)]


def owner_tickets(user):
    """Tickets of the rooms `user` belongs to now. Another household's ticket is simply not in here (a 404)."""
    return Ticket.objects.for_owner(user, via="room")


def open_ticket_counts(user) -> dict[int, int]:
    """room id → number of tickets still being handled."""
    from django.db.models import Count

    rows = owner_tickets(user).filter(status__in=OPEN_STATUSES).values("room_id").annotate(n=Count("id"))
    return {row["room_id"]: row["n"] for row in rows}


def pending_deadlines(tickets) -> dict[int, list[Deadline]]:
    """ticket id → its open deadlines (RC-8 response, RC-8 civil works, RC-3 reply), in one query."""
    tickets = list(tickets)
    if not tickets:
        return {}
    rows = Deadline.objects.pending().filter(
        subject_type=ContentType.objects.get_for_model(Ticket), subject_id__in=[str(t.pk) for t in tickets]
    )
    found: dict[int, list[Deadline]] = {}
    for row in rows.order_by("due_at", "id"):
        found.setdefault(int(row.subject_id), []).append(row)
    return found


def _hours(deadline: Deadline) -> int:
    return round((deadline.due_at - deadline.starts_at).total_seconds() / 3600)


def _days(deadline: Deadline) -> int:
    """A day-based limit's length as the rule counts it: from the day after its start to its last day
    (RC-8 civil works "3 天内" is 3 however late in the day it was reported, never 4 by rounding hours)."""
    last_day, _hhmm = workdays.deadline_parts(deadline.due_at)
    return (last_day - workdays.local_date(deadline.starts_at)).days


@dataclass
class Expectation:
    text: str
    due_at: dt.datetime
    late: bool


def expectations(
    ticket: Ticket, deadlines: list[Deadline], now=None, reception: dict | None = None
) -> list[Expectation]:
    """What the owner may expect and by when, read from the ticket's deadlines (RC-8, RC-3, RC-2, RC-5).

    `reception`: a {community id: ReceptionHours} cache shared by the tickets of one page."""
    now = now or clock.now()
    reception = {} if reception is None else reception

    def out_of_hours(moment) -> bool:
        if ticket.community_id not in reception:
            community = ticket.room.community if ticket.room_id else ticket.community  # the page loads the room's
            reception[ticket.community_id] = ReceptionHours(community)
        return not reception[ticket.community_id].contains(moment)

    result = []
    for deadline in deadlines:
        if deadline.rule == "RC-8.response":
            text = _("预计 %(h)s 小时内响应") % {"h": _hours(deadline)}
            if ticket.clock_starts_at > ticket.received_at and deadline.starts_at == ticket.clock_starts_at:
                # Reported outside reception hours: the clock starts at opening time (RC-2).
                text = _("非接待时间报修，%(start)s 起计时，%(text)s") % {
                    "start": when(ticket.clock_starts_at),
                    "text": text,
                }
            elif (
                ticket.category in AT_ONCE
                and deadline.starts_at == ticket.received_at
                and out_of_hours(ticket.received_at)
            ):
                # Outside reception hours, but repaired on report / an emergency: at once (RC-2, RC-8).
                text = _("%(why)s，立即计时，%(text)s") % {
                    "why": _("紧急抢修 24 小时受理")
                    if ticket.category == RepairCategory.EMERGENCY
                    else _("水电、电梯故障随报随修"),
                    "text": text,
                }
        elif deadline.rule == "RC-8.civil":
            text = _("土建维修 %(d)s 天内完成") % {"d": _days(deadline)}
        elif deadline.rule == "RC-3":
            text = _("%(h)s 小时内答复") % {"h": _hours(deadline)}
        elif deadline.rule == "RC-5.issue":
            text = _("回访发现的问题，管理处将书面通知维修师傅整改")
        else:
            continue
        result.append(Expectation(text=text, due_at=deadline.due_at, late=deadline.due_at < now))
    return result


# --- The progress timeline: only what an owner should see ------------------------------------


@dataclass
class Step:
    at: dt.datetime
    text: str
    detail: str = ""
    tone: str = ""


def _staff_name(user) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or "").strip()


def timeline(ticket: Ticket) -> list[Step]:
    """The ticket's progress from its activity log, worded for the owner.

    Only a whitelist of events is shown, never the internal notes of a failed check or the names of
    desk staff; the technician is named (the owner opens the door to them)."""
    entries = list(
        ActivityLog.objects.filter(
            subject_type=ContentType.objects.get_for_model(Ticket), subject_id=str(ticket.pk)
        ).order_by("at", "id")
    )
    technician_ids = {e.data.get("technician") for e in entries if e.verb == "servicedesk.ticket.dispatched"}
    technicians = get_user_model().objects.in_bulk([pk for pk in technician_ids if pk])
    steps = []
    for entry in entries:
        verb = entry.verb.rsplit(".", 1)[-1]
        if verb == "received":
            steps.append(Step(entry.at, _("已受理"), _("工单号 %(n)s") % {"n": ticket.number}))
        elif verb == "dispatched":
            name = _staff_name(technicians.get(entry.data.get("technician")))
            detail = _("维修师傅：%(name)s") % {"name": name} if name else ""
            steps.append(Step(entry.at, _("已派单给维修师傅"), detail))
        elif verb == "arrived":
            steps.append(Step(entry.at, _("维修师傅已到场")))
        elif verb == "completed":
            steps.append(Step(entry.at, _("维修完工"), tone="green"))
        elif verb == "passed":
            steps.append(Step(entry.at, _("验收合格"), tone="green"))
        elif verb == "failed":
            steps.append(Step(entry.at, _("验收未通过，已安排返修"), tone="amber"))
        elif verb == "replied":
            steps.append(Step(entry.at, _("管理处已答复"), tone="green"))
        elif verb == "escalated":
            steps.append(Step(entry.at, _("已由管理处经理亲自处理")))
        elif verb == "rated":
            steps.append(Step(entry.at, _("您已确认并评价")))
        elif verb == "closed":
            steps.append(Step(entry.at, _("工单已办结"), tone="green"))
        elif verb == "cancelled":
            steps.append(Step(entry.at, _("工单已取消"), ticket.cancel_reason, tone="grey"))
    for callback in ticket.callbacks.all():
        if callback.done_at:
            verdict = _("满意") if callback.satisfied else _("不满意")
            steps.append(
                Step(
                    callback.done_at,
                    _("管理处回访（%(method)s）：%(verdict)s")
                    % {"method": callback.get_method_display(), "verdict": verdict},
                    callback.remarks,
                    tone="green" if callback.satisfied else "amber",
                )
            )
    for notice in (n for callback in ticket.callbacks.all() for n in callback.rectification_notices.all()):
        steps.append(
            Step(
                notice.issued_at,
                _("已下达整改通知书 %(n)s") % {"n": notice.number},
                _("限 %(due)s 前整改完毕") % {"due": workdays.deadline_text(notice.due_at, "phone")},
                tone="amber",
            )
        )
        if notice.closed_at:
            steps.append(Step(notice.closed_at, _("整改完成"), tone="green"))
    steps.sort(key=lambda s: s.at)
    return steps


def owner_photos(user):
    """Photos of the tickets the owner may see."""
    return TicketPhoto.objects.for_owner(user, via="ticket__room")
