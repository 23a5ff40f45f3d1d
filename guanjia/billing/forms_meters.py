"""Forms of the meter pages (FE-1): each hands its data to one service, which validates again."""

from django import forms
from django.utils.translation import gettext_lazy

from guanjia.estates.models import Room

from .choices import MeterKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class MeterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("表计类型"), choices=MeterKind.choices)
    number = forms.CharField(label=gettext_lazy("表号"), max_length=40)
    room = forms.ModelChoiceField(
        label=gettext_lazy("房屋"),
        queryset=Room.objects.none(),
        required=False,
        help_text=gettext_lazy("公共表不选房屋，须填写安装位置"),
    )
    place = forms.CharField(label=gettext_lazy("安装位置"), max_length=100, required=False)
    installed_on = forms.DateField(label=gettext_lazy("安装日期"), required=False, widget=DateInput)
    verify_by = forms.DateField(label=gettext_lazy("下次检定日期"), required=False, widget=DateInput)
    multiplier = forms.DecimalField(
        label=gettext_lazy("倍率"), max_digits=8, decimal_places=2, initial=1, min_value=0.01
    )
    active = forms.BooleanField(label=gettext_lazy("在用"), required=False, initial=True)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(community=community).order_by("sort_key")
        self.fields["room"].label_from_instance = lambda room: room.code


class VerifiedForm(forms.Form):
    verified_on = forms.DateField(label=gettext_lazy("检定日期"), widget=DateInput)
    next_verify_by = forms.DateField(label=gettext_lazy("下次检定日期"), widget=DateInput)


class ConfirmForm(forms.Form):
    value = forms.DecimalField(
        label=gettext_lazy("更正读数"),
        max_digits=14,
        decimal_places=3,
        min_value=0,
        required=False,
        help_text=gettext_lazy("读数无误则留空，直接确认"),
    )


class OwnerReadingForm(forms.Form):
    value = forms.DecimalField(label=gettext_lazy("本次读数"), max_digits=14, decimal_places=3, min_value=0)
    photo = forms.ImageField(label=gettext_lazy("表盘照片"), required=False)
