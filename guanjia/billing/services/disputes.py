"""An owner disputes a bill line 对此项有异议 (FE-1, FE-3; RC-3, RC-6, RC-9).

The dispute is a complaint at the service desk: an office takes a contested charge as a complaint
(投诉), so it gets the 72-hour reply (RC-3), is counted in the complaint statistics (RC-6) and is
called back (RC-9) like any other — the desk's own services and clocks, nothing of its own. The
`LineDispute` row ties the ticket to the line; it is open while the ticket is (selectors_disputes).
One open dispute per line: the line's row is locked while the next is checked and written.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import is_staff_member, require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.notify import notify_role
from guanjia.core.periods import MONTH, Period
from guanjia.core.roles import Role
from guanjia.core.textnorm import clean_prose, clean_text
from guanjia.core.topics import Topic
from guanjia.core.validators import TEXT_MAX, normalise_phone

from ..choices import DESK_DISPUTE_CHANNELS, DisputeChannel, PayerKind
from ..models import BillLine, LineDispute
from ..selectors_disputes import disputable_lines, open_disputes

REASON_MAX = 500
SAID_BY_MAX = 50


def _reason(raw, *, desk: bool = False) -> str:
    reason = clean_prose(raw or "").strip()
    if not reason:
        if desk:
            raise ServiceError("invalid", _("异议理由：请写明业户对这项费用有什么异议。"), field="reason")
        raise ServiceError("invalid", _("异议理由：请写明您对这项费用有什么异议。"), field="reason")
    if len(reason) > min(REASON_MAX, TEXT_MAX):
        raise ServiceError(
            "invalid", _("异议理由：最多 %(n)s 个字，请精简后再提交。") % {"n": REASON_MAX}, field="reason"
        )
    return reason


def _desk_caller(*, line: BillLine, actor, channel: str, said_by: str, said_by_phone: str) -> tuple[str, str, str]:
    """What the desk records of who disputed the line and how (RC-1); the line must be one the bill
    page offers (selectors_disputes.desk_disputable_lines): refused otherwise, naming the field."""
    require(actor, "billing.view", line.community_id)
    require(actor, "servicedesk.create", line.community_id)  # the dispute is a complaint the desk takes
    if channel not in DESK_DISPUTE_CHANNELS:
        raise ServiceError("invalid", _("受理渠道：请选择电话或窗口。"), field="channel")
    said_by = clean_text(said_by or "")
    if not said_by:
        raise ServiceError("invalid", _("异议人：请填写提出异议的业户或住户姓名。"), field="said_by")
    if len(said_by) > SAID_BY_MAX:
        raise ServiceError("invalid", _("异议人：最多 %(n)s 个字。") % {"n": SAID_BY_MAX}, field="said_by")
    phone = clean_text(said_by_phone or "")
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValidationError:
            raise ServiceError(
                "invalid",
                _("异议人电话：“%(p)s”格式不正确，手机号应为11位数字。") % {"p": phone},
                field="said_by_phone",
            ) from None
    elif channel == DisputeChannel.PHONE:
        # RC-9: the complaint is called back; by phone the number is at hand
        raise ServiceError("invalid", _("异议人电话：电话受理时请填写来电号码。"), field="said_by_phone")
    if line.payer_kind == PayerKind.DEVELOPER:
        raise ServiceError("invalid", _("账单明细：开发建设单位的账单不能登记业户异议。"), field="line")
    return channel, said_by, phone


def line_dispute(
    *,
    line: BillLine,
    actor,
    reason: str,
    at: dt.datetime | None = None,
    channel: str = "",
    said_by: str = "",
    said_by_phone: str = "",
) -> LineDispute:
    """Dispute one line of a bill: a complaint ticket linked to the line (FE-1, RC-3).

    An owner (or paying tenant) disputes his own household's line in the portal or the API; a staff
    member records at the desk what an owner said by phone or at the window (`channel`, `said_by`,
    `said_by_phone`), on any owner's or tenant's line of the community. Either way one open dispute
    per line, the same ticket and clocks."""
    from guanjia.servicedesk.choices import Channel, Kind
    from guanjia.servicedesk.services import ticket_create

    desk = is_staff_member(actor)
    if desk:
        channel, said_by, said_by_phone = _desk_caller(
            line=line, actor=actor, channel=channel, said_by=said_by, said_by_phone=said_by_phone
        )
    else:
        if not disputable_lines(actor).filter(pk=line.pk).exists():
            raise Forbidden("forbidden", _("您只能对本户自己的账单提出异议。"))
        channel, said_by, said_by_phone = DisputeChannel.PORTAL, "", ""
    reason = _reason(reason, desk=desk)
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
            channel=Channel(channel),  # the same values (RC-1)
            room=line.room,
            topic=Topic.OTHER,
            description=description,
            reporter_name=said_by,
            reporter_phone=said_by_phone,
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
            channel=channel,
            said_by=said_by,
            said_by_phone=said_by_phone,
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
            channel=channel,
            said_by=said_by,
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
