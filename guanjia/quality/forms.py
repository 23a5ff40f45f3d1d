"""Forms of the quality pages: each hands its data to one service (views), which validates again."""

from django import forms
from django.utils.translation import gettext_lazy

from guanjia.core.validators import TEXT_MAX
from guanjia.engagement import staff

from .choices import ActionKind, CauseCategory
from .services.actions import OWNER_NOT_STAFF


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# --- Fishbone (SV-5) and actions (QA-3) --------------------------------------------------------


class CauseForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=CauseCategory.choices, required=False)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label=gettext_lazy("原因"), max_length=200)


class CauseEditForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("原因"), max_length=200)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ActionKind.choices, initial=ActionKind.CORRECTIVE)
    problem = forms.CharField(label=gettext_lazy("存在的问题"), max_length=200)
    cause_text = forms.CharField(label=gettext_lazy("原因"), max_length=200, required=False)
    measure = forms.CharField(max_length=TEXT_MAX, label=gettext_lazy("措施"), widget=forms.Textarea(attrs={"rows": 4}))
    # QA-3: the picker offers the community's staff only; a crafted id of anyone else is refused.
    owner = forms.ModelChoiceField(
        label=gettext_lazy("责任人"), queryset=None, error_messages={"invalid_choice": OWNER_NOT_STAFF}
    )
    due_on = forms.DateField(label=gettext_lazy("完成期限"), widget=DateInput)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff.staff_of(community)
        self.fields["owner"].label_from_instance = staff.staff_name


class CompleteForm(forms.Form):
    note = forms.CharField(
        max_length=TEXT_MAX, label=gettext_lazy("完成情况"), widget=forms.Textarea(attrs={"rows": 3})
    )


class VerifyForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=gettext_lazy("验证结论"),
        choices=[("1", gettext_lazy("措施有效，关闭")), ("0", gettext_lazy("措施无效，重新整改"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    verification = forms.CharField(
        max_length=TEXT_MAX, label=gettext_lazy("验证结果"), widget=forms.Textarea(attrs={"rows": 3})
    )
    new_due_on = forms.DateField(
        label=gettext_lazy("新的完成期限"), widget=DateInput, required=False, help_text=gettext_lazy("措施无效时必填。")
    )


# --- Rectification notices (QA-2) --------------------------------------------------------------


class NoticeIssueForm(forms.Form):
    problem = forms.CharField(
        label=gettext_lazy("存在问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("已按发现的问题填写，可补充。"),
    )
    requirement = forms.CharField(
        label=gettext_lazy("整改要求"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    fix_due = forms.DateField(
        label=gettext_lazy("整改期限"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": gettext_lazy("请输入正确的日期。")},
    )

    def __init__(self, *args, default_requirement="", **kwargs):
        super().__init__(*args, **kwargs)
        if default_requirement:
            self.fields["requirement"].help_text = gettext_lazy("不填则为：%(r)s") % {"r": default_requirement}


class NoticeCloseForm(forms.Form):
    # Left to the service, which says what is missing in its own words.
    result = forms.CharField(
        max_length=TEXT_MAX, label=gettext_lazy("整改结果"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- Spot checks -------------------------------------------------------------------------------


class SpotCheckRecordForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=gettext_lazy("抽查结论"),
        choices=[("1", gettext_lazy("符合要求")), ("0", gettext_lazy("不符合要求"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择抽查结论。")},
    )
    note = forms.CharField(label=gettext_lazy("抽查意见"), required=False, max_length=300)
