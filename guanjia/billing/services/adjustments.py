"""Corrections of issued bills (FE-1): a credit note 冲减 (or a late charge's waiver) reduces what is
still due; a debit note 补收 is billed as a new bill referring to the first. Each is asked for by the
cashier or the office manager and decided through the approval chain "FE-1.adjustment" (by default
one step, the office manager, within policies.APPROVAL_HOURS). The original bill is never touched: a
credit is an allocation against its lines (ledger.allocate), a debit a bill of its own.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core import approvals, clock, numbering
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError

from ..choices import AdjustmentKind, AdjustmentStatus, BillKind
from ..models import Adjustment, Bill, BillLine
from ..selectors_bills import cents
from . import ledger

ADJUSTMENT = "FE-1.adjustment"
PREFIX = "TZ"
CENT = Decimal("0.01")
REDUCING = (AdjustmentKind.CREDIT, AdjustmentKind.WAIVER)


def adjustment_url(adjustment) -> str:
    return reverse("billing:bill", args=[adjustment.bill_id]) + f"?community={adjustment.community_id}"


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        raise ServiceError("adjustment_amount", _("金额：请填写数字。"), field="amount") from None
    if amount <= 0:
        raise ServiceError("adjustment_amount", _("金额：须大于零。"), field="amount")
    return amount


def _still_open(bill: Bill, line: BillLine | None) -> Decimal:
    """What is still open on the line (or the bill), less credits already asked for and not decided."""
    lines = BillLine.objects.filter(pk=line.pk) if line else BillLine.objects.filter(bill=bill)
    open_ = cents(lines.aggregate(s=Sum("open_amount"))["s"])
    pending = Adjustment.objects.filter(bill=bill, kind__in=REDUCING, status=AdjustmentStatus.PENDING)
    if line is not None:
        pending = pending.filter(line=line)
    return open_ - cents(pending.aggregate(s=Sum("amount"))["s"])


def adjustment_request(
    *, bill: Bill, kind: str, amount, reason: str, actor, line: BillLine | None = None
) -> Adjustment:
    """Ask for a credit or debit note on `bill` (FE-1); it goes to the approval chain at once."""
    require(actor, "billing.adjust", bill.community)
    if kind not in AdjustmentKind.values:
        raise ServiceError("adjustment_kind", _("类型：请选择冲减或补收。"), field="kind")
    amount = _amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("adjustment_reason", _("原因：请写明更正的原因。"), field="reason")
    if line is not None and line.bill_id != bill.pk:
        raise ServiceError("adjustment_line", _("明细：所选明细不属于该账单。"), field="line")
    if kind == AdjustmentKind.WAIVER and bill.kind != BillKind.LATE_CHARGE:
        raise ServiceError("adjustment_waiver", _("类型：只有违约金可以减免。"), field="kind")
    with transaction.atomic():
        if kind in REDUCING:
            available = _still_open(bill, line)
            if amount > available:
                raise ServiceError(
                    "adjustment_exceeds",
                    _("金额：冲减金额不能超过未缴金额 %(open)s 元（含审批中的冲减）。") % {"open": max(available, 0)},
                    field="amount",
                )
        adjustment = Adjustment(
            community=bill.community,
            number=numbering.next_number(PREFIX, scope=bill.community),
            kind=kind,
            bill=bill,
            line=line,
            amount=amount,
            reason=reason,
            requested_by=actor,
            requested_at=clock.now(),
        )
        adjustment.full_clean()
        adjustment.save()
        approvals.approval_start(subject=adjustment, key=ADJUSTMENT, actor=actor, community=bill.community)
        log(
            actor,
            "billing.adjustment.requested",
            adjustment,
            household=bill.room_id,
            summary=_("申请%(kind)s %(n)s：%(a)s 元")
            % {"kind": adjustment.get_kind_display(), "n": adjustment.number, "a": amount},
            bill=bill.number,
            kind=kind,
            amount=str(amount),
        )
    return adjustment


def adjustment_approved(approval, actor) -> None:
    """The chain approved: a credit settles the open lines; a debit is billed as a debit note."""
    adjustment = (
        Adjustment.objects.select_for_update(of=("self",)).select_related("bill", "line").get(pk=approval.subject_id)
    )
    if adjustment.status != AdjustmentStatus.PENDING:
        raise Conflict("adjustment_decided", _("该更正单已处理。"))
    now = clock.now()
    if adjustment.kind in REDUCING:
        _credit(adjustment, now)
    else:
        adjustment.debit_bill = _debit_note(adjustment, now)
    adjustment.status, adjustment.decided_at = AdjustmentStatus.APPROVED, now
    adjustment.save(update_fields=["status", "decided_at", "debit_bill"])
    log(
        actor,
        "billing.adjustment.approved",
        adjustment,
        household=adjustment.bill.room_id,
        number=adjustment.number,
        kind=adjustment.kind,
        amount=str(adjustment.amount),
        debit_bill=adjustment.debit_bill.number if adjustment.debit_bill else "",
    )


def _credit(adjustment: Adjustment, now) -> None:
    if adjustment.line_id:
        lines = [adjustment.line]
    else:
        lines = list(adjustment.bill.lines.filter(open_amount__gt=0).order_by("due_on", "covers_from", "id"))
    remaining = adjustment.amount
    for line in lines:
        take = min(remaining, line.open_amount)
        if take > 0:
            ledger.allocate(line, take, adjustment=adjustment, at=now)
            remaining -= take
    if remaining > 0:  # paid in the meantime: nothing of it is applied (the decision rolls back)
        raise Conflict("adjustment_exceeds", _("账单未缴金额已不足冲减金额，请退回后重新申请。"))


def _debit_note(adjustment: Adjustment, now) -> Bill:
    bill = adjustment.bill
    source = adjustment.line or bill.lines.order_by("id").first()
    due_on = max(bill.due_on, clock.today())
    note = Bill(
        community=bill.community,
        number=numbering.next_number("ZD", scope=bill.community),
        kind=BillKind.DEBIT_NOTE,
        room_id=bill.room_id,
        payer_kind=bill.payer_kind,
        payer_id=bill.payer_id,
        payer_name=bill.payer_name,
        period=bill.period,
        issued_at=now,
        due_on=due_on,
        total=adjustment.amount,
        corrects=bill,
    )
    note.save(force_insert=True)
    BillLine.of(
        note,
        item_id=source.item_id,
        item_name=source.item_name,
        on_behalf=source.on_behalf,
        payer_kind=source.payer_kind,
        period=source.period,
        covers_from=source.covers_from,
        covers_to=source.covers_to,
        quantity=Decimal("1"),
        basis_label=(_("补收：%(r)s") % {"r": adjustment.reason})[:120],
        unit_price=adjustment.amount,
        amount=adjustment.amount,
        due_on=due_on,
        open_amount=adjustment.amount,
        correction=True,
    ).save(force_insert=True)
    return note


def adjustment_returned(approval, actor, comment: str) -> None:
    adjustment = Adjustment.objects.select_for_update().get(pk=approval.subject_id)
    adjustment.status, adjustment.decided_at = AdjustmentStatus.RETURNED, clock.now()
    adjustment.save(update_fields=["status", "decided_at"])
    log(
        actor,
        "billing.adjustment.returned",
        adjustment,
        household=adjustment.bill.room_id,
        number=adjustment.number,
        comment=comment,
    )
