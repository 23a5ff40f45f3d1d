"""Serializers of the engagement API (VS-1 … VS-6, SV-1 … SV-4).

Read serializers shape rows; input serializers only validate a request's shape. Nothing here
writes: the views hand validated data to `engagement.services` / `engagement.surveys`.
Visits show room codes only, never an owner's phone or ID (VS-3).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from guanjia.core.api import ScopedRelatedField
from guanjia.core.validators import TEXT_MAX, event_date
from guanjia.estates.models import Room

from ..choices import VisitForm
from ..models import Survey, SurveyItem, SurveySheet, Visit, VisitSummary


def _user_name(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


class VisitSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    visitor_name = serializers.SerializerMethodField(label=_("拜访人"))
    form_display = serializers.CharField(source="get_form_display", read_only=True, label=_("拜访形式"))
    # Plain strings in the schema: the SV-7 topic enum is named once, by the service desk's `topic`.
    topics = serializers.ListField(child=serializers.CharField(), read_only=True, label=_("涉及事项"))
    feedback_pending = serializers.BooleanField(read_only=True, label=_("待反馈"))
    ticket_number = serializers.CharField(source="ticket.number", read_only=True, default=None, label=_("工单号"))

    class Meta:
        model = Visit
        fields = [
            "id",
            "community",
            "room",
            "room_code",
            "visitor",
            "visitor_name",
            "form",
            "form_display",
            "visited_at",
            "appointment_at",
            "topics",
            "opinions",
            "signed",
            "signature_refused",
            "feedback_owed",
            "feedback_given_at",
            "feedback",
            "feedback_pending",
            "beyond_authority",
            "is_callback",
            "key_customer",
            "measures",
            "ticket",
            "ticket_number",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_visitor_name(self, visit) -> str | None:
        return _user_name(visit.visitor)


class VisitCreateSerializer(serializers.Serializer):
    """A visit (VS-2 … VS-4, VS-6); the community follows from the room."""

    room = ScopedRelatedField(queryset=Room.objects.all(), label=_("房屋"))
    form = serializers.ChoiceField(choices=VisitForm.choices, label=_("拜访形式"))
    visited_at = serializers.DateTimeField(validators=[event_date], label=_("拜访时间"))
    appointment_at = serializers.DateTimeField(
        required=False, allow_null=True, validators=[event_date], label=_("预约时间")
    )
    topics = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        label=_("涉及事项"),
        help_text=_("SV-7 事项代码；不在规定范围内的由服务拒绝"),
    )
    opinions = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default="", label=_("业户意见")
    )
    signed = serializers.BooleanField(required=False, default=False, label=_("业户已签名"))
    signature_refused = serializers.BooleanField(required=False, default=False, label=_("业户拒绝签名"))
    feedback_owed = serializers.BooleanField(required=False, default=False, label=_("需要反馈"))
    beyond_authority = serializers.BooleanField(required=False, default=False, label=_("超出管理处权限"))
    is_callback = serializers.BooleanField(required=False, default=False, label=_("回访"))
    key_customer = serializers.BooleanField(required=False, default=False, label=_("重点客户访谈"))
    measures = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default="", label=_("改进措施")
    )


class VisitSummarySerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m", read_only=True, label=_("月份"))
    submitted_by_name = serializers.SerializerMethodField(label=_("报送人"))

    class Meta:
        model = VisitSummary
        fields = ["id", "community", "month", "text", "submitted_at", "submitted_by", "submitted_by_name"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_submitted_by_name(self, summary) -> str | None:
        return _user_name(summary.submitted_by)


class SurveyItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyItem
        fields = ["id", "position", "text", "topic"]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    # Plain strings (+ labels) in the output so the schema's `kind`/`status` enums keep one name each.
    kind = serializers.CharField(read_only=True, label=_("类型"))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.CharField(read_only=True, label=_("状态"))
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "community",
            "kind",
            "kind_display",
            "year",
            "period",
            "title",
            "status",
            "status_display",
            "issued_on",
            "collect_until",
            "closed_at",
            "results_published_at",
            "measures_published_at",
        ]
        read_only_fields = fields


class SurveyDetailSerializer(SurveySerializer):
    items = SurveyItemSerializer(many=True, read_only=True)
    issued = serializers.IntegerField(read_only=True, label=_("发放份数"))
    returned = serializers.IntegerField(read_only=True, label=_("回收份数"))

    class Meta(SurveySerializer.Meta):
        fields = [*SurveySerializer.Meta.fields, "conclusion", "items", "issued", "returned"]
        read_only_fields = fields


class SheetSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    channel = serializers.CharField(read_only=True, label=_("回收方式"))

    class Meta:
        model = SurveySheet
        fields = ["id", "survey", "number", "room", "room_code", "returned_at", "channel", "suggestions"]
        read_only_fields = fields


class SheetAnswersSerializer(serializers.Serializer):
    """{"answers": {"<item id>": "satisfied" | ["satisfied", "basic"] | null}, "suggestions": ""}.

    A null, an empty list or two or more choices is an abstention (SV-3); items left out are blank."""

    answers = serializers.DictField(child=serializers.JSONField(allow_null=True), allow_empty=True, label=_("各项评价"))
    suggestions = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default="", label=_("意见和建议")
    )


class RateSerializer(serializers.Serializer):
    item = serializers.CharField(allow_null=True)
    item_id = serializers.IntegerField(allow_null=True)
    satisfied = serializers.IntegerField()
    basic = serializers.IntegerField()
    dissatisfied = serializers.IntegerField()
    abstained = serializers.IntegerField()
    raw_rate = serializers.CharField(allow_null=True, help_text="SV-3 (S+B)/(S+B+D)×100, one decimal")
    adjusted_rate = serializers.CharField(allow_null=True, help_text="after the return-rate penalty, one decimal")
    explain = serializers.CharField()


class ParetoRowSerializer(serializers.Serializer):
    item = serializers.CharField()
    dissatisfied = serializers.IntegerField()
    share = serializers.CharField()
    cumulative = serializers.CharField()
    key = serializers.BooleanField()


class SurveyResultsSerializer(serializers.Serializer):
    issued = serializers.IntegerField()
    returned = serializers.IntegerField()
    return_rate = serializers.CharField(allow_null=True)
    threshold_pct = serializers.CharField()
    shortfall_points = serializers.IntegerField()
    penalty = serializers.CharField()
    overall = RateSerializer()
    items = RateSerializer(many=True)
    pareto = ParetoRowSerializer(many=True)
