"""The filter of the online orders page 在线缴费订单 (FE-1): by state as of now (an unpaid order past
its deadline reads 已过期, as the model's `state` does) and by order number, transaction id or room."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock

from .choices import OrderStatus
from .models import PaymentOrder


def by_state(queryset, value: str):
    """Orders whose state (as of now) is `value`: 待支付 and 已过期 are both stored as created."""
    now = clock.now()
    if value == OrderStatus.CREATED:
        return queryset.filter(status=OrderStatus.CREATED, expires_at__gt=now)
    if value == OrderStatus.EXPIRED:
        return queryset.filter(status=OrderStatus.CREATED, expires_at__lte=now)
    return queryset.filter(status=value)


class OnlineOrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=OrderStatus.choices, method="filter_status", label=_("状态"), empty_label=_("全部")
    )
    q = filters.CharFilter(method="filter_q", label=_("订单号/流水号/房屋"))

    class Meta:
        model = PaymentOrder
        fields = ["status", "q"]

    def filter_status(self, queryset, name, value):
        return by_state(queryset, value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(out_trade_no=value.upper()) | Q(transaction_id=value) | Q(room__code=value.upper()))
