"""Online payment through a provider adapter (FE-1): the owner's order and the provider's notification.

- `order_create`: the owner chooses open lines (or all) of one of his rooms; the order freezes each
  line's open amount and their sum, and is payable for FE-1.online_order_minutes. A line already in
  an order still payable is not ordered twice. Then `order_request` asks the provider for what the
  browser needs (outside the order's transaction: a provider that cannot be reached fails the order,
  it never holds a database lock).
- `notification_receive`: the provider's signed notification, verified by the adapter (signature,
  FE-1.online_notify_minutes window, decryption); then, with the order's row locked, the amount and
  the merchant order number checked and one `payment_take` (method ONLINE, reference and source_key the
  provider's transaction id) booked to the community's configured cashier. A notification delivered
  twice or two at once: the second finds the order paid (or the unique source_key) and is answered as
  received. A line paid at the window meanwhile: its part of the money goes to the prepayment purse.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.policies import policy

from .. import providers
from ..choices import Method, OrderStatus, Purse
from ..models import BillLine, Payment, PaymentOrder, PaymentOrderLine
from . import payments

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
ONLINE_ONLY = (Method.ONLINE,)


def live_orders(room):
    """The room's orders that may still be paid (created, not past their deadline)."""
    return PaymentOrder.objects.filter(room=room, status=OrderStatus.CREATED, expires_at__gt=clock.now())


def out_trade_no(at: dt.datetime) -> str:
    """GJ + local time to the second + 10 random hex digits: 26 characters, unique across merchants' use."""
    return f"GJ{timezone.localtime(at):%Y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


def order_create(
    *, room, user, payable, line_ids=None, at: dt.datetime | None = None, provider_key: str | None = None
) -> PaymentOrder:
    """An order for the owner's open lines of `room` (FE-1). `payable` is the BillLine queryset the
    caller may pay (the portal: his own bills); `line_ids` None means all of them that are open.
    `provider_key` names a registered adapter for an order recorded without the deployment's keys
    (the demo, which holds none); the portal never passes it: there the community's configuration decides."""
    if provider_key is not None:
        if provider_key not in providers.registered():
            raise ServiceError("not_configured", _("支付渠道“%(p)s”不存在。") % {"p": provider_key})
        key = provider_key
    else:
        provider = providers.configured(room.community)
        if provider is None:
            raise ServiceError("not_configured", _("本小区暂未开通在线缴费。"))
        key = provider.key
    now = at or clock.now()
    with transaction.atomic():
        lines = payable.filter(room=room, open_amount__gte=CENT).select_for_update().order_by("due_on", "id")
        if line_ids is not None:
            ids = {int(i) for i in line_ids}
            lines = [line for line in lines if line.pk in ids]
            if len(lines) != len(ids):
                raise ServiceError("invalid", _("所选账单明细已缴清或不属于该房屋，请刷新后重选。"), field="lines")
        else:
            lines = list(lines)
        if not lines:
            raise ServiceError("invalid", _("请选择要缴纳的账单明细（该房屋暂无未缴费用）。"), field="lines")
        busy = PaymentOrderLine.objects.filter(
            order__in=live_orders(room), line__in=[line.pk for line in lines]
        ).select_related("order", "line")
        taken = busy.first()
        if taken is not None:
            raise Conflict(
                "in_order",
                _("“%(item)s”（%(period)s）已在待支付订单 %(no)s 中，请先完成或等待该订单过期。")
                % {
                    "item": taken.line.item_name,
                    "period": f"{taken.line.period:%Y-%m}",
                    "no": taken.order.out_trade_no,
                },
                field="lines",
            )
        amount = sum((line.open_amount for line in lines), Decimal("0.00")).quantize(CENT)
        minutes = policy(room.community, "FE-1.online_order_minutes")
        order = PaymentOrder(
            community=room.community,
            room=room,
            user=user,
            out_trade_no=out_trade_no(now),
            provider=key,
            amount=amount,
            description=(_("%(community)s %(room)s 物业费用") % {"community": room.community.name, "room": room.code})[
                :120
            ],
            created_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
        order.full_clean()
        order.save()
        PaymentOrderLine.objects.bulk_create(
            PaymentOrderLine(community=room.community, order=order, line=line, amount=line.open_amount.quantize(CENT))
            for line in lines
        )
        log(
            user,
            "billing.online.ordered",
            order,
            household=room,
            summary=_("在线缴费订单 %(no)s，%(a)s 元") % {"no": order.out_trade_no, "a": amount},
            amount=str(amount),
            lines=len(lines),
        )
    return order


def order_request(*, order: PaymentOrder, send=None) -> PaymentOrder:
    """Ask the provider for the order's payment request; the order fails if the provider refuses."""
    provider = providers.configured(order.community, send=send)
    if provider is None or provider.key != order.provider:
        raise ServiceError("not_configured", _("本小区暂未开通在线缴费。"))
    try:
        data = provider.payment_request(order)
    except providers.ProviderError as error:
        logger.warning("order %s: the provider refused the request: %s", order.out_trade_no, error)
        PaymentOrder.objects.filter(pk=order.pk, status=OrderStatus.CREATED).update(
            status=OrderStatus.FAILED, failure=str(error)[:200]
        )
        order.refresh_from_db()
        log(order.user, "billing.online.failed", order, household=order.room_id, summary=str(error)[:200])
        raise ServiceError("provider", _("支付服务暂时无法下单，请稍后再试或到管理处缴费。")) from None
    order.pay_data = data
    order.save(update_fields=["pay_data"])
    return order


# --- the provider's notification -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict
    order: PaymentOrder | None = None
    payment: Payment | None = None


def _cashier(community, config):
    user = get_user_model().objects.filter(username=(config or {}).get("cashier", "")).first()
    if user is None:
        raise Conflict("no_cashier", _("未配置在线缴费的收款出纳。"))
    return user


def _plan(order: PaymentOrder) -> tuple[list[tuple[BillLine, Decimal]], Decimal, str | None]:
    """The frozen lines, each settled by what is still open of it; what a line no longer needs (paid
    at the window meanwhile) goes to the purse of that line's kind."""
    frozen = list(order.lines.select_related("line").order_by("line__due_on", "line_id"))
    open_now = dict(
        BillLine.objects.select_for_update().filter(pk__in=[f.line_id for f in frozen]).values_list("pk", "open_amount")
    )
    plan, purse = [], None
    for entry in frozen:
        part = min(entry.amount, open_now.get(entry.line_id, Decimal("0.00"))).quantize(CENT)
        if part >= CENT:
            plan.append((entry.line_id, part))
        if part < entry.amount and purse is None:
            purse = Purse.UTILITIES if entry.line.on_behalf else Purse.PROPERTY
    extra = order.amount - sum((p for _l, p in plan), Decimal("0.00"))
    return plan, extra, purse if extra > 0 else None


def _refuse(community, provider, code: str, message: str, order=None, **data) -> Outcome:
    """Logged (the office sees it in the order's history) and answered as the provider's failure."""
    logger.error("payment notification refused (%s, %s): %s %s", community.code, code, message, data)
    log(None, "billing.online.refused", order, community=community, summary=message[:300], code=code, **data)
    status, body = provider.answer(False, message)
    return Outcome(status, body, order)


def notification_receive(*, community, provider_key: str, headers, body: bytes) -> Outcome:
    """Verify and book one payment notification; returns the HTTP answer for the provider."""
    provider = providers.configured(community)
    if provider is None or provider.key != provider_key:
        return Outcome(404, {"code": "FAIL", "message": "not configured"})
    window = dt.timedelta(minutes=policy(community, "FE-1.online_notify_minutes"))
    try:
        note = provider.verify_notification(headers, body, now=clock.now(), window=window)
    except providers.Rejected as error:
        # not the provider's (or a replay): nothing is written, not even a log row an attacker could fill
        logger.warning("payment notification rejected (%s): %s", community.code, error.message)
        return Outcome(error.status, {"code": "FAIL", "message": error.message})
    return settle(community=community, provider=provider, note=note)


def settle(*, community, provider, note: providers.Notification) -> Outcome:
    """Book what the provider says of an order: its notification, or its answer to a query
    (online_orders.order_query) — the one path, so whichever comes first books and the other finds the
    order paid. With the order's row locked, a second delivery waits; a paid order answers as received.
    A success books even when the order was closed meanwhile: money the provider took is never dropped."""
    config = providers.config_of(community)
    order = PaymentOrder.objects.filter(community=community, out_trade_no=note.out_trade_no).first()
    if order is None:
        return _refuse(community, provider, "unknown_order", f"unknown out_trade_no {note.out_trade_no}")
    try:
        with transaction.atomic():
            order = PaymentOrder.objects.select_for_update().get(pk=order.pk)  # a second delivery waits here
            if order.payment_id:
                if order.transaction_id != note.transaction_id:
                    raise _Mismatch("other_transaction", f"order already paid by {order.transaction_id}")
                return Outcome(*provider.answer(True), order, order.payment)
            if not note.succeeded:
                if order.status == OrderStatus.CREATED:
                    order.status, order.failure = OrderStatus.FAILED, note.state[:200]
                    order.save(update_fields=["status", "failure"])
                    log(None, "billing.online.failed", order, household=order.room_id, summary=note.state[:200])
                return Outcome(*provider.answer(True), order)
            if note.amount != order.amount:
                raise _Mismatch("amount_mismatch", f"paid {note.amount} for an order of {order.amount}")
            payment = _book(order, note, _cashier(community, config))
    except _Mismatch as error:
        return _refuse(community, provider, error.code, error.message, order, transaction_id=note.transaction_id)
    except IntegrityError:
        # the same transaction booked by a concurrent delivery that committed first (unique source_key)
        payment = Payment.objects.filter(community=community, source_key=note.transaction_id).first()
        if payment is None:
            raise
        order.refresh_from_db()
        return Outcome(*provider.answer(True), order, payment)
    except ServiceError as error:  # the cashier's day already signed off, no cashier configured, …
        logger.error("payment notification %s not booked: %s", note.transaction_id, error)
        status, body = provider.answer(False, str(error))
        return Outcome(500, body, order)
    return Outcome(*provider.answer(True), order, payment)


class _Mismatch(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _book(order: PaymentOrder, note: providers.Notification, cashier) -> Payment:
    now = clock.now()
    plan, extra, purse = _plan(order)
    payment = payments.payment_take(
        room=order.room,
        amount=order.amount,
        method=Method.ONLINE,
        actor=cashier,
        reference=note.transaction_id,
        lines=plan,
        to_prepayment_purse=purse,
        note=_("在线缴费订单 %(no)s") % {"no": order.out_trade_no},
        at=now,  # when the office learnt of it: the day sheet it belongs to is still open
        source_key=note.transaction_id,
        methods=ONLINE_ONLY,
    )
    if order.status == OrderStatus.CLOSED:  # paid at the provider before (or as) it was closed: still booked
        logger.warning("order %s was closed but paid (%s): booked", order.out_trade_no, note.transaction_id)
    order.status, order.payment, order.transaction_id = OrderStatus.PAID, payment, note.transaction_id
    order.paid_at = min(note.paid_at, now) if note.paid_at else now
    order.save(update_fields=["status", "payment", "transaction_id", "paid_at"])
    log(
        cashier,
        "billing.online.paid",
        order,
        household=order.room_id,
        summary=_("在线缴费订单 %(no)s 已支付，收据 %(n)s") % {"no": order.out_trade_no, "n": payment.number},
        transaction_id=note.transaction_id,
        to_prepayment=str(extra),
    )
    return payment
