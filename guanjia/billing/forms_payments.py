"""Forms of the cashier's window (FE-1): taking a payment, asking for a void or a refund, closing the
day, and the receipts list's filters. The services check everything again; these only shape input."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import Membership
from guanjia.core.roles import Role

from .choices import Method, PaymentStatus, Purse
from .models import Payment
from .services.payments import REFUND_METHODS, WINDOW_METHODS, day_bounds

WINDOW_CHOICES = [(m, Method(m).label) for m in WINDOW_METHODS]
PURSE_CHOICES = [("", _("不转入（不得多收）")), *Purse.choices]


class MoneyField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0.01)
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="decimal", step="0.01", autocomplete="off")


class PaymentForm(forms.Form):
    """收款: the lines she keeps ticked (all open lines, oldest first, by default), the amount, the
    method and its transaction number, the payer, and the purse for what is paid beyond."""

    lines = forms.MultipleChoiceField(label=_("核销账单明细"), required=False, widget=forms.CheckboxSelectMultiple)
    amount = MoneyField(label=_("收款金额（元）"))
    method = forms.ChoiceField(label=_("付款方式"), choices=WINDOW_CHOICES, initial=Method.CASH)
    reference = forms.CharField(
        label=_("交易流水号"), max_length=64, required=False, help_text=_("转账、刷卡、微信、支付宝必填")
    )
    payer_name = forms.CharField(label=_("交款人"), max_length=100, required=False, help_text=_("不填则为账单缴费人"))
    to_prepayment_purse = forms.ChoiceField(label=_("多收部分转入预收款"), choices=PURSE_CHOICES, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, open_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_lines = list(open_lines)
        self.fields["lines"].choices = [(str(line.pk), str(line.pk)) for line in self.open_lines]

    def chosen_lines(self):
        ids = set(self.cleaned_data.get("lines") or [])
        return [line for line in self.open_lines if str(line.pk) in ids]


class PrepaymentForm(forms.Form):
    """预存: money paid in advance into one purse, settling no line."""

    amount = MoneyField(label=_("预存金额（元）"))
    purse = forms.ChoiceField(label=_("预收款账户"), choices=Purse.choices)
    method = forms.ChoiceField(label=_("付款方式"), choices=WINDOW_CHOICES, initial=Method.CASH)
    reference = forms.CharField(label=_("交易流水号"), max_length=64, required=False)
    payer_name = forms.CharField(label=_("交款人"), max_length=100, required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class RefundForm(forms.Form):
    purse = forms.ChoiceField(label=_("退款账户"), choices=Purse.choices)
    amount = MoneyField(label=_("退款金额（元）"))
    # 在线支付: paid back through the provider to the online payment the money came from 原路退回
    method = forms.ChoiceField(
        label=_("退款方式"), choices=[(m, Method(m).label) for m in REFUND_METHODS], initial=Method.TRANSFER
    )
    payee_name = forms.CharField(label=_("收款人"), max_length=100, required=False, help_text=_("不填则为业主"))
    reason = forms.CharField(label=_("退款原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DayCloseForm(forms.Form):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    cashier = forms.ModelChoiceField(label=_("出纳"), queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, cashiers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cashiers is None:
            del self.fields["cashier"]
        else:
            self.fields["cashier"].queryset = cashiers


class SignOffForm(forms.Form):
    pass


def cashiers_of(community):
    ids = Membership.objects.filter(community=community, role=Role.CASHIER).values("user_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


def _cashiers(request):
    community = getattr(request, "community", None)
    return cashiers_of(community) if community is not None else get_user_model().objects.none()


class ReceiptFilter(filters.FilterSet):
    """The receipts list: a day, a method, a cashier, a status, a receipt number or room code."""

    day = filters.DateFilter(
        method="filter_day", label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    method = filters.ChoiceFilter(choices=Method.choices, label=_("付款方式"), empty_label=_("全部"))
    cashier = filters.ModelChoiceFilter(queryset=_cashiers, label=_("收款人"), empty_label=_("全部"))
    status = filters.ChoiceFilter(choices=PaymentStatus.choices, label=_("状态"), empty_label=_("全部"))
    q = filters.CharFilter(method="filter_q", label=_("收据号/房屋"))

    class Meta:
        model = Payment
        fields = ["day", "method", "cashier", "status", "q"]

    def filter_day(self, queryset, name, value):
        start, end = day_bounds(value)
        return queryset.filter(received_at__gte=start, received_at__lt=end)

    def filter_q(self, queryset, name, value):
        value = " ".join(value.split()).upper()
        if not value:
            return queryset
        return queryset.filter(Q(number=value) | Q(number__endswith=value) | Q(room__code=value))
