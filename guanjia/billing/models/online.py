"""Online payment orders 在线缴费订单 (FE-1): what an owner chose to pay through a payment provider.

An order freezes, when the owner makes it, the open lines it pays and how much of each: the amount
the provider is asked for never moves, whatever the window takes meanwhile. The provider's signed
notification turns it into one `Payment` (method ONLINE, `source_key` the provider's transaction id),
so a notification delivered twice, or two at once, records one payment. An order nobody paid is
"expired" once its `expires_at` is past: read from the clock, never written by a job.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned

from ..choices import OnlineRefundStatus, OrderStatus
from ._fields import positive_money

USER = settings.AUTH_USER_MODEL


class PaymentOrder(CommunityOwned):
    room = models.ForeignKey(
        "estates.Room", on_delete=models.PROTECT, related_name="payment_orders", verbose_name=_("房屋")
    )
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("下单人"))
    # the merchant order number sent to the provider: unique across communities (one merchant may
    # serve several), 6–32 characters of [A-Za-z0-9] as WeChat Pay requires
    out_trade_no = models.CharField(_("商户订单号"), max_length=32, unique=True)
    provider = models.CharField(_("支付渠道"), max_length=30)
    amount = positive_money(_("金额"))
    description = models.CharField(_("商品描述"), max_length=120)
    status = models.CharField(_("状态"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    created_at = models.DateTimeField(_("下单时间"), default=clock.now)
    expires_at = models.DateTimeField(_("支付截止"))
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # what the browser needs to pay (a QR code's URL, JSAPI parameters), from the provider's answer
    pay_data = models.JSONField(_("支付参数"), default=dict, blank=True)
    transaction_id = models.CharField(_("支付流水号"), max_length=64, blank=True)
    failure = models.CharField(_("失败原因"), max_length=200, blank=True)
    payment = models.OneToOneField(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="online_order",
        verbose_name=_("收据"),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("在线缴费订单")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["room", "created_at"], name="paymentorder_room_at")]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def state(self) -> str:
        """The status as of now: a created order past its deadline reads as expired."""
        if self.status == OrderStatus.CREATED and clock.now() >= self.expires_at:
            return OrderStatus.EXPIRED
        return self.status

    def get_state_display(self) -> str:
        return OrderStatus(self.state).label

    @property
    def state_colour(self) -> str:
        return OrderStatus(self.state).colour


class PaymentOrderLine(CommunityOwned):
    """One open bill line an order pays, with the amount frozen when the order was made."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("billing.BillLine", on_delete=models.PROTECT, related_name="+")
    amount = positive_money(_("金额"))

    class Meta:
        verbose_name = verbose_name_plural = _("在线缴费订单明细")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "line"], name="paymentorderline_once")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.line_id} {self.amount}"


class OnlineRefund(CommunityOwned):
    """A refund paid back through the provider to the payment it came from 原路退回 (FE-1): asked of
    the provider once the refund's approval is complete; the refund reads paid only when the provider
    says SUCCESS (its notification or a query). `out_refund_no` is the refund's number."""

    refund = models.OneToOneField(
        "billing.Refund", on_delete=models.PROTECT, related_name="online", verbose_name=_("退款")
    )
    order = models.ForeignKey(
        PaymentOrder, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("原在线缴费订单")
    )
    out_refund_no = models.CharField(_("商户退款单号"), max_length=64)
    amount = positive_money(_("退款金额"))
    status = models.CharField(
        _("原路退回状态"), max_length=10, choices=OnlineRefundStatus.choices, default=OnlineRefundStatus.PROCESSING
    )
    provider_status = models.CharField(_("支付渠道状态"), max_length=40, blank=True)
    provider_refund_id = models.CharField(_("支付渠道退款单号"), max_length=64, blank=True)
    failure = models.CharField(_("失败原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=clock.now)
    checked_at = models.DateTimeField(_("最近查询时间"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("退回时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("原路退回")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "out_refund_no"], name="onlinerefund_unique_no"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="onlinerefund_status_at")]

    def __str__(self) -> str:
        return self.out_refund_no
