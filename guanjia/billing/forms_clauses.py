"""Forms of the late-charge clause (FE-3). What is missing or out of range is the service's to say
(services.clauses), beside the field it names."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ClauseForm(forms.Form):
    contract_ref = forms.CharField(
        label=_("合同条款"), required=False, max_length=200, help_text=_("如：物业服务合同第十二条第二款")
    )
    daily_rate = forms.DecimalField(
        label=_("日费率（‰）"), required=False, help_text=_("合同约定的每日费率，如 0.5 表示每日万分之五")
    )
    grace_days = forms.IntegerField(
        label=_("宽限天数"), required=False, initial=0, help_text=_("缴费期限后不计违约金的天数")
    )
    cap_pct = forms.DecimalField(
        label=_("上限（欠费的%）"), required=False, help_text=_("每笔欠费累计违约金不超过其金额的百分比")
    )
    since = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ClauseEndForm(forms.Form):
    end_reason = forms.CharField(label=_("终止原因"), required=False, max_length=200)
