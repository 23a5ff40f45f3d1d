"""The lawful ladder of dunning (FE-3, CM-9, 民法典 art. 944, 物业管理条例 art. 64).

A household in arrears moves up the ladder in order — reminder → written demand 催告函 → the owners'
committee asked to urge → referral for lawsuit or arbitration — each step falling due after the days
overdue its policy gives (FE-3.reminder_days, demand_days, committee_days, legal_days), counted from
the due date of its oldest open line. A step is never skipped: a demand needs a reminder before it,
the committee a delivered demand, referral the committee's step. Only contacts since that oldest
line fell due count (a household that paid up starts again at the bottom).

There is no step, no channel and no word that cuts or threatens to cut water, power, gas or heating
(民法典 944 para. 3): the choices offer none and the demand letter's text says none.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core import clock, numbering, uploads
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.notify import notify
from guanjia.core.policies import policy

from .. import selectors_arrears as arrears
from ..choices import Channel, ContactOutcome, DunningStep
from ..models import DemandLetter, DunningContact

DEMAND_PREFIX = "CG"
CENT = Decimal("0.01")


def _standing(room, as_of: dt.date | None = None):
    """(row of the household's arrears or None, its Ladder or None)."""
    as_of = as_of or clock.today()
    rows = list(arrears.households(room.community_id, as_of).filter(room_id=room.pk))
    if not rows:
        return None, None
    _cents(rows[0])
    return rows[0], arrears.ladders(room.community_id, rows, as_of)[room.pk]


def _cents(row: dict) -> dict:
    """Sums as SQLite hands them back ("50") written with two places."""
    for key in ("total", *arrears.BUCKET_KEYS):
        row[key] = Decimal(row[key]).quantize(CENT)
    return row


def standing(room, as_of: dt.date | None = None):
    """The household's arrears row and ladder on `as_of` (None, None when it owes nothing overdue)."""
    return _standing(room, as_of)


def step_refusal(step: str, ladder) -> ServiceError | None:
    """Why `step` cannot be taken now (FE-3: in order, never skipped), or None."""
    if ladder is None:
        return Conflict("not_in_arrears", _("该户没有逾期欠费，无需催缴。"))
    if step == DunningStep.DEMAND and DunningStep.REMINDER not in ladder.done:
        return Conflict("step_skipped", _("催缴环节：书面催告前须先提醒（FE-3），请先记录提醒。"), field="step")
    if step == DunningStep.COMMITTEE and not ladder.delivered:
        return Conflict(
            "step_skipped",
            _("催缴环节：提请业主委员会督促前，书面催告函须已送达（FE-3、物业管理条例第六十四条）。"),
            field="step",
        )
    if step == DunningStep.LEGAL and DunningStep.COMMITTEE not in ladder.done:
        return Conflict("step_skipped", _("催缴环节：提起诉讼或仲裁前须先提请业主委员会督促（FE-3）。"), field="step")
    return None


def owners_of(room) -> list:
    """The portal accounts of the room's current owners."""
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(people__ownerships__room=room, people__ownerships__until__isnull=True, is_active=True)
        .distinct()
    )


def contact_record(
    *,
    room,
    step: str,
    channel: str,
    person: str,
    outcome: str,
    promised_on: dt.date | None = None,
    note: str = "",
    actor,
    at: dt.datetime | None = None,
) -> DunningContact:
    """Log one contact with a household in arrears on a step of the ladder (FE-3)."""
    require(actor, "billing.dun", room.community)
    if step not in DunningStep.values:
        raise ServiceError("invalid", _("请选择催缴环节。"), field="step")
    if channel not in Channel.values:
        raise ServiceError("invalid", _("请选择联系方式。"), field="channel")
    if outcome not in ContactOutcome.values:
        raise ServiceError("invalid", _("请选择联系结果。"), field="outcome")
    today = clock.today()
    if outcome == ContactOutcome.PROMISED and promised_on is None:
        raise ServiceError("invalid", _("承诺缴费日期：请填写业主承诺缴费的日期。"), field="promised_on")
    if promised_on is not None and promised_on <= today:
        raise ServiceError("invalid", _("承诺缴费日期须晚于今天。"), field="promised_on")
    with transaction.atomic():
        row, ladder = _standing(room, today)
        refusal = step_refusal(step, ladder)
        if refusal is not None:
            raise refusal
        contact = DunningContact(
            community_id=room.community_id,
            room=room,
            step=step,
            channel=channel,
            person=" ".join((person or "").split())[:100],
            owed=row["total"],
            outcome=outcome,
            promised_on=promised_on,
            note=(note or "").strip(),
            by=actor,
            at=at or clock.now(),
        )
        contact.full_clean()
        contact.save()
        log(
            actor,
            "billing.contact.recorded",
            contact,
            community=room.community,
            household=room,
            summary=f"{DunningStep(step).label} · {Channel(channel).label} · {ContactOutcome(outcome).label}",
            step=step,
            owed=str(row["total"]),
        )
    return contact


def reminders_send(*, community, actor, as_of: dt.date | None = None) -> dict:
    """Remind every household whose reminder is due and not yet sent (FE-3.reminder_days): a message in
    the owners' portal inbox (passed on to the SMS/WeChat gateway by core.notify's webhook, where one
    is set), logged as a reminder contact per household. Households without a portal account are
    returned in `unreachable`, to be phoned or visited."""
    require(actor, "billing.dun", community)
    as_of = as_of or clock.today()
    rows = list(arrears.households(community, as_of, step=""))
    standings = arrears.ladders(community, rows, as_of)
    sent, unreachable = [], []
    with transaction.atomic():
        from guanjia.estates.models import Room

        due = [r for r in rows if standings[r["room_id"]].next_step == DunningStep.REMINDER]
        rooms = Room.objects.in_bulk([r["room_id"] for r in due])
        for r in due:
            _cents(r)
            room = rooms[r["room_id"]]
            users = owners_of(room)
            if not users:
                unreachable.append(room)
                continue
            title = _("缴费提醒：%(room)s 物业费等尚有 %(amount)s 元逾期未缴") % {
                "room": room.code,
                "amount": r["total"],
            }
            body = _("最早一笔缴费期限为 %(day)s。如已缴纳请忽略；如有疑问，请联系管理处。") % {
                "day": r["oldest"].isoformat()
            }
            for user in users:
                notify(user, title, body=body, url=reverse("portal:home"), community=community)
            contact = DunningContact.objects.create(
                community_id=room.community_id,
                room=room,
                step=DunningStep.REMINDER,
                channel=Channel.INBOX,
                person=_("业主（站内消息）"),
                owed=r["total"],
                outcome=ContactOutcome.DELIVERED,
                by=actor,
                at=clock.now(),
            )
            log(
                actor,
                "billing.reminder.sent",
                contact,
                community=community,
                household=room,
                owed=str(r["total"]),
            )
            sent.append(room)
    return {"sent": sent, "unreachable": unreachable}


def demand_issue(*, room, actor, addressee: str = "", disputes_seen: bool = False) -> DemandLetter:
    """Issue the written demand 催告函 (FE-3, 民法典 944): the amount, since when, and a reasonable
    deadline (today + FE-3.demand_pay_days); numbered CG per community; printed as FE-3.demand.

    While the owner disputes one of the lines owed (an open LineDispute), the demand is not issued
    unless the staff say they have looked at the dispute (`disputes_seen`)."""
    require(actor, "billing.dun", room.community)
    with transaction.atomic():
        row, ladder = _standing(room)
        refusal = step_refusal(DunningStep.DEMAND, ladder)
        if refusal is not None:
            raise refusal
        if ladder.disputes and not disputes_seen:
            raise Conflict(
                "disputed",
                _("该户有异议处理中的费用（工单 %(n)s）：开具催告函前请先查看异议；确认仍要开具，请勾选“已查看异议”。")
                % {"n": "、".join(d.ticket.number for d in ladder.disputes)},
                field="disputes_seen",
            )
        if DemandLetter.objects.filter(
            room=room, delivered_on__isnull=True, issued_at__date__gte=row["oldest"]
        ).exists():
            raise Conflict("demand_pending", _("该户已有未送达的催告函，请先登记送达。"))
        name = " ".join((addressee or "").split()) or _owner_names(room) or _("业主")
        letter = DemandLetter(
            community_id=room.community_id,
            number=numbering.next_number(DEMAND_PREFIX, scope=room.community_id),
            room=room,
            addressee=name[:100],
            owed=row["total"],
            owed_since=row["oldest"],
            pay_by=clock.today() + dt.timedelta(days=policy(room.community_id, "FE-3.demand_pay_days")),
            issued_by=actor,
            issued_at=clock.now(),
        )
        letter.full_clean()
        letter.save()
        log(
            actor,
            "billing.demand.issued",
            letter,
            community=room.community,
            household=room,
            summary=letter.number,
            owed=str(letter.owed),
            disputes=[d.ticket.number for d in ladder.disputes],
        )
    return letter


def _owner_names(room) -> str:
    from guanjia.estates.models import Ownership

    names = Ownership.objects.filter(room=room, until__isnull=True).values_list("person__name", flat=True)
    return "、".join(names)


def demand_delivered(*, letter: DemandLetter, delivered_on: dt.date, delivery: str, proof=None, actor) -> DemandLetter:
    """Record how and when a demand was delivered, with its proof (a signed receipt, an EMS slip)."""
    require(actor, "billing.dun", letter.community)
    delivery = " ".join((delivery or "").split())
    if not delivery:
        raise ServiceError("invalid", _("送达方式：请填写送达方式（如直接送达签收、EMS 单号）。"), field="delivery")
    if delivered_on is None:
        raise ServiceError("invalid", _("送达日期：请填写送达日期。"), field="delivered_on")
    if delivered_on > clock.today():
        raise ServiceError("invalid", _("送达日期不能晚于今天。"), field="delivered_on")
    if delivered_on < clock_date(letter.issued_at):
        raise ServiceError("invalid", _("送达日期不能早于催告函开具日期。"), field="delivered_on")
    stored = uploads.accept(proof, kind=uploads.DOCUMENT, field="proof") if proof else None
    with transaction.atomic():
        letter = DemandLetter.objects.select_for_update().get(pk=letter.pk)
        if letter.delivered_on is not None:
            raise Conflict("already_delivered", _("该催告函已登记送达。"))
        letter.delivered_on, letter.delivery = delivered_on, delivery[:100]
        if stored is not None:
            letter.proof.save(stored.name, stored, save=False)
        letter.full_clean()
        letter.save(update_fields=["delivered_on", "delivery", "proof"])
        DunningContact.objects.create(
            community_id=letter.community_id,
            room_id=letter.room_id,
            step=DunningStep.DEMAND,
            channel=Channel.LETTER,
            person=letter.addressee,
            owed=letter.owed,
            outcome=ContactOutcome.DELIVERED,
            note=_("催告函 %(n)s 送达：%(how)s") % {"n": letter.number, "how": letter.delivery},
            by=actor,
            at=clock.now(),
        )
        log(
            actor,
            "billing.demand.delivered",
            letter,
            community=letter.community,
            household=letter.room_id,
            summary=f"{letter.number} · {letter.delivery}",
        )
    return letter


def clock_date(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(moment)


__all__ = ["contact_record", "demand_delivered", "demand_issue", "reminders_send", "standing", "step_refusal"]
