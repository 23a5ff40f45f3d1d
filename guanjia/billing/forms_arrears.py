"""Forms of the arrears pages (FE-3) and deposits (FE-1). Choices come from billing.choices: there is no
step, channel or outcome that cuts a utility to choose (民法典 944)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Channel, ContactOutcome, DepositKind, DunningStep, Method
from .selectors_arrears import BUCKETS


class ArrearsFilterForm(forms.Form):
    building = forms.IntegerField(label=_("楼栋"), required=False, widget=forms.Select)
    bucket = forms.ChoiceField(label=_("账龄"), required=False)
    step = forms.ChoiceField(label=_("应至催缴环节"), required=False)

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].widget.choices = [("", _("全部楼栋")), *[(b.pk, b.code) for b in buildings]]
        self.fields["bucket"].choices = [("", _("全部账龄")), *[(k, label) for k, label, *_r in BUCKETS]]
        self.fields["step"].choices = [("", _("全部环节")), *DunningStep.choices]


class ContactForm(forms.Form):
    step = forms.ChoiceField(label=_("催缴环节"), choices=DunningStep.choices)
    channel = forms.ChoiceField(label=_("方式"), choices=Channel.choices)
    person = forms.CharField(label=_("联系对象"), max_length=100, required=False)
    outcome = forms.ChoiceField(label=_("结果"), choices=ContactOutcome.choices)
    promised_on = forms.DateField(
        label=_("承诺缴费日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DemandIssueForm(forms.Form):
    addressee = forms.CharField(label=_("收件人"), max_length=100, required=False, help_text=_("默认为现业主姓名"))
    disputes_seen = forms.BooleanField(
        label=_("已查看异议"),
        required=False,
        help_text=_("该户有异议处理中的费用：已查看异议，仍开具催告函"),
    )


class DemandDeliveredForm(forms.Form):
    delivered_on = forms.DateField(
        label=_("送达日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    delivery = forms.CharField(label=_("送达方式"), max_length=100, help_text=_("如：直接送达签收、EMS 单号"))
    proof = forms.FileField(label=_("送达凭证"), required=False, help_text=_("签收单或邮寄凭证的照片、PDF"))


class WaiverForm(forms.Form):
    amount = forms.DecimalField(label=_("减免金额"), max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("减免原因"), widget=forms.Textarea(attrs={"rows": 3}))


class LateChargesForm(forms.Form):
    as_of = forms.DateField(label=_("计至日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class DepositReceiveForm(forms.Form):
    room = forms.CharField(label=_("房屋编号"), max_length=64, help_text=_("如 1-2-602"))
    kind = forms.ChoiceField(label=_("押金类型"), choices=DepositKind.choices)
    amount = forms.DecimalField(label=_("金额"), max_digits=14, decimal_places=2, min_value=0)
    method = forms.ChoiceField(label=_("付款方式"), choices=Method.choices)
    reference = forms.CharField(label=_("交易流水号"), max_length=64, required=False)
    payer_name = forms.CharField(label=_("交款人"), max_length=100)
    release_event = forms.CharField(label=_("退还条件"), max_length=200, help_text=_("如：装修验收合格后"))
    release_on = forms.DateField(
        label=_("预计退还日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class DepositDeductForm(forms.Form):
    amount = forms.DecimalField(label=_("扣除金额"), max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("扣除原因"), max_length=200)


class DepositSettleForm(forms.Form):
    method = forms.ChoiceField(label=_("退款方式"), choices=Method.choices)
