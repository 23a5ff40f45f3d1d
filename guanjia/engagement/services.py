"""Writes of the visits to households (VS-1 … VS-6): permission, rules, full_clean, atomic, logged."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock, workdays
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_open
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.models import Deadline
from guanjia.core.policies import policy
from guanjia.core.roles import Role
from guanjia.core.topics import Topic

from .choices import VisitForm
from .models import Visit, VisitSummary


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
    if form not in VisitForm.values:
        raise ServiceError("invalid", _("请选择拜访形式。"), field="form")
    if visited_at is None:
        raise ServiceError("invalid", _("请填写拜访时间。"), field="visited_at")
    month = timezone.localtime(visited_at).date().replace(day=1)
    if VisitSummary.objects.filter(community=community, month=month, submitted_at__isnull=False).exists():
        # VS-5: what the director received stays true; a late record goes into the current month's text.
        raise ServiceError(
            "invalid",
            _("%(m)s的拜访汇总已报送，不能再补录该月的拜访。") % {"m": month_label(month)},
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
        if not is_callback:
            _open_summary_deadline(community, timezone.localdate(visited_at))
    return visit


# --- The monthly visit summary for the director (VS-5) ---------------------------------------


def month_label(month: dt.date) -> str:
    return _("%(year)d年%(month)d月") % {"year": month.year, "month": month.month}


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def summary_due(community, month: dt.date) -> dt.datetime:
    """VS-5: 24:00 of the VS-5.summary_day-th (the 5th) of the month after `month`."""
    return workdays.deadline_end(_next_month(month).replace(day=int(policy(community, "VS-5.summary_day"))))


def _open_summary_deadline(community, day: dt.date) -> None:
    """VS-5: a month with visits owes the director its summary by the 5th of the next month.

    One Deadline row per community and month (subject: the community, as RC-10 does), opened by the
    month's first visit that counts (callbacks do not, VS-1) and met when the summary is submitted."""
    due = summary_due(community, day)
    if Deadline.objects.filter(community=community, rule="VS-5", due_at=due).exists():
        return
    deadline_open(
        subject=community,
        community=community,
        rule="VS-5",
        title=_("%(m)s业户拜访汇总报送") % {"m": month_label(day.replace(day=1))},
        starts_at=timezone.make_aware(dt.datetime.combine(day.replace(day=1), dt.time())),
        due_at=due,
        owner_role=Role.CS_SUPERVISOR,
    )


def _month_has_ended(month: dt.date) -> bool:
    end = timezone.make_aware(dt.datetime.combine(_next_month(month), dt.time()))
    return end <= clock.now()


def visit_summary_prepare(*, community, month: dt.date, actor, text: str = "") -> VisitSummary:
    """Write (or, before it is submitted, rewrite) the director's text of a month's visit summary (VS-5).

    The figures are not typed: they are computed from the month's visits (`visit_reports`)."""
    require(actor, "engagement.visit_summary", community)
    month = month.replace(day=1)
    label = month_label(month)
    if not _month_has_ended(month):
        raise ServiceError("month_open", _("%(m)s尚未结束，月末后才能编制拜访汇总。") % {"m": label}, field="month")
    with transaction.atomic():
        summary = VisitSummary.objects.select_for_update().filter(community=community, month=month).first()
        if summary is not None and summary.submitted_at:
            raise Conflict("submitted", _("%(m)s的拜访汇总已报送，不能再修改。") % {"m": label})
        first = summary is None
        if first:
            summary = VisitSummary(community=community, month=month)
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
            summary=_("编制%(m)s业户拜访汇总") % {"m": label},
            month=f"{month:%Y-%m}",
        )
    return summary


def visit_summary_submit(*, summary: VisitSummary, actor) -> VisitSummary:
    """Submit the summary to the director (VS-5): due by the 5th of the following month; meets the deadline."""
    require(actor, "engagement.visit_summary", summary.community_id)
    label = month_label(summary.month)
    if summary.submitted_at:
        raise Conflict("submitted", _("%(m)s的拜访汇总已报送。") % {"m": label})
    if not summary.text.strip():
        raise ServiceError("invalid", _("请填写汇总意见后再报送。"), field="text")
    with transaction.atomic():
        summary.submitted_at, summary.submitted_by = clock.now(), actor
        summary.save(update_fields=["submitted_at", "submitted_by"])
        due = summary_due(summary.community, summary.month)
        Deadline.objects.pending().filter(community_id=summary.community_id, rule="VS-5", due_at=due).update(
            met_at=summary.submitted_at, met_by=actor
        )
        log(
            actor,
            "engagement.visit_summary.submitted",
            summary,
            community=summary.community,
            summary=_("报送%(m)s业户拜访汇总") % {"m": label},
            on_time=summary.submitted_at <= due,
        )
    return summary


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
                    for o in Ownership.objects.filter(room=visit.room, until__isnull=True).order_by("since", "pk")
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
