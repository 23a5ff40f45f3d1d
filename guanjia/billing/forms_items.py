"""Forms of the fee item pages (FE-1): each hands its data to one service, which validates again."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.estates.choices import RoomKind
from guanjia.estates.models import Building, Room

from .models import FeeItem, Meter
from .services.items import ITEM_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class FeeItemForm(forms.ModelForm):
    """新增/修改收费项目. The code is set once (bills and imports name the item by it)."""

    class Meta:
        model = FeeItem
        fields = list(ITEM_FIELDS)
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "service_standard": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, community, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["common_meter"].queryset = Meter.objects.filter(community=community)
        self.fields["surcharge"].required = False
        if editing:
            del self.fields["code"]

    def _post_clean(self):
        """The model's own rules are the service's to apply (it names the field, LW-4 first)."""

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["surcharge"] = data.get("surcharge") or Decimal("0")
        return data


class PricePublishForm(forms.Form):
    unit_price = forms.DecimalField(label=_("单价（元）"), max_digits=12, decimal_places=4, min_value=0)
    effective_from = forms.DateField(label=_("执行日期"), widget=DateInput)
    note = forms.CharField(label=_("调整说明"), max_length=200, required=False)


class PriceWithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200)


TARGETS = (("room_kind", _("按房屋类型")), ("building", _("按楼栋")), ("room", _("单个房屋")))


class ApplicationForm(forms.Form):
    """适用范围: every room of a kind, a building, or one room (by its code), from a date."""

    target = forms.ChoiceField(label=_("适用方式"), choices=TARGETS, initial="room_kind")
    room_kind = forms.ChoiceField(label=_("房屋类型"), choices=[("", "—"), *RoomKind.choices], required=False)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    room = forms.CharField(label=_("房屋编号"), max_length=64, required=False, help_text=_("如：1-1-101"))
    since = forms.DateField(label=_("起始日期"), widget=DateInput)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["building"].queryset = Building.objects.filter(community=community)

    def clean(self):
        data = super().clean()
        target = data.get("target")
        if target == "room_kind" and not data.get("room_kind"):
            self.add_error("room_kind", _("请选择房屋类型。"))
        elif target == "building" and not data.get("building"):
            self.add_error("building", _("请选择楼栋。"))
        elif target == "room":
            code = (data.get("room") or "").strip()
            room = Room.objects.filter(community=self.community, code=code).first() if code else None
            if room is None:
                self.add_error("room", _("本小区没有房屋编号为“%(c)s”的房屋。") % {"c": code})
            data["room_obj"] = room
        return data

    def data_for_service(self) -> dict:
        data, target = self.cleaned_data, self.cleaned_data["target"]
        return {
            "since": data["since"],
            "room_kind": data["room_kind"] if target == "room_kind" else "",
            "building": data["building"] if target == "building" else None,
            "room": data.get("room_obj") if target == "room" else None,
        }


class ApplicationEndForm(forms.Form):
    last_day = forms.DateField(
        label=_("最后适用日期"),
        required=False,
        help_text=_("留空为今天"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("停止原因"), max_length=200, required=False)
