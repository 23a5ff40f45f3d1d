"""Refunds paid back through the payment provider 原路退回 (FE-1, FE-1.refund).

A refund (a prepayment balance, a deposit's remainder, an overpayment) whose method is 在线支付 is
paid back to the online payment the money came from, never in cash:

- `source_order(room, amount)`: the room's paid online order that can still give `amount` back (the
  deposit's own receipt's order for a deposit): `refundable(order)` is what the payment took minus
  what was already refunded from it (a refund the provider closed, or never accepted, gives it back).
  A refund can never exceed it (Decimal).
- `refund_start`: called from the chain's on_approved path only (the approval complete, never
  before): the order's row locked, the refund recorded as `OnlineRefund` (processing, out_refund_no
  the refund's number); the provider is asked after the commit (`refund_send`), so a provider that
  cannot be reached never holds a lock nor undoes the approval: it reads 原路退回申请失败, visible to
  the cashier, who may ask again.
- `refund_settle`: what the provider says of a refund (its answer, its notification, a query): the
  one path, with the OnlineRefund's row locked, so a notification delivered twice or racing a query
  books once. SUCCESS marks the refund paid through `payments.refund_paid`; ABNORMAL and CLOSED leave
  it unpaid with the provider's word recorded.
- `refund_notification_receive`: REFUND.SUCCESS / ABNORMAL / CLOSED, verified by the adapter
  (signature, FE-1.online_notify_minutes window, decryption).
- `refund_query` (console: 向支付渠道查询退款) and `refunds_sweep` (refunds still processing
  FE-1.online_sweep_minutes after they were asked).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.policies import policy

from .. import providers
from ..choices import Method, OnlineRefundStatus, OrderStatus, PaymentStatus
from ..models import Deposit, OnlineRefund, PaymentOrder, Refund
from .online import Outcome

logger = logging.getLogger(__name__)
ZERO = Decimal("0.00")
# what no longer holds the payment's money: the provider closed the refund, or never accepted it
RELEASED = (OnlineRefundStatus.CLOSED, OnlineRefundStatus.FAILED)
STATES = {
    "SUCCESS": OnlineRefundStatus.SUCCESS,
    "PROCESSING": OnlineRefundStatus.PROCESSING,
    "ABNORMAL": OnlineRefundStatus.ABNORMAL,
    "CLOSED": OnlineRefundStatus.CLOSED,
}


def refundable(order: PaymentOrder) -> Decimal:
    """What `order`'s payment took minus what was already refunded (or is being refunded) from it."""
    taken = order.refunds.exclude(status__in=RELEASED).aggregate(s=Sum("amount"))["s"] or ZERO
    return (order.amount - taken).quantize(Decimal("0.01"))


def _paid_orders(community, room_id):
    return PaymentOrder.objects.filter(
        community=community, room_id=room_id, status=OrderStatus.PAID, payment__status=PaymentStatus.VALID
    ).order_by("-paid_at", "-id")


def source_order(refund: Refund, *, lock: bool = False) -> PaymentOrder | None:
    """The paid online order `refund` goes back to: a deposit's own receipt's order, else the room's
    most recent paid order that can still give the whole amount back."""
    orders = _paid_orders(refund.community, refund.room_id)
    deposit = Deposit.objects.filter(refund=refund).only("payment_id").first() if refund.pk else None
    if deposit is not None:
        orders = orders.filter(payment_id=deposit.payment_id)
    if lock:
        orders = orders.select_for_update(of=("self",))
    for order in orders:
        if refundable(order) >= refund.amount:
            return order
    return None


def refund_check(refund: Refund) -> None:
    """A refund by 在线支付 needs an online payment that can give it back (FE-1.refund)."""
    if refund.method == Method.ONLINE and source_order(refund) is None:
        raise ServiceError(
            "invalid",
            _("退款方式：该房屋没有可原路退回 %(a)s 元的在线缴费（原支付金额减去已退金额不足），请选择其他退款方式。")
            % {"a": refund.amount},
            field="method",
        )


def refund_start(refund: Refund, *, actor) -> OnlineRefund:
    """The chain's on_approved path of a refund by 在线支付 (inside its transaction): record what the
    provider will be asked; asked once the approval commits."""
    order = source_order(refund, lock=True)
    if order is None:
        raise Conflict(
            "not_refundable",
            _("退款 %(n)s 无法原路退回：原在线缴费可退金额不足 %(a)s 元。") % {"n": refund.number, "a": refund.amount},
            field="method",
        )
    online = OnlineRefund(
        community_id=refund.community_id,
        refund=refund,
        order=order,
        out_refund_no=refund.number,
        amount=refund.amount,
        created_at=clock.now(),
    )
    online.full_clean()
    online.save()
    log(
        actor,
        "billing.refund.online_started",
        refund,
        household=refund.room_id,
        summary=_("退款 %(n)s 原路退回至在线缴费订单 %(o)s，%(a)s 元")
        % {"n": refund.number, "o": order.out_trade_no, "a": refund.amount},
    )
    transaction.on_commit(lambda: refund_send(online_refund=OnlineRefund.objects.get(pk=online.pk)))
    return online


def _provider(online: OnlineRefund, send=None):
    provider = providers.configured(online.order.community, send=send)
    if provider is None or provider.key != online.order.provider or not hasattr(provider, "refund"):
        raise ServiceError("not_configured", _("本小区暂未开通在线缴费，无法联系支付渠道。"))
    return provider


def _window(community) -> dt.timedelta:
    return dt.timedelta(minutes=policy(community, "FE-1.online_notify_minutes"))


def refund_send(*, online_refund: OnlineRefund, actor=None, send=None) -> OnlineRefund:
    """Ask the provider to pay the refund back. Refused or unreachable: 原路退回申请失败 with the reason
    (the cashier sees it and may ask again: the same out_refund_no, which the provider treats as one)."""
    online = online_refund
    try:
        provider = _provider(online, send=send)
        note = provider.refund(online, window=_window(online.community))
    except (providers.ProviderError, ServiceError) as error:
        logger.warning("refund %s: the provider refused: %s", online.out_refund_no, error)
        OnlineRefund.objects.filter(pk=online.pk, status=OnlineRefundStatus.PROCESSING).update(
            status=OnlineRefundStatus.FAILED, failure=str(error)[:200]
        )
        log(
            actor,
            "billing.refund.online_failed",
            online.refund,
            household=online.refund.room_id,
            summary=str(error)[:200],
        )
        online.refresh_from_db()
        return online
    try:
        return refund_settle(community=online.community, note=note, actor=actor)
    except ServiceError as error:  # an answer that does not match the refund (its amount): kept for the cashier
        logger.error("refund %s: the provider's answer refused: %s", online.out_refund_no, error)
        OnlineRefund.objects.filter(pk=online.pk).update(failure=str(error)[:200], provider_status=note.state[:40])
        online.refresh_from_db()
        return online


def refund_resend(*, online_refund: OnlineRefund, actor, send=None) -> OnlineRefund:
    """The cashier asks again for a refund the provider never accepted (原路退回申请失败)."""
    require(actor, "billing.collect", online_refund.community)
    with transaction.atomic():
        online = OnlineRefund.objects.select_for_update().get(pk=online_refund.pk)
        if online.status != OnlineRefundStatus.FAILED:
            raise Conflict("not_failed", _("退款 %(n)s 不是申请失败状态，无需重新发起。") % {"n": online.out_refund_no})
        online.status, online.failure = OnlineRefundStatus.PROCESSING, ""
        online.save(update_fields=["status", "failure"])
    return refund_send(online_refund=online, actor=actor, send=send)


def refund_settle(*, community, note: providers.RefundNote, actor=None) -> OnlineRefund:
    """Record what the provider says of a refund; SUCCESS marks the refund paid, once."""
    from . import payments  # payments' on_approved path imports this module

    with transaction.atomic():
        online = (
            OnlineRefund.objects.select_for_update(of=("self",))
            .select_related("refund", "order")
            .filter(community=community, out_refund_no=note.out_refund_no)
            .first()
        )
        if online is None:
            raise Conflict("unknown_refund", f"unknown out_refund_no {note.out_refund_no}")
        if online.status == OnlineRefundStatus.SUCCESS:  # told twice (or a query after the notification)
            return online
        if note.amount != online.amount:
            raise Conflict("amount_mismatch", f"refunded {note.amount} for a refund of {online.amount}")
        now = clock.now()
        online.provider_status, online.checked_at = note.state[:40], now
        online.provider_refund_id = note.refund_id[:64] or online.provider_refund_id
        online.status = STATES.get(note.state, online.status)
        if online.status == OnlineRefundStatus.SUCCESS:
            online.succeeded_at = min(note.succeeded_at, now) if note.succeeded_at else now
            online.failure = ""
        elif online.status in (OnlineRefundStatus.ABNORMAL, OnlineRefundStatus.CLOSED):
            online.failure = note.state[:200]
        online.save()
        if online.status == OnlineRefundStatus.SUCCESS:
            payments.refund_paid(
                Refund.objects.select_for_update().get(pk=online.refund_id),
                at=online.succeeded_at,
                actor=actor,
                summary=_("退款 %(n)s 已原路退回，%(a)s 元") % {"n": online.out_refund_no, "a": online.amount},
            )
        elif online.status != OnlineRefundStatus.PROCESSING:
            log(
                actor,
                "billing.refund.online_failed",
                online.refund,
                household=online.refund.room_id,
                summary=_("退款 %(n)s 原路退回未成功：%(s)s") % {"n": online.out_refund_no, "s": note.state},
            )
    return online


def refund_notification_receive(*, community, provider_key: str, headers, body: bytes) -> Outcome:
    """Verify and record one refund notification; returns the HTTP answer for the provider."""
    provider = providers.configured(community)
    if provider is None or provider.key != provider_key or not hasattr(provider, "verify_refund_notification"):
        return Outcome(404, {"code": "FAIL", "message": "not configured"})
    try:
        note = provider.verify_refund_notification(headers, body, now=clock.now(), window=_window(community))
    except providers.Rejected as error:
        logger.warning("refund notification rejected (%s): %s", community.code, error.message)
        return Outcome(error.status, {"code": "FAIL", "message": error.message})
    try:
        refund_settle(community=community, note=note)
    except ServiceError as error:
        logger.error("refund notification %s refused: %s", note.out_refund_no, error)
        log(None, "billing.online.refused", None, community=community, summary=str(error)[:300], code=error.code)
        return Outcome(*provider.answer(False, str(error)))
    return Outcome(*provider.answer(True))


def refund_query(*, online_refund: OnlineRefund, actor, send=None) -> OnlineRefund:
    """向支付渠道查询退款: how the provider says the refund stands, recorded (and booked if SUCCESS)."""
    require(actor, "billing.collect", online_refund.community)
    return _query(online_refund, actor, send=send)


def _query(online: OnlineRefund, actor, send=None) -> OnlineRefund:
    provider = _provider(online, send=send)
    try:
        note = provider.refund_query(online, window=_window(online.community))
    except providers.ProviderError as error:
        logger.warning("refund %s: query failed: %s", online.out_refund_no, error)
        raise ServiceError("provider", _("支付渠道暂时无法查询该退款，请稍后再试。")) from None
    return refund_settle(community=online.community, note=note, actor=actor)


def refunds_sweep(*, at: dt.datetime | None = None, send=None) -> dict[str, int]:
    """Query every refund still processing FE-1.online_sweep_minutes (per community) after it was
    asked (a notification may have been lost). Returns counts: queried, paid, errors."""
    now = at or clock.now()
    counts: Counter[str] = Counter()
    minutes: dict[int, int] = {}
    processing = OnlineRefund.objects.filter(status=OnlineRefundStatus.PROCESSING).select_related(
        "community", "order", "refund"
    )
    for online in processing.order_by("created_at", "id").iterator(chunk_size=200):
        wait = minutes.setdefault(online.community_id, policy(online.community, "FE-1.online_sweep_minutes"))
        if online.created_at > now - dt.timedelta(minutes=wait):
            continue
        try:
            online = _query(online, None, send=send)
            counts["queried"] += 1
            if online.status == OnlineRefundStatus.SUCCESS:
                counts["paid"] += 1
        except ServiceError as error:
            counts["errors"] += 1
            logger.warning("sweep: refund %s: %s", online.out_refund_no, error)
    return {key: counts[key] for key in ("queried", "paid", "errors")}
