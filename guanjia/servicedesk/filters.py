"""Filters of the desk's lists. Every condition keeps one of the ticket indexes usable
((community, -received_at), (community, status, …), (community, kind, …)) so the list stays
fast at a million tickets; choices of people come from the current community only (DESIGN.md §1)."""

import datetime as dt
import re

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import Deadline
from guanjia.core.textnorm import clean, normalise_room_code
from guanjia.core.topics import Topic

from .choices import Kind, RepairCategory, Status
from .forms import technicians
from .models import Callback, CallLog, Ticket
from .services.rectifications import notice_model

HIGH = "\uffff"
_NUMBER = re.compile(r"^[A-Z]{2}-?\d")


def _technicians(request):
    community = getattr(request, "community", None)
    return technicians(community) if community is not None else get_user_model().objects.none()


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class DateInput(forms.DateInput):
    input_type = "date"


class TicketFilter(filters.FilterSet):
    search = filters.CharFilter(method="filter_search", label=_("工单号/房号"))
    kind = filters.ChoiceFilter(choices=Kind.choices, label=_("类别"), empty_label=_("全部"))
    status = filters.ChoiceFilter(choices=Status.choices, label=_("状态"), empty_label=_("全部"))
    category = filters.ChoiceFilter(choices=RepairCategory.choices, label=_("维修类别"), empty_label=_("全部"))
    topic = filters.ChoiceFilter(choices=Topic.choices, label=_("投诉事项"), empty_label=_("全部"))
    technician = filters.ModelChoiceFilter(queryset=_technicians, label=_("维修人员"), empty_label=_("全部"))
    since = filters.DateFilter(method="filter_since", label=_("受理日期从"), widget=DateInput)
    until = filters.DateFilter(method="filter_until", label=_("至"), widget=DateInput)
    overdue = filters.BooleanFilter(
        method="filter_overdue",
        label=_("只看超时"),
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = Ticket
        fields = ["search", "kind", "status", "category", "topic", "technician", "since", "until", "overdue"]

    def filter_search(self, queryset, name, value):
        value = clean(value).upper()
        if not value:
            return queryset
        if _NUMBER.match(value):  # a ticket number: GD-2026-000123 (unique index), or its beginning
            return queryset.filter(number__gte=value, number__lt=value + HIGH)
        code = normalise_room_code(value) or value
        # A room code or its beginning (3-2-1201, 3-2-) through the (community, code) index of rooms.
        return queryset.filter(room__code__gte=code, room__code__lt=code + HIGH)

    def filter_since(self, queryset, name, value):
        return queryset.filter(received_at__gte=_day_start(value)) if value else queryset

    def filter_until(self, queryset, name, value):
        return queryset.filter(received_at__lt=_day_start(value + dt.timedelta(days=1))) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        # From the deadline side: the (community, met_at, due_at) index finds the few overdue ones —
        # the ticket's own (RC-3, RC-8), its callbacks' (RC-4, RC-9) and its rectifications' (RC-5).
        overdue = Deadline.objects.overdue()
        community = getattr(self.request, "community", None)
        if community is not None:
            overdue = overdue.filter(community=community)

        def ids(model):
            return (
                overdue.filter(subject_type=ContentType.objects.get_for_model(model))
                .annotate(pk_value=Cast("subject_id", BigIntegerField()))
                .values("pk_value")
            )

        return queryset.filter(
            Q(pk__in=ids(Ticket))
            | Q(pk__in=Callback.objects.filter(pk__in=ids(Callback)).values("ticket_id"))
            | Q(pk__in=Callback.objects.filter(rectification_notices__in=ids(notice_model())).values("ticket_id"))
        )


class CallLogFilter(filters.FilterSet):
    since = filters.DateFilter(method="filter_since", label=_("日期从"), widget=DateInput)
    until = filters.DateFilter(method="filter_until", label=_("至"), widget=DateInput)
    outside = filters.BooleanFilter(method="filter_outside", label=_("只看外来信息(*)"), widget=forms.CheckboxInput)

    class Meta:
        model = CallLog
        fields = ["since", "until", "outside"]

    def filter_since(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value)) if value else queryset

    def filter_until(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + dt.timedelta(days=1))) if value else queryset

    def filter_outside(self, queryset, name, value):
        return queryset.filter(outside=True) if value else queryset
