"""Online payment orders seen from the office (FE-1): ask the provider how an order stands, close it,
and the sweep that does both for orders left open.

- `order_query`: the provider's answer about an order. SUCCESS books the payment through
  `online.settle`, the very path of the provider's notification, so whichever of the two comes first
  books and the other finds the order paid (the order's row lock, the payment's unique source_key);
  the provider saying the order was closed (or revoked) closes it here; not yet paid changes nothing;
  REFUND (paid, then refunded there) books the payment as SUCCESS would and answers `refunded`: the
  money came in, and its refund is a Refund of its own (原路退回, services.online_refunds).
- `order_close`: the owner leaving the order, or staff closing it. The provider is told first (so it
  can no longer be paid there), then the order reads 已关闭 and its lines may be ordered again. A
  provider that refuses because the order was paid is asked how it stands, and the payment booked:
  money received is never dropped, and a notification arriving for a closed order still books.
- `orders_sweep`: orders still 待支付 FE-1.online_sweep_minutes after they were made are queried
  (a notification may have been lost); those past their deadline are closed. Run by the task
  `billing.tasks.sweep_online_orders` (guanjia-online-sweep.timer) or `manage.py sweep_online_orders`.
  Nothing depends on it having run: an order past its deadline reads as expired from the clock.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import has_perm, require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.policies import policy

from .. import providers
from ..choices import OrderStatus
from ..models import PaymentOrder
from . import online

logger = logging.getLogger(__name__)

MANAGE = "billing.online_orders"
CLOSED_THERE = {"CLOSED", "REVOKED"}  # WeChat Pay's words for an order that can no longer be paid
FAILED_THERE = {"PAYERROR"}


@dataclass(frozen=True)
class Answer:
    """What a query found: the provider's word and what it did here."""

    order: PaymentOrder
    state: str
    booked: bool = False
    closed: bool = False
    refunded: bool = False  # the provider says REFUND: paid (booked), then refunded there


def _provider(order: PaymentOrder, send=None):
    provider = providers.configured(order.community, send=send)
    if provider is None or provider.key != order.provider:
        raise ServiceError("not_configured", _("本小区暂未开通在线缴费，无法联系支付渠道。"))
    return provider


def _window(order: PaymentOrder) -> dt.timedelta:
    # the provider's answers are signed as its notifications are, and held to the same window (FE-1)
    return dt.timedelta(minutes=policy(order.community, "FE-1.online_notify_minutes"))


def _unreachable(order: PaymentOrder, error: providers.ProviderError) -> ServiceError:
    logger.warning("order %s: the provider did not answer: %s", order.out_trade_no, error)
    return ServiceError("provider", _("支付渠道暂时无法答复订单 %(no)s，请稍后再试。") % {"no": order.out_trade_no})


def _mark_closed(order: PaymentOrder, actor, *, at: dt.datetime, reason: str) -> bool:
    """Closed here, unless paid meanwhile (the row lock orders it against a notification's booking)."""
    with transaction.atomic():
        locked = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if locked.payment_id or locked.status not in (OrderStatus.CREATED, OrderStatus.FAILED):
            order.refresh_from_db()
            return False
        locked.status, locked.closed_at = OrderStatus.CLOSED, at
        locked.full_clean()
        locked.save(update_fields=["status", "closed_at"])
        log(
            actor,
            "billing.online.closed",
            locked,
            household=locked.room_id,
            summary=_("在线缴费订单 %(no)s 已关闭（%(why)s）") % {"no": locked.out_trade_no, "why": reason},
            reason=reason,
        )
    order.refresh_from_db()
    return True


def _query(order: PaymentOrder, actor, *, send=None) -> Answer:
    provider = _provider(order, send)
    try:
        note = provider.query(order, window=_window(order))
    except providers.ProviderError as error:
        raise _unreachable(order, error) from None
    if note.succeeded:
        outcome = online.settle(community=order.community, provider=provider, note=note)
        order.refresh_from_db()
        if outcome.payment is None:  # refused (amount, another transaction) or not booked: logged there
            raise Conflict(
                "not_booked",
                _("支付渠道显示订单 %(no)s 已支付，但未能入账（%(why)s），请联系管理处核对。")
                % {"no": order.out_trade_no, "why": outcome.body.get("message", "")},
            )
        return Answer(order, note.state, booked=outcome.payment is not None, refunded=note.refunded)
    if note.state in CLOSED_THERE:
        closed = _mark_closed(order, actor, at=clock.now(), reason=_("支付渠道已关闭该订单"))
        return Answer(order, note.state, closed=closed)
    if note.state in FAILED_THERE and order.status == OrderStatus.CREATED:
        online.settle(community=order.community, provider=provider, note=note)  # marks it failed, logged
        order.refresh_from_db()
    return Answer(order, note.state)


def order_query(*, order: PaymentOrder, actor, send=None) -> Answer:
    """向支付渠道查询 (FE-1): ask the provider how `order` stands and record what it says."""
    require(actor, MANAGE, order.community)
    answer = _query(order, actor, send=send)
    log(
        actor,
        "billing.online.queried",
        order,
        household=order.room_id,
        summary=_("查询在线缴费订单 %(no)s：%(state)s") % {"no": order.out_trade_no, "state": answer.state},
        state=answer.state,
    )
    return answer


def _close(order: PaymentOrder, actor, *, at: dt.datetime, reason: str, send=None) -> PaymentOrder:
    provider = _provider(order, send)
    try:
        provider.close(order, window=_window(order))
    except providers.ProviderError as close_error:
        # refused: perhaps because it was paid (WeChat's ORDERPAID). Ask; a payment books, never drops.
        try:
            answer = _query(order, actor, send=send)
        except ServiceError:
            raise _unreachable(order, close_error) from None
        if answer.order.payment_id:
            return answer.order
        if answer.closed or answer.order.status == OrderStatus.CLOSED:
            return answer.order
        raise _unreachable(order, close_error) from None
    _mark_closed(order, actor, at=at, reason=reason)
    return order


def order_close(*, order: PaymentOrder, actor, reason: str = "", send=None) -> PaymentOrder:
    """关闭订单 (FE-1): the owner who made it, or staff of the community. The provider is told first;
    an order it says was paid is booked instead (the order then reads 已支付)."""
    if order.user_id != getattr(actor, "pk", None) and not has_perm(actor, MANAGE, order.community):
        raise Forbidden("forbidden", _("您没有权限关闭该订单。"))
    if order.payment_id or order.status == OrderStatus.PAID:
        raise Conflict("paid", _("订单 %(no)s 已支付，不能关闭。") % {"no": order.out_trade_no})
    if order.status == OrderStatus.CLOSED:
        raise Conflict("closed", _("订单 %(no)s 已关闭。") % {"no": order.out_trade_no})
    why = reason or (_("业主取消") if order.user_id == getattr(actor, "pk", None) else _("管理处关闭"))
    return _close(order, actor, at=clock.now(), reason=why, send=send)


def _sweepable(at: dt.datetime):
    return (
        PaymentOrder.objects.filter(status=OrderStatus.CREATED, payment__isnull=True, created_at__lt=at)
        .select_related("community")
        .order_by("created_at", "id")
    )


def orders_sweep(*, at: dt.datetime | None = None, send=None) -> dict[str, int]:
    """Query every order still 待支付 FE-1.online_sweep_minutes (per community) after it was made, and
    close those past their deadline. Each order on its own: one the provider cannot answer about is
    counted and left for the next run. Safe to run twice or at once (the row locks, the unique
    source_key). Returns counts: queried, paid, closed, errors, skipped (no provider configured to ask)."""
    now = at or clock.now()
    counts: Counter[str] = Counter()
    minutes: dict[int, int] = {}
    offered: dict[int, str | None] = {}
    for order in _sweepable(now).iterator(chunk_size=200):
        wait = minutes.setdefault(order.community_id, policy(order.community, "FE-1.online_sweep_minutes"))
        if order.created_at > now - dt.timedelta(minutes=wait):
            continue
        if order.community_id not in offered:
            provider = providers.configured(order.community, send=send)
            offered[order.community_id] = provider.key if provider else None
        if offered[order.community_id] != order.provider:
            # no keys to ask with (not configured here, or since changed): left as it is, not an error each
            # run; it reads as expired from the clock, and the provider's notification still books
            counts["skipped"] += 1
            continue
        try:
            answer = _query(order, None, send=send)
            counts["queried"] += 1
            if answer.order.payment_id:
                counts["paid"] += 1
            elif answer.closed:
                counts["closed"] += 1
            elif answer.order.status == OrderStatus.CREATED and now >= answer.order.expires_at:
                _close(answer.order, None, at=now, reason=_("超过支付时限"), send=send)
                answer.order.refresh_from_db()
                counts["paid" if answer.order.payment_id else "closed"] += 1
        except ServiceError as error:
            counts["errors"] += 1
            logger.warning("sweep: order %s: %s", order.out_trade_no, error)
    return {key: counts[key] for key in ("queried", "paid", "closed", "errors", "skipped")}
