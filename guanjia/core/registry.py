"""Registries (DESIGN "Registries"): a domain app plugs in without editing core or another app.

Each app declares, in its `AppConfig.ready()`, what it adds to the shared pages:

    registry.menu(MenuEntry("servicedesk", _("到期事项"), "servicedesk:due", "servicedesk.view", order=20))
    registry.panel(DashboardPanel("servicedesk.due", "servicedesk/followup_dashboard_panel.html", due_panel))
    registry.indicator(Indicator("RC-8.timeliness", _("零修及时率"), "RC-8", "RC-8.timeliness_pct", compute, "servicedesk.kpi"))
    registry.household_section(HouseholdSection("servicedesk.tickets", _("报修投诉"), template, context))

The menu, the dashboard, the KPI page and the household file are built from these lists; core
imports no domain app. Policies, approval kinds, recurring duties and documents have their own
registries (core.policies, core.approvals, core.duties, core.documents).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .access import has_perm, roles_of


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: Any
    order: int = 100


@dataclass(frozen=True)
class MenuEntry:
    group: str
    label: Any
    url_name: str
    permission: str
    order: int = 100
    # url names (or "namespace:prefix*") that mark this entry as the current page
    active: tuple[str, ...] = ()
    # roles that see this entry first, above every group (a technician's own jobs on a phone)
    first_for: frozenset[str] = field(default_factory=frozenset)
    query: str = ""


@dataclass(frozen=True)
class DashboardPanel:
    key: str
    template: str
    context: Callable  # (request) -> dict, or None to show nothing
    permission: str = "estates.view"
    roles: frozenset[str] | None = None  # only these roles see it (None: anyone with the permission)
    order: int = 100


@dataclass(frozen=True)
class Indicator:
    """A QA-4 indicator of the KPI page (read by core.indicators).

    `compute(community_ids, periods, now)` returns {(community id, period): core.indicators.Figure}:
    the rate and its arithmetic (the formula with its figures, so anyone can check it by hand), for
    every pair asked, in a fixed number of queries whatever the number of communities and periods
    (group by community and month). The target is the community's value of `target_policy` (a
    percentage), or the fixed `target` where the rule says "every" (RC-3, RC-4: 100); a figure whose
    target is not a percentage (VS-1: so many households) says itself whether it is met. Roles with
    `permission` in a community see the indicator there; `detail_url` names a page breaking it down
    (taking ?month=<key>), and `definition` says what is counted."""

    key: str
    label: Any
    rule: str
    target_policy: str | None
    compute: Callable
    permission: str
    definition: Any = ""
    target: Decimal | None = None
    detail_url: str = ""
    order: int = 100


@dataclass(frozen=True)
class HouseholdSection:
    """A part of the household file 一户一档 (AR-1), shown to roles with `permission` in the room's
    community. `context(request, room)` reads a bounded number of rows in a fixed number of queries
    (the page's query budget does not grow with the household's history); None leaves it out.
    The template receives it as `section`, and its label as `section_label`."""

    key: str
    label: Any
    template: str
    context: Callable  # (request, room) -> dict, or None
    permission: str = "estates.view"
    order: int = 100


_groups: dict[str, MenuGroup] = {}
_menu: list[MenuEntry] = []
_panels: dict[str, DashboardPanel] = {}
_indicators: dict[str, Indicator] = {}
_sections: dict[str, HouseholdSection] = {}


def menu_group(group: MenuGroup) -> MenuGroup:
    _groups[group.key] = group
    return group


def menu(*entries: MenuEntry) -> None:
    for entry in entries:
        if entry not in _menu:
            _menu.append(entry)


def panel(p: DashboardPanel) -> DashboardPanel:
    _panels[p.key] = p
    return p


def unregister_menu(*url_names: str, group: str | None = None) -> None:
    """Drop menu entries (and a group): a test's toy app, registered in a fixture."""
    _menu[:] = [entry for entry in _menu if entry.url_name not in url_names]
    if group:
        _groups.pop(group, None)


def unregister_panel(key: str) -> None:
    _panels.pop(key, None)


def indicator(i: Indicator) -> Indicator:
    _indicators[i.key] = i
    return i


def unregister_indicator(key: str) -> None:
    _indicators.pop(key, None)


def household_section(s: HouseholdSection) -> HouseholdSection:
    _sections[s.key] = s
    return s


def unregister_household_section(key: str) -> None:
    _sections.pop(key, None)


def indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: (i.order, i.key))


def indicators_for(user, community) -> list[Indicator]:
    """The indicators the user's role may see in `community`, in order."""
    return [i for i in indicators() if has_perm(user, i.permission, community)]


def household_sections(user, community) -> list[HouseholdSection]:
    return sorted(
        (s for s in _sections.values() if has_perm(user, s.permission, community)), key=lambda s: (s.order, s.key)
    )


def household_file_for(request, room) -> list[dict]:
    """The sections of `room`'s household file the user may read there, in order, with their context."""
    shown = []
    for s in household_sections(request.user, room.community):
        context = s.context(request, room)
        if context is not None:
            shown.append({"key": s.key, "label": s.label, "template": s.template, "context": context})
    return shown


# -- building the pages -------------------------------------------------------------------------


def _is_active(entry: MenuEntry, match) -> bool:
    if match is None:
        return False
    here = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    for pattern in (entry.url_name, *entry.active):
        if pattern.endswith("*") and here.startswith(pattern[:-1]):
            return True
        if pattern == here:
            return True
    return False


def menu_for(request) -> dict:
    """{"first": [...], "groups": [(group, [entries])]}: only what the user may open in this community."""
    from django.urls import NoReverseMatch, reverse

    user, community = request.user, getattr(request, "community", None)
    roles = roles_of(user, community)
    match = getattr(request, "resolver_match", None)
    first, by_group = [], {}
    for entry in sorted(_menu, key=lambda e: (e.order, str(e.label))):
        if not has_perm(user, entry.permission, community):
            continue
        try:
            url = reverse(entry.url_name) + (f"?{entry.query}" if entry.query else "")
        except NoReverseMatch:
            continue
        item = {"label": entry.label, "url": url, "active": _is_active(entry, match), "key": entry.url_name}
        if entry.first_for & roles:
            first.append(item)
        else:
            by_group.setdefault(entry.group, []).append(item)
    groups = sorted(
        ((_groups.get(key, MenuGroup(key, key)), items) for key, items in by_group.items()),
        key=lambda pair: (pair[0].order, pair[0].key),
    )
    return {"first": first, "groups": groups}


def panels_for(request) -> list[dict]:
    """The dashboard panels the user's role sees, each with its context (None hides the panel)."""
    user, community = request.user, request.community
    roles = roles_of(user, community)
    shown = []
    for p in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        if not has_perm(user, p.permission, community) or (p.roles is not None and not p.roles & roles):
            continue
        context = p.context(request)
        if context is not None:
            shown.append({"key": p.key, "template": p.template, "context": context})
    return shown
