"""Callbacks (RC-4, RC-9): scheduled when the work is done and recorded by the office. A problem found
at a repair's callback owes the repair staff a written rectification notice within 24 hours (RC-5):
its clock starts here; the notice is the quality app's (services.rectifications). The office
manager's monthly spot check of callbacks (RC-4) is a quality spot-check kind (quality_hooks)."""

import datetime as dt
import random

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core import workdays
from guanjia.core.access import has_perm, require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_meet, deadline_open
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.notify import notify_role
from guanjia.core.policies import policy
from guanjia.core.roles import Role

from ..choices import CallbackMethod, Severity
from ..models import Callback, Ticket
from ..service_levels import callback_due
from ._common import _close, _now, _open_reply_deadline

# Who is reminded to issue the notice (RC-5); anyone who may check repairs may issue it.
NOTICE_ROLE = Role.CS_SUPERVISOR


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


def callback_record(*, callback: Callback, actor, method: str, satisfied: bool, remarks: str = "", at=None) -> Callback:
    """Record a callback. Unsatisfied: a repair's notice falls due (RC-5), a complaint is reopened (RC-3)."""
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
            _open_notice_deadline(callback, at)
        else:
            ticket.reopen_count += 1
            ticket.reopen()
            ticket.save(update_fields=["status", "reopen_count"])
            _open_reply_deadline(ticket, at, _("投诉再次答复 %(n)s") % {"n": ticket.number})
    return callback


def _open_notice_deadline(callback: Callback, at: dt.datetime) -> None:
    """RC-5: the problem found at this callback is notified in writing to the repair staff within
    24 hours (policy RC-5.hours). The clock hangs on the ticket, so the desk's list, the ticket page,
    到期事项 and the owner's page all show it; issuing the notice meets it."""
    ticket = callback.ticket
    due = workdays.add_hours(at, policy(callback.community, "RC-5.hours"))
    deadline_open(
        subject=ticket,
        rule="RC-5.issue",
        title=_("下达整改通知书 %(n)s") % {"n": ticket.number},
        starts_at=at,
        due_at=due,
        owner_role=NOTICE_ROLE,
        household=ticket.room_id,
    )
    notify_role(
        NOTICE_ROLE,
        ticket.community,
        _("回访不满意 %(n)s，请下达整改通知书") % {"n": ticket.number},
        body=_("请于 %(due)s 前书面通知维修人员整改（RC-5）：%(p)s")
        % {"due": workdays.deadline_text(due), "p": callback.remarks[:150]},
        # RC-5's kind of finding in the quality app (services.rectifications.SOURCE), by URL name.
        url=reverse("quality:notice_issue", args=["RC-5.callback", callback.pk]),
    )
