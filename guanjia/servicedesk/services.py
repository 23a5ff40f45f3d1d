"""Writes of the service desk (RC-1 … RC-11). Console, portal, API and commands all call these."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock, workdays
from guanjia.core.access import has_perm, is_staff_member, require, roles_of
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_cancel, deadline_meet, deadline_open, deadline_reassign
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import Deadline
from guanjia.core.notify import notify, notify_role
from guanjia.core.numbering import next_number
from guanjia.core.policies import policy
from guanjia.core.roles import Role
from guanjia.core.textnorm import clean_text
from guanjia.core.topics import Topic

from .choices import CallbackMethod, Channel, Kind, RepairCategory, Severity, Status
from .models import Callback, CallbackSpotCheck, CallLog, RectificationNotice, Ticket, TicketPhoto
from .service_levels import callback_due, clock_start

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def _now(at=None):
    return at or clock.now()


def _expect(ticket: Ticket, *statuses: str) -> None:
    if ticket.status not in statuses:
        raise Conflict(
            "bad_state",
            _("工单 %(number)s 当前状态为“%(status)s”，不能执行此操作。")
            % {"number": ticket.number, "status": ticket.get_status_display()},
        )


def portal_person(user, room):
    """The Person through whom a portal user belongs to `room` (owner, tenant or resident), else None."""
    from guanjia.estates.selectors import household_people

    if room is None:
        return None
    return next((p for p in household_people(room) if p.user_id == user.pk), None)


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
    for photo in photos:
        if photo.size > MAX_PHOTO_BYTES:
            raise ServiceError("invalid", _("每张照片不能超过 10MB。"), field="photos")
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
        if ticket.is_complaint:
            _open_summary_deadline(community, timezone.localdate(received_at))
    return ticket


def _open_summary_deadline(community, day: dt.date) -> None:
    """RC-10: a month with complaints owes its summary to owners by the 5th of the next month.

    One Deadline row per community and month (subject: the community), opened with the month's
    first complaint and met when the summary is published, so the due lists and reminders see it."""
    from . import reports

    due = reports.summary_due(community, day)
    if Deadline.objects.filter(community=community, rule="RC-10", due_at=due).exists():
        return
    deadline_open(
        subject=community,
        community=community,
        rule="RC-10",
        title=_("%(m)s月度投诉汇总公布") % {"m": reports.month_label(day.replace(day=1))},
        starts_at=_month_start(day),
        due_at=due,
        owner_role=Role.CS_SUPERVISOR,
    )


def _month_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day.replace(day=1), dt.time()))


def _open_response_deadline(ticket: Ticket, start: dt.datetime, title: str) -> None:
    """RC-8: a repair is responded to (the technician on site) within 2 hours."""
    deadline_open(
        subject=ticket,
        rule="RC-8.response",
        title=title,
        starts_at=start,
        due_at=workdays.add_hours(start, policy(ticket.community, "RC-8.response_hours")),
        owner=ticket.technician,
        owner_role=Role.FRONT_DESK if ticket.technician is None else "",
        household=ticket.room_id,
    )


def _open_reply_deadline(ticket: Ticket, start: dt.datetime, title: str) -> None:
    """RC-3: every complaint gets a reply within 72 hours; a major one is the manager's (RC-7)."""
    deadline_open(
        subject=ticket,
        rule="RC-3",
        title=title,
        starts_at=start,
        due_at=workdays.add_hours(start, policy(ticket.community, "RC-3.reply_hours")),
        owner_role=Role.OFFICE_MANAGER if ticket.severity == Severity.MAJOR else Role.CS_SUPERVISOR,
        household=ticket.room_id,
    )


def _open_intake_deadlines(ticket: Ticket) -> None:
    start = ticket.clock_starts_at
    if ticket.is_repair:
        _open_response_deadline(ticket, start, _("报修响应 %(n)s") % {"n": ticket.number})
        if ticket.category == RepairCategory.CIVIL:  # RC-8: civil works done within 3 days
            deadline_open(
                subject=ticket,
                rule="RC-8.civil",
                title=_("土建维修完成 %(n)s") % {"n": ticket.number},
                starts_at=start,
                due_at=workdays.add_days(start, policy(ticket.community, "RC-8.civil_days")),
                owner_role=Role.EQUIPMENT_SUPERVISOR,
                household=ticket.room_id,
            )
    elif ticket.is_complaint:
        _open_reply_deadline(ticket, start, _("投诉答复 %(n)s") % {"n": ticket.number})


def _escalate_to_manager(ticket: Ticket) -> None:
    """RC-7: a major complaint goes at once to the office manager, who handles it in person."""
    deadline_reassign(ticket, "RC-3", owner_role=Role.OFFICE_MANAGER)
    notify_role(
        Role.OFFICE_MANAGER,
        ticket.community,
        _("重大投诉 %(n)s，请立即处理") % {"n": ticket.number},
        body=ticket.description[:200],
        url=f"/console/desk/tickets/{ticket.pk}/",
    )


def ticket_escalate(*, ticket: Ticket, actor) -> Ticket:
    require(actor, "servicedesk.reply", ticket.community)
    if not ticket.is_complaint:
        raise ServiceError("invalid", _("只有投诉可以升级为重大投诉。"))
    if ticket.severity == Severity.MAJOR:
        raise Conflict("already_major", _("该投诉已是重大投诉。"))
    _expect(ticket, Status.RECEIVED, Status.REPLIED, Status.CALLBACK)
    with transaction.atomic():
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
    require(actor, "servicedesk.dispatch", ticket.community)
    if not ticket.is_repair:
        raise ServiceError("invalid", _("只有报修工单需要派单。"))
    _expect(ticket, Status.RECEIVED, Status.DISPATCHED)
    _technician_of(technician, ticket.community)
    if ticket.status == Status.DISPATCHED and ticket.technician_id == technician.pk:
        raise Conflict("already_dispatched", _("该工单已派给 %(name)s，不能重复派单。") % {"name": technician})
    with transaction.atomic():
        ticket.technician, ticket.dispatched_at = technician, clock.now()
        ticket.dispatch()
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
            url=f"/console/desk/tickets/{ticket.pk}/",
            community=ticket.community,
        )
    return ticket


def _require_worker(actor, ticket: Ticket) -> None:
    require(actor, "servicedesk.work", ticket.community)


def ticket_arrive(*, ticket: Ticket, actor, at: dt.datetime | None = None) -> Ticket:
    """The technician is on site: the 2-hour response is met (RC-8)."""
    _require_worker(actor, ticket)
    _expect(ticket, Status.DISPATCHED)
    at = _now(at)
    with transaction.atomic():
        ticket.arrived_at = at
        ticket.arrive()
        ticket.save(update_fields=["arrived_at", "status"])
        deadline_meet(ticket, "RC-8.response", at=at, by=actor)
        log(actor, "servicedesk.ticket.arrived", ticket, household=ticket.room_id, summary=_("维修人员到场"))
    return ticket


def ticket_complete(
    *, ticket: Ticket, actor, work_done: str, materials: str = "", charge: Decimal | None = None, at=None
) -> Ticket:
    """Work done, with what was done, materials and any charge (RC-8, SS-2)."""
    _require_worker(actor, ticket)
    _expect(ticket, Status.ARRIVED)
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
        ticket.complete()
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
    """Pass: the callback falls due (RC-4). Fail: the repair is reopened to the technician."""
    require(actor, "servicedesk.check", ticket.community)
    _expect(ticket, Status.COMPLETED)
    at = _now(at)
    with transaction.atomic():
        ticket.checked_at = at
        if ticket.check_passed is None:  # the pass rate counts the first check (RC-8)
            ticket.check_passed = passed
        if passed:
            ticket.pass_check()
            ticket.save(update_fields=["checked_at", "check_passed", "status"])
            log(actor, "servicedesk.ticket.passed", ticket, household=ticket.room_id, summary=_("验收合格"))
            _schedule_callback(ticket, actor, at)
        else:
            ticket.reopen_count += 1
            ticket.arrived_at = ticket.completed_at = None
            ticket.fail_check()
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


def _schedule_callback(ticket: Ticket, actor, done_at: dt.datetime) -> Callback | None:
    """RC-4 repair callbacks; special services are sampled to reach the RC-9 rate."""
    community = ticket.community
    if ticket.is_complaint:
        # RC-9: every complaint is called back; the rulebook gives no limit, so the RC-4 week applies.
        due = workdays.add_days(done_at, policy(community, "RC-4.other_days"))
        role = Role.OFFICE_MANAGER if ticket.severity == Severity.MAJOR else Role.CS_SUPERVISOR
    else:
        due = callback_due(community, ticket.category, done_at)
        role = Role.CS_SUPERVISOR
    callback = Callback.objects.create(community=community, ticket=ticket, due_at=due, owner_role=role)
    if ticket.special_service and not ticket.is_complaint:
        rate = float(policy(community, "RC-9.special_callback_pct")) / 100
        if random.random() >= rate:  # noqa: S311 - a sample, not a secret
            callback.skipped = True
            callback.save(update_fields=["skipped"])
            _close(ticket, actor, _("特约服务未抽中回访，工单关闭"))
            return None
    deadline_open(
        subject=callback,
        rule="RC-4" if ticket.is_repair else "RC-9",
        title=_("回访 %(n)s") % {"n": ticket.number},
        starts_at=done_at,
        due_at=due,
        owner_role=role,
        household=ticket.room_id,
    )
    return callback


def _close(ticket: Ticket, actor, summary: str) -> None:
    ticket.closed_at = clock.now()
    ticket.close()
    ticket.save(update_fields=["closed_at", "status"])
    log(actor, "servicedesk.ticket.closed", ticket, household=ticket.room_id, summary=summary)


def ticket_reply(*, ticket: Ticket, actor, reply: str, valid: bool | None = None, at=None) -> Ticket:
    """Answer a complaint (RC-3, RC-11) or a consultation/suggestion/praise.

    A complaint must be judged valid or invalid; an invalid one still gets a patient explanation.
    """
    require(actor, "servicedesk.reply", ticket.community)
    _expect(ticket, Status.RECEIVED)
    if ticket.is_repair:
        raise ServiceError("invalid", _("报修工单请派单处理。"))
    if not (reply or "").strip():
        raise ServiceError("invalid", _("请填写答复内容。"), field="reply")
    if ticket.is_complaint and valid is None:
        raise ServiceError("invalid", _("请判定投诉是否有效。"), field="valid")
    at = _now(at)
    with transaction.atomic():
        ticket.reply, ticket.replied_at = reply.strip(), at
        ticket.valid = valid if ticket.is_complaint else None
        ticket.answer()
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
            ticket.await_callback()
            ticket.save(update_fields=["status"])
            _schedule_callback(ticket, actor, at)
        else:
            _close(ticket, actor, _("已答复，工单关闭"))
    return ticket


def ticket_cancel(*, ticket: Ticket, actor, reason: str) -> Ticket:
    require(actor, "servicedesk.cancel", ticket.community)
    _expect(ticket, Status.RECEIVED, Status.DISPATCHED, Status.ARRIVED)
    if not (reason or "").strip():
        raise ServiceError("invalid", _("请填写取消原因。"), field="reason")
    with transaction.atomic():
        ticket.cancelled_at, ticket.cancel_reason = clock.now(), reason.strip()
        ticket.cancel()
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
    if portal_person(actor, ticket.room) is None:
        raise Forbidden("forbidden", _("您只能评价自己房屋的工单。"))
    if ticket.status not in (Status.COMPLETED, Status.CALLBACK, Status.CLOSED) or not ticket.completed_at:
        raise Conflict("bad_state", _("工单完工后才能确认评价。"))
    if ticket.owner_confirmed_at:
        raise Conflict("already_confirmed", _("您已评价过该工单。"))
    if rating not in range(1, 6):
        raise ServiceError("invalid", _("评分应为 1 到 5 星。"), field="rating")
    with transaction.atomic():
        ticket.owner_rating, ticket.owner_comment = rating, clean_text(comment)[:300]
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


# --- Callbacks and rectification (RC-4, RC-5, RC-9) ---------------------------------------


def callback_record(*, callback: Callback, actor, method: str, satisfied: bool, remarks: str = "", at=None) -> Callback:
    """Record a callback. Unsatisfied: a repair gets a rectification notice (RC-5), a complaint is reopened."""
    ticket = callback.ticket
    require(actor, "servicedesk.callback", callback.community)
    if ticket.severity == Severity.MAJOR and not has_perm(actor, "servicedesk.callback_major", callback.community):
        raise Forbidden("forbidden", _("重大投诉由管理处经理组织回访（RC-9）。"))
    if callback.done_at or callback.skipped:
        raise Conflict("callback_done", _("该回访已完成。"))
    if method not in CallbackMethod.values:
        raise ServiceError("invalid", _("请选择回访方式。"), field="method")
    if not satisfied and not (remarks or "").strip():
        raise ServiceError("invalid", _("不满意时请记录业主意见。"), field="remarks")
    at = _now(at)
    with transaction.atomic():
        callback.method, callback.satisfied, callback.remarks = method, satisfied, (remarks or "").strip()
        callback.done_at, callback.done_by = at, actor
        callback.save()
        deadline_meet(callback, at=at, by=actor)
        log(
            actor,
            "servicedesk.callback.recorded",
            callback,
            household=ticket.room_id,
            summary=_("回访%(r)s：%(m)s") % {"r": _("满意") if satisfied else _("不满意"), "m": callback.remarks[:80]},
            satisfied=satisfied,
        )
        if satisfied:
            _close(ticket, actor, _("回访满意，工单关闭"))
        elif ticket.is_repair:
            rectification_open(callback=callback, actor=actor, problem=callback.remarks)
        else:
            ticket.reopen_count += 1
            ticket.reopen()
            ticket.save(update_fields=["status", "reopen_count"])
            _open_reply_deadline(ticket, at, _("投诉再次答复 %(n)s") % {"n": ticket.number})
    return callback


def rectification_open(*, callback: Callback, actor, problem: str, requirement: str = "") -> RectificationNotice:
    """整改通知书 to the technician, to be rectified within 24 hours (RC-5)."""
    ticket = callback.ticket
    if ticket.technician_id is None:
        raise ServiceError("invalid", _("该工单没有维修人员，无法下达整改通知书。"))
    at = clock.now()
    notice = RectificationNotice.objects.create(
        community=callback.community,
        number=next_number("ZG"),
        ticket=ticket,
        callback=callback,
        technician=ticket.technician,
        problem=problem,
        requirement=requirement,
        issued_at=at,
        issued_by=actor,
        due_at=workdays.add_hours(at, policy(callback.community, "RC-5.hours")),
    )
    deadline_open(
        subject=notice,
        rule="RC-5",
        title=_("整改 %(n)s") % {"n": notice.number},
        starts_at=at,
        due_at=notice.due_at,
        owner=ticket.technician,
        household=ticket.room_id,
    )
    log(
        actor,
        "servicedesk.rectification.issued",
        notice,
        household=ticket.room_id,
        summary=_("下达整改通知书 %(n)s") % {"n": notice.number},
    )
    notify(
        ticket.technician,
        _("整改通知书 %(n)s") % {"n": notice.number},
        body=problem,
        url=f"/console/desk/rectifications/{notice.pk}/",
        community=ticket.community,
    )
    return notice


def rectification_close(*, notice: RectificationNotice, actor, result: str) -> RectificationNotice:
    """Rectified: the clock stops and the household is called back again (RC-4)."""
    require(actor, "servicedesk.rectify", notice.community)
    if notice.closed_at:
        raise Conflict("closed", _("该整改通知书已完成。"))
    if not (result or "").strip():
        raise ServiceError("invalid", _("请填写整改结果。"), field="result")
    at = clock.now()
    with transaction.atomic():
        notice.closed_at, notice.closed_by, notice.result = at, actor, result.strip()
        notice.save(update_fields=["closed_at", "closed_by", "result"])
        deadline_meet(notice, at=at, by=actor)
        log(
            actor,
            "servicedesk.rectification.closed",
            notice,
            household=notice.ticket.room_id,
            summary=_("整改完成 %(n)s") % {"n": notice.number},
        )
        _schedule_callback(notice.ticket, actor, at)
    return notice


# --- The call-and-visit log (IC-3) and the manager's spot check (RC-4) -------------------


def calllog_record(
    *,
    community,
    actor,
    content: str,
    caller: str = "",
    phone: str = "",
    room=None,
    outside: bool = False,
    handling: str = "",
    channel: str = Channel.PHONE,
    at=None,
) -> CallLog:
    require(actor, "servicedesk.create", community)
    if not (content or "").strip():
        raise ServiceError("invalid", _("请填写来电来访内容。"), field="content")
    entry = CallLog(
        community=community,
        at=_now(at),
        channel=channel,
        caller=clean_text(caller),
        phone=clean_text(phone),
        room=room,
        content=content.strip(),
        outside=outside,
        handling=clean_text(handling),
        recorded_by=actor,
    )
    with transaction.atomic():
        entry.full_clean(exclude=["community", "room", "recorded_by"])
        entry.save()
        log(
            actor,
            "servicedesk.call.recorded",
            entry,
            household=room,
            summary=("*" if outside else "") + entry.content[:80],
        )
    return entry


def spot_check_draw(*, community, month: dt.date, actor, seed: int | None = None) -> list[CallbackSpotCheck]:
    """The office manager's monthly random draw of done callbacks to check (RC-4)."""
    require(actor, "servicedesk.spot_check", community)
    month = month.replace(day=1)
    if CallbackSpotCheck.objects.filter(community=community, month=month).exists():
        raise Conflict("drawn", _("%(m)s 的回访抽查已抽取。") % {"m": month.strftime("%Y-%m")})
    end = (month + dt.timedelta(days=32)).replace(day=1)
    start_at = timezone.make_aware(dt.datetime.combine(month, dt.time()))
    end_at = timezone.make_aware(dt.datetime.combine(end, dt.time()))
    done = list(
        Callback.objects.filter(community=community, done_at__gte=start_at, done_at__lt=end_at).values_list(
            "pk", flat=True
        )
    )
    if not done:
        raise ServiceError("none", _("该月没有已完成的回访可供抽查。"))
    size = min(len(done), policy(community, "RC-4.spot_checks"))
    drawn = random.Random(seed).sample(sorted(done), size)  # noqa: S311
    with transaction.atomic():
        checks = CallbackSpotCheck.objects.bulk_create(
            [CallbackSpotCheck(community=community, month=month, callback_id=pk, drawn_by=actor) for pk in drawn]
        )
        log(
            actor,
            "servicedesk.spotcheck.drawn",
            None,
            community=community,
            summary=_("抽取 %(n)s 条回访复核") % {"n": size},
            month=month.isoformat(),
        )
    return checks


def spot_check_record(*, check: CallbackSpotCheck, actor, genuine: bool, note: str = "") -> CallbackSpotCheck:
    require(actor, "servicedesk.spot_check", check.community)
    if check.checked_at:
        raise Conflict("checked", _("该抽查已记录。"))
    if not genuine and not (note or "").strip():
        raise ServiceError("invalid", _("回访不属实时请填写抽查意见。"), field="note")
    with transaction.atomic():
        check.checked_at, check.genuine, check.note = clock.now(), genuine, (note or "").strip()
        check.save(update_fields=["checked_at", "genuine", "note"])
        log(
            actor,
            "servicedesk.spotcheck.recorded",
            check,
            household=check.callback.ticket.room_id,
            summary=_("回访抽查：%(r)s") % {"r": _("属实") if genuine else _("不属实")},
        )
    return check


# --- The monthly complaint summary for owners (RC-10) -----------------------------------


def complaint_summary_prepare(*, community, month: dt.date, actor, explanation: str = ""):
    """Prepare (or, before approval, re-prepare) a month's complaint summary for owners (RC-10).

    The numbers are frozen into the summary so that what the manager approves is what is
    published. Unresolved complaints must be explained, and the explanation may name no room
    and no person (LW-1). The due time (the 5th) is computed, see `reports`.
    """
    from . import reports
    from .models import ComplaintSummary

    require(actor, "servicedesk.summary", community)
    month = month.replace(day=1)
    label = reports.month_label(month)
    if not reports.month_has_ended(month):
        raise ServiceError("month_open", _("%(m)s尚未结束，月末后才能编制投诉汇总。") % {"m": label}, field="month")
    explanation = (explanation or "").strip()
    with transaction.atomic():
        summary = (
            ComplaintSummary.objects.select_for_update().filter(community=community, month=month).order_by("pk").first()
        )
        if summary is not None and summary.approved_at:
            raise Conflict("approved", _("%(m)s的投诉汇总已经管理处经理批准，不能重新编制。") % {"m": label})
        stats = reports.summary_stats(community, month)
        if stats["unresolved"] and not explanation:
            raise ServiceError(
                "invalid",
                _("本月有 %(n)s 件投诉尚未解决，请填写未能解决事项的说明（RC-10）。") % {"n": stats["unresolved"]},
                field="explanation",
            )
        leaked = [word for word in reports.private_words(community, month) if word in explanation]
        if leaked:
            raise ServiceError(
                "private",
                _("说明将向业户公布，不得出现房号或姓名：%(w)s（RC-10、LW-1）。") % {"w": "、".join(leaked[:3])},
                field="explanation",
            )
        first = summary is None
        if first:
            summary = ComplaintSummary(community=community, month=month, prepared_by=actor)
        summary.stats, summary.explanation, summary.prepared_by = stats, explanation, actor
        if not first:
            summary.prepared_at = clock.now()
        summary.full_clean(exclude=["community", "prepared_by", "approved_by"])
        summary.save()
        log(
            actor,
            "servicedesk.summary.prepared",
            summary,
            summary=_("编制%(m)s投诉汇总（%(n)s 件）") % {"m": label, "n": stats["total"]},
            month=reports.month_key(month),
        )
        if first:
            notify_role(
                Role.OFFICE_MANAGER,
                community,
                _("%(m)s投诉汇总待批准") % {"m": label},
                body=_("请在 %(due)s 前批准并公布（RC-10）。")
                % {"due": timezone.localtime(reports.summary_due(community, month)).strftime("%Y-%m-%d %H:%M")},
                url=f"/console/desk/summaries/?month={reports.month_key(month)}",
            )
    return summary


def complaint_summary_approve(*, summary, actor):
    """The office manager approves the summary (RC-10); its numbers are then fixed."""
    from . import reports

    require(actor, "servicedesk.approve_summary", summary.community)
    if summary.approved_at:
        raise Conflict("approved", _("该投诉汇总已批准。"))
    with transaction.atomic():
        summary.approved_at, summary.approved_by = clock.now(), actor
        summary.save(update_fields=["approved_at", "approved_by"])
        log(
            actor,
            "servicedesk.summary.approved",
            summary,
            summary=_("批准%(m)s投诉汇总") % {"m": reports.month_label(summary.month)},
        )
    return summary


def complaint_summary_publish(*, summary, actor):
    """Publish the approved summary to owners (RC-10): due by the 5th of the following month."""
    from . import reports

    require(actor, "servicedesk.summary", summary.community)
    if not summary.approved_at:
        raise Conflict("not_approved", _("投诉汇总须经管理处经理批准后才能公布（RC-10）。"))
    if summary.published_at:
        raise Conflict("published", _("该投诉汇总已公布。"))
    with transaction.atomic():
        summary.published_at = clock.now()
        summary.save(update_fields=["published_at"])
        due = reports.summary_due(summary.community, summary.month)
        Deadline.objects.pending().filter(community=summary.community, rule="RC-10", due_at=due).update(
            met_at=summary.published_at, met_by=actor
        )
        log(
            actor,
            "servicedesk.summary.published",
            summary,
            summary=_("公布%(m)s投诉汇总") % {"m": reports.month_label(summary.month)},
            on_time=summary.published_at <= due,
        )
    return summary


# --- The public price list of special services (SS-2, RC-2) -----------------------------------


def service_item_save(
    *,
    community,
    actor,
    name: str,
    category: str,
    free: bool = False,
    price: Decimal | None = None,
    unit: str = "",
    note: str = "",
    ordering: int = 0,
    active: bool = True,
    item=None,
):
    """Add a line to the community's public price list, or change one (`item`) (SS-2, RC-2)."""
    from django.core.exceptions import ValidationError

    from .choices import ServiceCategory
    from .models import ServiceItem

    require(actor, "servicedesk.edit_pricelist", community)
    if item is not None and item.community_id != community.pk:
        raise ServiceError("invalid", _("该服务项目不属于本小区。"))
    name = clean_text(name)
    if not name:
        raise ServiceError("invalid", _("请填写服务项目名称。"), field="name")
    if category not in ServiceCategory.values:
        raise ServiceError("invalid", _("请选择服务类别。"), field="category")
    if not free and price is None:  # SS-2: each is free or paid, with its price public
        raise ServiceError("invalid", _("有偿服务项目须填写收费标准。"), field="price")
    if not free and price < 0:
        raise ServiceError("invalid", _("收费标准不能为负数。"), field="price")
    duplicate = ServiceItem.objects.filter(community=community, name=name)
    if item is not None:
        duplicate = duplicate.exclude(pk=item.pk)
    if duplicate.exists():
        raise ServiceError("duplicate", _("本小区已有同名服务项目“%(name)s”。") % {"name": name}, field="name")
    created = item is None
    item = item or ServiceItem(community=community)
    item.name, item.category, item.free = name, category, bool(free)
    item.price = None if free else price
    item.unit, item.note = clean_text(unit), clean_text(note)
    item.ordering, item.active = ordering or 0, bool(active)
    with transaction.atomic():
        try:
            item.full_clean(exclude=["community"])
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise ServiceError("invalid", messages[0], field=field) from None
        item.save()
        log(
            actor,
            "servicedesk.service_item.created" if created else "servicedesk.service_item.changed",
            item,
            community=community,
            summary=(_("新增特约服务项目 %(name)s") if created else _("修改特约服务项目 %(name)s")) % {"name": name},
            free=item.free,
            price=str(item.price) if item.price is not None else None,
        )
    return item


def service_item_retire(*, item, actor):
    """Take an item off the public price list; tickets that used it keep it (SS-2)."""
    require(actor, "servicedesk.edit_pricelist", item.community)
    if not item.active:
        raise Conflict("retired", _("该服务项目已停止公示。"))
    with transaction.atomic():
        item.active = False
        item.save(update_fields=["active"])
        log(
            actor,
            "servicedesk.service_item.retired",
            item,
            community=item.community,
            summary=_("停止公示特约服务项目 %(name)s") % {"name": item.name},
        )
    return item


def service_item_terms(item) -> dict:
    """What a chosen price-list item means for a ticket: a special service, paid or free, at the public price (SS-2).

    The desk passes these to ticket_create, then records the item with ticket_set_service_item."""
    return {"special_service": True, "paid": not item.free, "price": None if item.free else item.price}


def ticket_set_service_item(*, ticket: Ticket, item, actor) -> Ticket:
    """Record the price-list item a special-service ticket was filed under, with its public price (SS-2)."""
    require(actor, "servicedesk.create", ticket.community)
    if item.community_id != ticket.community_id:
        raise ServiceError("invalid", _("该服务项目不属于本小区。"), field="service_item")
    if not item.active:
        raise ServiceError("invalid", _("该服务项目已停止公示。"), field="service_item")
    with transaction.atomic():
        ticket.service_item = item
        ticket.special_service, ticket.paid, ticket.price = True, not item.free, None if item.free else item.price
        ticket.save(update_fields=["service_item", "special_service", "paid", "price"])
        log(
            actor,
            "servicedesk.ticket.service_item",
            ticket,
            household=ticket.room,
            summary=_("特约服务项目 %(name)s") % {"name": item.name},
            price=str(item.price) if item.price is not None else None,
        )
    return ticket


def ticket_create_with_item(*, service_item=None, **kwargs) -> Ticket:
    """ticket_create, with the special service chosen from the public price list (SS-2): the ticket is
    a special service, paid or free, at the item's price, and records the item — all or nothing."""
    if service_item is None:
        return ticket_create(**kwargs)
    kwargs.update(service_item_terms(service_item))
    with transaction.atomic():
        ticket = ticket_create(**kwargs)
        return ticket_set_service_item(ticket=ticket, item=service_item, actor=kwargs["actor"])
