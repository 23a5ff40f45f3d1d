"""Bills and billing runs through the API (FE-1), the same services as the console.

`GET bills/` (filters: community, period, room, building, payer_kind, kind, open) and `GET bills/{id}/`
with its lines. `GET runs/` lists the months billed; `GET runs/preview/?period=2026-11` is the dry run
(nothing written); `POST runs/ {"period": "2026-11"}` issues it (a second run of the month: 409).
Scoped like every list: another community's bill is a 404.
"""

from __future__ import annotations

import django_filters as filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from guanjia.core.access import require, visible_communities
from guanjia.core.api import ScopedMixin
from guanjia.core.filters import StrictFilterSet
from guanjia.core.periods import MONTH, Period

from ..choices import BillKind, PayerKind
from ..models import Bill, BillingRun, BillLine
from ..selectors_bills import with_open
from ..services import runs


class BillLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillLine
        fields = [
            "id", "item", "item_name", "on_behalf", "payer_kind", "period", "covers_from", "covers_to",
            "quantity", "basis_label", "unit_price", "proration", "amount", "due_on", "open_amount", "correction",
        ]  # fmt: skip
        read_only_fields = fields


class BillSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    open = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, label=_("未缴金额"))

    class Meta:
        model = Bill
        fields = [
            "id", "community", "number", "run", "kind", "room", "room_code", "payer_kind", "payer", "payer_name",
            "period", "issued_at", "due_on", "total", "open", "corrects",
        ]  # fmt: skip
        read_only_fields = fields


class BillDetailSerializer(BillSerializer):
    lines = BillLineSerializer(many=True, read_only=True)

    class Meta(BillSerializer.Meta):
        fields = [*BillSerializer.Meta.fields, "lines"]
        read_only_fields = fields


def _month(value: str, name: str = "period") -> Period:
    month = Period.parse(value, MONTH)
    if month is None:
        raise ValidationError({name: [_("应为月份，如 2026-11。")]})
    return month


class BillFilter(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))
    period = filters.CharFilter(method="filter_period", label=_("账期（YYYY-MM）"))
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    building = filters.NumberFilter(field_name="room__building", label=_("楼栋"))
    payer_kind = filters.ChoiceFilter(choices=PayerKind.choices, label=_("缴费人类型"))
    kind = filters.ChoiceFilter(choices=BillKind.choices, label=_("类型"))
    open = filters.BooleanFilter(method="filter_open", label=_("未结清"))

    class Meta:
        model = Bill
        fields = ["community", "period", "room", "building", "payer_kind", "kind", "open"]

    def filter_period(self, queryset, name, value):
        return queryset.filter(period=_month(value).start)

    def filter_open(self, queryset, name, value):
        return queryset.filter(open__gt=0) if value else queryset.filter(open=0)


class BillViewSet(ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """账单 (FE-1): written once; corrections are credit and debit notes."""

    scope_action = "billing.view"
    queryset = Bill.objects.select_related("room")
    serializer_class = BillSerializer
    filterset_class = BillFilter

    def get_queryset(self):
        queryset = with_open(super().get_queryset()).order_by("-period", "room_id", "id")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("lines")
        return queryset

    def get_serializer_class(self):
        return BillDetailSerializer if self.action == "retrieve" else BillSerializer


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = BillingRun
        fields = ["id", "community", "period", "status", "started_by", "started_at", "issued_at", "bills", "lines",
                  "total"]  # fmt: skip
        read_only_fields = fields


class RunIssueSerializer(serializers.Serializer):
    community = serializers.IntegerField(label=_("小区"), required=False)
    period = serializers.CharField(label=_("账期（YYYY-MM）"), max_length=7)


class PreviewLineSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.pk")
    item_name = serializers.CharField(source="item.name")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    basis_label = serializers.CharField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4)
    proration = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    covers_from = serializers.DateField()
    covers_to = serializers.DateField()


class PreviewBillSerializer(serializers.Serializer):
    room = serializers.IntegerField(source="room_id")
    room_code = serializers.CharField()
    payer_kind = serializers.CharField()
    payer_name = serializers.CharField()
    due_on = serializers.DateField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    change = serializers.CharField()
    last_total = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    lines = PreviewLineSerializer(many=True)


class RunViewSet(ScopedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """计费批次 (FE-1): the months billed, the dry run of a month and its issue."""

    scope_action = "billing.view"
    queryset = BillingRun.objects.order_by("community_id", "-period")
    serializer_class = RunSerializer
    http_method_names = ["get", "post", "head", "options"]
    idempotent_actions = ("create",)

    def community(self, raw):
        """The community asked for (`community`), or the user's only one; one he cannot see is a 404."""
        communities = visible_communities(self.request.user, "billing.view")
        if raw in (None, ""):
            if communities.count() != 1:
                raise ValidationError({"community": [_("请指定小区。")]})
            return communities.get()
        if not str(raw).isdigit():
            raise ValidationError({"community": [_("应为正整数。")]})
        return get_object_or_404(communities, pk=int(raw))

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, required=True, description="YYYY-MM"),
            OpenApiParameter("community", int),
        ],
        responses={200: PreviewBillSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def preview(self, request):
        """The dry run: the bills the month's run would issue, and their difference from the month before."""
        community = self.community(request.query_params.get("community"))
        month = _month(request.query_params.get("period", ""))
        require(request.user, "billing.run", community)
        plan = runs.run_preview(community=community, period=month, actor=request.user)
        page = self.paginate_queryset(plan.bills)
        data = PreviewBillSerializer(page, many=True).data
        response = self.get_paginated_response(data)
        response.data.update(
            period=month.key,
            total=str(plan.total),
            lines=plan.line_count,
            changes=plan.counts(),
            gone=[{"room_code": code, "last_total": str(total)} for code, total in plan.gone],
            warnings=plan.warnings,
            issued=plan.existing is not None,
        )
        return response

    @extend_schema(request=RunIssueSerializer, responses={201: RunSerializer})
    def create(self, request):
        """Issue the month's bills: atomic, once (a second run of the month is 409)."""
        serializer = RunIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        community = self.community(serializer.validated_data.get("community"))
        month = _month(serializer.validated_data["period"])
        run = runs.run_issue(community=community, period=month, actor=request.user)
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)
