"""The toy's services, in the house shape: check with the machine, validate, write atomically, log,
deadline, notify."""

import datetime as dt

from django.db import transaction

from guanjia.core import clock, transitions
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_meet, deadline_open
from guanjia.core.errors import ServiceError
from guanjia.core.notify import notify

from .models import Parcel


def parcel_receive(*, community, number: str, recipient: str = "", actor=None) -> Parcel:
    with transaction.atomic():
        parcel = Parcel.objects.create(community=community, number=number, recipient=recipient)
        deadline_open(subject=parcel, rule="TOY-1", title=f"领取 {number}", due_at=clock.now() + dt.timedelta(days=7))
    return parcel


def parcel_claim(*, parcel: Parcel, actor, accepted: bool, note: str = "") -> Parcel:
    transitions.check(parcel, "claim_accept" if accepted else "claim_reject", actor)
    if not accepted and not note.strip():
        raise ServiceError("invalid", "拒绝交付时请写明原因。", field="note")
    with transaction.atomic():
        parcel.note = note.strip()
        if accepted:
            transitions.fire(parcel, "claim_accept")
            parcel.save(update_fields=["status", "note"])
            deadline_meet(parcel, "TOY-1", by=actor)
            log(actor, "toy.parcel.collected", parcel, summary=f"领取 {parcel.number}")
        else:
            transitions.fire(parcel, "claim_reject")
            parcel.save(update_fields=["note"])
            log(actor, "toy.parcel.refused", parcel, summary=f"拒绝交付 {parcel.number}")
            notify(actor, f"快递 {parcel.number} 未交付", community=parcel.community)
    return parcel


def parcel_send_back(*, parcel: Parcel, actor) -> Parcel:
    transitions.check(parcel, "send_back", actor)
    with transaction.atomic():
        transitions.fire(parcel, "send_back")
        parcel.save(update_fields=["status"])
        deadline_meet(parcel, "TOY-1", by=actor)
        log(actor, "toy.parcel.returned", parcel, summary=f"退回 {parcel.number}")
    return parcel


def parcel_note(*, parcel: Parcel, actor, note: str) -> Parcel:
    """The supervisor's note on a parcel (console.ActionView with `perform_action`)."""
    require(actor, "toy.supervise", parcel.community)
    parcel.note = note.strip()
    parcel.save(update_fields=["note"])
    return parcel
