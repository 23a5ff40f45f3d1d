"""Reads of the quality app: the cause tree of a fishbone (SV-5), actions with their QA-3 clocks, the
measures of a survey's key items (SV-4, SV-6), notices with their state and what is still owed a
notice, and the drawn records of a spot check. Whether something is late is read from its
Deadline and the clock, never from a stored flag."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from guanjia.core.access import roles_of
from guanjia.core.deadlines import deadlines_of
from guanjia.core.models import Deadline
from guanjia.core.roles import Role
from guanjia.engagement import surveys
from guanjia.engagement.models import Survey, SurveyItem

from . import registry
from .choices import CauseCategory, NoticeStatus
from .models import Action, Cause, RectificationNotice, SpotCheck

ACTION_RULE = "QA-3"


# --- Fishbone (SV-5) ---------------------------------------------------------------------------


@dataclass
class CauseNode:
    """A cause with its sub-causes, for the page and the drawing."""

    cause: Cause
    level: int
    children: list[CauseNode] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.cause.text

    @property
    def actionable(self) -> bool:
        return bool(getattr(self.cause, "n_actions", 0))

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def cause_tree(item: SurveyItem) -> list[tuple[str, str, list[CauseNode]]]:
    """[(category, label, [top causes with their sub-causes])] for the five bones, in 人机料法环
    order; one query."""
    causes = list(Cause.objects.filter(item=item).annotate(n_actions=Count("actions")).order_by("position", "id"))
    kids: dict = defaultdict(list)
    for c in causes:
        kids[c.parent_id].append(c)

    def build(cause: Cause, level: int) -> CauseNode:
        return CauseNode(cause, level, [build(k, level + 1) for k in kids.get(cause.pk, [])])

    bones = []
    for category in CauseCategory:
        tops = [build(c, 1) for c in kids.get(None, []) if c.category == category]
        bones.append((category.value, str(category.label), tops))
    return bones


# --- Actions (QA-3) ----------------------------------------------------------------------------


def _subject_of(model, outer: str = "pk") -> dict:
    return {
        "subject_type": ContentType.objects.get_for_model(model),
        "subject_id": Cast(OuterRef(outer), output_field=Deadline._meta.get_field("subject_id")),
    }


def with_overdue(queryset, now=None):
    """Annotate `overdue`: a pending QA-3 clock past its due time (derived from the clock)."""
    late = Deadline.objects.overdue(now).filter(rule=ACTION_RULE, **_subject_of(Action))
    return queryset.annotate(overdue=Exists(late))


def actions_list(queryset):
    return queryset.select_related("owner", "survey", "item", "cause")


def attach_clocks(actions) -> None:
    """Set `.clock` on each action: its latest QA-3 deadline with its state (one query)."""
    actions = list(actions)
    if not actions:
        return
    rows = Deadline.objects.filter(
        rule=ACTION_RULE,
        subject_type=ContentType.objects.get_for_model(Action),
        subject_id__in=[str(a.pk) for a in actions],
    ).with_state()
    latest = {}
    for d in rows.order_by("id"):
        latest[d.subject_id] = d
    for a in actions:
        a.clock = latest.get(str(a.pk))


def action_clocks(action: Action):
    return deadlines_of(action).filter(rule=ACTION_RULE)


def responsible_label(action: Action) -> str:
    """Who answers for a measure on the public notice: the office and a role, never a person."""
    roles = roles_of(action.owner, action.community_id) - {Role.COMPANY_ADMIN}
    order = [r for r in Role if r in roles]
    return _("管理处") + (f" / {order[0].label}" if order else "")


def my_open_actions(user, community, now=None) -> dict:
    """{"open": n, "overdue": n} of the actions the user owns in the community (one query)."""
    counts = with_overdue(Action.objects.filter(community=community, owner=user, status="open"), now).aggregate(
        open=Count("id"), late=Count("id", filter=Q(overdue=True))
    )  # an alias apart from the annotation
    return {"open": counts["open"], "overdue": counts["late"]}


# --- The measures of a survey (SV-4, SV-6) -----------------------------------------------------


@dataclass
class KeyItemMeasures:
    item: SurveyItem
    dissatisfied: int
    actions: list


def measures_of(survey: Survey) -> list[KeyItemMeasures]:
    """The key items of the survey's Pareto (SV-4), each with its actions."""
    _result, rows = surveys.results(survey)
    counts = {r.item: r.dissatisfied for r in rows}
    keys = [i for i in survey.items.all() if any(r.key and r.item == i.text for r in rows)]
    acts: dict = defaultdict(list)
    for a in actions_list(Action.objects.filter(survey=survey, item__in=[i.pk for i in keys])).order_by("due_on", "id"):
        acts[a.item_id].append(a)
    return [KeyItemMeasures(i, counts.get(i.text, 0), acts.get(i.pk, [])) for i in keys]


# --- Rectification notices ---------------------------------------------------------------------


def notice_state(notice: RectificationNotice, now: dt.datetime) -> tuple[str, str]:
    """(label, colour): in progress, overdue, done on time or done late — from the due time and the clock."""
    if notice.status == NoticeStatus.CLOSED:
        if notice.closed_at and notice.closed_at > notice.due_at:
            return _("超时完成"), "red"
        return _("按时完成"), "green"
    if notice.due_at < now:
        return _("已超时"), "red"
    return _("整改中"), "amber"


def notice_tab_filters(now: dt.datetime) -> dict[str, Q]:
    return {
        "open": Q(status=NoticeStatus.ISSUED, due_at__gte=now),
        "overdue": Q(status=NoticeStatus.ISSUED, due_at__lt=now),
        "closed": Q(status=NoticeStatus.CLOSED),
    }


def with_subjects(queryset):
    """Notices with their findings, each source's queryset loading what its facts read: one query
    per kind of finding, however many notices."""
    by_model = {}
    for source in registry.notice_sources():
        model = source.model_class()
        by_model.setdefault(model, source.loaded(model._default_manager.all()))
    related = queryset.select_related("household", "recipient", "issued_by", "closed_by", "community")
    return related.prefetch_related(GenericPrefetch("subject", list(by_model.values()))) if by_model else related


def subject_link(notice: RectificationNotice) -> tuple[str, str]:
    """(label, url) of the finding a notice is about; ("", "") when its kind is no longer registered."""
    source = registry.notice_source_or_none(notice.source)
    subject = notice.subject
    if source is None or subject is None:
        return "", ""
    return source.subject_link(subject)


def owed_notices(community) -> list[registry.OwedNotice]:
    """Findings of every registered kind still owed their written notice, soonest due first."""
    owed = []
    for source in registry.notice_sources():
        if source.owing is not None:
            owed.extend(source.owing(community))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(owed, key=lambda o: (o.issue_due or far, str(o.found_at)))


def notice_issue_clock(notice: RectificationNotice):
    """The finding's own clock for issuing the notice (RC-5: 24 hours, on the ticket), with its state;
    None when the kind of finding keeps none."""
    source = registry.notice_source_or_none(notice.source)
    return source.issue_clock(notice) if source and source.issue_clock else None


# --- Spot checks -------------------------------------------------------------------------------


def drawn(kind: registry.SpotCheckKind, community, period_key: str) -> list[SpotCheck]:
    """The checks drawn for a kind and period with their records (as the kind's row shows them),
    in a fixed number of queries."""
    checks = list(
        SpotCheck.objects.filter(community=community, kind=kind.key, period=period_key)
        .select_related("checked_by")
        .order_by("id")
    )
    model = kind.model_class()
    records = kind.loaded(model._default_manager.filter(pk__in=[c.record_id for c in checks])).in_bulk()
    for check in checks:
        check.loaded_record = records.get(check.record_id)
    return checks


def drawn_counts(community, kinds, period_of) -> dict[str, tuple[int, int]]:
    """{kind key: (drawn, checked)} for each kind's current period (one query)."""
    keys = {k.key: period_of(k).key for k in kinds}
    if not keys:
        return {}
    rows = (
        SpotCheck.objects.filter(community=community)
        .filter(Q(*[Q(kind=k, period=p) for k, p in keys.items()], _connector=Q.OR))
        .values("kind")
        .annotate(n=Count("id"), done=Count("id", filter=Q(checked_at__isnull=False)))
    )
    found = {r["kind"]: (r["n"], r["done"]) for r in rows}
    return {k: found.get(k, (0, 0)) for k in keys}
