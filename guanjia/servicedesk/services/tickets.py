"""Tickets (RC-1, RC-2, RC-3, RC-7, RC-8, RC-11): intake and its clocks, dispatch, arrival, completion,
the check, replies, cancellation and the owner's confirmation.

Who may take an action, in which states and on what conditions is the Ticket's state machine's to say
(servicedesk.models, DESIGN.md §16): each service asks it first (`transitions.check`, refusing with its
specific message before anything is written), then checks its input and fires the transition.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import clock, transitions, uploads
from guanjia.core.access import is_staff_member, require, roles_of
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_cancel, deadline_meet, deadline_open, deadline_reassign
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.notify import notify, notify_role
from guanjia.core.numbering import next_number
from guanjia.core.roles import Role
from guanjia.core.textnorm import clean_prose, clean_text
from guanjia.core.topics import Topic

from ..choices import Channel, Kind, RepairCategory, Severity, Status
from ..models import Callback, Ticket, TicketPhoto
from ..service_levels import clock_start, intake_clocks
from ._common import _close, _now, _open_reply_deadline, _open_response_deadline, portal_person
from .callbacks import _schedule_callback

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = uploads.max_bytes(uploads.PHOTO)


def _require_may_report(actor, community, room):
    if is_staff_member(actor):
        require(actor, "servicedesk.create", community)
        return None
    person = portal_person(actor, room)
    if person is None:
        raise Forbidden("forbidden", _("您只能为自己的房屋报事。"))
    return person


def ticket_create(
    *,
    community,
    actor,
    kind: str,
    channel: str,
    description: str,
    room=None,
    area: str = "",
    reporter=None,
    reporter_name: str = "",
    reporter_phone: str = "",
    category: str = "",
    topic: str = "",
    severity: str = "",
    special_service: bool = False,
    paid: bool = False,
    price: Decimal | None = None,
    received_at: dt.datetime | None = None,
    photos=(),
) -> Ticket:
    """Take a request at the desk, by phone, in the portal … (RC-1) and start its clocks."""
    portal_reporter = _require_may_report(actor, community, room)
    if portal_reporter is not None:
        reporter, channel = portal_reporter, Channel.PORTAL
    description = (description or "").strip()
    if not description:
        raise ServiceError("invalid", _("请填写报事内容。"), field="description")
    if kind not in Kind.values:
        raise ServiceError("invalid", _("请选择报事类别。"), field="kind")
    if channel not in Channel.values:
        raise ServiceError("invalid", _("请选择受理渠道。"), field="channel")
    if room is not None and room.community_id != community.pk:
        raise ServiceError("invalid", _("房屋不属于本小区。"), field="room")
    if kind == Kind.REPAIR:
        if category not in RepairCategory.values:
            raise ServiceError("invalid", _("报修须选择维修类别。"), field="category")
        if room is None and not clean_text(area):
            raise ServiceError("invalid", _("报修须填写房屋或公共区域。"), field="room")
    else:
        category = ""
    if kind == Kind.COMPLAINT:
        if topic not in Topic.values:
            raise ServiceError("invalid", _("投诉须选择投诉事项。"), field="topic")
        severity = severity or Severity.GENERAL
    else:
        topic, severity = (topic if topic in Topic.values else ""), ""
    if paid and price is not None and price < 0:
        raise ServiceError("invalid", _("报价不能为负数。"), field="price")
    if len(photos) > MAX_PHOTOS:
        raise ServiceError("invalid", _("照片最多 %(n)s 张。") % {"n": MAX_PHOTOS}, field="photos")
    # Issue 10: checked by content, re-encoded without metadata, whichever path they came by.
    photos = [uploads.accept(photo, kind=uploads.PHOTO, field="photos") for photo in photos]
    if reporter is not None and not reporter_name:
        reporter_name = reporter.name
        if not reporter_phone:
            reporter_phone = next((p.number for p in reporter.phones.all()), "")

    received_at = _now(received_at)
    with transaction.atomic():
        ticket = Ticket(
            community=community,
            number=next_number("GD"),
            kind=kind,
            channel=channel,
            category=category,
            topic=topic,
            severity=severity,
            room=room,
            area=clean_text(area),
            reporter=reporter,
            reporter_name=clean_text(reporter_name),
            reporter_phone=clean_text(reporter_phone),
            description=description,
            special_service=special_service or paid,
            paid=paid,
            price=price,
            received_at=received_at,
            received_by=actor,
            clock_starts_at=clock_start(community, kind, category, received_at),
        )
        ticket.full_clean(exclude=["community", "room", "reporter", "received_by", "technician", "status"])
        ticket.save()
        for photo in photos:
            TicketPhoto.objects.create(community=community, ticket=ticket, image=photo, uploaded_by=actor)
        _open_intake_deadlines(ticket)
        log(
            actor,
            "servicedesk.ticket.received",
            ticket,
            household=room,
            summary=_("受理%(kind)s %(number)s") % {"kind": ticket.get_kind_display(), "number": ticket.number},
            kind=kind,
            channel=channel,
        )
        if ticket.severity == Severity.MAJOR:
            _escalate_to_manager(ticket)
    return ticket


def _open_intake_deadlines(ticket: Ticket) -> None:
    """The clocks of a new request (RC-3, RC-8), from the same service levels the desk and the portal
    announce before it is saved (service_levels.intake_clocks)."""
    clocks = {c.rule: c for c in intake_clocks(ticket.community, ticket.kind, ticket.category, ticket.clock_starts_at)}
    if "RC-8.response" in clocks:
        _open_response_deadline(ticket, ticket.clock_starts_at, _("报修响应 %(n)s") % {"n": ticket.number})
    if "RC-8.civil" in clocks:  # RC-8: civil works done within 3 days
        deadline_open(
            subject=ticket,
            rule="RC-8.civil",
            title=_("土建维修完成 %(n)s") % {"n": ticket.number},
            starts_at=ticket.clock_starts_at,
            due_at=clocks["RC-8.civil"].due_at,
            owner_role=Role.EQUIPMENT_SUPERVISOR,
            household=ticket.room_id,
        )
    if "RC-3" in clocks:
        _open_reply_deadline(ticket, ticket.clock_starts_at, _("投诉答复 %(n)s") % {"n": ticket.number})


def _escalate_to_manager(ticket: Ticket) -> None:
    """RC-7: a major complaint goes at once to the office manager, who handles it in person."""
    deadline_reassign(ticket, "RC-3", owner_role=Role.OFFICE_MANAGER)
    notify_role(
        Role.OFFICE_MANAGER,
        ticket.community,
        _("重大投诉 %(n)s，请立即处理") % {"n": ticket.number},
        body=ticket.description[:200],
        url=ticket.get_absolute_url(),
    )


def ticket_escalate(*, ticket: Ticket, actor) -> Ticket:
    """Make a complaint major (RC-7): the office manager takes it over at once."""
    transitions.check(ticket, "escalate", actor)
    with transaction.atomic():
        transitions.fire(ticket, "escalate")
        ticket.severity = Severity.MAJOR
        ticket.save(update_fields=["severity"])
        Callback.objects.filter(ticket=ticket, done_at__isnull=True).update(owner_role=Role.OFFICE_MANAGER)
        _escalate_to_manager(ticket)
        log(actor, "servicedesk.ticket.escalated", ticket, household=ticket.room_id, summary=_("升级为重大投诉"))
    return ticket


def _technician_of(technician, community) -> None:
    if Role.TECHNICIAN not in roles_of(technician, community) and Role.EQUIPMENT_SUPERVISOR not in roles_of(
        technician, community
    ):
        raise ServiceError("invalid", _("%(name)s 不是本小区的维修人员。") % {"name": technician}, field="technician")


def ticket_dispatch(*, ticket: Ticket, technician, actor) -> Ticket:
    """Send a repair to a technician (RC-8); dispatching again reassigns it."""
    transitions.check(ticket, "dispatch", actor)
    _technician_of(technician, ticket.community)
    if ticket.status == Status.DISPATCHED and ticket.technician_id == technician.pk:
        raise Conflict("already_dispatched", _("该工单已派给 %(name)s，不能重复派单。") % {"name": technician})
    with transaction.atomic():
        ticket.technician, ticket.dispatched_at = technician, clock.now()
        transitions.fire(ticket, "dispatch")
        ticket.save(update_fields=["technician", "dispatched_at", "status"])
        deadline_reassign(ticket, "RC-8.response", owner=technician)
        log(
            actor,
            "servicedesk.ticket.dispatched",
            ticket,
            household=ticket.room_id,
            summary=_("派单给 %(name)s") % {"name": technician.get_full_name() or technician.username},
            technician=technician.pk,
        )
        notify(
            technician,
            _("新派工单 %(n)s") % {"n": ticket.number},
            body=f"{ticket.room or ticket.area} {ticket.description[:100]}",
            url=ticket.get_absolute_url(),
            community=ticket.community,
        )
    return ticket


def ticket_arrive(*, ticket: Ticket, actor, at: dt.datetime | None = None) -> Ticket:
    """The technician is on site: the 2-hour response is met (RC-8)."""
    transitions.check(ticket, "arrive", actor)
    at = _now(at)
    with transaction.atomic():
        ticket.arrived_at = at
        transitions.fire(ticket, "arrive")
        ticket.save(update_fields=["arrived_at", "status"])
        deadline_meet(ticket, "RC-8.response", at=at, by=actor)
        log(actor, "servicedesk.ticket.arrived", ticket, household=ticket.room_id, summary=_("维修人员到场"))
    return ticket


def ticket_complete(
    *, ticket: Ticket, actor, work_done: str, materials: str = "", charge: Decimal | None = None, at=None
) -> Ticket:
    """Work done, with what was done, materials and any charge (RC-8, SS-2)."""
    transitions.check(ticket, "complete", actor)
    if not (work_done or "").strip():
        raise ServiceError("invalid", _("请填写维修情况。"), field="work_done")
    if charge is not None and charge < 0:
        raise ServiceError("invalid", _("收费不能为负数。"), field="charge")
    if charge and not ticket.paid:
        raise ServiceError("invalid", _("免费服务不能收费。"), field="charge")
    at = _now(at)
    with transaction.atomic():
        ticket.completed_at, ticket.work_done, ticket.materials, ticket.charge = (
            at,
            work_done.strip(),
            materials,
            charge,
        )
        transitions.fire(ticket, "complete")
        ticket.save(update_fields=["completed_at", "work_done", "materials", "charge", "status"])
        deadline_meet(ticket, "RC-8.civil", at=at, by=actor)
        log(
            actor,
            "servicedesk.ticket.completed",
            ticket,
            household=ticket.room_id,
            summary=_("完工：%(w)s") % {"w": work_done[:80]},
        )
    return ticket


def ticket_check(*, ticket: Ticket, actor, passed: bool, note: str = "", at=None) -> Ticket:
    """Pass: the callback is scheduled (RC-4). Fail: the repair is reopened to the technician.

    RC-4 counts the callback from the repair's completion, the technician's `completed_at`: a
    supervisor who checks the work a day late does not give the callback a day more."""
    transitions.check(ticket, "pass_check" if passed else "fail_check", actor)
    at = _now(at)
    with transaction.atomic():
        ticket.checked_at = at
        if ticket.check_passed is None:  # the pass rate counts the first check (RC-8)
            ticket.check_passed = passed
        if passed:
            transitions.fire(ticket, "pass_check")
            ticket.save(update_fields=["checked_at", "check_passed", "status"])
            log(actor, "servicedesk.ticket.passed", ticket, household=ticket.room_id, summary=_("验收合格"))
            _schedule_callback(ticket, actor, ticket.completed_at)
        else:
            ticket.reopen_count += 1
            ticket.arrived_at = ticket.completed_at = None
            transitions.fire(ticket, "fail_check")
            ticket.save(
                update_fields=["checked_at", "check_passed", "status", "reopen_count", "arrived_at", "completed_at"]
            )
            _open_response_deadline(ticket, at, _("返修响应 %(n)s") % {"n": ticket.number})
            log(
                actor,
                "servicedesk.ticket.failed",
                ticket,
                household=ticket.room_id,
                summary=_("验收不合格，返修：%(n)s") % {"n": note[:80]},
            )
            notify(
                ticket.technician,
                _("工单 %(n)s 验收不合格，请返修") % {"n": ticket.number},
                body=note,
                community=ticket.community,
            )
    return ticket


def ticket_reply(*, ticket: Ticket, actor, reply: str, valid: bool | None = None, at=None) -> Ticket:
    """Answer a complaint (RC-3, RC-11) or a consultation/suggestion/praise.

    A complaint must be judged valid or invalid; an invalid one still gets a patient explanation.
    """
    transitions.check(ticket, "answer", actor)
    if not (reply or "").strip():
        raise ServiceError("invalid", _("请填写答复内容。"), field="reply")
    if ticket.is_complaint and valid is None:
        raise ServiceError("invalid", _("请判定投诉是否有效。"), field="valid")
    at = _now(at)
    with transaction.atomic():
        ticket.reply, ticket.replied_at = reply.strip(), at
        ticket.valid = valid if ticket.is_complaint else None
        transitions.fire(ticket, "answer")
        ticket.save(update_fields=["reply", "replied_at", "valid", "status"])
        deadline_meet(ticket, "RC-3", at=at, by=actor)
        log(
            actor,
            "servicedesk.ticket.replied",
            ticket,
            household=ticket.room_id,
            summary=_("答复：%(r)s") % {"r": reply[:80]},
            valid=valid,
        )
        if ticket.is_complaint:
            transitions.fire(ticket, "await_callback")
            ticket.save(update_fields=["status"])
            _schedule_callback(ticket, actor, at)  # RC-9: counted from the reply
        else:
            _close(ticket, actor, _("已答复，工单关闭"))
    return ticket


def ticket_cancel(*, ticket: Ticket, actor, reason: str) -> Ticket:
    """Cancel a request before its work is done: its clocks stop without counting."""
    transitions.check(ticket, "cancel", actor)
    if not (reason or "").strip():
        raise ServiceError("invalid", _("请填写取消原因。"), field="reason")
    with transaction.atomic():
        ticket.cancelled_at, ticket.cancel_reason = clock.now(), reason.strip()
        transitions.fire(ticket, "cancel")
        ticket.save(update_fields=["cancelled_at", "cancel_reason", "status"])
        deadline_cancel(ticket)
        log(
            actor,
            "servicedesk.ticket.cancelled",
            ticket,
            household=ticket.room_id,
            summary=_("取消：%(r)s") % {"r": reason[:80]},
        )
    return ticket


def ticket_owner_confirm(*, ticket: Ticket, actor, rating: int, comment: str = "") -> Ticket:
    """The owner confirms the work in the portal and rates it (1–5)."""
    transitions.check(ticket, "rate", actor)
    if rating not in range(1, 6):
        raise ServiceError("invalid", _("评分应为 1 到 5 星。"), field="rating")
    with transaction.atomic():
        transitions.fire(ticket, "rate")
        ticket.owner_rating, ticket.owner_comment = rating, clean_prose(comment)[:300]
        ticket.owner_confirmed_at = clock.now()
        ticket.save(update_fields=["owner_rating", "owner_comment", "owner_confirmed_at"])
        log(
            actor,
            "servicedesk.ticket.rated",
            ticket,
            household=ticket.room_id,
            summary=_("业主评价 %(r)s 星") % {"r": rating},
        )
    return ticket
