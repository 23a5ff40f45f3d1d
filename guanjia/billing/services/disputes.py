"""An owner disputes a bill line 对此项有异议 (FE-1, FE-3; RC-3, RC-6, RC-9).

The dispute is a complaint at the service desk: an office takes a contested charge as a complaint
(投诉), so it gets the 72-hour reply (RC-3), is counted in the complaint statistics (RC-6) and is
called back (RC-9) like any other — the desk's own services and clocks, nothing of its own. The
`LineDispute` row ties the ticket to the line; it is open while the ticket is (selectors_disputes).
One open dispute per line: the line's row is locked while the next is checked and written.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.notify import notify_role
from guanjia.core.periods import MONTH, Period
from guanjia.core.roles import Role
from guanjia.core.textnorm import clean_prose
from guanjia.core.topics import Topic
from guanjia.core.validators import TEXT_MAX

from ..models import BillLine, LineDispute
from ..selectors_disputes import disputable_lines, open_disputes

REASON_MAX = 500


def _reason(raw) -> str:
    reason = clean_prose(raw or "").strip()
    if not reason:
        raise ServiceError("invalid", _("异议理由：请写明您对这项费用有什么异议。"), field="reason")
    if len(reason) > min(REASON_MAX, TEXT_MAX):
        raise ServiceError(
            "invalid", _("异议理由：最多 %(n)s 个字，请精简后再提交。") % {"n": REASON_MAX}, field="reason"
        )
    return reason


def line_dispute(*, line: BillLine, actor, reason: str, at: dt.datetime | None = None) -> LineDispute:
    """Dispute one line of the actor's own bill: a complaint ticket linked to the line (FE-1, RC-3)."""
    from guanjia.servicedesk.choices import Channel, Kind
    from guanjia.servicedesk.services import ticket_create

    if not disputable_lines(actor).filter(pk=line.pk).exists():
        raise Forbidden("forbidden", _("您只能对本户自己的账单提出异议。"))
    reason = _reason(reason)
    with transaction.atomic():
        line = (
            BillLine.objects.select_for_update(of=("self",)).select_related("bill", "room", "community").get(pk=line.pk)
        )
        pending = open_disputes().filter(line=line).select_related("ticket").first()
        if pending is not None:
            raise Conflict(
                "dispute_open",
                _("这项费用已有异议在处理中（工单 %(n)s），请等待管理处答复。") % {"n": pending.ticket.number},
            )
        description = _(
            "账单异议：账单 %(bill)s「%(item)s」%(period)s，金额 %(amount)s 元，未缴 %(open)s 元。理由：%(reason)s"
        ) % {
            "bill": line.bill.number,
            "item": line.item_name,
            "period": Period.of(MONTH, line.period).label,
            "amount": line.amount,
            "open": line.open_amount,
            "reason": reason,
        }
        ticket = ticket_create(
            community=line.community,
            actor=actor,
            kind=Kind.COMPLAINT,
            channel=Channel.PORTAL,
            room=line.room,
            topic=Topic.OTHER,
            description=description,
            received_at=at,
        )
        dispute = LineDispute(
            community_id=line.community_id,
            line=line,
            room_id=line.room_id,
            ticket=ticket,
            reason=reason,
            raised_by=actor,
            raised_at=at or clock.now(),
        )
        dispute.full_clean(exclude=["community", "line", "room", "ticket", "raised_by"])
        dispute.save()
        log(
            actor,
            "billing.line.disputed",
            dispute,
            community=line.community,
            household=line.room,
            summary=f"{line.bill.number} · {line.item_name} · {ticket.number}",
            line=line.pk,
            ticket=ticket.number,
        )
        # the fee office learns of it too: the cashier answers for the bill, the desk for the clock
        notify_role(
            Role.CASHIER,
            line.community,
            _("账单异议 %(room)s「%(item)s」，工单 %(n)s")
            % {"room": line.room.code, "item": line.item_name, "n": ticket.number},  # fmt: skip
            body=reason[:200],
            url=reverse("billing:arrears_household", args=[line.room_id]),
        )
    return dispute


__all__ = ["line_dispute"]
