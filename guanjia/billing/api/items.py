"""Fee items through the API (FE-1): read with the price in force today and the next one published;
`POST items/{id}/prices/` publishes a price through the same service as the console (same rule, same
messages: 400/409 `{code, detail, field}`). Scoped like every list: another community's item is a 404."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanjia.core import clock
from guanjia.core.api import ScopedMixin
from guanjia.core.filters import StrictFilterSet

from ..choices import ItemKind
from ..models import FeeApplication, FeeItem, FeePrice
from ..selectors_items import with_prices
from ..services import items as services


class FeePriceSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeePrice
        fields = ["id", "item", "unit_price", "effective_from", "published_at", "published_by", "note"]
        read_only_fields = fields


class FeeApplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeApplication
        fields = ["id", "room_kind", "building", "room", "since"]
        read_only_fields = fields


class FeeItemSerializer(serializers.ModelSerializer):
    """收费项目 with the price in force today (`current_price` from `current_from`) and the next published
    one (`next_price` from `next_from`), null where there is none."""

    current_price = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True, allow_null=True)
    current_from = serializers.DateField(read_only=True, allow_null=True, label=_("现行标准执行日期"))
    next_price = serializers.DecimalField(max_digits=12, decimal_places=4, read_only=True, allow_null=True)
    next_from = serializers.DateField(read_only=True, allow_null=True, label=_("调整后标准执行日期"))
    applications = FeeApplicationSerializer(many=True, read_only=True)

    class Meta:
        model = FeeItem
        fields = [
            "id",
            "community",
            "code",
            "name",
            "kind",
            "basis",
            "unit_label",
            "cycle_months",
            "due_day",
            "rounding",
            "decimals",
            "payer",
            "price_form",
            "legal_basis",
            "service_standard",
            "collected_on_behalf",
            "supplier",
            "surcharge",
            "meter_kind",
            "starts_on",
            "ends_on",
            "current_price",
            "current_from",
            "next_price",
            "next_from",
            "applications",
        ]
        read_only_fields = fields


class PricePublishSerializer(serializers.Serializer):
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=4, label=_("单价"))
    effective_from = serializers.DateField(label=_("执行日期"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", label=_("调整说明"))


class FeeItemFilter(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))
    kind = filters.ChoiceFilter(choices=ItemKind.choices, label=_("收费类型"))
    code = filters.CharFilter(field_name="code", label=_("项目编码"))

    class Meta:
        model = FeeItem
        fields = ["community", "kind", "code"]


class FeeItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedMixin, viewsets.GenericViewSet):
    """收费项目 (FE-1) with their current and next published price."""

    scope_action = "billing.view"
    queryset = FeeItem.objects.prefetch_related("applications")
    serializer_class = FeeItemSerializer
    filterset_class = FeeItemFilter
    http_method_names = ["get", "post", "head", "options"]
    idempotent_actions = ("prices",)

    def get_queryset(self):
        return with_prices(super().get_queryset(), clock.today()).order_by("community_id", "code")

    def get_serializer_class(self):
        return PricePublishSerializer if self.action == "prices" else self.serializer_class

    @extend_schema(request=PricePublishSerializer, responses={201: FeePriceSerializer})
    @action(detail=True, methods=["post"])
    def prices(self, request, pk=None):
        """Publish a price taking effect on `effective_from` (FE-1: a change is published
        FE-1.price_notice_days ahead; a first price on or before it takes effect)."""
        item = self.get_object()
        serializer = PricePublishSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        price = services.price_publish(item=item, actor=request.user, **serializer.validated_data)
        return Response(FeePriceSerializer(price).data, status=status.HTTP_201_CREATED)
