"""Serializers of the service-desk API (RC-1 … RC-11, IC-3).

Read serializers shape rows for output; input serializers only validate the shape of a request.
Nothing here writes: the views hand validated data to `servicedesk.services` (DESIGN.md §7).
Reporters' and callers' phones are masked for roles that do not need them (AR-4).
"""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from guanjia.core import transitions
from guanjia.core.access import has_perm
from guanjia.core.api import ScopedRelatedField
from guanjia.core.masking import mask_phone
from guanjia.core.models import Community, Deadline, DeadlineState
from guanjia.core.roles import Role
from guanjia.core.topics import Topic
from guanjia.core.validators import TEXT_MAX, event_date
from guanjia.estates.models import Person, Room

from ..choices import CallbackMethod, Channel, Kind, RepairCategory, Severity, Status
from ..models import Callback, CallLog, ServiceItem, Ticket, TicketPhoto
from ..services import MAX_PHOTOS


def _user_name(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


class MaskedPhoneField(serializers.CharField):
    """A phone number, masked (138****1234) unless the user may see phones in the row's community."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, instance):
        number = getattr(instance, self.source_attrs[-1] if self.source_attrs else self.field_name) or ""
        user = self.context["request"].user
        return number if has_perm(user, "people.view_phone", instance.community_id) else mask_phone(number)


class DisplayField(serializers.CharField):
    """The label of a choice value (`kind` → 报修). Looked up in a dict made once: the model's
    get_FOO_display() rebuilds its choices dict for every row, which costs a page of 50 tickets ~50 ms."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return str(self.labels.get(value, value))


# --- Read ---------------------------------------------------------------------------------


class DeadlineSerializer(serializers.ModelSerializer):
    """A time limit and its state, derived from the clock (DESIGN.md §4)."""

    state = serializers.ChoiceField(choices=DeadlineState.choices, read_only=True, label=_("状态"))
    state_display = DisplayField(DeadlineState.choices, source="state", label=_("状态"))
    subject = serializers.SerializerMethodField(label=_("对象类型"))
    owner_name = serializers.SerializerMethodField(label=_("责任人"))
    # Plain strings in the output, so the schema's enums keep one name each (the role enum is the
    # membership's, `kind` and `category` are the register's too); the input serializers carry the enums.
    owner_role = serializers.CharField(read_only=True, label=_("责任岗位"))
    owner_role_display = DisplayField(Role.choices, source="owner_role")

    class Meta:
        model = Deadline
        fields = [
            "id",
            "community",
            "rule",
            "title",
            "subject",
            "subject_id",
            "household_id",
            "starts_at",
            "due_at",
            "met_at",
            "state",
            "state_display",
            "owner",
            "owner_name",
            "owner_role",
            "owner_role_display",
        ]

    def get_subject(self, deadline: Deadline) -> str:
        """`app_label.model` of what the deadline is on, e.g. servicedesk.ticket."""
        ct = deadline.subject_type
        return f"{ct.app_label}.{ct.model}"

    def get_owner_name(self, deadline: Deadline) -> str | None:
        return _user_name(deadline.owner)


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketPhoto
        fields = ["id", "image", "uploaded_at"]


class TicketNoticeSerializer(serializers.Serializer):
    """A rectification notice issued after one of the ticket's callbacks (RC-5), as the ticket shows
    it; the notice itself is served by the quality API (/api/rectifications/)."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True, label=_("编号"))
    status = serializers.CharField(read_only=True, label=_("状态"))
    callback = serializers.IntegerField(source="subject_id", read_only=True, label=_("回访"))
    recipient = serializers.IntegerField(source="recipient_id", read_only=True, allow_null=True, label=_("整改人"))
    recipient_name = serializers.CharField(source="recipient_label", read_only=True, label=_("整改人/单位"))
    problem = serializers.CharField(read_only=True, label=_("存在问题"))
    requirement = serializers.CharField(read_only=True, label=_("整改要求"))
    issued_at = serializers.DateTimeField(read_only=True, label=_("下达时间"))
    due_at = serializers.DateTimeField(read_only=True, label=_("整改期限"))
    overdue = serializers.SerializerMethodField(label=_("已超时"))
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True, label=_("整改完成时间"))
    result = serializers.CharField(read_only=True, label=_("整改结果"))

    def get_overdue(self, notice) -> bool:
        return (notice.closed_at or self.context["now"]) > notice.due_at


class CallbackSerializer(serializers.ModelSerializer):
    """A callback (RC-4, RC-9); `rectification` is the notice issued for an unsatisfied repair callback (RC-5)."""

    ticket_number = serializers.CharField(source="ticket.number", read_only=True, label=_("工单号"))
    ticket_kind = serializers.CharField(source="ticket.kind", read_only=True, label=_("类别"))
    room = serializers.IntegerField(source="ticket.room_id", read_only=True, allow_null=True, label=_("房屋"))
    room_code = serializers.CharField(source="ticket.room.code", read_only=True, allow_null=True, label=_("房屋编号"))
    reporter_name = serializers.CharField(source="ticket.reporter_name", read_only=True, label=_("联系人"))
    reporter_phone = serializers.SerializerMethodField(label=_("联系电话"))
    method_display = DisplayField(CallbackMethod.choices, source="method")
    done_by_name = serializers.SerializerMethodField(label=_("回访人"))
    overdue = serializers.SerializerMethodField(label=_("已超时"))
    rectification = serializers.SerializerMethodField(label=_("整改通知书"))

    class Meta:
        model = Callback
        fields = [
            "id",
            "community",
            "ticket",
            "ticket_number",
            "ticket_kind",
            "room",
            "room_code",
            "reporter_name",
            "reporter_phone",
            "due_at",
            "overdue",
            "owner_role",
            "method",
            "method_display",
            "done_at",
            "done_by",
            "done_by_name",
            "satisfied",
            "remarks",
            "skipped",
            "rectification",
        ]

    def get_reporter_phone(self, callback) -> str:
        number = callback.ticket.reporter_phone
        return (
            number
            if has_perm(self.context["request"].user, "people.view_phone", callback.community_id)
            else mask_phone(number)
        )

    def get_done_by_name(self, callback) -> str | None:
        return _user_name(callback.done_by)

    def get_overdue(self, callback) -> bool:
        if callback.skipped:
            return False
        return (callback.done_at or self.context["now"]) > callback.due_at

    @extend_schema_field(OpenApiTypes.INT)
    def get_rectification(self, callback) -> int | None:
        notice = next(iter(callback.rectification_notices.all()), None)  # prefetched: one per finding (RC-5)
        return notice.pk if notice is not None else None


class TicketSerializer(serializers.ModelSerializer):
    """A ticket as the desk's list shows it."""

    kind = serializers.CharField(read_only=True, label=_("类别"), help_text=_("见 kind_display"))
    kind_display = DisplayField(Kind.choices, source="kind")
    category = serializers.CharField(read_only=True, label=_("维修类别"), help_text=_("见 category_display"))
    channel_display = DisplayField(Channel.choices, source="channel")
    category_display = DisplayField(RepairCategory.choices, source="category")
    topic_display = DisplayField(Topic.choices, source="topic")
    severity_display = DisplayField(Severity.choices, source="severity")
    status_display = DisplayField(Status.choices, source="status")
    room_code = serializers.CharField(source="room.code", read_only=True, allow_null=True, label=_("房屋编号"))
    reporter_phone = MaskedPhoneField(label=_("联系电话"))
    technician_name = serializers.SerializerMethodField(label=_("维修人员"))

    class Meta:
        model = Ticket
        fields = [
            "id",
            "community",
            "number",
            "kind",
            "kind_display",
            "channel",
            "channel_display",
            "category",
            "category_display",
            "topic",
            "topic_display",
            "severity",
            "severity_display",
            "room",
            "room_code",
            "area",
            "reporter",
            "reporter_name",
            "reporter_phone",
            "description",
            "special_service",
            "paid",
            "price",
            "status",
            "status_display",
            "received_at",
            "clock_starts_at",
            "technician",
            "technician_name",
            "dispatched_at",
            "arrived_at",
            "completed_at",
            "checked_at",
            "check_passed",
            "replied_at",
            "valid",
            "closed_at",
            "cancelled_at",
        ]

    def get_technician_name(self, ticket) -> str | None:
        return _user_name(ticket.technician)


class TicketDetailSerializer(TicketSerializer):
    """A ticket with what happened to it: work, reply, photos, its deadlines (with states), callbacks
    and rectification notices."""

    photos = PhotoSerializer(many=True, read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True, source="all_deadlines")
    callbacks = CallbackSerializer(many=True, read_only=True)
    rectifications = TicketNoticeSerializer(many=True, read_only=True, source="notices")
    actions = serializers.SerializerMethodField(
        label=_("可办理"), help_text=_("当前状态下您可办理的操作，即 POST /api/tickets/{id}/<操作>/")
    )

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "work_done",
            "materials",
            "charge",
            "reopen_count",
            "reply",
            "owner_rating",
            "owner_comment",
            "owner_confirmed_at",
            "cancel_reason",
            "photos",
            "deadlines",
            "callbacks",
            "rectifications",
            "actions",
        ]

    def get_actions(self, ticket) -> list[str]:
        """The transitions of the ticket's state machine open to the user now: the console's buttons."""
        return [offer.action for offer in transitions.offers(ticket, self.context["request"].user)]


class CallLogSerializer(serializers.ModelSerializer):
    """来电来访记录表 (IC-3); `outside` marks outside information (*)."""

    channel_display = DisplayField(Channel.choices, source="channel")
    phone = MaskedPhoneField(label=_("电话"))
    room_code = serializers.CharField(source="room.code", read_only=True, allow_null=True, label=_("房屋编号"))
    recorded_by_name = serializers.SerializerMethodField(label=_("记录人"))

    class Meta:
        model = CallLog
        fields = [
            "id",
            "community",
            "at",
            "channel",
            "channel_display",
            "caller",
            "phone",
            "room",
            "room_code",
            "content",
            "outside",
            "handling",
            "recorded_by",
            "recorded_by_name",
        ]

    def get_recorded_by_name(self, entry) -> str | None:
        return _user_name(entry.recorded_by)


@extend_schema_field(OpenApiTypes.STR)
class KindField(serializers.ChoiceField):
    """The ticket kind; a plain string in the schema because `kind` is already the room kind's enum there
    (two enums of one name make the schema ambiguous). Its values are listed in the help text."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", ", ".join(Kind.values))
        super().__init__(choices=Kind.choices, **kwargs)


# --- Input --------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class TechnicianField(serializers.PrimaryKeyRelatedField):
    """A staff member of the ticket's community; anyone else is a 404, as in a URL (DESIGN.md §1).

    Whether that member is a technician is the service's to say (400, naming the field)."""

    def get_queryset(self):
        ticket = self.context["ticket"]
        return get_user_model().objects.filter(memberships__community_id=ticket.community_id).distinct()

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            if "does_not_exist" in error.get_codes():
                raise exceptions.NotFound(_("%(label)s不存在。") % {"label": self.label}) from None
            raise


class TicketCreateSerializer(serializers.Serializer):
    """Intake (RC-1): a room or a public area; the community follows from the room when not given."""

    community = ScopedRelatedField(
        queryset=Community.objects.all(), scope_field="pk", required=False, allow_null=True, label=_("小区")
    )
    kind = KindField(label=_("类别"))
    channel = serializers.ChoiceField(choices=Channel.choices, label=_("渠道"))
    category = serializers.ChoiceField(
        choices=RepairCategory.choices, required=False, allow_blank=True, label=_("维修类别")
    )
    topic = serializers.ChoiceField(choices=Topic.choices, required=False, allow_blank=True, label=_("投诉事项"))
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_blank=True, label=_("投诉级别"))
    room = ScopedRelatedField(queryset=Room.objects.all(), required=False, allow_null=True, label=_("房屋"))
    area = serializers.CharField(max_length=100, required=False, allow_blank=True, label=_("公共区域"))
    reporter = ScopedRelatedField(queryset=Person.objects.all(), required=False, allow_null=True, label=_("报事人"))
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, label=_("联系人"))
    reporter_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, label=_("联系电话"))
    description = serializers.CharField(max_length=TEXT_MAX, label=_("内容"))
    special_service = serializers.BooleanField(required=False, default=False, label=_("特约服务"))
    paid = serializers.BooleanField(required=False, default=False, label=_("有偿服务"))
    price = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, label=_("报价(元)")
    )
    photos = serializers.ListField(
        child=serializers.ImageField(), required=False, max_length=MAX_PHOTOS, label=_("照片")
    )

    def validate(self, data):
        room, community, reporter = data.get("room"), data.get("community"), data.get("reporter")
        if community is None:
            if room is None:
                raise serializers.ValidationError({"community": _("请选择小区。")})
            data["community"] = room.community
        community = data["community"]
        if room is not None and room.community_id != community.pk:
            raise serializers.ValidationError({"room": _("房屋不属于本小区。")})
        if reporter is not None and reporter.community_id != community.pk:
            raise serializers.ValidationError({"reporter": _("报事人不属于本小区。")})
        return data


class DispatchSerializer(serializers.Serializer):
    technician = TechnicianField(label=_("维修人员"))


class CompleteSerializer(serializers.Serializer):
    work_done = serializers.CharField(max_length=TEXT_MAX, label=_("维修情况"))
    materials = serializers.CharField(max_length=300, required=False, allow_blank=True, label=_("材料"))
    charge = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, label=_("收费(元)")
    )


class CheckSerializer(serializers.Serializer):
    passed = serializers.BooleanField(label=_("验收合格"))
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, label=_("验收意见"))


class ReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=TEXT_MAX, label=_("答复内容"))
    valid = serializers.BooleanField(required=False, allow_null=True, default=None, label=_("有效投诉"))


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label=_("取消原因"))


class EmptySerializer(serializers.Serializer):
    pass


class CallbackRecordSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=CallbackMethod.choices, label=_("回访方式"))
    satisfied = serializers.BooleanField(label=_("满意"))
    remarks = serializers.CharField(max_length=500, required=False, allow_blank=True, label=_("回访意见"))


class CallLogCreateSerializer(serializers.Serializer):
    community = ScopedRelatedField(
        queryset=Community.objects.all(), scope_field="pk", required=False, allow_null=True, label=_("小区")
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE, label=_("方式"))
    caller = serializers.CharField(max_length=50, required=False, allow_blank=True, label=_("来电/来访人"))
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, label=_("电话"))
    room = ScopedRelatedField(queryset=Room.objects.all(), required=False, allow_null=True, label=_("房屋"))
    content = serializers.CharField(max_length=TEXT_MAX, label=_("内容"))
    outside = serializers.BooleanField(required=False, default=False, label=_("外来信息(*)"))
    handling = serializers.CharField(max_length=300, required=False, allow_blank=True, label=_("处理情况"))
    at = serializers.DateTimeField(required=False, allow_null=True, validators=[event_date], label=_("时间"))

    def validate(self, data):
        room, community = data.get("room"), data.get("community")
        if community is None:
            if room is None:
                raise serializers.ValidationError({"community": _("请选择小区。")})
            data["community"] = room.community
        if room is not None and room.community_id != data["community"].pk:
            raise serializers.ValidationError({"room": _("房屋不属于本小区。")})
        return data


class ServiceItemSerializer(serializers.ModelSerializer):
    """A line of the public price list of special services (SS-2)."""

    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = ServiceItem
        fields = ["id", "community", "name", "category", "category_display", "free", "price", "unit", "note", "active"]
        read_only_fields = fields
