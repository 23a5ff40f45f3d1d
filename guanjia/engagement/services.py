"""Writes of the visits to households (VS-1 … VS-6): permission, rules, full_clean, atomic, logged."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import approvals, clock, duties
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.notify import notify
from guanjia.core.periods import MONTH, Period
from guanjia.core.policies import policy
from guanjia.core.topics import Topic

from .choices import VisitForm
from .models import Visit, VisitSummary
from .staff import is_staff_of


def _raise_validation(error: ValidationError):
    field, messages = next(iter(error.message_dict.items()))
    raise ServiceError("invalid", messages[0], field=None if field == "__all__" else field) from None


def _latest_home_visit(community) -> dt.time:
    value = policy(community, "VS-2.latest_home_visit")
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def visit_record(
    *,
    community,
    actor,
    room,
    form: str,
    visited_at: dt.datetime,
    appointment_at: dt.datetime | None = None,
    topics=(),
    opinions: str = "",
    signed: bool = False,
    signature_refused: bool = False,
    feedback_owed: bool = False,
    beyond_authority: bool = False,
    is_callback: bool = False,
    key_customer: bool = False,
    measures: str = "",
    visitor=None,
) -> Visit:
    """Record one visit to a household (VS-3); a home visit needs an appointment and may not
    be later than the policy's latest hour, 22:00 (VS-2)."""
    require(actor, "engagement.visit_record", community)
    if room is None or room.community_id != community.pk:
        raise ServiceError("invalid", _("请选择本小区的房屋。"), field="room")
    if visitor is not None and visitor != actor and not is_staff_of(visitor, community):
        # VS-3: the visit record names the office's visitor, never an owner's account.
        raise ServiceError("visitor_not_staff", _("拜访人必须是本小区的工作人员。"), field="visitor")
    if form not in VisitForm.values:
        raise ServiceError("invalid", _("请选择拜访形式。"), field="form")
    if visited_at is None:
        raise ServiceError("invalid", _("请填写拜访时间。"), field="visited_at")
    month = Period.of(MONTH, visited_at)
    if VisitSummary.objects.filter(community=community, month=month.start, submitted_at__isnull=False).exists():
        # VS-5: what the director received stays true; a late record goes into the current month's text.
        raise ServiceError(
            "invalid",
            _("%(m)s的拜访汇总已报送，不能再补录该月的拜访。") % {"m": month.label},
            field="visited_at",
        )
    if form == VisitForm.HOME:  # VS-2
        if appointment_at is None:
            raise ServiceError("invalid", _("上门拜访须先预约，请填写预约时间。"), field="appointment_at")
        latest = _latest_home_visit(community)
        local = timezone.localtime(visited_at).time().replace(tzinfo=None)
        if local > latest:
            raise ServiceError(
                "invalid",
                _("上门拜访时间不得晚于 %(t)s。") % {"t": latest.strftime("%H:%M")},
                field="visited_at",
            )
    if signed and signature_refused:  # VS-3
        raise ServiceError("invalid", _("业户签名与拒绝签名不能同时勾选。"), field="signed")
    measures = (measures or "").strip()
    if key_customer and not measures:  # VS-6: a written record and measures
        raise ServiceError("invalid", _("重点客户访谈须填写改进措施（VS-6）。"), field="measures")
    topics = list(dict.fromkeys(topics or ()))
    if any(t not in Topic.values for t in topics):
        raise ServiceError("invalid", _("涉及事项不在规定的事项范围内。"), field="topics")
    visit = Visit(
        community=community,
        room=room,
        visitor=visitor or actor,
        form=form,
        visited_at=visited_at,
        appointment_at=appointment_at,
        topics=topics,
        opinions=(opinions or "").strip(),
        signed=signed,
        signature_refused=signature_refused,
        feedback_owed=feedback_owed,
        beyond_authority=beyond_authority,
        is_callback=is_callback,
        key_customer=key_customer,
        measures=measures,
    )
    try:
        visit.full_clean()
    except ValidationError as e:
        _raise_validation(e)
    with transaction.atomic():
        visit.save()
        log(
            actor,
            "engagement.visit.recorded",
            visit,
            community=community,
            household=room,
            summary=_("业户拜访（%(form)s）") % {"form": visit.get_form_display()},
            form=form,
            callback=is_callback,
            key_customer=key_customer,
        )
    return visit


# --- The monthly visit summary for the director (VS-5) ---------------------------------------
# One key names both the recurring duty (owed by every community every month, opened by the
# calendar: core.duties) and the director's approval chain (core.approvals); both are registered
# in registrations.py.

SUMMARY = "VS-5.summary"


def _no_visits(community, month: Period) -> bool:
    start, end = month.bounds()
    return not Visit.objects.filter(community=community, visited_at__gte=start, visited_at__lt=end).exists()


def visit_summary_prepare(*, community, month: Period | dt.date, actor, text: str = "") -> VisitSummary:
    """Write (or, while it is not with the director, rewrite) the text of a month's visit summary (VS-5).

    The figures are not typed: they are computed from the month's visits (`visit_reports`). A month
    without visits still owes its summary; its text says so ("本月无拜访")."""
    require(actor, "engagement.visit_summary", community)
    month = Period.of(MONTH, month)
    if not month.has_ended(clock.now()):
        raise ServiceError(
            "month_open", _("%(m)s尚未结束，月末后才能编制拜访汇总。") % {"m": month.label}, field="month"
        )
    with transaction.atomic():
        summary = VisitSummary.objects.select_for_update().filter(community=community, month=month.start).first()
        if summary is not None and summary.submitted_at:
            raise Conflict("submitted", _("%(m)s的拜访汇总已报送，不能再修改。") % {"m": month.label})
        if summary is None:
            summary = VisitSummary(community=community, month=month.start)
        summary.text = (text or "").strip()
        try:
            summary.full_clean(exclude=["submitted_by"])
        except ValidationError as e:
            _raise_validation(e)
        summary.save()
        log(
            actor,
            "engagement.visit_summary.prepared",
            summary,
            community=community,
            summary=_("编制%(m)s业户拜访汇总") % {"m": month.label},
            month=month.key,
        )
    return summary


def visit_summary_submit(*, summary: VisitSummary, actor) -> VisitSummary:
    """Send the summary to the director (VS-5): it meets the month's duty, due by 24:00 of the 5th of
    the next month, and starts the director's approval. After a return it is sent again: a new
    approval, while the duty keeps the time it was first met."""
    require(actor, "engagement.visit_summary", summary.community_id)
    month = summary.period
    if summary.submitted_at:
        raise Conflict("submitted", _("%(m)s的拜访汇总已报送。") % {"m": month.label})
    if not summary.text.strip():
        raise ServiceError("invalid", _("请填写汇总意见后再报送。"), field="text")
    with transaction.atomic():
        summary = VisitSummary.objects.select_for_update().get(pk=summary.pk)
        if summary.submitted_at:  # sent by someone else in the meantime
            raise Conflict("submitted", _("%(m)s的拜访汇总已报送。") % {"m": month.label})
        now = clock.now()
        again = approvals.approvals_of(summary, SUMMARY).exists()  # after a return
        summary.submitted_at, summary.submitted_by = now, actor
        summary.save(update_fields=["submitted_at", "submitted_by"])
        duty = duties.duty_meet(
            community=summary.community,
            key=SUMMARY,
            period=month,
            actor=actor,
            at=now,
            note=_("本月无拜访") if _no_visits(summary.community, month) else "",
        )
        approvals.approval_start(subject=summary, key=SUMMARY, actor=actor)
        log(
            actor,
            "engagement.visit_summary.submitted",
            summary,
            community=summary.community,
            summary=_("报送%(m)s业户拜访汇总") % {"m": month.label},
            month=month.key,
            on_time=now <= duty.due_at,
            again=again,
        )
    return summary


def visit_summary_url(summary: VisitSummary) -> str:
    return summary_url(summary.community, summary.period)


def summary_url(community, month: Period) -> str:
    """The summary page of the community's month: links from the inbox and 待我审批 open that community."""
    return f"{reverse('engagement:visit_summary')}?month={month.key}&community={community.pk}"


def visit_summary_approved(approval, actor) -> None:
    """The director has approved the summary (VS-5): the CS supervisor who sent it is told."""
    summary = approval.subject
    notify(
        summary.submitted_by,
        _("%(m)s业户拜访汇总已批准") % {"m": summary.period.label},
        url=visit_summary_url(summary),
        community=summary.community,
    )


def visit_summary_returned(approval, actor, comment: str) -> None:
    """The director returned the summary with what to change: it can be revised and sent again.
    Its month opens again for late records, since nothing of it stands with the director now."""
    summary = VisitSummary.objects.select_for_update().get(pk=approval.subject_id)
    sender = summary.submitted_by
    summary.submitted_at, summary.submitted_by = None, None
    summary.save(update_fields=["submitted_at", "submitted_by"])
    notify(
        sender,
        _("%(m)s业户拜访汇总被退回：%(c)s") % {"m": summary.period.label, "c": comment},
        url=visit_summary_url(summary),
        community=summary.community,
    )


def visit_give_feedback(*, visit: Visit, actor, feedback: str, given_at: dt.datetime | None = None) -> Visit:
    """Record the feedback owed to the owner (VS-4)."""
    require(actor, "engagement.visit_record", visit.community_id)
    feedback = (feedback or "").strip()
    if not feedback:
        raise ServiceError("invalid", _("请填写反馈内容。"), field="feedback")
    visit.feedback = feedback
    visit.feedback_given_at = given_at or clock.now()
    visit.feedback_owed = True
    with transaction.atomic():
        visit.save(update_fields=["feedback", "feedback_given_at", "feedback_owed"])
        log(
            actor,
            "engagement.visit.feedback",
            visit,
            community=visit.community,
            household=visit.room,
            summary=_("已向业户反馈"),
        )
    return visit


def visit_to_ticket(
    *,
    visit: Visit,
    actor,
    kind: str,
    description: str = "",
    category: str = "",
    topic: str = "",
    severity: str = "",
):
    """Turn an opinion heard on a visit into a service-desk ticket in one step, linked to the visit."""
    from guanjia.estates.models import Ownership
    from guanjia.servicedesk.services import ticket_create

    require(actor, "engagement.visit_record", visit.community_id)
    if visit.ticket_id:
        raise ServiceError("conflict", _("该拜访意见已转为工单。"), field="kind", status=409)
    with transaction.atomic():
        ticket = ticket_create(
            community=visit.community,
            actor=actor,
            kind=kind,
            channel="staff",
            description=(description or "").strip() or visit.opinions,
            room=visit.room,
            # the household's owner heard on the visit, so the desk can call back (RC-4, RC-9)
            reporter=next(
                (
                    o.person
                    for o in Ownership.objects.filter(room=visit.room, until__isnull=True).order_by(
                        F("since").asc(nulls_first=True), "pk"
                    )
                ),
                None,
            ),
            category=category,
            topic=topic,
            severity=severity,
        )
        visit.ticket = ticket
        visit.save(update_fields=["ticket"])
        log(
            actor,
            "engagement.visit.ticket",
            visit,
            community=visit.community,
            household=visit.room,
            summary=_("拜访意见转工单 %(n)s") % {"n": ticket.number},
            ticket=ticket.pk,
        )
    return ticket
