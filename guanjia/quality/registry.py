"""What other apps plug into quality (DESIGN "Registries"): the kinds of record the office manager
spot-checks, and the kinds of finding a written rectification notice is issued for.

An app registers its kinds from its own `AppConfig.ready()`, importing this module inside the
function that registers (quality imports the apps it checks; they never import quality at module
level):

    def register_quality():
        from guanjia.quality import registry
        registry.spot_check_kind(registry.SpotCheckKind(key="RC-4.callbacks", rule="RC-4", ...))
        registry.notice_source(registry.NoticeSource(key="RC-5.callback", rule="RC-5", ...))

RC-4 (callbacks) and RC-5 (a problem found at a callback) are registered by the service desk; MI-5
(move-in records), RN-9 (renovation management) and AR-3 (archives) will register the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from guanjia.core import duties, periods
from guanjia.core.roles import Role


@dataclass(frozen=True)
class SpotCheckKind:
    """Draw `size(community, period)` of `candidates(community, period)` at random each period and
    record whether each was in order."""

    key: str  # "RC-4.callbacks"
    rule: str  # "RC-4"
    title: Any  # "回访抽查"
    model: str  # "servicedesk.Callback": the records drawn
    candidates: Callable  # (community, Period) -> queryset of the records that may be drawn
    size: Callable  # (community, Period) -> int, read from the kind's policy (e.g. RC-4.spot_checks)
    row_template: str  # the <td>s of one drawn record: context `record`, `check`
    columns: tuple = ()  # the headers of those <td>s
    load: Callable | None = None  # (queryset) -> queryset with what the row shows (select_related)
    household: Callable | None = None  # (record) -> the estates Room (or its id) the record concerns
    period: str = periods.MONTH
    description: Any = ""  # what the check is, as the rulebook says it
    question: Any = _("抽查结论")
    passed_label: Any = _("符合要求")
    failed_label: Any = _("不符合要求")
    empty: Any = _("本期没有可供抽查的记录。")
    permission: str = "quality.spot_check"
    # The check of a period as a recurring duty (core.duties): owed once the period is over, by this
    # day (a policy) of the next one, met when every drawn record is checked or, the period having
    # had nothing to draw, when that is recorded. "" = no duty.
    due_day_policy: str = ""
    owner_role: str = Role.OFFICE_MANAGER
    order: int = 100

    def model_class(self):
        return apps.get_model(self.model)

    def loaded(self, queryset):
        return self.load(queryset) if self.load else queryset

    def duty(self) -> duties.Duty:
        return duties.Duty(
            key=self.key,
            rule=self.rule,
            title=self.title,
            period=self.period,
            due=duties.by_day_of_next_period(self.due_day_policy),
            owner_role=self.owner_role,
            opens=duties.Opens.AT_END,
            url=lambda community, period: spot_check_url(self, period),
        )


def spot_check_url(kind: SpotCheckKind, period) -> str:
    from django.urls import reverse

    return f"{reverse('quality:spot_checks')}?kind={kind.key}&period={period.key}"


@dataclass(frozen=True)
class NoticeSource:
    """A kind of finding that owes a written rectification notice: who it goes to, what it says, who
    may issue and close it, and what its app does when the notice is issued and closed."""

    key: str  # "RC-5.callback"
    rule: str  # "RC-5"
    label: Any  # "维修回访发现的问题"
    model: str  # "servicedesk.Callback": the findings
    issue_permission: str
    check: Callable  # (subject, actor) -> None; raises ServiceError when no notice may be issued for it
    recipient: Callable  # (subject) -> the staff user it is addressed to, or None (then a name is given)
    problem: Callable  # (subject) -> the problem as found, the notice's default wording
    fix_days_policy: str  # the policy of the default period to put it right (e.g. "RC-5.fix_days")
    fix_rule: str  # the rule of the notice's own clock ("RC-5.fix")
    subject_link: Callable  # (subject) -> (label, url) of the finding's page
    facts: Callable  # (subject) -> [(label, text)] shown on the notice and printed on the form
    household: Callable | None = None  # (subject) -> the estates Room (or its id) concerned
    owing: Callable | None = None  # (community) -> [OwedNotice]: findings still owed their notice
    load: Callable | None = None  # (queryset of subjects) -> queryset with what facts() reads
    on_issued: Callable | None = None  # (notice, actor, at): the finding's app meets its clocks
    issue_clock: Callable | None = None  # (notice) -> the finding's Deadline for issuing it, with state
    issue_due: Callable | None = None  # (subject) -> when its notice is due (the finding's pending clock)
    on_closed: Callable | None = None  # (notice, actor, at): e.g. another callback falls due (RC-4)
    close_permission: str = "quality.rectify"
    owner_role: str = ""  # who follows up a notice addressed to someone outside the office
    default_requirement: Any = ""  # printed when the issuer leaves the requirement blank
    note: Any = ""  # the rule as printed at the foot of the form
    order: int = 100

    def model_class(self):
        return apps.get_model(self.model)

    def loaded(self, queryset):
        return self.load(queryset) if self.load else queryset


@dataclass(frozen=True)
class OwedNotice:
    """A finding whose written notice is not issued yet, as the 待下达 list shows it."""

    source: str
    subject_id: int
    label: str  # what it is ("GD-2026-000123")
    url: str  # its page
    place: str  # the room or area
    recipient: str
    problem: str
    found_at: Any  # when the problem was found
    issue_due: Any  # the moment the notice is due (the finding's clock), or None


_kinds: dict[str, SpotCheckKind] = {}
_sources: dict[str, NoticeSource] = {}


def spot_check_kind(kind: SpotCheckKind) -> SpotCheckKind:
    _kinds[kind.key] = kind
    if kind.due_day_policy:
        duties.register(kind.duty())
    return kind


def notice_source(source: NoticeSource) -> NoticeSource:
    _sources[source.key] = source
    return source


def unregister(key: str) -> None:
    """Forget a kind or source (tests registering toy ones remove them again)."""
    if _kinds.pop(key, None) is not None:
        duties.unregister(key)
    _sources.pop(key, None)


def spot_check_kinds() -> list[SpotCheckKind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.key))


def kind_of(key: str) -> SpotCheckKind:
    try:
        return _kinds[key]
    except KeyError:
        raise KeyError(f"unknown spot-check kind {key!r}; register it from the app's AppConfig.ready()") from None


def notice_sources() -> list[NoticeSource]:
    return sorted(_sources.values(), key=lambda s: (s.order, s.key))


def source_of(key: str) -> NoticeSource:
    try:
        return _sources[key]
    except KeyError:
        raise KeyError(f"unknown notice source {key!r}; register it from the app's AppConfig.ready()") from None


def notice_source_or_none(key: str) -> NoticeSource | None:
    return _sources.get(key)
