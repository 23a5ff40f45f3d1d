"""Filters of the service-desk API.

Related rows are filtered by id (NumberFilter), never by a choice of all rows: a filter must not
tell a user whether a row of another community exists (DESIGN.md §1). Overdue and due-today are
derived from the clock and the `Deadline` table at read time (DESIGN.md §4).
"""

import datetime as dt

import django_filters as filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.access import scoped
from guanjia.core.filters import StrictFilterSet
from guanjia.core.models import Deadline, DeadlineState, Membership
from guanjia.core.roles import COMPANY_ROLES
from guanjia.core.topics import Topic

from ..choices import Channel, Kind, RepairCategory, Severity, Status
from ..models import Callback, CallLog, Ticket


def overdue_ticket_ids(user=None, now=None):
    """Ids of tickets with a pending deadline past due (as a subquery, read from the Deadline side:
    the few overdue rows are found by the (community, met_at, due_at) index, not by scanning tickets).
    With `user`, only the deadlines of the user's communities are read."""
    deadlines = Deadline.objects.all() if user is None else scoped(Deadline.objects.all(), user, "servicedesk.view")
    return (
        deadlines.overdue(now)
        .filter(subject_type=ContentType.objects.get_for_model(Ticket))
        .annotate(ticket_id=Cast("subject_id", BigIntegerField()))
        .values("ticket_id")
        .order_by()  # order is meaningless in IN (…), and it steers SQLite to a worse index
    )


def today_bounds(now=None) -> tuple[dt.datetime, dt.datetime]:
    """Start of today and of tomorrow, in the local time zone (Asia/Shanghai)."""
    today = timezone.localdate(now)
    start = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    return start, start + dt.timedelta(days=1)


class CommunityFilterSet(StrictFilterSet):
    community = filters.NumberFilter(field_name="community", label=_("小区"))


class TicketFilter(CommunityFilterSet):
    kind = filters.ChoiceFilter(choices=Kind.choices, label=_("类别"))
    status = filters.MultipleChoiceFilter(choices=Status.choices, label=_("状态"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("渠道"))
    category = filters.ChoiceFilter(choices=RepairCategory.choices, label=_("维修类别"))
    topic = filters.ChoiceFilter(choices=Topic.choices, label=_("投诉事项"))
    severity = filters.ChoiceFilter(choices=Severity.choices, label=_("投诉级别"))
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    technician = filters.NumberFilter(field_name="technician", label=_("维修人员"))
    number = filters.CharFilter(field_name="number", label=_("工单号"))
    received_after = filters.DateTimeFilter(field_name="received_at", lookup_expr="gte", label=_("受理时间起"))
    received_before = filters.DateTimeFilter(field_name="received_at", lookup_expr="lt", label=_("受理时间止"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("已超时"))

    class Meta:
        model = Ticket
        fields = [
            "community",
            "kind",
            "status",
            "channel",
            "category",
            "topic",
            "severity",
            "room",
            "technician",
            "number",
            "received_after",
            "received_before",
            "overdue",
        ]

    def filter_overdue(self, queryset, name, value):
        ids = overdue_ticket_ids(self.request.user)
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class CallbackFilter(CommunityFilterSet):
    ticket = filters.NumberFilter(field_name="ticket", label=_("工单"))
    done = filters.BooleanFilter(method="filter_done", label=_("已回访"))
    due_today = filters.BooleanFilter(method="filter_due_today", label=_("今日到期"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("已超时"))

    class Meta:
        model = Callback
        fields = ["community", "ticket", "done", "due_today", "overdue"]

    def filter_done(self, queryset, name, value):
        # A special-service callback not drawn in the sample (RC-9) is neither done nor pending.
        return queryset.filter(done_at__isnull=False) if value else queryset.filter(done_at__isnull=True, skipped=False)

    def filter_due_today(self, queryset, name, value):
        start, end = today_bounds()
        today = Q(done_at__isnull=True, skipped=False, due_at__gte=start, due_at__lt=end)
        return queryset.filter(today) if value else queryset.exclude(today)

    def filter_overdue(self, queryset, name, value):
        late = Q(done_at__isnull=True, skipped=False, due_at__lt=clock.now())
        return queryset.filter(late) if value else queryset.exclude(late)


class CallLogFilter(CommunityFilterSet):
    room = filters.NumberFilter(field_name="room", label=_("房屋"))
    outside = filters.BooleanFilter(field_name="outside", label=_("外来信息(*)"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("方式"))
    at_after = filters.DateTimeFilter(field_name="at", lookup_expr="gte", label=_("时间起"))
    at_before = filters.DateTimeFilter(field_name="at", lookup_expr="lt", label=_("时间止"))

    class Meta:
        model = CallLog
        fields = ["community", "room", "outside", "channel", "at_after", "at_before"]


class DeadlineFilter(CommunityFilterSet):
    state = filters.ChoiceFilter(
        choices=[(DeadlineState.OPEN, DeadlineState.OPEN.label), (DeadlineState.OVERDUE, DeadlineState.OVERDUE.label)],
        method="filter_state",
        label=_("状态"),
    )
    rule = filters.CharFilter(
        method="filter_rule", label=_("规则"), help_text=_("规则编号，如 RC-3；RC-8 含 RC-8.response 等")
    )
    owner = filters.ChoiceFilter(choices=[("me", _("我负责的"))], method="filter_owner", label=_("责任人"))
    due_today = filters.BooleanFilter(method="filter_due_today", label=_("今日到期"))

    class Meta:
        model = Deadline
        fields = ["community", "state", "rule", "owner", "due_today"]

    def filter_state(self, queryset, name, value):
        now = clock.now()
        return queryset.filter(due_at__lt=now) if value == DeadlineState.OVERDUE else queryset.filter(due_at__gte=now)

    def filter_rule(self, queryset, name, value):
        return queryset.filter(Q(rule=value) | Q(rule__startswith=f"{value}."))

    def filter_due_today(self, queryset, name, value):
        start, end = today_bounds()
        today = Q(due_at__gte=start, due_at__lt=end)
        return queryset.filter(today) if value else queryset.exclude(today)

    def filter_owner(self, queryset, name, value):
        """Mine: named as owner, or held by one of my roles in that community and not given to a person."""
        user = self.request.user
        mine = Q(owner=user)
        for community_id, role in Membership.objects.filter(user=user).values_list("community_id", "role"):
            if role in COMPANY_ROLES or community_id is None:
                mine |= Q(owner__isnull=True, owner_role=role)
            else:
                mine |= Q(owner__isnull=True, owner_role=role, community_id=community_id)
        return queryset.filter(mine)
