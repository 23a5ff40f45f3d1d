"""The cashier's window (FE-1): payments and their receipts 收据, voids and refunds through the office
manager's approval, and the cashier's daily takings sheet 收款日报.

- `payment_take`: one payment, allocated to the room's open lines oldest first (due date, then id)
  unless the cashier chooses lines and amounts; what is paid beyond them goes to a prepayment purse
  she names. The receipt's number is taken inside the payment's own transaction (`ledger.
  receipt_number`): a payment that fails gives it back, so a community's receipts have no gaps. The
  counter row stays locked until the payment commits, which also serialises the check that a
  transaction number 交易流水号 is not entered twice in the community.
- `receipt_void_request` → approval chain FE-1.receipt_void → the allocations reversed (the lines are
  open again), the prepayment it made taken back, the receipt VOIDED; its number stays used.
- `refund_request` → approval chain FE-1.refund → the prepayment account pays it out.
- `cashier_day_close` / `cashier_day_sign_off`: the day's takings by method, signed by someone else.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import approvals, clock, numbering
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.estates.models import Ownership

from ..choices import Method, PaymentStatus, Purse, RefundStatus
from ..models import BillLine, CashierDay, Payment, PrepaymentAccount, PrepaymentMovement, Refund
from . import ledger

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
VOID = "FE-1.receipt_void"
REFUND = "FE-1.refund"
REFUND_PREFIX = "TK"
# Methods the window takes; ONLINE comes only from the provider adapter's signed notification.
WINDOW_METHODS = tuple(m for m in Method.values if m != Method.ONLINE)
REFUND_METHODS = tuple(Method.values)  # 在线支付: paid back through the provider 原路退回 (online_refunds)


# --- validation helpers --------------------------------------------------------------------------


def money_of(value, field: str, label: str) -> Decimal:
    """`value` as Decimal quantized to 0.01, > 0; a ServiceError naming the field otherwise."""
    if isinstance(value, float):  # money is never a float (DESIGN "Money")
        value = str(value)
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ServiceError("invalid", _("%(label)s格式不正确。") % {"label": label}, field=field)
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ServiceError("invalid", _("%(label)s最多两位小数。") % {"label": label}, field=field)
    amount = amount.quantize(CENT)
    if amount <= 0:
        raise ServiceError("invalid", _("%(label)s须大于零。") % {"label": label}, field=field)
    return amount


def _method(method: str, allowed=WINDOW_METHODS) -> str:
    if method not in allowed:
        raise ServiceError("invalid", _("请选择付款方式。"), field="method")
    return method


def _purse(purse) -> str:
    if purse not in Purse.values:
        raise ServiceError(
            "invalid", _("请选择转入的预收款账户（物业服务费等或代收水电气费）。"), field="to_prepayment_purse"
        )
    return purse


def owner_names(room) -> str:
    """The room's current owners, for a receipt or refund whose payer was not named."""
    names = Ownership.objects.filter(room=room, until__isnull=True).values_list("person__name", flat=True)
    return "、".join(dict.fromkeys(names))[:100]


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day [00:00, next 00:00) in the project's time zone (Asia/Shanghai)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def oldest_first(room):
    """The room's open lines, oldest first (FE-1: due date, then the order they were billed)."""
    # at least a cent: SQLite keeps decimals as REAL, and F() arithmetic may leave a residue of 1e-16
    return BillLine.objects.filter(room=room, open_amount__gte=CENT).order_by("due_on", "id")


def plan_oldest_first(lines, amount: Decimal) -> list[tuple[BillLine, Decimal]]:
    """How `amount` settles `lines` (already oldest first): each in full until the money runs out."""
    plan, left = [], amount
    for line in lines:
        if left <= 0:
            break
        part = min(left, line.open_amount)
        if part > 0:
            plan.append((line, part))
        left -= part
    return plan


def _chosen(room, lines) -> list[tuple[BillLine, Decimal]]:
    """The cashier's lines [(line or id, amount)], checked: the room's, open, no more than owed."""
    wanted = []
    for entry, raw in lines:
        line_id = getattr(entry, "pk", entry)
        wanted.append((line_id, money_of(raw, "lines", _("核销金额"))))
    ids = [line_id for line_id, _a in wanted]
    if len(set(ids)) != len(ids):
        raise ServiceError("invalid", _("同一账单明细不能重复核销。"), field="lines")
    # locked: a payment racing for the same lines waits and then sees what is left (FE-1)
    found = {line.pk: line for line in BillLine.objects.select_for_update().filter(pk__in=ids, room=room)}
    plan = []
    for line_id, part in wanted:
        line = found.get(line_id)
        if line is None:
            raise ServiceError("invalid", _("所选账单明细不属于房屋 %(room)s。") % {"room": room.code}, field="lines")
        if part > line.open_amount:
            raise ServiceError(
                "invalid",
                _("“%(item)s”（%(period)s）未缴 %(open)s 元，核销金额不能超过未缴金额。")
                % {"item": line.item_name, "period": f"{line.period:%Y-%m}", "open": line.open_amount},
                field="lines",
            )
        plan.append((line, part))
    plan.sort(key=lambda pair: (pair[0].due_on, pair[0].pk))
    return plan


# --- payments ------------------------------------------------------------------------------------


def payment_take(
    *,
    room,
    amount,
    method: str,
    actor,
    reference: str = "",
    payer_name: str | None = None,
    lines=None,
    to_prepayment_purse: str | None = None,
    note: str = "",
    at: dt.datetime | None = None,
    source_key: str | None = None,
    methods=WINDOW_METHODS,
) -> Payment:
    """Take a payment for `room` and write its receipt (FE-1).

    `lines` None: the room's open lines oldest first; a list of (line, amount): the cashier's choice
    ([] for a pure prepayment, `prepayment_deposit`). What is paid beyond goes to the purse
    `to_prepayment_purse` (PROPERTY or UTILITIES); an overpayment without one is refused.
    `source_key`/`methods` are for the callers that are not the window (the provider adapter, the
    bank statement import): a payment of that source is never taken twice."""
    community = room.community
    require(actor, "billing.collect", community)
    amount = money_of(amount, "amount", _("金额"))
    method = _method(method, methods)
    reference = " ".join((reference or "").split())[:64]
    if Method(method).needs_reference and not reference:
        raise ServiceError(
            "invalid", _("%(method)s须填写交易流水号。") % {"method": Method(method).label}, field="reference"
        )
    if to_prepayment_purse:
        _purse(to_prepayment_purse)
    received_at = at or clock.now()
    if received_at > clock.now():
        raise ServiceError("invalid", _("收款时间不能晚于现在。"), field="at")
    day = timezone.localdate(received_at)
    with transaction.atomic():
        if CashierDay.objects.filter(community=community, cashier=actor, day=day, signed_off_at__isnull=False).exists():
            raise Conflict("day_signed", _("%(day)s 的收款日报已审核，不能再收款。") % {"day": day}, field="at")
        if lines is None:
            open_lines = list(oldest_first(room).select_for_update())
            plan = plan_oldest_first(open_lines, amount)
        else:
            plan = _chosen(room, list(lines))
        settled = sum((part for _line, part in plan), ZERO)
        if settled > amount:
            raise ServiceError("invalid", _("核销合计 %(s)s 元超过收款金额。") % {"s": settled}, field="amount")
        extra = amount - settled
        if extra and not to_prepayment_purse:
            raise ServiceError(
                "invalid",
                _("收款金额超出所缴账单 %(x)s 元，请选择转入的预收款账户。") % {"x": extra},
                field="to_prepayment_purse",
            )
        payer = (
            " ".join((payer_name or "").split()) or (plan[0][0].bill.payer_name if plan else "") or owner_names(room)
        )
        if not payer:
            raise ServiceError("invalid", _("请填写交款人。"), field="payer_name")
        number = ledger.receipt_number(community)  # FE-1: inside this transaction, so no gaps
        # The counter is locked until commit: the duplicate check below cannot race another payment.
        if reference and method != Method.CASH:
            twice = Payment.objects.filter(community=community, reference=reference).exclude(
                status=PaymentStatus.VOIDED
            )
            if twice.exists():
                raise Conflict(
                    "duplicate_reference",
                    _("交易流水号 %(r)s 已登记过收款（收据 %(n)s），请核对。")
                    % {"r": reference, "n": twice.values_list("number", flat=True).first()},
                    field="reference",
                )
        payment = Payment(
            community=community,
            number=number,
            room=room,
            payer_name=payer[:100],
            method=method,
            reference=reference,
            amount=amount,
            to_prepayment=extra,
            received_at=received_at,
            cashier=actor,
            note=(note or "").strip()[:200],
            source_key=source_key,
        )
        try:
            payment.full_clean(exclude=["source_key"])
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise ServiceError("invalid", messages[0], field=field) from None
        payment.save()
        for line, part in plan:
            ledger.allocate(line, part, payment=payment, at=received_at)
        if extra:
            account = ledger.prepayment_account(room, to_prepayment_purse)
            ledger.prepayment_move(
                account, extra, payment=payment, at=received_at, note=_("收据 %(n)s 预收") % {"n": number}
            )
        log(
            actor,
            "billing.payment.taken",
            payment,
            household=room,
            summary=_("收款 %(a)s 元，收据 %(n)s") % {"a": amount, "n": number},
            amount=str(amount),
            method=method,
            lines=len(plan),
            to_prepayment=str(extra),
        )
    return payment


def prepayment_deposit(*, room, amount, purse: str, method: str, actor, reference: str = "", **kw) -> Payment:
    """Money paid in advance 预存: a payment settling no line, all into `purse`."""
    return payment_take(
        room=room,
        amount=amount,
        method=method,
        actor=actor,
        reference=reference,
        lines=[],
        to_prepayment_purse=_purse(purse),
        **kw,
    )


# --- voiding a receipt (FE-1.receipt_void) --------------------------------------------------------


def _prepaid_by(payment: Payment) -> PrepaymentMovement | None:
    return (
        PrepaymentMovement.objects.select_related("account")
        .filter(payment=payment, amount__gt=0)
        .order_by("id")
        .first()
    )


def _check_prepayment_still_held(payment: Payment) -> PrepaymentMovement | None:
    """A receipt whose prepayment has been drawn on or refunded cannot be voided (money is gone)."""
    moved = _prepaid_by(payment)
    if moved is not None:
        balance = PrepaymentAccount.objects.filter(pk=moved.account_id).values_list("balance", flat=True).get()
        if balance < moved.amount:
            raise Conflict(
                "prepayment_used",
                _("该收据转入预收款 %(a)s 元，账户现仅余 %(b)s 元（已抵扣或退款），不能作废。")
                % {"a": moved.amount, "b": balance},
                field="reason",
            )
    return moved


def receipt_void_request(*, payment: Payment, reason: str, actor) -> Payment:
    """Ask the office manager to void a receipt 作废 (FE-1): the reason, then the approval chain."""
    require(actor, "billing.collect", payment.community)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("invalid", _("请填写作废原因。"), field="reason")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != PaymentStatus.VALID:
            raise Conflict(
                "not_valid",
                _("收据 %(n)s 当前状态为“%(s)s”，不能申请作废。")
                % {"n": payment.number, "s": payment.get_status_display()},
            )
        if payment.to_deposit > 0 or payment.deposits.exists():
            raise Conflict("has_deposit", _("该收据含押金，请通过押金退还办理，不能直接作废。"), field="reason")
        _check_prepayment_still_held(payment)
        payment.status, payment.void_reason = PaymentStatus.VOID_PENDING, reason
        payment.full_clean(exclude=["source_key"])
        payment.save(update_fields=["status", "void_reason"])
        approvals.approval_start(subject=payment, key=VOID, actor=actor)
        log(
            actor,
            "billing.receipt.void_requested",
            payment,
            household=payment.room_id,
            summary=_("申请作废收据 %(n)s：%(r)s") % {"n": payment.number, "r": reason[:100]},
        )
    return payment


def receipt_void_approved(approval, actor) -> None:
    """The chain approved: reverse the allocations, take back the prepayment, VOIDED (number kept)."""
    payment = Payment.objects.select_for_update().get(pk=approval.subject_id)
    if payment.status != PaymentStatus.VOID_PENDING:
        raise Conflict("not_pending", _("收据 %(n)s 不在作废审批中。") % {"n": payment.number})
    moved = _check_prepayment_still_held(payment)
    now = clock.now()
    ledger.reverse(list(payment.allocations.filter(amount__gt=0)), at=now)
    if moved is not None:
        ledger.prepayment_move(
            moved.account, -moved.amount, payment=payment, at=now, note=_("收据 %(n)s 作废冲回") % {"n": payment.number}
        )
    payment.status, payment.voided_at = PaymentStatus.VOIDED, now
    payment.save(update_fields=["status", "voided_at"])
    log(
        actor,
        "billing.receipt.voided",
        payment,
        household=payment.room_id,
        summary=_("收据 %(n)s 已作废，金额 %(a)s 元已冲回") % {"n": payment.number, "a": payment.amount},
    )
    from .bank import statement_lines_reopen  # bank builds on this module

    statement_lines_reopen(payment, actor)


def receipt_void_returned(approval, actor, comment: str) -> None:
    payment = Payment.objects.select_for_update().get(pk=approval.subject_id)
    if payment.status != PaymentStatus.VOID_PENDING:
        return
    payment.status = PaymentStatus.VALID
    payment.save(update_fields=["status"])
    log(
        actor,
        "billing.receipt.void_returned",
        payment,
        household=payment.room_id,
        summary=_("收据 %(n)s 作废申请被退回：%(c)s") % {"n": payment.number, "c": comment[:100]},
    )


def receipt_url(payment) -> str:
    return reverse("billing:payment", args=[payment.pk]) + f"?community={payment.community_id}"


# --- refunds from a prepayment balance (FE-1.refund) ---------------------------------------------


def refund_available(account: PrepaymentAccount) -> Decimal:
    """What may still be asked back: the balance less refunds waiting for approval."""
    pending = Refund.objects.filter(account=account, status=RefundStatus.PENDING).aggregate(s=Sum("amount"))["s"]
    return account.balance - (pending or ZERO)


def refund_request(
    *, room, purse: str, amount, method: str, reason: str, actor, payee_name: str | None = None
) -> Refund:
    """Ask to pay back part of a prepayment balance 预收款退款 (FE-1): numbered TK, then the chain."""
    community = room.community
    require(actor, "billing.collect", community)
    if purse not in Purse.values:
        raise ServiceError("invalid", _("请选择退款的预收款账户。"), field="purse")
    amount = money_of(amount, "amount", _("退款金额"))
    method = _method(method, REFUND_METHODS)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("invalid", _("请填写退款原因。"), field="reason")
    payee = " ".join((payee_name or "").split()) or owner_names(room)
    if not payee:
        raise ServiceError("invalid", _("请填写收款人。"), field="payee_name")
    with transaction.atomic():
        account = PrepaymentAccount.objects.select_for_update().filter(room=room, purse=purse).first()
        available = refund_available(account) if account else ZERO
        if amount > available:
            raise ServiceError(
                "invalid",
                _("退款金额超过%(purse)s预收款可退余额 %(a)s 元。") % {"purse": Purse(purse).label, "a": available},
                field="amount",
            )
        refund = Refund(
            community=community,
            number=numbering.next_number(REFUND_PREFIX, scope=community),
            room=room,
            payee_name=payee[:100],
            amount=amount,
            method=method,
            reason=reason,
            account=account,
            requested_by=actor,
            requested_at=clock.now(),
        )
        refund.full_clean()
        from . import online_refunds  # (it imports this module)

        online_refunds.refund_check(refund)  # 在线支付: an online payment that can give it back
        refund.save()
        approvals.approval_start(subject=refund, key=REFUND, actor=actor)
        log(
            actor,
            "billing.refund.requested",
            refund,
            household=room,
            summary=_("申请预收款退款 %(n)s，%(a)s 元") % {"n": refund.number, "a": amount},
        )
    return refund


def refund_approved(approval, actor) -> None:
    refund = Refund.objects.select_for_update().get(pk=approval.subject_id)
    if refund.status != RefundStatus.PENDING:
        raise Conflict("not_pending", _("退款 %(n)s 不在审批中。") % {"n": refund.number})
    now = clock.now()
    if refund.account_id:
        ledger.prepayment_move(
            refund.account, -refund.amount, refund=refund, at=now, note=_("退款 %(n)s") % {"n": refund.number}
        )
    refund.status = RefundStatus.APPROVED
    if refund.method == Method.ONLINE:  # 原路退回: paid when the provider says so (services.online_refunds)
        from . import online_refunds  # (it imports this module)

        refund.save(update_fields=["status"])
        online_refunds.refund_start(refund, actor=actor)
        return
    refund_paid(refund, at=now, actor=actor)


def refund_paid(refund, *, at, actor, summary: str | None = None) -> None:
    """The refund's money has left: at the approval (the office pays it), or when the provider says a
    refund paid back through it succeeded (services.online_refunds)."""
    refund.status, refund.paid_at = RefundStatus.APPROVED, at
    refund.save(update_fields=["status", "paid_at"])
    log(
        actor,
        "billing.refund.paid",
        refund,
        household=refund.room_id,
        summary=summary or _("退款 %(n)s 已批准，退款 %(a)s 元") % {"n": refund.number, "a": refund.amount},
    )


def refund_returned(approval, actor, comment: str) -> None:
    refund = Refund.objects.select_for_update().get(pk=approval.subject_id)
    if refund.status != RefundStatus.PENDING:
        return
    refund.status = RefundStatus.RETURNED
    refund.save(update_fields=["status"])
    log(
        actor,
        "billing.refund.returned",
        refund,
        household=refund.room_id,
        summary=_("退款 %(n)s 被退回：%(c)s") % {"n": refund.number, "c": comment[:100]},
    )


def refund_url(refund) -> str:
    return reverse("billing:refund", args=[refund.pk]) + f"?community={refund.community_id}"


# --- the cashier's day 收款日报 -------------------------------------------------------------------


def day_payments(community, cashier, day: dt.date):
    start, end = day_bounds(day)
    return Payment.objects.filter(community=community, cashier=cashier, received_at__gte=start, received_at__lt=end)


def day_totals(community, cashier, day: dt.date) -> dict:
    """{"methods": {method: {"count", "amount"}}, "voided": {...}, "count", "total"} in one query:
    receipts still valid (or waiting for a void) count; voided ones are listed apart."""
    rows = (
        day_payments(community, cashier, day)
        .values("method", "status")
        .annotate(n=Count("id"), s=Sum("amount"))
        .order_by()
    )
    methods: dict[str, dict] = {}
    voided = {"count": 0, "amount": ZERO}
    for row in rows:
        row["s"] = (row["s"] or ZERO).quantize(CENT)  # SQLite sums decimals as floats: 0.1 + 0.2 ≠ 0.3 (bills part)
        if row["status"] == PaymentStatus.VOIDED:
            voided["count"] += row["n"]
            voided["amount"] += row["s"]
            continue
        entry = methods.setdefault(row["method"], {"count": 0, "amount": ZERO})
        entry["count"] += row["n"]
        entry["amount"] += row["s"]
    ordered = {m: methods[m] for m in Method.values if m in methods}
    return {
        "methods": ordered,
        "voided": voided,
        "count": sum(e["count"] for e in ordered.values()),
        "total": sum((e["amount"] for e in ordered.values()), ZERO),
    }


def _stored(totals: dict) -> dict:
    """JSON holds no Decimal: amounts as strings."""
    return {
        "methods": {m: {"count": e["count"], "amount": str(e["amount"])} for m, e in totals["methods"].items()},
        "voided": {"count": totals["voided"]["count"], "amount": str(totals["voided"]["amount"])},
    }


def cashier_day_close(*, community, cashier, day: dt.date, actor) -> CashierDay:
    """Close a cashier's day 日结: totals by method from her receipts of that day. She closes her own;
    the office manager may close it for her. Re-closing updates the sheet until it is signed off."""
    require(actor, "billing.collect" if actor.pk == cashier.pk else "billing.sign_off_day", community)
    if day > clock.today():
        raise ServiceError("invalid", _("不能日结未来的日期。"), field="day")
    totals = day_totals(community, cashier, day)
    now = clock.now()
    with transaction.atomic():
        sheet = CashierDay.objects.select_for_update().filter(community=community, cashier=cashier, day=day).first()
        if sheet is not None and sheet.signed_off_at:
            raise Conflict("signed_off", _("%(day)s 的收款日报已审核，不能重新日结。") % {"day": day})
        sheet = sheet or CashierDay(community=community, cashier=cashier, day=day)
        sheet.totals, sheet.count, sheet.total, sheet.closed_at = _stored(totals), totals["count"], totals["total"], now
        sheet.full_clean(validate_unique=False)
        sheet.save()
        log(
            actor,
            "billing.cashier_day.closed",
            sheet,
            summary=_("%(day)s 日结：%(n)s 笔，合计 %(t)s 元") % {"day": day, "n": sheet.count, "t": sheet.total},
        )
    return sheet


def cashier_day_sign_off(*, sheet: CashierDay, actor) -> CashierDay:
    """The supervisor signs the day's sheet (FE-1); never the cashier herself."""
    require(actor, "billing.sign_off_day", sheet.community)
    if actor.pk == sheet.cashier_id:
        raise Forbidden("own_sheet", _("收款日报须由出纳以外的人员审核。"))
    with transaction.atomic():
        sheet = CashierDay.objects.select_for_update().get(pk=sheet.pk)
        if sheet.signed_off_at:
            raise Conflict("signed_off", _("该收款日报已审核。"))
        pending = day_payments(sheet.community, sheet.cashier, sheet.day).filter(status=PaymentStatus.VOID_PENDING)
        if pending.exists():
            raise Conflict("void_pending", _("当日有作废审批中的收据，请审批完成并重新日结后再审核。"))
        current = _stored(day_totals(sheet.community, sheet.cashier, sheet.day))
        if current != sheet.totals:
            raise Conflict("changed", _("日结后收款有变化，请重新日结后再审核。"))
        sheet.signed_off_by, sheet.signed_off_at = actor, clock.now()
        sheet.save(update_fields=["signed_off_by", "signed_off_at"])
        log(actor, "billing.cashier_day.signed_off", sheet, summary=_("审核 %(day)s 收款日报") % {"day": sheet.day})
    return sheet
