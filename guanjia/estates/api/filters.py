"""Filters of the register API.

Related rows are filtered by id (NumberFilter), not by a choice of all rows: a filter must not
tell a user whether a row of another community exists (DESIGN.md §1).
"""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanjia.core.filters import StrictFilterSet

from ..choices import DocumentCategory, Handover, Relationship, RoomKind, RoomUse
from ..models import Building, HouseholdDocument, Lease, Ownership, Person, Resident, Room, Unit


class CommunityFilterSet(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))


class BuildingFilter(CommunityFilterSet):
    code = filters.CharFilter(field_name="code", label=_("楼栋编号"))

    class Meta:
        model = Building
        fields = ["community", "code"]


class UnitFilter(CommunityFilterSet):
    building = filters.NumberFilter(field_name="building", label=_("楼栋"))

    class Meta:
        model = Unit
        fields = ["community", "building"]


class RoomFilter(CommunityFilterSet):
    building = filters.NumberFilter(field_name="building", label=_("楼栋"))
    unit = filters.NumberFilter(field_name="unit", label=_("单元"))
    kind = filters.ChoiceFilter(choices=RoomKind.choices, label=_("类型"))
    use = filters.ChoiceFilter(choices=RoomUse.choices, label=_("用途"))
    handover = filters.ChoiceFilter(choices=Handover.choices, label=_("交付状态"))
    code = filters.CharFilter(field_name="code", label=_("房屋编号"))

    class Meta:
        model = Room
        fields = ["community", "building", "unit", "kind", "use", "handover", "code"]


class PersonFilter(CommunityFilterSet):
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("姓名"))

    class Meta:
        model = Person
        fields = ["community", "name"]


class CurrentFilterMixin(StrictFilterSet):
    current = filters.BooleanFilter(method="filter_current", label=_("仅当前有效"))

    def filter_current(self, queryset, name, value):
        return queryset.filter(until__isnull=value)


class OwnershipFilter(CurrentFilterMixin, CommunityFilterSet):
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    person = filters.NumberFilter(field_name="person", label=_("业主"))

    class Meta:
        model = Ownership
        fields = ["community", "room", "person", "current"]


class LeaseFilter(CommunityFilterSet):
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    tenant = filters.NumberFilter(field_name="tenant", label=_("租户"))
    active_on = filters.DateFilter(method="filter_active_on", label=_("某日有效"))

    class Meta:
        model = Lease
        fields = ["community", "room", "tenant", "active_on"]

    def filter_active_on(self, queryset, name, value):
        # A lease's last day is its move-out date when it ended early, else its end date.
        last_day = Q(ended_on__isnull=False, ended_on__gte=value) | Q(ended_on__isnull=True, end__gte=value)
        return queryset.filter(Q(start__lte=value) & last_day)


class ResidentFilter(CurrentFilterMixin, CommunityFilterSet):
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    person = filters.NumberFilter(field_name="person", label=_("住户"))
    relationship = filters.ChoiceFilter(choices=Relationship.choices, label=_("与业主关系"))

    class Meta:
        model = Resident
        fields = ["community", "room", "person", "relationship", "current"]


class DocumentFilter(CommunityFilterSet):
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    category = filters.ChoiceFilter(choices=DocumentCategory.choices, label=_("类别"))

    class Meta:
        model = HouseholdDocument
        fields = ["community", "room", "category"]
