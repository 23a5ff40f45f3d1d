"""Deposits 押金 (FE-1): money held in custody, never income.

A deposit is received on a numbered receipt (a `Payment` with to_deposit = amount and no allocation:
nothing of it settles a bill, so it counts in no collection figure) and numbered YJ per community.
It is released by its event (a renovation accepted, a card returned): deductions are itemised with
their reasons and never exceed what is held; the remainder is refunded through an approval chain
(the office manager), after which the deposit is settled. The payer sees all of it in the portal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from guanjia.core import approvals, clock, numbering
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError

from ..choices import DepositKind, DepositStatus, Method, RefundStatus
from ..models import Deposit, DepositDeduction, Payment, Refund
from ..models._fields import ZERO
from . import ledger, online_refunds

PREFIX = "YJ"
REFUND_PREFIX = "TK"
REFUND_KIND = "FE-1.deposit_refund"
CENT = Decimal("0.01")


def _amount(value, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except Exception:  # noqa: BLE001 - anything that is not a number
        raise ServiceError("invalid", _("金额：请填写正确的金额。"), field=field) from None
    if amount <= 0:
        raise ServiceError("invalid", _("金额须大于零。"), field=field)
    return amount


def deposit_receive(
    *,
    room,
    kind: str,
    amount,
    method: str,
    reference: str = "",
    release_event: str,
    release_on: dt.date,
    payer_name: str,
    actor,
    subject=None,
) -> Deposit:
    """Take a deposit at the window: its receipt and the deposit, in one transaction."""
    require(actor, "billing.deposits", room.community)
    amount = _amount(amount)
    if kind not in DepositKind.values:
        raise ServiceError("invalid", _("押金类型：请选择押金类型。"), field="kind")
    if method not in Method.values:
        raise ServiceError("invalid", _("付款方式：请选择付款方式。"), field="method")
    reference = (reference or "").strip()
    if Method(method).needs_reference and not reference:
        raise ServiceError("invalid", _("交易流水号：非现金收款须填写交易流水号。"), field="reference")
    payer_name = " ".join((payer_name or "").split())
    if not payer_name:
        raise ServiceError("invalid", _("交款人：请填写交款人。"), field="payer_name")
    release_event = " ".join((release_event or "").split())
    if not release_event:
        raise ServiceError("invalid", _("退还条件：请写明押金在什么情况下退还。"), field="release_event")
    if release_on is None:
        raise ServiceError("invalid", _("预计退还日期：请填写日期。"), field="release_on")
    with transaction.atomic():
        payment = Payment(
            community_id=room.community_id,
            number=ledger.receipt_number(room.community),
            room=room,
            payer_name=payer_name[:100],
            method=method,
            reference=reference[:64],
            amount=amount,
            to_deposit=amount,
            cashier=actor,
            received_at=clock.now(),
            note=str(DepositKind(kind).label),
        )
        payment.full_clean()
        payment.save()
        deposit = Deposit(
            community_id=room.community_id,
            number=numbering.next_number(PREFIX, scope=room.community_id),
            room=room,
            kind=kind,
            payer_name=payer_name[:100],
            amount=amount,
            payment=payment,
            release_event=release_event[:200],
            release_on=release_on,
        )
        if subject is not None:
            deposit.subject_type = ContentType.objects.get_for_model(subject)
            deposit.subject_id = str(subject.pk)
        deposit.full_clean()
        deposit.save()
        log(
            actor,
            "billing.deposit.received",
            deposit,
            community=room.community,
            household=room,
            summary=f"{deposit.number} · {deposit.get_kind_display()} · {amount}",
            receipt=payment.number,
            amount=str(amount),
        )
    return deposit


def held(deposit: Deposit) -> Decimal:
    """What is still held: the amount less its deductions."""
    deducted = deposit.deductions.aggregate(s=Sum("amount"))["s"] or ZERO
    return deposit.amount - deducted


def _refusal(deposit: Deposit) -> ServiceError | None:
    if deposit.status != DepositStatus.HELD:
        return Conflict("settled", _("该押金已结清。"))
    if deposit.refund_id and deposit.refund.status == RefundStatus.PENDING:
        return Conflict("refund_pending", _("该押金的退款正在审批中。"))
    return None


def deposit_deduct(*, deposit: Deposit, amount, reason: str, actor) -> DepositDeduction:
    """Deduct an itemised amount with its reason (e.g. damage to the common parts), never beyond what is held."""
    require(actor, "billing.deposits", deposit.community)
    amount = _amount(amount)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("invalid", _("扣除原因：请写明扣除原因。"), field="reason")
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update(of=("self",)).select_related("refund").get(pk=deposit.pk)
        refusal = _refusal(deposit)
        if refusal is not None:
            raise refusal
        left = held(deposit)
        if amount > left:
            raise ServiceError(
                "beyond_held",
                _("扣除金额不能超过押金余额 %(left)s 元。") % {"left": left},
                field="amount",
            )
        deduction = DepositDeduction(
            community_id=deposit.community_id, deposit=deposit, amount=amount, reason=reason[:200], by=actor
        )
        deduction.full_clean()
        deduction.save()
        log(
            actor,
            "billing.deposit.deducted",
            deposit,
            community=deposit.community,
            household=deposit.room_id,
            summary=f"{deposit.number} −{amount} {reason}"[:300],
            amount=str(amount),
        )
    return deduction


def deposit_settle(*, deposit: Deposit, method: str, actor) -> Deposit:
    """Settle the deposit: nothing left is settled at once; a remainder is refunded through the chain
    FE-1.deposit_refund (the office manager), and the deposit is settled when it is approved."""
    require(actor, "billing.deposits", deposit.community)
    if method not in Method.values:
        raise ServiceError("invalid", _("退款方式：请选择退款方式。"), field="method")
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update(of=("self",)).select_related("refund").get(pk=deposit.pk)
        refusal = _refusal(deposit)
        if refusal is not None:
            raise refusal
        left = held(deposit)
        if left <= 0:
            deposit.status, deposit.settled_at = DepositStatus.SETTLED, clock.now()
            deposit.save(update_fields=["status", "settled_at"])
            log(actor, "billing.deposit.settled", deposit, household=deposit.room_id, summary=deposit.number)
            return deposit
        refund = Refund(
            community_id=deposit.community_id,
            number=numbering.next_number(REFUND_PREFIX, scope=deposit.community_id),
            room_id=deposit.room_id,
            payee_name=deposit.payer_name,
            amount=left,
            method=method,
            reason=_("押金 %(n)s 退还余额（原收 %(a)s 元，扣除 %(d)s 元）")
            % {"n": deposit.number, "a": deposit.amount, "d": deposit.amount - left},
            requested_by=actor,
        )
        refund.full_clean()
        refund.save()
        deposit.refund = refund
        deposit.save(update_fields=["refund"])
        online_refunds.refund_check(refund)  # 在线支付: back to the receipt's online payment (原路退回)
        approvals.approval_start(subject=refund, key=REFUND_KIND, actor=actor, community=deposit.community)
        log(
            actor,
            "billing.deposit.refund_requested",
            deposit,
            household=deposit.room_id,
            summary=f"{deposit.number} → {refund.number} {left}",
        )
    return deposit


def refund_approved(approval, actor) -> None:
    """FE-1.deposit_refund approved: the refund is paid and the deposit settled."""
    refund = Refund.objects.select_for_update().get(pk=approval.subject_id)
    now = clock.now()
    if refund.method == Method.ONLINE:  # 原路退回: paid when the provider says so
        refund.status = RefundStatus.APPROVED
        refund.save(update_fields=["status"])
        online_refunds.refund_start(refund, actor=actor)
    else:
        refund.status, refund.paid_at = RefundStatus.APPROVED, now
        refund.save(update_fields=["status", "paid_at"])
    deposit = Deposit.objects.select_for_update().get(refund=refund)
    deposit.status, deposit.settled_at = DepositStatus.SETTLED, now
    deposit.save(update_fields=["status", "settled_at"])
    log(actor, "billing.deposit.settled", deposit, household=deposit.room_id, summary=deposit.number)


def refund_returned(approval, actor, comment: str) -> None:
    """Returned: the deposit stays held (free for another deduction or settlement)."""
    refund = Refund.objects.select_for_update().get(pk=approval.subject_id)
    refund.status = RefundStatus.RETURNED
    refund.save(update_fields=["status"])
    Deposit.objects.filter(refund=refund).update(refund=None)


def ageing(community, as_of: dt.date | None = None):
    """Deposits held past their release date, longest first (index deposit_ageing)."""
    as_of = as_of or clock.today()
    cid = getattr(community, "pk", community)
    return Deposit.objects.filter(community_id=cid, status=DepositStatus.HELD, release_on__lt=as_of).order_by(
        "release_on", "id"
    )
