"""Console forms of the service desk. A form only parses input; the view hands it to one service
and a ServiceError is shown beside the field it names, nothing saved (DESIGN.md §8)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from guanjia.core.roles import Role
from guanjia.core.topics import Topic
from guanjia.core.validators import TEXT_MAX
from guanjia.estates.models import Person, Room

from .choices import Channel, Kind, RepairCategory, Severity
from .models import ServiceItem

# The desk's kind radio: the kinds of RC-1 in the order the desk meets them, and the call log (IC-3).
CALL = "call"
DESK_KINDS = [
    (Kind.REPAIR, Kind.REPAIR.label),
    (Kind.COMPLAINT, Kind.COMPLAINT.label),
    (Kind.CONSULTATION, Kind.CONSULTATION.label),
    (Kind.SUGGESTION, Kind.SUGGESTION.label),
    (Kind.PRAISE, Kind.PRAISE.label),
    (Kind.PAYMENT, Kind.PAYMENT.label),
    (CALL, _("仅咨询/来电记录")),
]
TECHNICIAN_ROLES = (Role.TECHNICIAN, Role.EQUIPMENT_SUPERVISOR)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    """Several photos in one input; the service limits their number and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ServiceItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item):
        price = _("免费") if item.free else f"¥{item.price}" + (f"/{item.unit}" if item.unit else "")
        return f"{item.name}（{price}）"


def _blank(choices):
    return [("", _("——请选择——")), *choices]


class DeskTicketForm(forms.Form):
    """The desk's intake (RC-1): a few keystrokes from the household search to a ticket or a log entry."""

    kind = forms.ChoiceField(label=_("类别"), choices=DESK_KINDS, widget=forms.RadioSelect, initial=Kind.REPAIR)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.WINDOW)
    category = forms.ChoiceField(label=_("维修类别"), choices=_blank(RepairCategory.choices), required=False)
    topic = forms.ChoiceField(label=_("投诉事项"), choices=_blank(Topic.choices), required=False)  # SV-7
    severity = forms.ChoiceField(
        label=_("投诉级别"),
        choices=Severity.choices,
        widget=forms.RadioSelect,
        initial=Severity.GENERAL,
        required=False,
    )
    description = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=TEXT_MAX
    )
    room = forms.ModelChoiceField(queryset=Room.objects.none(), required=False, widget=forms.HiddenInput)
    area = forms.CharField(
        label=_("公共区域"), required=False, max_length=100, help_text=_("无房屋时填写：楼栋、电梯、车库、花园等")
    )
    reporter = forms.ModelChoiceField(queryset=Person.objects.none(), required=False, widget=forms.HiddenInput)
    reporter_name = forms.CharField(label=_("联系人"), required=False, max_length=50)
    reporter_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    special_service = forms.BooleanField(label=_("特约服务"), required=False)  # SS-2
    paid = forms.BooleanField(label=_("有偿服务"), required=False)
    price = forms.DecimalField(label=_("报价(元)"), required=False, max_digits=10, decimal_places=2, min_value=0)
    # SS-2: a line of the public price list; it sets special service, paid and price.
    service_item = ServiceItemChoiceField(
        label=_("特约服务项目"),
        queryset=None,
        required=False,
        empty_label=_("——不选——"),
        help_text=_("选中后按公示标准收费，下方报价不再适用"),
    )
    photos = MultipleImageField(label=_("照片"), required=False)
    outside = forms.BooleanField(label=_("外来信息(*)"), required=False)  # IC-3
    handling = forms.CharField(label=_("处理情况"), required=False, max_length=300)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["room"].queryset = Room.objects.filter(community=community)
        self.fields["reporter"].queryset = Person.objects.filter(community=community)
        self.fields["service_item"].queryset = ServiceItem.objects.filter(community=community, active=True)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == CALL and not (data.get("description") or "").strip():
            self.add_error("description", _("请填写来电来访内容。"))
        return data

    @property
    def chosen_service_item(self):
        """The price-list item, for repairs only (the select is shown for repairs)."""
        return self.cleaned_data.get("service_item") if self.cleaned_data.get("kind") == Kind.REPAIR else None

    @property
    def is_call(self) -> bool:
        return self.cleaned_data.get("kind") == CALL

    def ticket_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "channel": d["channel"],
            "category": d["category"],
            "topic": d["topic"],
            "severity": d["severity"] if d["kind"] == Kind.COMPLAINT else "",
            "description": d["description"],
            "room": d["room"],
            "area": d["area"],
            "reporter": d["reporter"],
            "reporter_name": d["reporter_name"],
            "reporter_phone": d["reporter_phone"],
            "special_service": d["special_service"],
            "paid": d["paid"],
            "price": d["price"],
            "photos": d["photos"] or (),
        }

    def calllog_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "content": d["description"],
            "caller": d["reporter_name"] or (d["reporter"].name if d["reporter"] else ""),
            "phone": d["reporter_phone"],
            "room": d["room"],
            "outside": d["outside"],
            "handling": d["handling"],
            "channel": d["channel"],
        }


class CallLogForm(forms.Form):
    """来电来访记录表 (IC-3): information only; outside information marked *."""

    channel = forms.ChoiceField(label=_("方式"), choices=Channel.choices, initial=Channel.PHONE)
    caller = forms.CharField(label=_("来电/来访人"), required=False, max_length=50)
    phone = forms.CharField(label=_("电话"), required=False, max_length=20)
    content = forms.CharField(
        max_length=TEXT_MAX, label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    outside = forms.BooleanField(label=_("外来信息(*)"), required=False)
    handling = forms.CharField(label=_("处理情况"), required=False, max_length=300)


def technicians(community):
    """Users who may be sent to a repair in `community` (RC-8)."""
    return (
        get_user_model()
        .objects.filter(memberships__community=community, memberships__role__in=TECHNICIAN_ROLES, is_active=True)
        .distinct()
        .order_by("first_name", "username")
    )


class TechnicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.username


class DispatchForm(forms.Form):
    technician = TechnicianChoiceField(label=_("维修人员"), queryset=None, empty_label=_("——选择维修人员——"))

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians(community)


class CompleteForm(forms.Form):
    work_done = forms.CharField(
        max_length=TEXT_MAX, label=_("维修情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    materials = forms.CharField(label=_("材料"), required=False, max_length=300)
    charge = forms.DecimalField(label=_("收费(元)"), required=False, max_digits=10, decimal_places=2)


class CheckForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("验收结果"),
        choices=[("1", _("合格")), ("0", _("不合格，返修"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("验收意见"), required=False, max_length=300)


class ReplyForm(forms.Form):
    valid = forms.TypedChoiceField(
        label=_("投诉判定"),
        choices=[("1", _("有效投诉")), ("0", _("无效投诉（耐心解释）"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )  # RC-11
    reply = forms.CharField(
        max_length=TEXT_MAX, label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), required=False, max_length=200)


class EmptyForm(forms.Form):
    """Actions without input (arrive, escalate): a form only to carry errors."""
