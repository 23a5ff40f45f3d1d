"""Payments and refunds through the API (FE-1): the same services as the window, the same messages
(400/403/409 `{code, detail, field}`). `POST payments/` takes a payment (an `Idempotency-Key` makes a
retry return the first receipt instead of taking the money twice, core.idempotency); `POST
payments/{id}/void/` asks for the void; `POST refunds/` asks for a refund. Scoped like every list: a
payment, a room or a bill line of another community is a 404."""

from __future__ import annotations

import django_filters as filters
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanjia.core.api import ScopedMixin, ScopedRelatedField
from guanjia.core.filters import StrictFilterSet
from guanjia.estates.models import Room

from ..choices import Method, PaymentStatus, Purse
from ..models import Allocation, BillLine, Payment, Refund
from ..services import payments as services
from ..services.payments import WINDOW_METHODS, day_bounds
from .online_orders import OnlineRefundSerializer


class AllocationSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="line.item_name", read_only=True, label=_("项目"))

    class Meta:
        model = Allocation
        fields = ["id", "line", "item_name", "period", "amount", "at"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    """收据: the payment, its lines settled (`allocations`, reversals negative) and its prepayment part."""

    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "community",
            "number",
            "room",
            "room_code",
            "payer_name",
            "method",
            "reference",
            "amount",
            "to_prepayment",
            "received_at",
            "cashier",
            "note",
            "status",
            "void_reason",
            "voided_at",
            "allocations",
        ]
        read_only_fields = fields


class LinePartSerializer(serializers.Serializer):
    line = serializers.IntegerField(label=_("账单明细"))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, label=_("核销金额"))


class PaymentTakeSerializer(serializers.Serializer):
    """`lines` omitted: the room's open lines oldest first; given ([] for a pure prepayment): those
    lines with those amounts. What is paid beyond goes to `to_prepayment_purse`."""

    room = ScopedRelatedField(queryset=Room.objects.all(), action="billing.view", label=_("房屋"))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, label=_("金额"))
    method = serializers.ChoiceField(choices=[(m, Method(m).label) for m in WINDOW_METHODS], label=_("付款方式"))
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, label=_("交易流水号"))
    payer_name = serializers.CharField(max_length=100, required=False, allow_blank=True, label=_("交款人"))
    lines = LinePartSerializer(many=True, required=False, label=_("核销账单明细"))
    to_prepayment_purse = serializers.ChoiceField(
        choices=Purse.choices, required=False, allow_blank=True, label=_("转入预收款账户")
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("备注"))


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, label=_("作废原因"))


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id",
            "community",
            "number",
            "room",
            "payee_name",
            "amount",
            "method",
            "reason",
            "account",
            "status",
            "requested_by",
            "requested_at",
            "paid_at",
            "online_refund",
        ]
        read_only_fields = fields

    online_refund = OnlineRefundSerializer(source="online", read_only=True, default=None, allow_null=True)


class RefundRequestSerializer(serializers.Serializer):
    room = ScopedRelatedField(queryset=Room.objects.all(), action="billing.view", label=_("房屋"))
    purse = serializers.ChoiceField(choices=Purse.choices, label=_("退款账户"))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, label=_("退款金额"))
    method = serializers.ChoiceField(choices=Method.choices, label=_("退款方式"))  # 在线支付: 原路退回
    payee_name = serializers.CharField(max_length=100, required=False, allow_blank=True, label=_("收款人"))
    reason = serializers.CharField(max_length=2000, label=_("退款原因"))


class PaymentFilter(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    method = filters.ChoiceFilter(choices=Method.choices, label=_("付款方式"))
    status = filters.ChoiceFilter(choices=PaymentStatus.choices, label=_("状态"))
    cashier = filters.NumberFilter(field_name="cashier", label=_("收款人"))
    day = filters.DateFilter(method="filter_day", label=_("日期"))

    class Meta:
        model = Payment
        fields = ["community", "room", "method", "status", "cashier", "day"]

    def filter_day(self, queryset, name, value):
        start, end = day_bounds(value)
        return queryset.filter(received_at__gte=start, received_at__lt=end)


class _Writes(ScopedMixin, viewsets.GenericViewSet):
    input_serializers: dict = {}
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return self.input_serializers.get(self.action, self.serializer_class)

    def validated(self) -> dict:
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Writes):
    """收款 and 收据 (FE-1)."""

    scope_action = "billing.view"
    queryset = Payment.objects.select_related("room").prefetch_related("allocations__line")
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    input_serializers = {"create": PaymentTakeSerializer, "void": VoidSerializer}
    idempotent_actions = ("void",)

    def get_queryset(self):
        return super().get_queryset().order_by("-received_at", "-id")

    def output(self, payment, code=status.HTTP_200_OK) -> Response:
        payment = self.get_queryset().get(pk=payment.pk)
        return Response(PaymentSerializer(payment, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=PaymentTakeSerializer, responses={201: PaymentSerializer})
    def create(self, request):
        data = self.validated()
        room = data.pop("room")
        parts = data.pop("lines", None)
        lines = None
        if parts is not None:
            ids = [p["line"] for p in parts]
            found = set(BillLine.objects.filter(pk__in=ids, community=room.community).values_list("pk", flat=True))
            if set(ids) - found:  # a line of another community: not found, as in a URL (DESIGN §1)
                raise Http404
            lines = [(p["line"], p["amount"]) for p in parts]
        payment = services.payment_take(
            room=room,
            actor=request.user,
            lines=lines,
            amount=data["amount"],
            method=data["method"],
            reference=data.get("reference", ""),
            payer_name=data.get("payer_name") or None,
            to_prepayment_purse=data.get("to_prepayment_purse") or None,
            note=data.get("note", ""),
        )
        return self.output(payment, status.HTTP_201_CREATED)

    @extend_schema(request=VoidSerializer, responses={200: PaymentSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Ask for the receipt's void (FE-1.receipt_void, the office manager approves)."""
        payment = self.get_object()
        services.receipt_void_request(payment=payment, actor=request.user, **self.validated())
        return self.output(payment)


class RefundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, _Writes):
    """预收款退款 (FE-1.refund): asked here, approved by the office manager, then paid out."""

    scope_action = "billing.view"
    queryset = Refund.objects.select_related("online__order")
    serializer_class = RefundSerializer
    input_serializers = {"create": RefundRequestSerializer}

    def get_queryset(self):
        return super().get_queryset().order_by("-requested_at", "-id")

    @extend_schema(request=RefundRequestSerializer, responses={201: RefundSerializer})
    def create(self, request):
        refund = services.refund_request(actor=request.user, **self.validated())
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
