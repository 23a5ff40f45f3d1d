"""Forms of the owner portal. Input is checked here, the rules in the services (DESIGN.md §7–8)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.core.topics import Topic
from guanjia.servicedesk.choices import Kind, RepairCategory
from guanjia.servicedesk.services import MAX_PHOTO_BYTES, MAX_PHOTOS

# The kinds an owner can report from the phone (payments have their own channel).
PORTAL_KINDS = [
    (Kind.REPAIR, _("报修")),
    (Kind.COMPLAINT, _("投诉")),
    (Kind.SUGGESTION, _("建议")),
    (Kind.CONSULTATION, _("咨询")),
    (Kind.PRAISE, _("表扬")),
]

# Friendly words for the repair categories that set the service levels (RC-8, RC-4).
CATEGORY_CHOICES = [
    (RepairCategory.EMERGENCY, _("紧急抢修：爆管、停电、困梯、燃气异味")),
    (RepairCategory.UTILITIES, _("水电、电梯故障")),
    (RepairCategory.LEAKAGE, _("渗漏水：天花、墙面、管道渗水")),
    (RepairCategory.SAFETY, _("安全设施：门禁、消防、监控、防盗门")),
    (RepairCategory.CIVIL, _("土建：墙面、地面、门窗、瓷砖")),
    (RepairCategory.OTHER, _("其他维修")),
]

TOPIC_CHOICES = [
    (Topic.SECURITY, _("治安（门岗、巡逻、车辆）")),
    (Topic.CLEANING, _("清洁卫生")),
    (Topic.GREENING, _("绿化")),
    (Topic.REPAIR_STAFF, _("维修人员")),
    (Topic.FACILITIES, _("休闲及儿童设施")),
    (Topic.MANAGEMENT_STAFF, _("管理人员")),
    (Topic.CONVENIENCE, _("便民服务")),
    (Topic.SPECIAL_NEEDS, _("特殊困难和需求")),
    (Topic.CULTURE, _("社区文化")),
    (Topic.OTHER, _("其他")),
]


class ActivateForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        help_text=_("在管理处登记的手机号"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    id_tail = forms.CharField(
        label=_("证件号码后 6 位"),
        max_length=6,
        min_length=6,
        error_messages={"min_length": _("请输入证件号码的后 6 位。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    password1 = forms.CharField(
        label=_("设置密码"),
        strip=False,
        help_text=_("至少 8 位，不要使用过于简单的密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_phone(self):
        number = (self.cleaned_data["phone"] or "").replace(" ", "").replace("-", "")
        if number.startswith("+86"):
            number = number[3:]
        if not (len(number) == 11 and number.isdigit() and number.startswith("1")):
            raise forms.ValidationError(_("请输入 11 位手机号码。"))
        return number

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.ImageField):
    """Up to nine photos; each must be a real image (Pillow opens it) of at most 10 MB."""

    default_error_messages = {
        "invalid_image": _("“%(name)s”不是有效的图片，请重新选择。"),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*", "capture": "environment"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("照片最多 %(n)s 张。"), params={"n": MAX_PHOTOS}, code="too_many")
        cleaned = []
        for upload in files:
            if upload.size > MAX_PHOTO_BYTES:
                raise forms.ValidationError(
                    _("“%(name)s”超过 10MB，请压缩后再上传。"), params={"name": upload.name}, code="too_big"
                )
            try:
                cleaned.append(super().clean(upload, initial))
            except forms.ValidationError:
                raise forms.ValidationError(
                    self.error_messages["invalid_image"], params={"name": upload.name}, code="invalid_image"
                )
        return cleaned


class ReportForm(forms.Form):
    room = forms.TypedChoiceField(label=_("房屋"), coerce=int)
    kind = forms.ChoiceField(label=_("类别"), choices=PORTAL_KINDS, initial=Kind.REPAIR, widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("维修类别"), choices=[("", _("请选择"))] + CATEGORY_CHOICES, required=False)
    topic = forms.ChoiceField(label=_("投诉事项"), choices=[("", _("请选择"))] + TOPIC_CHOICES, required=False)
    description = forms.CharField(
        label=_("情况描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("请描述位置和情况，例如：主卧天花板渗水，已有水渍")}),
    )
    photos = PhotosField(label=_("照片"), required=False, help_text=_("最多 9 张，可直接拍照"))

    def __init__(self, *args, homes, **kwargs):
        super().__init__(*args, **kwargs)
        self.homes = {room.pk: room for room in homes}
        self.fields["room"].choices = [(room.pk, f"{room.community.name} {room.code}") for room in homes]
        if len(self.homes) == 1:
            self.fields["room"].initial = next(iter(self.homes))
            self.fields["room"].widget = forms.HiddenInput()
            self.fields["room"].required = False  # the only home is the default

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("room") in (None, "") and len(self.homes) == 1 and "room" not in self.errors:
            cleaned["room"] = next(iter(self.homes))
        kind = cleaned.get("kind")
        if kind == Kind.REPAIR and not cleaned.get("category"):
            self.add_error("category", _("请选择维修类别。"))
        if kind == Kind.COMPLAINT and not cleaned.get("topic"):
            self.add_error("topic", _("请选择投诉事项。"))
        return cleaned

    @property
    def chosen_room(self):
        return self.homes.get(self.cleaned_data.get("room"))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(n, n) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择 1 到 5 星。")},
    )
    comment = forms.CharField(
        label=_("评价"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("说说这次服务（选填）")}),
    )
