"""Meters and readings through the API (FE-1): `meters/` to read (and, for billing.manage_meters, to
register a meter), `readings/` to read and record. `POST readings/` is `reading_record` — the same
rules and messages as the console (400/409 `{code, detail, field}`); another community's meter or
reading is a 404."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from guanjia.core.api import ScopedMixin, ScopedRelatedField
from guanjia.core.errors import ServiceError
from guanjia.core.filters import StrictFilterSet
from guanjia.core.models import Community
from guanjia.estates.models import Room

from ..choices import MeterKind, ReadingSource, ReadingStatus
from ..models import Meter, MeterReading
from ..services import meters as services


class MeterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meter
        fields = [
            "id",
            "community",
            "kind",
            "number",
            "room",
            "place",
            "installed_on",
            "verify_by",
            "multiplier",
            "active",
        ]
        read_only_fields = fields


class MeterCreateSerializer(serializers.Serializer):
    community = ScopedRelatedField(
        queryset=Community.objects.all(),
        scope_field="pk",
        action="billing.manage_meters",
        required=False,
        label=_("小区"),
        help_text=_("公共表必填；分户表取房屋所在小区"),
    )
    kind = serializers.ChoiceField(choices=MeterKind.choices, label=_("表计类型"))
    number = serializers.CharField(max_length=40, label=_("表号"))
    room = ScopedRelatedField(queryset=Room.objects.all(), required=False, allow_null=True, label=_("房屋"))
    place = serializers.CharField(max_length=100, required=False, allow_blank=True, default="", label=_("安装位置"))
    installed_on = serializers.DateField(required=False, allow_null=True, label=_("安装日期"))
    verify_by = serializers.DateField(required=False, allow_null=True, label=_("下次检定日期"))
    multiplier = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, label=_("倍率"))


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeterReading
        fields = [
            "id",
            "meter",
            "read_on",
            "value",
            "usage",
            "source",
            "reader",
            "replacement",
            "rollover",
            "status",
            "check_reason",
            "confirmed_by",
            "recorded_at",
        ]
        read_only_fields = fields


class ReadingCreateSerializer(serializers.Serializer):
    meter = ScopedRelatedField(queryset=Meter.objects.all(), action="billing.read_meters", label=_("表计"))
    read_on = serializers.DateField(label=_("抄表日期"))
    value = serializers.DecimalField(max_digits=14, decimal_places=3, label=_("读数"))
    source = serializers.ChoiceField(
        choices=[(ReadingSource.STAFF, ReadingSource.STAFF.label), (ReadingSource.SMART, ReadingSource.SMART.label)],
        default=ReadingSource.STAFF,
        label=_("来源"),
    )
    replacement = serializers.BooleanField(default=False, label=_("换表"))
    rollover = serializers.BooleanField(default=False, label=_("表计翻转"))
    photo = serializers.ImageField(required=False, allow_null=True, label=_("照片"))


class MeterFilter(StrictFilterSet):
    kind = filters.ChoiceFilter(choices=MeterKind.choices, label=_("表计类型"))
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    common = filters.BooleanFilter(field_name="room", lookup_expr="isnull", label=_("公共表"))

    class Meta:
        model = Meter
        fields = ["kind", "room", "common"]


class ReadingFilter(StrictFilterSet):
    meter = filters.NumberFilter(field_name="meter", label=_("表计"))
    status = filters.ChoiceFilter(choices=ReadingStatus.choices, label=_("状态"))

    class Meta:
        model = MeterReading
        fields = ["meter", "status"]


class MeterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedMixin, viewsets.GenericViewSet):
    """表计 (FE-1): room meters and common meters."""

    scope_action = "billing.read_meters"
    queryset = Meter.objects.order_by("community_id", "kind", "number")
    serializer_class = MeterSerializer
    filterset_class = MeterFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return MeterCreateSerializer if self.action == "create" else MeterSerializer

    @extend_schema(request=MeterCreateSerializer, responses={201: MeterSerializer})
    def create(self, request):
        """Register a meter in the room's community (a common meter: no room, `place` required)."""
        serializer = MeterCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        community = data.pop("community", None)
        if data.get("room") is not None:
            if community is not None and community.pk != data["room"].community_id:
                raise ServiceError("room", _("房屋：所选房屋不在该小区。"), field="room")
            community = data["room"].community
        if community is None:
            raise ServiceError("community", _("小区：公共表须指定小区。"), field="community")
        if data.get("multiplier") is None:
            data.pop("multiplier", None)
        meter = services.meter_create(community=community, actor=request.user, **data)
        return Response(MeterSerializer(meter).data, status=status.HTTP_201_CREATED)


class ReadingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedMixin, viewsets.GenericViewSet):
    """抄表读数 (FE-1): `POST` records one through reading_record (staff or smart-meter source)."""

    scope_action = "billing.read_meters"
    queryset = MeterReading.objects.order_by("-read_on", "-id")
    serializer_class = ReadingSerializer
    filterset_class = ReadingFilter
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return ReadingCreateSerializer if self.action == "create" else ReadingSerializer

    @extend_schema(request=ReadingCreateSerializer, responses={201: ReadingSerializer})
    def create(self, request):
        serializer = ReadingCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        reading = services.reading_record(actor=request.user, **serializer.validated_data)
        return Response(ReadingSerializer(reading).data, status=status.HTTP_201_CREATED)
