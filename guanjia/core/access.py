"""Who may do what, and where (DESIGN.md §1–2).

`scoped()` narrows every queryset a user sees; `require()` guards every service.
An object outside the user's scope is reported as not found (404), never 403.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .errors import Forbidden
from .models import Community, Membership
from .roles import COMPANY_ROLES, IN_PERSON, Role, roles_for

_CACHE_ATTR = "_guanjia_memberships"


def _memberships(user) -> list[tuple[int | None, str]]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).values_list("community_id", "role"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def memberships(user) -> list[tuple[int | None, str]]:
    """(community id or None for a company role, role) of every membership the user holds."""
    return list(_memberships(user))


def forget(user) -> None:
    """Drop the per-request membership cache (after memberships change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles_of(user, community: Community | int | None = None) -> set[str]:
    cid = getattr(community, "pk", community)
    return {role for c, role in _memberships(user) if role in COMPANY_ROLES or cid is None or c == cid}


def is_company_wide(user, action: str) -> bool:
    allowed = roles_for(action)  # an unknown action fails here, whoever asks
    if action in IN_PERSON:  # a person's own act: only a member holding the role, never company-wide
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(c is None and role in allowed for c, role in _memberships(user))


def community_ids(user, action: str = "core.view") -> set[int] | None:
    """The communities where `user` may perform `action`; None means all of them."""
    if is_company_wide(user, action):
        return None
    allowed = roles_for(action)
    return {c for c, role in _memberships(user) if c is not None and role in allowed}


def has_perm(user, action: str, community: Community | int | None) -> bool:
    """Whether `user` may perform `action` in `community` (an unknown action is a KeyError)."""
    ids = community_ids(user, action)
    if ids is None:
        return True
    cid = getattr(community, "pk", community)
    return cid in ids


def require(user, action: str, community: Community | int | None) -> None:
    if not has_perm(user, action, community):
        raise Forbidden("forbidden", _("您没有权限执行此操作。"))


def scoped(queryset: QuerySet, user, action: str = "core.view", field: str = "community") -> QuerySet:
    """Narrow `queryset` to the communities where `user` may perform `action`."""
    ids = community_ids(user, action)
    if ids is None:
        return queryset
    if len(ids) == 1:  # equality lets SQLite use the (community, …) composite indexes; IN does not
        return queryset.filter(**{field: next(iter(ids))})
    return queryset.filter(**{f"{field}__in": ids})


def visible_communities(user, action: str = "core.view") -> QuerySet:
    return scoped(Community.objects.all(), user, action, field="pk")


def is_staff_member(user) -> bool:
    return bool(getattr(user, "is_superuser", False) or _memberships(user))


def role_labels(user, community: Community | None) -> list[str]:
    return [Role(r).label for r in sorted(roles_of(user, community))]


def any_role(user, roles: Iterable[Role], community) -> bool:
    return bool(roles_of(user, community) & {str(r) for r in roles}) or getattr(user, "is_superuser", False)
