"""Rectification notices 整改通知书 (RC-5): two clocks, each a Deadline row.

* RC-5.issue: a problem found at a repair's callback is notified *in writing* to the repair staff
  within 24 hours (policy RC-5.hours). Opened by `callback_record`, met by `rectification_issue`.
* RC-5.fix: the rulebook gives the fix itself no limit, so it gets its own period: by default
  RC-5.fix_days days (24:00 of the last day, RULES.md "Clocks"); whoever issues the notice may set
  another date on it. Opened by `rectification_issue`, met by `rectification_close`.
"""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import clock, workdays
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_meet, deadline_open
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.notify import notify
from guanjia.core.numbering import next_number
from guanjia.core.policies import policy

from ..models import Callback, RectificationNotice
from .callbacks import _schedule_callback

# Issuing a written notice to repair staff is for those who judge repair work (验收): supervisors,
# the office manager and the desk that checks repairs; never the technician it is addressed to.
ISSUE_PERMISSION = "servicedesk.check"


def rectification_fix_due(community, at: dt.datetime, fix_due: dt.date | None = None) -> dt.datetime:
    """When the fix is due: 24:00 of `fix_due`, or of the RC-5.fix_days-th day after `at`."""
    if fix_due is None:
        return workdays.add_days(at, policy(community, "RC-5.fix_days"))
    return workdays.deadline_end(fix_due)


def awaiting_notice(callback: Callback) -> bool:
    """A repair's unsatisfied callback whose written notice has not been issued yet (RC-5)."""
    return (
        callback.ticket.is_repair
        and callback.done_at is not None
        and callback.satisfied is False
        and not RectificationNotice.objects.filter(callback=callback).exists()
    )


def rectification_issue(
    *, callback: Callback, actor, problem: str = "", requirement: str = "", fix_due: dt.date | None = None
) -> RectificationNotice:
    """Issue the 整改通知书 for a problem found at `callback` (RC-5), addressed to the ticket's technician.

    `problem` defaults to the owner's words recorded at the callback; `fix_due` (a date) overrides the
    house period RC-5.fix_days for this notice."""
    ticket = callback.ticket
    require(actor, ISSUE_PERMISSION, callback.community)
    if not ticket.is_repair or callback.done_at is None or callback.satisfied is not False:
        raise ServiceError("invalid", _("只有维修回访不满意时才下达整改通知书。"))
    if ticket.technician_id is None:
        raise ServiceError("invalid", _("该工单没有维修人员，无法下达整改通知书。"))
    if actor.pk == ticket.technician_id:
        raise Forbidden("forbidden", _("维修人员不能给自己下达整改通知书。"))
    problem = (problem or callback.remarks or "").strip()
    if not problem:
        raise ServiceError("invalid", _("请填写存在问题。"), field="problem")
    at = clock.now()
    if fix_due is not None and fix_due < workdays.local_date(at):
        raise ServiceError("invalid", _("整改期限不能早于今天。"), field="fix_due")
    due_at = rectification_fix_due(callback.community, at, fix_due)
    with transaction.atomic():
        Callback.objects.select_for_update().filter(pk=callback.pk).first()  # one notice per callback
        if RectificationNotice.objects.filter(callback=callback).exists():
            raise Conflict("issued", _("该回访的整改通知书已下达。"))
        notice = RectificationNotice.objects.create(
            community=callback.community,
            number=next_number("ZG"),
            ticket=ticket,
            callback=callback,
            technician=ticket.technician,
            problem=problem,
            requirement=(requirement or "").strip(),
            issued_at=at,
            issued_by=actor,
            due_at=due_at,
        )
        deadline_meet(ticket, "RC-5.issue", at=at, by=actor)
        deadline_open(
            subject=notice,
            rule="RC-5.fix",
            title=_("整改 %(n)s") % {"n": notice.number},
            starts_at=at,
            due_at=due_at,
            owner=ticket.technician,
            household=ticket.room_id,
        )
        log(
            actor,
            "servicedesk.rectification.issued",
            notice,
            household=ticket.room_id,
            summary=_("下达整改通知书 %(n)s，限 %(due)s 前整改")
            % {"n": notice.number, "due": workdays.deadline_text(due_at)},
            due_at=due_at.isoformat(),
            default_period=fix_due is None,
        )
        notify(
            ticket.technician,
            _("整改通知书 %(n)s") % {"n": notice.number},
            body=_("请于 %(due)s 前整改完毕：%(p)s") % {"due": workdays.deadline_text(due_at), "p": problem[:150]},
            url=f"/console/desk/rectifications/{notice.pk}/",
            community=ticket.community,
        )
    return notice


def rectification_close(*, notice: RectificationNotice, actor, result: str) -> RectificationNotice:
    """Rectified: the RC-5.fix clock stops and the household is called back again (RC-4)."""
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
