"""Reads of the service desk's follow-up: what is due, for a person and for an office (DESIGN.md §4).

Every deadline query goes through `core.access.scoped`; whether a deadline is open, overdue or met
is derived from the clock here, never from a stored flag (correctness never depends on a cron job).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from guanjia.core import clock, duties
from guanjia.core.access import community_ids, roles_of, scoped
from guanjia.core.models import Deadline
from guanjia.core.periods import MONTH, Period

from .models import Callback, Ticket

# --- Time windows ---------------------------------------------------------------------------


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of `now`'s day and of the next day.

    A day-based limit ends at 24:00 of its last day (RULES.md "Clocks"), stored as the next midnight:
    so a day owns the deadlines in (start, end], and "due today" includes one due at `end`."""
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def month_due_filter(month: Period, field: str = "due_at") -> Q:
    """Limits falling due in `month`: (first midnight, next first midnight], since 24:00 on the
    month's last day is stored as the next month's first midnight."""
    start, end = month.bounds()
    return Q(**{f"{field}__gt": start, f"{field}__lte": end})


# --- Whose deadlines --------------------------------------------------------------------------


def office_deadlines(user, community) -> QuerySet:
    """Every deadline of the office (the current community), within the user's scope."""
    return scoped(Deadline.objects.all(), user, "servicedesk.view").filter(community=community)


def my_deadlines(user, community) -> QuerySet:
    """Deadlines the user answers for: owned by them, or owned by nobody and given to a role they hold."""
    roles = roles_of(user, community)
    return office_deadlines(user, community).filter(Q(owner=user) | Q(owner__isnull=True, owner_role__in=roles))


def due_today(queryset: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    """Pending and due later today, up to 24:00 (not yet overdue)."""
    now = now or clock.now()
    _start, end = day_bounds(now)
    return queryset.pending().filter(due_at__gte=now, due_at__lte=end)


def overdue(queryset: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    return queryset.overdue(now or clock.now())


def met_in_month(queryset: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    start, end = Period.of(MONTH, now or clock.now()).bounds()
    return queryset.filter(met_at__gte=start, met_at__lt=end, cancelled_at__isnull=True)


@dataclass(frozen=True)
class DueCounts:
    today: int
    overdue: int
    met_on_time: int
    met_late: int

    @property
    def met(self) -> int:
        return self.met_on_time + self.met_late


def due_counts(queryset: QuerySet, now: dt.datetime | None = None) -> DueCounts:
    """The four numbers of the 'what is due' tabs, in one query."""
    now = now or clock.now()
    _day_start, day_end = day_bounds(now)
    month_start, month_end = Period.of(MONTH, now).bounds()
    pending = Q(met_at__isnull=True, cancelled_at__isnull=True)
    met = Q(met_at__gte=month_start, met_at__lt=month_end, cancelled_at__isnull=True)
    counts = queryset.aggregate(
        today=Count("id", filter=pending & Q(due_at__gte=now, due_at__lte=day_end)),
        overdue=Count("id", filter=pending & Q(due_at__lt=now)),
        met_on_time=Count("id", filter=met & Q(met_at__lte=F("due_at"))),
        met_late=Count("id", filter=met & Q(met_at__gt=F("due_at"))),
    )
    return DueCounts(**counts)


# --- Where a deadline leads -----------------------------------------------------------------


def _ticket_links(ids: list[str]) -> dict[str, str]:
    return {i: reverse("servicedesk:ticket", args=[i]) for i in ids}


def _callback_links(ids: list[str]) -> dict[str, str]:
    # RC-4: a callback is worked from its ticket's page.
    rows = Callback.objects.filter(pk__in=ids).values_list("pk", "ticket_id")
    return {str(pk): reverse("servicedesk:ticket", args=[ticket_id]) for pk, ticket_id in rows}


LINKERS = {
    Ticket: _ticket_links,
    Callback: _callback_links,
}


def _generic_links(model, ids: list[str]) -> dict[str, str]:
    """Subjects of other apps: their get_absolute_url, fetched in one query."""
    if not hasattr(model, "get_absolute_url"):
        return {}
    links = {}
    for obj in model._default_manager.filter(pk__in=ids):
        try:
            links[str(obj.pk)] = obj.get_absolute_url()
        except NoReverseMatch:  # pragma: no cover - a model whose page is not wired yet
            continue
    return links


def subject_links(deadlines) -> dict[tuple[int, str], str]:
    """{(content type id, subject id): url} for `deadlines`, at most one query per content type."""
    by_type: dict[int, list[str]] = defaultdict(list)
    for d in deadlines:
        by_type[d.subject_type_id].append(str(d.subject_id))
    links: dict[tuple[int, str], str] = {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        linker = LINKERS.get(model)
        found = linker(ids) if linker else _generic_links(model, ids)
        links.update({(type_id, i): url for i, url in found.items()})
    return links


def attach_links(deadlines) -> list:
    """Set `.link` on each deadline (its subject's page, or '')."""
    deadlines = list(deadlines)
    links = subject_links(deadlines)
    for d in deadlines:
        d.link = duties.link(d) if d.duty else links.get((d.subject_type_id, str(d.subject_id)), "")
    return deadlines


# --- Callbacks and notices ---------------------------------------------------------------------


def callback_rate(community, month: Period, now: dt.datetime | None = None) -> dict:
    """The month's callback counts (RC-4, RC-9): due so far, done, and done ÷ due.

    A callback counts in the month it falls due (24:00 on the last day still belongs to the month,
    as in `month_due_filter`); special services not drawn for the sample
    (`skipped`) are outside the rate. The KPI page computes the official rates in kpis.py.
    """
    now = now or clock.now()
    counts = Callback.objects.filter(month_due_filter(month), community=community).aggregate(
        due=Count("id", filter=Q(skipped=False) & (Q(done_at__isnull=False) | Q(due_at__lt=now))),
        done=Count("id", filter=Q(skipped=False, done_at__isnull=False)),
        on_time=Count("id", filter=Q(skipped=False, done_at__isnull=False, done_at__lte=F("due_at"))),
        skipped=Count("id", filter=Q(skipped=True)),
    )
    due = counts["due"]
    counts["rate"] = round(100 * counts["done"] / due, 1) if due else None
    return counts


# --- Data minimisation (AR-4, LW-1) -------------------------------------------------------------


def visible_tickets(queryset: QuerySet, user, via: str = "") -> QuerySet:
    """Tickets (or rows hanging off one, `via="ticket__"`) the user may read, with their contacts.

    Whoever holds `servicedesk.view_all` in a community reads all of its tickets; anyone else only
    those dispatched to him or that he received himself: a technician sees his jobs and the
    household's contact for them, not every complaint with the complainant's name and phone (AR-4).
    """
    queryset = scoped(queryset, user, "servicedesk.view", field=f"{via}community")
    own = Q(**{f"{via}technician": user}) | Q(**{f"{via}received_by": user})
    return _all_or_own(queryset, user, own, f"{via}community")


def visible_call_log(queryset: QuerySet, user) -> QuerySet:
    """The call log 来电来访记录 (IC-3) names callers and their phones: all of it for the desk's roles,
    only what he recorded himself for anyone else (AR-4)."""
    return _all_or_own(scoped(queryset, user, "servicedesk.view"), user, Q(recorded_by=user), "community")


def _all_or_own(queryset: QuerySet, user, own: Q, community: str) -> QuerySet:
    everything = community_ids(user, "servicedesk.view_all")
    visible = community_ids(user, "servicedesk.view")
    if everything is None or (visible is not None and visible <= everything):
        return queryset  # the usual case adds no condition: the list keeps its (community, …) indexes
    if not everything:
        return queryset.filter(own)
    return queryset.filter(Q(**{f"{community}__in": everything}) | own)
