"""Forms of the bills part (FE-1): the bills list's filters, the correction request, the statement's range."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from guanjia.core.periods import MONTH, Period
from guanjia.estates.models import Building

from .choices import AdjustmentKind, PayerKind
from .models import BillLine
from .models._fields import MONEY

STATES = (("", _("全部")), ("open", _("未结清")), ("settled", _("已结清")))


class MonthField(forms.CharField):
    """A month as <input type=month> sends it ("2026-11"), read as a core Period."""

    widget = forms.TextInput(attrs={"type": "month"})
    default_error_messages = {"invalid": _("请填写月份，如 2026-11。")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        period = Period.parse(value, MONTH)
        if period is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return period


class BillFilterForm(forms.Form):
    period = MonthField(label=_("账期"), required=False)
    building = forms.ModelChoiceField(label=_("楼栋"), queryset=Building.objects.none(), required=False)
    payer_kind = forms.ChoiceField(label=_("缴费人类型"), choices=(("", _("全部")), *PayerKind.choices), required=False)
    state = forms.ChoiceField(label=_("缴费状态"), choices=STATES, required=False)
    q = forms.CharField(label=_("房号/账单号"), required=False, max_length=64)

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = Building.objects.filter(community=community)


class RunPeriodForm(forms.Form):
    period = MonthField(label=_("账期"))


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), choices=[(k, label) for k, label in AdjustmentKind.choices if k != AdjustmentKind.WAIVER]
    )
    line = forms.ModelChoiceField(label=_("明细"), queryset=BillLine.objects.none(), required=False,
                                  empty_label=_("整张账单"))  # fmt: skip
    amount = forms.DecimalField(label=_("金额（元）"), min_value=Decimal("0.01"), **MONEY)
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, bill=None, **kwargs):
        super().__init__(*args, **kwargs)
        if bill is not None:
            self.fields["line"].queryset = BillLine.objects.filter(bill=bill).order_by("id")
            self.fields["line"].label_from_instance = lambda line: f"{line.item_name} {line.amount}"


class StatementForm(forms.Form):
    # <input type="date"> shows only an ISO value (zh-hans would render 2026/01/01: an empty box).
    start = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    payer_kind = forms.ChoiceField(label=_("缴费人类型"), choices=(("", _("全部")), *PayerKind.choices), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        return data
