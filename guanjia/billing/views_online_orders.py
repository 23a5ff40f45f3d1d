"""在线缴费订单 in the console (FE-1): the community's online payment orders, newest first, by state;
each still open offers 向支付渠道查询 (the provider's answer books a payment exactly as its
notification would) and 关闭订单. Thin views: each action is one service; another community's order
is a 404."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, CommunityListView
from guanjia.core.errors import Conflict

from .choices import OnlineRefundStatus, OrderStatus
from .forms_online_orders import OnlineOrderFilter
from .models import OnlineRefund, PaymentOrder
from .services import online_orders as services
from .services import online_refunds

MANAGE = services.MANAGE


def orders_list(queryset):
    """The orders page's rows: room, owner and receipt in the same query (a constant count a page),
    with what was paid back through the provider 原路退回 (`refunded`, FE-1.refund)."""
    refunded = Sum("refunds__amount", filter=Q(refunds__status=OnlineRefundStatus.SUCCESS))
    return queryset.select_related("room", "user", "payment").annotate(refunded=refunded).order_by("-created_at", "-id")


def refunded_of(order) -> Decimal:
    """What was paid back of `order` through the provider (原路退回 succeeded here)."""
    total = order.refunds.filter(status=OnlineRefundStatus.SUCCESS).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


class OnlineOrderListView(CommunityListView):
    action = MANAGE
    model = PaymentOrder
    filterset_class = OnlineOrderFilter
    template_name = "billing/online_orders_list.html"
    context_object_name = "orders"

    def base_queryset(self):
        return orders_list(PaymentOrder.objects.all())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["open_states"] = (OrderStatus.CREATED, OrderStatus.EXPIRED, OrderStatus.FAILED)
        return context


class _OrderAction(ActionView):
    action = MANAGE
    model = PaymentOrder
    template_name = "billing/payments_action.html"

    def get_success_url(self, result):
        return reverse("billing:online_orders") + f"?q={self.get_object().out_trade_no}"


class OnlineOrderQueryView(_OrderAction):
    """向支付渠道查询: order_query (a paid answer books the receipt)."""

    title = gettext_lazy("向支付渠道查询")
    submit_label = gettext_lazy("查询")

    def refusal(self):
        order = self.get_object()
        if order.payment_id:
            return Conflict("paid", _("订单 %(no)s 已支付，无需查询。") % {"no": order.out_trade_no})
        return None

    def perform(self, form):
        return services.order_query(order=self.get_object(), actor=self.request.user)

    def get_success_message(self, result):
        if result.refunded:
            return _("支付渠道显示该订单已支付并已转入退款（收据 %(n)s，已退 %(r)s 元）。") % {
                "n": result.order.payment.number if result.order.payment_id else "—",
                "r": refunded_of(result.order),
            }
        if result.order.payment_id:
            return _("支付渠道显示已支付，已开具收据 %(n)s。") % {"n": result.order.payment.number}
        if result.closed or result.order.status == OrderStatus.CLOSED:
            return _("支付渠道显示该订单已关闭。")
        return _("支付渠道答复：%(s)s，订单状态未变。") % {"s": result.state}


class OnlineOrderCloseView(_OrderAction):
    """关闭订单: order_close (the provider first; a paid order is booked instead)."""

    title = gettext_lazy("关闭在线缴费订单")
    submit_label = gettext_lazy("关闭订单")

    def refusal(self):
        order = self.get_object()
        if order.payment_id:
            return Conflict("paid", _("订单 %(no)s 已支付，不能关闭。") % {"no": order.out_trade_no})
        if order.status == OrderStatus.CLOSED:
            return Conflict("closed", _("订单 %(no)s 已关闭。") % {"no": order.out_trade_no})
        return None

    def perform(self, form):
        return services.order_close(order=self.get_object(), actor=self.request.user)

    def get_success_message(self, result):
        if result.payment_id:
            return _("支付渠道显示该订单已支付，已开具收据 %(n)s，未关闭。") % {"n": result.payment.number}
        return _("订单 %(no)s 已关闭。") % {"no": result.out_trade_no}


# --- refunds paid back through the provider 原路退回 (FE-1.refund) ---------------------------------


class _RefundAction(ActionView):
    """On the OnlineRefund of a refund (its pk in the URL): looked up in the fee office's scope first
    (another community's is a 404), then taken by the cashier (billing.collect, else 403)."""

    action = "billing.view"
    model = OnlineRefund
    template_name = "billing/payments_action.html"

    def get_queryset(self):
        return super().get_queryset().select_related("refund", "order")

    def get_object(self):
        online = super().get_object()
        if not has_perm(self.request.user, "billing.collect", online.community_id):
            raise PermissionDenied
        return online

    def get_success_url(self, result):
        return reverse("billing:refund", args=[self.get_object().refund_id])


class RefundOnlineQueryView(_RefundAction):
    """向支付渠道查询退款: refund_query (SUCCESS marks the refund paid, as the notification would)."""

    title = gettext_lazy("向支付渠道查询退款")
    submit_label = gettext_lazy("查询")

    def refusal(self):
        online = self.get_object()
        if online.status == OnlineRefundStatus.SUCCESS:
            return Conflict("paid", _("退款 %(n)s 已原路退回，无需查询。") % {"n": online.out_refund_no})
        if online.status == OnlineRefundStatus.FAILED:
            return Conflict(
                "failed", _("退款 %(n)s 未被支付渠道受理，请重新发起原路退回。") % {"n": online.out_refund_no}
            )
        return None

    def perform(self, form):
        return online_refunds.refund_query(online_refund=self.get_object(), actor=self.request.user)

    def get_success_message(self, result):
        if result.status == OnlineRefundStatus.SUCCESS:
            return _("支付渠道显示已原路退回，退款已完成。")
        return _("支付渠道答复：%(s)s（%(d)s）。") % {"s": result.provider_status, "d": result.get_status_display()}


class RefundOnlineResendView(_RefundAction):
    """重新发起原路退回: for a refund the provider never accepted (refund_resend)."""

    title = gettext_lazy("重新发起原路退回")
    submit_label = gettext_lazy("重新发起")

    def refusal(self):
        online = self.get_object()
        if online.status != OnlineRefundStatus.FAILED:
            return Conflict(
                "not_failed", _("退款 %(n)s 不是申请失败状态，无需重新发起。") % {"n": online.out_refund_no}
            )
        return None

    def perform(self, form):
        return online_refunds.refund_resend(online_refund=self.get_object(), actor=self.request.user)

    def get_success_message(self, result):
        if result.status == OnlineRefundStatus.FAILED:
            return _("支付渠道仍未受理：%(f)s") % {"f": result.failure}
        return _("已向支付渠道重新发起原路退回（%(d)s）。") % {"d": result.get_status_display()}
