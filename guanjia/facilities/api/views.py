"""The equipment ledger through the API (FM-1): `devices/` to list (filters: type with its sub-types,
building, importance, due), read, register (`POST`) and change (`PATCH`) a device, and
`devices/{id}/records/` for its history (`GET`) and to add to it (`POST`). Every write is the
console's service, with its rules and messages (400/409 `{code, detail, field}`); another
community's device is a 404, a role without facilities.manage a 403."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from guanjia.core.api import ScopedMixin, ScopedRelatedField
from guanjia.core.filters import StrictFilterSet
from guanjia.core.models import Community
from guanjia.estates.models import Building

from .. import selectors, services
from ..choices import Importance, Maintainer, RecordKind
from ..models import Contractor, Device, DeviceRecord, DeviceType


class DeviceSerializer(serializers.ModelSerializer):
    type_name = serializers.CharField(source="type.name", read_only=True, label=_("设备类型名称"))
    location = serializers.CharField(read_only=True, label=_("位置"))

    class Meta:
        model = Device
        fields = [
            "id",
            "community",
            "code",
            "name",
            "type",
            "type_name",
            "brand",
            "model",
            "serial_no",
            "building",
            "floor",
            "place",
            "location",
            "importance",
            "commissioned_on",
            "warranty_ends_on",
            "value",
            "responsible",
            "maintainer",
            "contractor",
            "registration_no",
            "last_inspection_on",
            "next_inspection_on",
            "certificate_no",
            "active",
            "note",
        ]
        read_only_fields = fields


class DeviceWriteSerializer(serializers.Serializer):
    """What a client may set; `community` only on create (the device's community is then fixed)."""

    community = ScopedRelatedField(
        queryset=Community.objects.all(), scope_field="pk", action="facilities.manage", label=_("小区")
    )
    code = serializers.CharField(max_length=40, label=_("设备编号"))
    name = serializers.CharField(max_length=100, label=_("设备名称"))
    type = serializers.PrimaryKeyRelatedField(queryset=DeviceType.objects.all(), label=_("设备类型"))
    brand = serializers.CharField(max_length=50, required=False, allow_blank=True, label=_("品牌"))
    model = serializers.CharField(max_length=60, required=False, allow_blank=True, label=_("型号"))
    serial_no = serializers.CharField(max_length=60, required=False, allow_blank=True, label=_("出厂编号"))
    building = ScopedRelatedField(
        queryset=Building.objects.all(), required=False, allow_null=True, action="facilities.view", label=_("楼栋")
    )
    floor = serializers.CharField(max_length=10, required=False, allow_blank=True, label=_("楼层"))
    place = serializers.CharField(max_length=100, label=_("房间/公共区域"))
    importance = serializers.ChoiceField(choices=Importance.choices, required=False, label=_("重要程度"))
    commissioned_on = serializers.DateField(required=False, allow_null=True, label=_("启用日期"))
    warranty_ends_on = serializers.DateField(required=False, allow_null=True, label=_("保修期至"))
    value = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, label=_("原值(元)")
    )
    maintainer = serializers.ChoiceField(choices=Maintainer.choices, required=False, label=_("维护方式"))
    contractor = ScopedRelatedField(
        queryset=Contractor.objects.all(),
        required=False,
        allow_null=True,
        action="facilities.view",
        label=_("维保单位"),
    )
    registration_no = serializers.CharField(max_length=60, required=False, allow_blank=True, label=_("使用登记证号"))
    last_inspection_on = serializers.DateField(required=False, allow_null=True, label=_("上次法定检验"))
    next_inspection_on = serializers.DateField(required=False, allow_null=True, label=_("下次法定检验"))
    certificate_no = serializers.CharField(max_length=60, required=False, allow_blank=True, label=_("检验合格证编号"))
    active = serializers.BooleanField(required=False, label=_("在用"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("备注"))


class DeviceUpdateSerializer(DeviceWriteSerializer):
    community = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeviceRecord
        fields = [
            "id",
            "device",
            "kind",
            "done_on",
            "done_by",
            "content",
            "result",
            "next_due_on",
            "certificate_no",
            "cost",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields


class RecordCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecordKind.choices, label=_("类别"))
    done_on = serializers.DateField(label=_("日期"))
    done_by = serializers.CharField(max_length=100, label=_("执行人/单位"))
    content = serializers.CharField(max_length=2000, label=_("工作内容"))
    result = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", label=_("结果"))
    next_due_on = serializers.DateField(required=False, allow_null=True, label=_("下次检验日期"))
    certificate_no = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default="", label=_("检验合格证编号")
    )
    cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, label=_("费用(元)")
    )


class DeviceFilter(StrictFilterSet):
    type = filters.NumberFilter(method="of_type", label=_("设备类型（含下级类型）"))
    building = filters.NumberFilter(field_name="building", label=_("楼栋"))
    importance = filters.ChoiceFilter(choices=Importance.choices, label=_("重要程度"))
    due = filters.BooleanFilter(method="inspection_due", label=_("法定检验到期（含逾期）"))
    active = filters.BooleanFilter(field_name="active", label=_("在用"))

    class Meta:
        model = Device
        fields = ["type", "building", "importance", "due", "active"]

    def of_type(self, queryset, name, value):
        return queryset.filter(type_id__in=selectors.descendants(int(value)))

    def inspection_due(self, queryset, name, value):
        """Due within each device's community's FM-1.inspection_warn_days, or overdue."""
        communities = set(queryset.values_list("community_id", flat=True).distinct())
        wanted = Device.objects.none()
        for community_id in communities:  # one policy read per community in scope, not per device
            wanted = wanted | queryset.filter(
                community_id=community_id, active=True, next_inspection_on__lte=selectors.due_before(community_id)
            )
        due = queryset.filter(pk__in=wanted.values("pk"))
        return due if value else queryset.exclude(pk__in=due.values("pk"))


class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedMixin, viewsets.GenericViewSet):
    """设备台账 (FM-1): devices and their history."""

    scope_action = "facilities.view"
    queryset = Device.objects.select_related("type").order_by("community_id", "code")
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    idempotent_actions = ("records",)  # a retried POST must not add the record twice

    def get_serializer_class(self):
        return {
            "create": DeviceWriteSerializer,
            "partial_update": DeviceUpdateSerializer,
            "records": RecordCreateSerializer if self.request.method == "POST" else RecordSerializer,
        }.get(self.action, DeviceSerializer)

    def _validated(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=DeviceWriteSerializer, responses={201: DeviceSerializer})
    def create(self, request):
        data = self._validated(DeviceWriteSerializer)
        device = services.device_create(community=data.pop("community"), actor=request.user, **data)
        return Response(DeviceSerializer(device).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeviceUpdateSerializer, responses={200: DeviceSerializer})
    def partial_update(self, request, pk=None):
        device = self.get_object()
        device = services.device_update(device=device, actor=request.user, **self._validated(DeviceUpdateSerializer))
        return Response(DeviceSerializer(device).data)

    @extend_schema(methods=["GET"], responses={200: RecordSerializer(many=True)}, filters=False)
    @extend_schema(methods=["POST"], request=RecordCreateSerializer, responses={201: RecordSerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def records(self, request, pk=None):
        """The device's history, newest first; `POST` adds to it (an inspection moves the FM-1 deadline)."""
        device = self.get_object()
        if request.method == "POST":
            record = services.device_record_add(
                device=device, actor=request.user, **self._validated(RecordCreateSerializer)
            )
            return Response(RecordSerializer(record).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(device.records.order_by("-done_on", "-id"))
        return self.get_paginated_response(RecordSerializer(page, many=True).data)
