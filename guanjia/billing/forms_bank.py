"""Forms of the bank statement lines (FE-1): the list's filters, matching a line to a room by hand,
ignoring one with a reason. The services check everything again."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Purse, StatementLineStatus
from .models import BankStatementLine


class StatementFilter(filters.FilterSet):
    """Waiting lines first (the default); matched or ignored ones on request; a number, name or memo."""

    status = filters.ChoiceFilter(
        choices=StatementLineStatus.choices, label=_("状态"), empty_label=_("全部"), method="filter_status"
    )
    q = filters.CharFilter(method="filter_q", label=_("流水号/户名/附言"))

    class Meta:
        model = BankStatementLine
        fields = ["status", "q"]

    def __init__(self, data=None, *args, **kwargs):
        data = dict(data.items()) if data is not None else {}
        data.setdefault("status", StatementLineStatus.WAITING)  # the list opens on what waits for her
        super().__init__(data, *args, **kwargs)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value) if value else queryset

    def filter_q(self, queryset, name, value):
        value = " ".join(value.split())
        if not value:
            return queryset
        return queryset.filter(
            Q(transaction_id=value) | Q(counterparty_name__icontains=value) | Q(memo__icontains=value)
        )


class MatchForm(forms.Form):
    room_code = forms.CharField(label=_("房屋编号"), max_length=64, help_text=_("如 3-2-1201；按欠费从早到晚核销"))
    purse = forms.ChoiceField(
        label=_("多收部分转入预收款"),
        choices=[("", _("不转入（不得多收）")), *Purse.choices],
        required=False,
        initial=Purse.PROPERTY,
    )


class IgnoreForm(forms.Form):
    reason = forms.CharField(
        label=_("忽略原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：供应商退款、内部转账"),
    )
