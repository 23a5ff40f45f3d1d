from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.core.textnorm import normalise_room_code
from guanjia.core.topics import Topic
from guanjia.core.validators import TEXT_MAX
from guanjia.estates.models import Room
from guanjia.servicedesk.choices import Kind, RepairCategory, Severity

from .choices import VisitForm

DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class VisitRecordForm(forms.Form):
    room_code = forms.CharField(label=_("房屋编号"), max_length=64, help_text=_("如 3-2-1201"))
    form = forms.ChoiceField(label=_("拜访形式"), choices=VisitForm.choices)
    visited_at = forms.DateTimeField(label=_("拜访时间"), widget=DT_WIDGET, input_formats=DT_FORMATS)
    appointment_at = forms.DateTimeField(
        label=_("预约时间"), required=False, widget=DT_WIDGET, input_formats=DT_FORMATS, help_text=_("上门拜访必填")
    )
    topics = forms.MultipleChoiceField(
        label=_("涉及事项"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    opinions = forms.CharField(
        max_length=TEXT_MAX, label=_("业户意见"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    signed = forms.BooleanField(label=_("业户已签名"), required=False)
    signature_refused = forms.BooleanField(label=_("业户拒绝签名"), required=False)
    feedback_owed = forms.BooleanField(label=_("需要反馈"), required=False)
    beyond_authority = forms.BooleanField(label=_("超出管理处权限（报公司投诉中心）"), required=False)
    is_callback = forms.BooleanField(label=_("属于回访（不计入拜访指标）"), required=False)
    key_customer = forms.BooleanField(label=_("重点客户访谈"), required=False)  # VS-6
    measures = forms.CharField(
        label=_("改进措施"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("重点客户访谈必填（VS-6）"),
    )

    def __init__(self, *args, community=None, **kwargs):
        self.community = community
        super().__init__(*args, **kwargs)

    def clean_room_code(self):
        raw = self.cleaned_data["room_code"]
        code = normalise_room_code(raw) or raw.strip()
        room = Room.objects.filter(community=self.community, code=code).first()
        if room is None:
            raise forms.ValidationError(_("本小区没有房屋 %(code)s。") % {"code": raw})
        self.cleaned_data["room"] = room
        return code


class VisitFeedbackForm(forms.Form):
    feedback = forms.CharField(max_length=TEXT_MAX, label=_("反馈内容"), widget=forms.Textarea(attrs={"rows": 3}))


class VisitTicketForm(forms.Form):
    kind = forms.ChoiceField(label=_("报事类别"), choices=Kind.choices)
    category = forms.ChoiceField(
        label=_("维修类别"), choices=[("", "—")] + list(RepairCategory.choices), required=False
    )
    topic = forms.ChoiceField(label=_("投诉事项"), choices=[("", "—")] + list(Topic.choices), required=False)
    severity = forms.ChoiceField(label=_("投诉级别"), choices=[("", "—")] + list(Severity.choices), required=False)
    description = forms.CharField(
        label=_("报事内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("留空则用业户意见")
    )


class VisitSummaryForm(forms.Form):
    """The director's text of the month's visit summary (VS-5); the figures are computed."""

    text = forms.CharField(
        label=_("汇总意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("本月拜访的总体情况、主要问题和处理意见；超出管理处权限的事项报公司投诉中心。"),
    )
