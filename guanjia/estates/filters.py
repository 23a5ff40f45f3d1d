"""Filters of the register lists in the console (GET forms in the `.filters` bar).

Choices of related rows (buildings) come from the current community only, so a filter never
offers, or accepts, a row of another community (DESIGN.md §1).
"""

import datetime as dt

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.textnorm import clean

from .choices import Handover, RoomKind, RoomUse
from .models import Building, Lease, Person, Room

HIGH = "\uffff"


def _community(request):
    return getattr(request, "community", None)


def _buildings(request):
    community = _community(request)
    if community is None:
        return Building.objects.none()
    return Building.objects.filter(community=community).order_by("sort_key")


class RoomFilter(filters.FilterSet):
    code = filters.CharFilter(method="filter_code", label=_("房屋编号"))
    building = filters.ModelChoiceFilter(queryset=_buildings, label=_("楼栋"), empty_label=_("全部楼栋"))
    unit = filters.CharFilter(field_name="unit__code", label=_("单元"))
    kind = filters.ChoiceFilter(choices=RoomKind.choices, label=_("类型"), empty_label=_("全部"))
    use = filters.ChoiceFilter(choices=RoomUse.choices, label=_("用途"), empty_label=_("全部"))
    handover = filters.ChoiceFilter(choices=Handover.choices, label=_("交付状态"), empty_label=_("全部"))

    class Meta:
        model = Room
        fields = ["code", "building", "unit", "kind", "use", "handover"]

    def filter_code(self, queryset, name, value):
        value = clean(value).upper()
        # A prefix as a range keeps the (community, code) index usable on SQLite and PostgreSQL.
        return queryset.filter(code__gte=value, code__lt=value + HIGH) if value else queryset


class BuildingFilter(filters.FilterSet):
    code = filters.CharFilter(method="filter_code", label=_("楼栋编号"))

    class Meta:
        model = Building
        fields = ["code"]

    def filter_code(self, queryset, name, value):
        value = clean(value).upper()
        return queryset.filter(Q(code__startswith=value) | Q(name__contains=value)) if value else queryset


class PersonFilter(filters.FilterSet):
    # Not "q": the top bar's household search already uses that name on every page.
    name = filters.CharFilter(method="filter_name", label=_("姓名/拼音"))

    class Meta:
        model = Person
        fields = ["name"]

    def filter_name(self, queryset, name, value):
        value = clean(value)
        if not value:
            return queryset
        latin = value.lower().replace(" ", "")
        return queryset.filter(
            Q(name__startswith=value)
            | Q(name_pinyin__gte=latin, name_pinyin__lt=latin + HIGH)
            | Q(name_initials__gte=latin, name_initials__lt=latin + HIGH)
        )


class LeaseStatus:
    ACTIVE = "active"
    ENDED = "ended"
    CHOICES = [(ACTIVE, _("在租")), (ENDED, _("已结束"))]


def lease_status_q(status: str, today: dt.date) -> Q:
    """In force today (PR-3): started, not past its end, not ended early."""
    active = Q(start__lte=today, end__gte=today) & (Q(ended_on__isnull=True) | Q(ended_on__gte=today))
    return active if status == LeaseStatus.ACTIVE else ~active & Q(start__lte=today)


class LeaseFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=LeaseStatus.CHOICES, method="filter_status", label=_("状态"), empty_label=_("全部")
    )
    term = filters.CharFilter(method="filter_term", label=_("房屋编号/租户"))

    class Meta:
        model = Lease
        fields = ["status", "term"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(lease_status_q(value, clock.today())) if value else queryset

    def filter_term(self, queryset, name, value):
        value = clean(value)
        if not value:
            return queryset
        return queryset.filter(Q(room__code__startswith=value.upper()) | Q(tenant__name__startswith=value))
