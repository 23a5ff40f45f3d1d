"""Online payment orders through the API (FE-1), under api/billing/online-orders/: the list (by state as
of now, room), one order, `POST {id}/query/` (ask the provider; a paid answer books the receipt as the
notification would) and `POST {id}/close/` (close at the provider; a paid order is booked instead).
Refunds paid back through the provider 原路退回 (FE-1.refund) under api/billing/online-refunds/: the
list, one, `POST {id}/query/` (向支付渠道查询退款) and `POST {id}/resend/` (one it never accepted).
The same services and messages as the console page (400/403/409 `{code, detail}`); another
community's order is a 404."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanjia.core.api import ScopedMixin
from guanjia.core.filters import StrictFilterSet

from ..choices import OnlineRefundStatus, OrderStatus
from ..forms_online_orders import by_state
from ..models import OnlineRefund, PaymentOrder
from ..services import online_orders as services
from ..services import online_refunds


class OnlineOrderSerializer(serializers.ModelSerializer):
    """在线缴费订单: `state` is the status as of now (an unpaid order past its deadline reads expired)."""

    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    state = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True, label=_("当前状态"))
    receipt_number = serializers.CharField(
        source="payment.number", read_only=True, default=None, allow_null=True, label=_("收据号")
    )

    class Meta:
        model = PaymentOrder
        fields = [
            "id",
            "community",
            "room",
            "room_code",
            "user",
            "out_trade_no",
            "provider",
            "amount",
            "status",
            "state",
            "created_at",
            "expires_at",
            "paid_at",
            "closed_at",
            "transaction_id",
            "failure",
            "payment",
            "receipt_number",
        ]
        read_only_fields = fields


class QueryAnswerSerializer(serializers.Serializer):
    provider_state = serializers.CharField(label=_("支付渠道状态"))
    order = OnlineOrderSerializer()


class OnlineOrderFilter(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    state = filters.ChoiceFilter(choices=OrderStatus.choices, method="filter_state", label=_("当前状态"))

    class Meta:
        model = PaymentOrder
        fields = ["community", "room", "state"]

    def filter_state(self, queryset, name, value):
        return by_state(queryset, value)


class OnlineOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedMixin, viewsets.GenericViewSet):
    """在线缴费订单 (FE-1): cashier, CS supervisor, office manager."""

    scope_action = services.MANAGE
    queryset = PaymentOrder.objects.select_related("room", "payment")
    serializer_class = OnlineOrderSerializer
    filterset_class = OnlineOrderFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().order_by("-created_at", "-id")

    def output(self, order) -> dict:
        return OnlineOrderSerializer(self.get_queryset().get(pk=order.pk), context=self.get_serializer_context()).data

    @extend_schema(request=None, responses={200: QueryAnswerSerializer})
    @action(detail=True, methods=["post"])
    def query(self, request, pk=None):
        """向支付渠道查询: the provider's state of the order, and the order as it now stands."""
        answer = services.order_query(order=self.get_object(), actor=request.user)
        return Response({"provider_state": answer.state, "order": self.output(answer.order)})

    @extend_schema(request=None, responses={200: OnlineOrderSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """关闭订单: closed at the provider, then here (an order the provider says was paid is booked)."""
        order = services.order_close(order=self.get_object(), actor=request.user)
        return Response(self.output(order))


class OnlineRefundSerializer(serializers.ModelSerializer):
    """原路退回: `status` ours (processing, success, abnormal, closed, failed), `provider_status` the
    provider's own word as last told."""

    out_trade_no = serializers.CharField(source="order.out_trade_no", read_only=True, label=_("原商户订单号"))
    status = serializers.ChoiceField(choices=OnlineRefundStatus.choices, read_only=True, label=_("原路退回状态"))

    class Meta:
        model = OnlineRefund
        fields = [
            "id",
            "refund",
            "order",
            "out_trade_no",
            "out_refund_no",
            "amount",
            "status",
            "provider_status",
            "provider_refund_id",
            "failure",
            "created_at",
            "checked_at",
            "succeeded_at",
        ]
        read_only_fields = fields


class OnlineRefundFilter(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))
    status = filters.ChoiceFilter(choices=OnlineRefundStatus.choices, label=_("原路退回状态"))

    class Meta:
        model = OnlineRefund
        fields = ["community", "status"]


class OnlineRefundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedMixin, viewsets.GenericViewSet):
    """原路退回 (FE-1.refund): the cashier's."""

    scope_action = "billing.collect"
    queryset = OnlineRefund.objects.select_related("order")
    serializer_class = OnlineRefundSerializer
    filterset_class = OnlineRefundFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().order_by("-created_at", "-id")

    def output(self, online) -> dict:
        return OnlineRefundSerializer(self.get_queryset().get(pk=online.pk)).data

    @extend_schema(request=None, responses={200: OnlineRefundSerializer})
    @action(detail=True, methods=["post"])
    def query(self, request, pk=None):
        """向支付渠道查询退款: SUCCESS marks the refund paid, as the notification would."""
        return Response(self.output(online_refunds.refund_query(online_refund=self.get_object(), actor=request.user)))

    @extend_schema(request=None, responses={200: OnlineRefundSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """重新发起原路退回: a refund the provider never accepted (原路退回申请失败)."""
        return Response(self.output(online_refunds.refund_resend(online_refund=self.get_object(), actor=request.user)))
