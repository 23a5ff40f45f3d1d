"""The monthly complaint summary for owners (RC-10): prepared with its figures frozen, sent for the
office manager's approval (the "RC-10.summary" approval chain, core.approvals), published by the 5th
(the "RC-10.summary" recurring duty, core.duties, met only when it is published). What is published
names no room and no person (LW-1)."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core import approvals, clock, duties, periods
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.approval_models import ApprovalStatus
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.notify import notify
from guanjia.core.periods import Period

SUMMARY = "RC-10.summary"  # the duty and the approval chain


def summary_period(month: Period | dt.date) -> Period:
    return Period.of(periods.MONTH, month)


def summary_url(community, month: Period) -> str:
    """The summary page of the community's month: links from the inbox and 待我审批 open that community."""
    return f"{reverse('servicedesk:summaries')}?month={month.key}&community={community.pk}"


def complaint_summary_url(summary) -> str:
    return summary_url(summary.community, summary_period(summary.month))


def in_approval(summary) -> bool:
    """Whether the summary stands with the office manager now (an approval in progress)."""
    if summary is None or summary.pk is None:
        return False
    current = approvals.current_approval(summary, SUMMARY)
    return current is not None and current.status == ApprovalStatus.IN_PROGRESS


def complaint_summary_prepare(*, community, month: Period | dt.date, actor, explanation: str = ""):
    """Prepare (or, before approval, re-prepare) a month's complaint summary for owners (RC-10).

    The numbers are frozen into the summary so that what the manager approves is what is
    published. Unresolved complaints must be explained, and the explanation may name no room
    and no person (LW-1). The due time (the 5th) is computed, see `reports`.
    """
    from .. import reports
    from ..models import ComplaintSummary

    require(actor, "servicedesk.summary", community)
    period = summary_period(month)
    month, label = period.start, period.label
    if not period.has_ended(clock.now()):
        raise ServiceError("month_open", _("%(m)s尚未结束，月末后才能编制投诉汇总。") % {"m": label}, field="month")
    explanation = (explanation or "").strip()
    with transaction.atomic():
        summary = (
            ComplaintSummary.objects.select_for_update().filter(community=community, month=month).order_by("pk").first()
        )
        if summary is not None and summary.approved_at:
            raise Conflict("approved", _("%(m)s的投诉汇总已经管理处经理批准，不能重新编制。") % {"m": label})
        if in_approval(summary):
            raise Conflict("submitted", _("%(m)s的投诉汇总正在管理处经理审批中，不能重新编制。") % {"m": label})
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
            month=period.key,
        )
    return summary


def complaint_summary_submit(*, summary, actor):
    """Send the prepared summary for the office manager's approval (RC-10: "after director approval").

    Starts the "RC-10.summary" approval chain; the chain's first role is asked at once. After a
    return it is re-prepared and sent again: a new approval."""
    from ..models import ComplaintSummary

    require(actor, "servicedesk.summary", summary.community)
    label = summary_period(summary.month).label
    with transaction.atomic():
        summary = ComplaintSummary.objects.select_for_update().get(pk=summary.pk)
        if summary.approved_at:
            raise Conflict("approved", _("%(m)s的投诉汇总已批准。") % {"m": label})
        if in_approval(summary):
            raise Conflict("submitted", _("%(m)s的投诉汇总已送管理处经理审批。") % {"m": label})
        again = approvals.approvals_of(summary, SUMMARY).exists()  # after a return
        approvals.approval_start(subject=summary, key=SUMMARY, actor=actor)
        log(
            actor,
            "servicedesk.summary.submitted",
            summary,
            summary=_("报送%(m)s投诉汇总待经理批准") % {"m": label},
            month=summary_period(summary.month).key,
            again=again,
        )
    return summary


def complaint_summary_approved(approval, actor) -> None:
    """The chain's last step approved the summary (RC-10): its numbers are fixed and it may be published.
    `approved_at`/`approved_by` are kept on the summary for the PDF and the owners' page."""
    from ..models import ComplaintSummary

    summary = ComplaintSummary.objects.select_for_update().get(pk=approval.subject_id)
    summary.approved_at, summary.approved_by = approval.finished_at or clock.now(), actor
    summary.save(update_fields=["approved_at", "approved_by"])
    notify(
        summary.prepared_by,
        _("%(m)s投诉汇总已批准，请于期限前公布") % {"m": summary_period(summary.month).label},
        url=complaint_summary_url(summary),
        community=summary.community,
    )


def complaint_summary_returned(approval, actor, comment: str) -> None:
    """The office manager returned the summary with what to change: the CS supervisor re-prepares it
    (the approval is no longer in progress, so `complaint_summary_prepare` accepts it again)."""
    from ..models import ComplaintSummary

    summary = ComplaintSummary.objects.get(pk=approval.subject_id)
    notify(
        summary.prepared_by,
        _("%(m)s投诉汇总被退回：%(c)s") % {"m": summary_period(summary.month).label, "c": comment},
        url=complaint_summary_url(summary),
        community=summary.community,
    )


def complaint_summary_publish(*, summary, actor):
    """Publish the approved summary to owners (RC-10): this alone meets the month's "RC-10.summary" duty,
    due by 24:00 of the 5th of the following month (a month without complaints: noted "本月无投诉")."""

    require(actor, "servicedesk.summary", summary.community)
    summary.refresh_from_db(fields=["approved_at", "approved_by", "published_at"])
    if not summary.approved_at:
        raise Conflict("not_approved", _("投诉汇总须经管理处经理批准后才能公布（RC-10）。"))
    if summary.published_at:
        raise Conflict("published", _("该投诉汇总已公布。"))
    with transaction.atomic():
        summary.published_at = clock.now()
        summary.save(update_fields=["published_at"])
        duty = duties.duty_meet(
            community=summary.community,
            key=SUMMARY,
            period=summary_period(summary.month),
            actor=actor,
            at=summary.published_at,
            note=_("本月无投诉") if not summary.stats.get("total") else "",
        )
        log(
            actor,
            "servicedesk.summary.published",
            summary,
            summary=_("公布%(m)s投诉汇总") % {"m": summary_period(summary.month).label},
            on_time=summary.published_at <= duty.due_at,
        )
    return summary
