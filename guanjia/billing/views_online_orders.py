"""在线缴费订单 in the console (FE-1): the community's online payment orders, newest first, by state;
each still open offers 向支付渠道查询 (the provider's answer books a payment exactly as its
notification would) and 关闭订单. Thin views: each action is one service; another community's order
is a 404."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.console import ActionView, CommunityListView
from guanjia.core.errors import Conflict

from .choices import OrderStatus
from .forms_online_orders import OnlineOrderFilter
from .models import PaymentOrder
from .services import online_orders as services

MANAGE = services.MANAGE


def orders_list(queryset):
    """The orders page's rows: room, owner and receipt in the same query (a constant count a page)."""
    return queryset.select_related("room", "user", "payment").order_by("-created_at", "-id")


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
