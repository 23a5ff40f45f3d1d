"""The service desk's side of RC-5: a problem found at a repair's callback is notified *in writing* to
the repair staff within 24 hours (policy RC-5.hours).

The 整改通知书 itself is the quality app's (a notice for a registered kind of finding, issued and
closed by quality's services); the service desk registers the unsatisfied repair callback as such a
finding (quality_hooks.register) and keeps the clocks that belong to the ticket:

* RC-5.issue, on the ticket: opened by `callback_record` when the callback finds a problem, met by
  `notice_issued` below when quality issues the notice.
* RC-5.fix, on the notice: quality's, by default RC-5.fix_days days; when the notice is closed the
  household is called back again (`notice_closed`, RC-4).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from guanjia.core.deadlines import deadline_meet
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.models import Deadline

from ..choices import Kind
from ..models import Callback, Ticket
from .callbacks import _schedule_callback

# The kind of finding, as registered with the quality app.
SOURCE = "RC-5.callback"
# Issuing a written notice to repair staff is for those who judge repair work (验收): supervisors,
# the office manager and the desk that checks repairs; never the technician it is addressed to.
ISSUE_PERMISSION = "servicedesk.check"
ISSUE_RULE = "RC-5.issue"
FIX_RULE = "RC-5.fix"


def notice_model():
    """quality.RectificationNotice, reached through the callbacks' relation (the desk reads notices
    without importing quality)."""
    return Callback._meta.get_field("rectification_notices").related_model


def notices_of_callbacks(callback_ids):
    """The notices issued for these callbacks (RC-5), with their recipients."""
    return (
        notice_model()
        .objects.filter(subject_type=ContentType.objects.get_for_model(Callback), subject_id__in=list(callback_ids))
        .select_related("recipient")
        .order_by("issued_at", "id")
    )


def owing_notice(queryset):
    """Repair callbacks found unsatisfied whose written notice is not issued yet (RC-5)."""
    return queryset.filter(
        done_at__isnull=False, satisfied=False, ticket__kind=Kind.REPAIR, rectification_notices__isnull=True
    )


def awaiting_notice(callback: Callback) -> bool:
    """A repair's unsatisfied callback whose written notice has not been issued yet (RC-5)."""
    return owing_notice(Callback.objects.filter(pk=callback.pk)).exists()


def notice_check(callback: Callback, actor) -> None:
    """Refuse a notice for anything but a repair's unsatisfied callback with a technician to answer."""
    ticket = callback.ticket
    if not ticket.is_repair or callback.done_at is None or callback.satisfied is not False:
        raise ServiceError("invalid", _("只有维修回访不满意时才下达整改通知书。"))
    if ticket.technician_id is None:
        raise ServiceError("invalid", _("该工单没有维修人员，无法下达整改通知书。"))
    if actor.pk == ticket.technician_id:
        raise Forbidden("forbidden", _("维修人员不能给自己下达整改通知书。"))


def notice_issued(notice, actor, at) -> None:
    """The written notice is out: RC-5's 24 hours on the ticket are met."""
    deadline_meet(notice.subject.ticket, ISSUE_RULE, at=at, by=actor)


def notice_closed(notice, actor, at) -> None:
    """Rectified: the household is called back again (RC-4)."""
    _schedule_callback(notice.subject.ticket, actor, at)


def issue_deadlines(ticket_ids) -> dict[str, Deadline]:
    """{ticket id: its pending RC-5.issue deadline} for the tickets named, in one query."""
    rows = Deadline.objects.pending().filter(
        subject_type=ContentType.objects.get_for_model(Ticket),
        subject_id__in={str(pk) for pk in ticket_ids},
        rule=ISSUE_RULE,
    )
    return {d.subject_id: d for d in rows}


def attach_issue_due(callbacks) -> list:
    """Set `.issue_due` (the pending RC-5.issue deadline of each callback's ticket), in one query."""
    callbacks = list(callbacks)
    pending = issue_deadlines(c.ticket_id for c in callbacks)
    for c in callbacks:
        found = pending.get(str(c.ticket_id))
        c.issue_due = found.due_at if found else None
    return callbacks


def issue_clock(notice) -> Deadline | None:
    """The RC-5.issue deadline a notice met (on its ticket, at the moment it was issued)."""
    callback = notice.subject
    if callback is None:
        return None
    return (
        Deadline.objects.filter(
            subject_type=ContentType.objects.get_for_model(Ticket),
            subject_id=str(callback.ticket_id),
            rule=ISSUE_RULE,
            met_at=notice.issued_at,
        )
        .with_state()
        .first()
    )
