"""Writes of the visits to households (VS-1 … VS-5): permission, rules, full_clean, atomic, logged."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError
from guanjia.core.policies import policy
from guanjia.core.topics import Topic

from .choices import VisitForm
from .models import Visit


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
        )
    return visit


def visit_give_feedback(*, visit: Visit, actor, feedback: str, given_at: dt.datetime | None = None) -> Visit:
    """Record the feedback owed to the owner (VS-4)."""
    require(actor, "engagement.visit_record", visit.community_id)
    feedback = (feedback or "").strip()
    if not feedback:
        raise ServiceError("invalid", _("请填写反馈内容。"), field="feedback")
    visit.feedback = feedback
    visit.feedback_given_at = given_at or timezone.now()
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
