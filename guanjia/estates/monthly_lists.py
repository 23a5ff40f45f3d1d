"""A month's lists through the office manager's review (PR-4) and into the archive (AR-2).

PR-4: the property list and the lease list are produced every month (estates.registers computes
them from the register) and reviewed by the office manager. The CS supervisor sends an ended month
into the community's "PR-4.lists" chain (core.approvals; by default one step, the office manager).
The approval is the sign-off: approved, it freezes one RegisterReview per list (the Excel and PDF
sign-off box read it) and meets the month's "PR-4.lists" duty; returned, its comment goes back to
the CS supervisor, who corrects the register and sends the month again.

AR-2: by the 5th the CS supervisor hands last month's household documents and both lists to the
archivist, who signs for them; `lists_receive` is that signature and meets the month's
"AR-2.handover" duty.

Both duties are owed by every community for every month (core.duties), opened by the calendar:
a month in which nobody opened the lists still shows as owed, and then as overdue, on 到期事项.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import approvals, clock, duties
from guanjia.core.access import has_perm, require
from guanjia.core.activity import log
from guanjia.core.approval_models import Approval, ApprovalStatus
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import Deadline, DeadlineState
from guanjia.core.notify import notify, notify_role
from guanjia.core.periods import MONTH, Period
from guanjia.core.roles import Role

from . import registers
from .choices import ListsReview, RegisterKind
from .models import Lease, MonthlyLists, Ownership, RegisterReview, Room

REVIEW = "PR-4.lists"  # the approval kind and the monthly duty it meets
HANDOVER = "AR-2.handover"
DUTIES = (REVIEW, HANDOVER)


def lists_url(period: Period) -> str:
    return f"{reverse('estates:lists')}?month={period.key}"


def _lists_of(community, period: Period, *, lock: bool = False) -> MonthlyLists:
    """The month's row (made on first use); locked, two submissions or signatures of it queue."""
    lists, _made = MonthlyLists.objects.get_or_create(community=community, month=period.start)
    if lock:
        lists = MonthlyLists.objects.select_for_update().get(pk=lists.pk)
    return lists


def _reviewed_kinds(community, period: Period) -> set[str]:
    return set(RegisterReview.objects.filter(community=community, month=period.start).values_list("kind", flat=True))


def _refuse_unended(period: Period, message) -> None:
    if not period.has_ended(clock.now()):
        raise ServiceError("month_not_ended", message % {"month": period.label}, field="month")


# --- PR-4: the office manager's review, as an approval -----------------------------------------


def lists_submit(*, community, period: Period, actor) -> Approval:
    """The CS supervisor sends an ended month's two lists to the office manager (提交经理审核, PR-4)."""
    require(actor, "estates.submit_lists", community)
    period = Period.of(MONTH, period)  # a day names its month; a quarter is refused
    _refuse_unended(period, _("%(month)s尚未结束，月末后才能提交审核。"))
    with transaction.atomic():
        lists = _lists_of(community, period, lock=True)
        if _reviewed_kinds(community, period) >= set(RegisterKind.values):
            raise Conflict("already_reviewed", _("%(month)s的清单已审核，不能重复送审。") % {"month": period.label})
        return approvals.approval_start(subject=lists, key=REVIEW, actor=actor, community=community)


def lists_approved(approval: Approval, actor) -> None:
    """The chain's last step approved (inside its transaction): the sign-off is frozen, PR-4 met."""
    community, lists = approval.community, approval.subject
    period = lists.period
    final = approval.decisions.filter(decided_at__isnull=False).order_by("-position", "-id").first()
    sizes = registers.list_sizes(community, period)
    done = _reviewed_kinds(community, period)  # a list signed before the chain existed keeps its record
    RegisterReview.objects.bulk_create(
        RegisterReview(
            community=community,
            month=period.start,
            kind=kind,
            reviewed_by=actor,
            reviewed_at=approval.finished_at,
            rows=sizes[kind],
            comment=final.comment if final else "",
        )
        for kind in RegisterKind.values
        if kind not in done
    )
    duties.duty_meet(community=community, key=REVIEW, period=period, actor=actor, at=approval.finished_at)
    log(
        actor,
        "estates.register.reviewed",
        lists,
        community=community,
        summary=_("审核%(month)s产权清单（%(p)d 条）和租赁清单（%(l)d 条）")
        % {"month": period.label, "p": sizes[RegisterKind.PROPERTY], "l": sizes[RegisterKind.LEASE]},
        month=period.key,
        property_rows=sizes[RegisterKind.PROPERTY],
        lease_rows=sizes[RegisterKind.LEASE],
    )


def lists_returned(approval: Approval, actor, comment: str) -> None:
    """Returned with a comment: back to the CS supervisors (and whoever sent it) to correct and resend."""
    community, period = approval.community, approval.subject.period
    title = _("%(month)s月度清单被退回") % {"month": period.label}
    url = lists_url(period)
    told = {n.user_id for n in notify_role(Role.CS_SUPERVISOR, community, title, body=comment, url=url)}
    if approval.started_by_id not in told:
        notify(approval.started_by, title, body=comment, url=url, community=community)


# --- AR-2: the archivist signs for last month's documents and lists ----------------------------


def lists_receive(*, community, period: Period, actor, note: str = "") -> Deadline:
    """The archivist signs for the month's household documents and both lists (文档管理员签收, AR-2).

    Allowed once the month has ended. The rule hands over the lists as they are: lists not yet
    approved do not stop the signature, they are recorded with it (and shown) instead."""
    if not has_perm(actor, "estates.receive_lists", community):  # in person: the archivist's own signature
        raise Forbidden("forbidden", _("月度资料须由文档管理员签收。"))
    period = Period.of(MONTH, period)  # a day names its month; a quarter is refused
    _refuse_unended(period, _("%(month)s尚未结束，月末后才能签收该月资料。"))
    note = (note or "").strip()
    with transaction.atomic():
        lists = _lists_of(community, period, lock=True)
        row = duties.occurrence(community, HANDOVER, period)
        if row.met_at:
            raise Conflict(
                "already_received",
                _("%(month)s的资料已于 %(at)s 签收。")
                % {"month": period.label, "at": timezone.localtime(row.met_at).strftime("%Y-%m-%d %H:%M")},
            )
        approved = _reviewed_kinds(community, period) >= set(RegisterKind.values)
        row = duties.duty_meet(community=community, key=HANDOVER, period=period, actor=actor, at=clock.now())
        summary = (
            _("签收%(month)s业户资料、产权清单和租赁清单")
            if approved
            else _("签收%(month)s业户资料、产权清单和租赁清单（清单尚未经经理审核）")
        )
        log(
            actor,
            "estates.lists.received",
            lists,
            community=community,
            summary=summary % {"month": period.label},
            month=period.key,
            lists_approved=approved,
            on_time=row.met_at <= row.due_at,
            note=note,
        )
    return row


# --- Reading: where each month stands ----------------------------------------------------------


@dataclass
class MonthLists:
    """One month of the lists page: the lists' sizes, the review and the hand-over."""

    period: Period
    ended: bool
    property_rows: int
    owned_rooms: int
    changed_rooms: int
    lease_rows: int
    property_review: RegisterReview | None
    lease_review: RegisterReview | None
    lists: MonthlyLists | None
    approval: Approval | None
    review_duty: Deadline | None
    handover: Deadline | None
    now: dt.datetime

    key = property(lambda self: self.period.key)
    label = property(lambda self: self.period.label)

    @property
    def approved(self) -> bool:
        return self.property_review is not None and self.lease_review is not None

    @property
    def review(self) -> ListsReview:
        if self.approved:
            return ListsReview.APPROVED
        if not self.ended:
            return ListsReview.NOT_ENDED
        status = self.approval.status if self.approval else None
        if status == ApprovalStatus.IN_PROGRESS:
            return ListsReview.IN_REVIEW
        if status == ApprovalStatus.RETURNED:
            return ListsReview.RETURNED
        return ListsReview.NOT_SUBMITTED

    @property
    def handover_state(self) -> DeadlineState | None:
        return DeadlineState(self.handover.state_at(self.now)) if self.handover else None

    @property
    def received(self) -> bool:
        return bool(self.handover and self.handover.met_at)


def months_overview(community, periods: list[Period], now: dt.datetime | None = None) -> list[MonthLists]:
    """Each month's list sizes, review and hand-over, in a fixed number of queries however many months."""
    if not periods:
        return []
    now = now or clock.now()
    starts = [p.start for p in periods]
    rooms = Room.objects.filter(community=community).count()
    owned = Ownership.objects.filter(community=community).aggregate(
        **{
            f"owned_{i}": Count("room", distinct=True, filter=registers.held_at(p.last_day))
            for i, p in enumerate(periods)
        },
        **{
            f"changed_{i}": Count("room", distinct=True, filter=registers.changed_in_month(p))
            for i, p in enumerate(periods)
        },
    )
    leases = Lease.objects.filter(community=community).aggregate(
        **{f"leases_{i}": Count("id", filter=registers.lease_in_month(p)) for i, p in enumerate(periods)}
    )
    reviews = {
        (r.month, r.kind): r
        for r in RegisterReview.objects.filter(community=community, month__in=starts).select_related("reviewed_by")
    }
    lists = {m.month: m for m in MonthlyLists.objects.filter(community=community, month__in=starts)}
    latest: dict[str, Approval] = {}
    if lists:
        found = Approval.objects.filter(
            subject_type=ContentType.objects.get_for_model(MonthlyLists),
            subject_id__in=[str(m.pk) for m in lists.values()],
            kind=REVIEW,
        ).order_by("-started_at", "-id")
        for approval in found:
            latest.setdefault(approval.subject_id, approval)
    occurrences = {
        (d.duty, d.period): d
        for d in Deadline.objects.filter(
            community=community, duty__in=DUTIES, period__in=[p.key for p in periods]
        ).select_related("met_by")
    }
    months = []
    for i, p in enumerate(periods):
        row = lists.get(p.start)
        months.append(
            MonthLists(
                period=p,
                ended=p.has_ended(now),
                property_rows=rooms,
                owned_rooms=owned[f"owned_{i}"],
                changed_rooms=owned[f"changed_{i}"],
                lease_rows=leases[f"leases_{i}"],
                property_review=reviews.get((p.start, RegisterKind.PROPERTY)),
                lease_review=reviews.get((p.start, RegisterKind.LEASE)),
                lists=row,
                approval=latest.get(str(row.pk)) if row else None,
                review_duty=occurrences.get((REVIEW, p.key)),
                handover=occurrences.get((HANDOVER, p.key)),
                now=now,
            )
        )
    return months


def month_lists(community, period: Period, now: dt.datetime | None = None) -> MonthLists:
    return months_overview(community, [period], now)[0]
