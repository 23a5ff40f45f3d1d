"""The monthly complaint summary for owners (RC-10): prepared with its figures frozen, approved by the
office manager, published by the 5th. What is published names no room and no person (LW-1)."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import clock, workdays
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.models import Deadline
from guanjia.core.notify import notify_role
from guanjia.core.roles import Role


def complaint_summary_prepare(*, community, month: dt.date, actor, explanation: str = ""):
    """Prepare (or, before approval, re-prepare) a month's complaint summary for owners (RC-10).

    The numbers are frozen into the summary so that what the manager approves is what is
    published. Unresolved complaints must be explained, and the explanation may name no room
    and no person (LW-1). The due time (the 5th) is computed, see `reports`.
    """
    from .. import reports
    from ..models import ComplaintSummary

    require(actor, "servicedesk.summary", community)
    month = month.replace(day=1)
    label = reports.month_label(month)
    if not reports.month_has_ended(month):
        raise ServiceError("month_open", _("%(m)s尚未结束，月末后才能编制投诉汇总。") % {"m": label}, field="month")
    explanation = (explanation or "").strip()
    with transaction.atomic():
        summary = (
            ComplaintSummary.objects.select_for_update().filter(community=community, month=month).order_by("pk").first()
        )
        if summary is not None and summary.approved_at:
            raise Conflict("approved", _("%(m)s的投诉汇总已经管理处经理批准，不能重新编制。") % {"m": label})
        stats = reports.summary_stats(community, month)
        if stats["unresolved"] and not explanation:
            raise ServiceError(
                "invalid",
                _("本月有 %(n)s 件投诉尚未解决，请填写未能解决事项的说明（RC-10）。") % {"n": stats["unresolved"]},
                field="explanation",
            )
        leaked = [word for word in reports.private_words(community, month) if word in explanation]
        if leaked:
            raise ServiceError(
                "private",
                _("说明将向业户公布，不得出现房号或姓名：%(w)s（RC-10、LW-1）。") % {"w": "、".join(leaked[:3])},
                field="explanation",
            )
        first = summary is None
        if first:
            summary = ComplaintSummary(community=community, month=month, prepared_by=actor)
        summary.stats, summary.explanation, summary.prepared_by = stats, explanation, actor
        if not first:
            summary.prepared_at = clock.now()
        summary.full_clean(exclude=["community", "prepared_by", "approved_by"])
        summary.save()
        log(
            actor,
            "servicedesk.summary.prepared",
            summary,
            summary=_("编制%(m)s投诉汇总（%(n)s 件）") % {"m": label, "n": stats["total"]},
            month=reports.month_key(month),
        )
        if first:
            notify_role(
                Role.OFFICE_MANAGER,
                community,
                _("%(m)s投诉汇总待批准") % {"m": label},
                body=_("请在 %(due)s 前批准并公布（RC-10）。")
                % {"due": workdays.deadline_text(reports.summary_due(community, month))},
                url=f"/console/desk/summaries/?month={reports.month_key(month)}",
            )
    return summary


def complaint_summary_approve(*, summary, actor):
    """The office manager approves the summary (RC-10); its numbers are then fixed."""
    from .. import reports

    require(actor, "servicedesk.approve_summary", summary.community)
    if summary.approved_at:
        raise Conflict("approved", _("该投诉汇总已批准。"))
    with transaction.atomic():
        summary.approved_at, summary.approved_by = clock.now(), actor
        summary.save(update_fields=["approved_at", "approved_by"])
        log(
            actor,
            "servicedesk.summary.approved",
            summary,
            summary=_("批准%(m)s投诉汇总") % {"m": reports.month_label(summary.month)},
        )
    return summary


def complaint_summary_publish(*, summary, actor):
    """Publish the approved summary to owners (RC-10): due by the 5th of the following month."""
    from .. import reports

    require(actor, "servicedesk.summary", summary.community)
    if not summary.approved_at:
        raise Conflict("not_approved", _("投诉汇总须经管理处经理批准后才能公布（RC-10）。"))
    if summary.published_at:
        raise Conflict("published", _("该投诉汇总已公布。"))
    with transaction.atomic():
        summary.published_at = clock.now()
        summary.save(update_fields=["published_at"])
        due = reports.summary_due(summary.community, summary.month)
        Deadline.objects.pending().filter(community=summary.community, rule="RC-10", due_at=due).update(
            met_at=summary.published_at, met_by=actor
        )
        log(
            actor,
            "servicedesk.summary.published",
            summary,
            summary=_("公布%(m)s投诉汇总") % {"m": reports.month_label(summary.month)},
            on_time=summary.published_at <= due,
        )
    return summary
