"""Registries (DESIGN "Registries"): a domain app plugs in without editing core or another app.

Each app declares, in its `AppConfig.ready()`, what it adds to the shared pages:

    registry.menu(MenuEntry("servicedesk", _("到期事项"), "servicedesk:due", "servicedesk.view", order=20))
    registry.panel(DashboardPanel("servicedesk.due", "servicedesk/followup_dashboard_panel.html", due_panel))
    registry.indicator(Indicator("RC-8.timeliness", _("零修及时率"), "RC-8", "RC-8.timeliness_pct", compute))
    registry.household_section(HouseholdSection("servicedesk.tickets", _("报修投诉"), template, context))

The menu, the dashboard, the KPI page and the household file are built from these lists; core
imports no domain app. Policies, approval kinds, recurring duties and documents have their own
registries (core.policies, core.approvals, core.duties, core.documents).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
    """A QA-4 indicator: `compute(community, month)` returns an object with `rate`, `display` and
    `arithmetic` (the formula with its figures, so anyone can check it by hand)."""

    key: str
    label: Any
    rule: str
    target_policy: str | None
    compute: Callable
    order: int = 100


@dataclass(frozen=True)
class HouseholdSection:
    key: str
    label: Any
    template: str
    context: Callable  # (request, room) -> dict
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


def indicator(i: Indicator) -> Indicator:
    _indicators[i.key] = i
    return i


def household_section(s: HouseholdSection) -> HouseholdSection:
    _sections[s.key] = s
    return s


def indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: (i.order, i.key))


def household_sections(user, community) -> list[HouseholdSection]:
    return sorted(
        (s for s in _sections.values() if has_perm(user, s.permission, community)), key=lambda s: (s.order, s.key)
    )


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
