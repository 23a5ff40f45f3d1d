"""Shapes of the quality API: rectification notices (QA-2, RC-5) and the requests that issue and
close them."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from guanjia.core.validators import TEXT_MAX, event_date

from ..choices import NoticeStatus
from ..models import RectificationNotice
from ..registry import notice_source_or_none, notice_sources


def _user_name(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


class NoticeSerializer(serializers.ModelSerializer):
    """整改通知书: what it is about (`source`: the registered kind of finding, `subject`: the finding),
    whom it is addressed to, by when, and its result."""

    subject = serializers.IntegerField(source="subject_id", read_only=True, label=_("对象"))
    subject_type = serializers.SerializerMethodField(label=_("对象类型"))
    subject_label = serializers.SerializerMethodField(label=_("对象"))
    source_display = serializers.SerializerMethodField(label=_("来源"))
    status = serializers.CharField(read_only=True, label=_("状态"), help_text=_("见 status_display"))
    status_display = serializers.SerializerMethodField(label=_("状态"))
    recipient_label = serializers.CharField(read_only=True, label=_("整改人/单位"))
    issued_by_name = serializers.SerializerMethodField(label=_("下达人"))
    overdue = serializers.SerializerMethodField(label=_("已超时"))

    class Meta:
        model = RectificationNotice
        fields = [
            "id",
            "community",
            "number",
            "source",
            "source_display",
            "subject_type",
            "subject",
            "subject_label",
            "household",
            "recipient_kind",
            "recipient",
            "recipient_name",
            "recipient_label",
            "problem",
            "requirement",
            "status",
            "status_display",
            "issued_at",
            "issued_by",
            "issued_by_name",
            "due_at",
            "overdue",
            "closed_at",
            "closed_by",
            "result",
        ]

    def get_subject_type(self, notice) -> str:
        return f"{notice.subject_type.app_label}.{notice.subject_type.model}"

    def get_subject_label(self, notice) -> str:
        source = notice_source_or_none(notice.source)
        return source.subject_link(notice.subject)[0] if source and notice.subject is not None else ""

    def get_source_display(self, notice) -> str:
        source = notice_source_or_none(notice.source)
        return str(source.label) if source else notice.source

    def get_status_display(self, notice) -> str:
        return str(NoticeStatus(notice.status).label)

    def get_issued_by_name(self, notice) -> str | None:
        return _user_name(notice.issued_by)

    @extend_schema_field(serializers.BooleanField)
    def get_overdue(self, notice) -> bool:
        return (notice.closed_at or self.context["now"]) > notice.due_at


class NoticeTermsSerializer(serializers.Serializer):
    problem = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, label=_("存在问题"))
    requirement = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, label=_("整改要求"))
    fix_due = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        validators=[event_date],
        label=_("整改期限"),
        help_text=_("不填则按来源的默认期限"),
    )


class NoticeIssueSerializer(NoticeTermsSerializer):
    source = serializers.ChoiceField(choices=[], label=_("来源"), help_text=_("登记的问题类别，如 RC-5.callback"))
    subject = serializers.IntegerField(label=_("对象"), help_text=_("该类别问题的记录编号（RC-5.callback：回访）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s.key, str(s.label)) for s in notice_sources()]


class NoticeCloseSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=TEXT_MAX, label=_("整改结果"))
