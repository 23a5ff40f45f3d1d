"""Who holds which role where (DESIGN.md §2): granting, changing and ending a staff member's role.

The admin site calls these as any console page would, so a role given or taken away in /admin/ is
checked and logged like every other change (issue 10). A company-wide role (quality, company
admin) is granted only by someone who may manage staff company-wide."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import access
from .activity import log
from .errors import ServiceError
from .models import Membership
from .roles import COMPANY_ROLES, Role

PERMISSION = "core.manage_staff"


def check(actor, community, role: str) -> None:
    # A company role belongs to no community: only a company-wide grant of the permission covers it.
    access.require(actor, PERMISSION, None if role in COMPANY_ROLES else community)


def _summary(membership: Membership) -> str:
    return _("%(user)s · %(role)s · %(where)s") % {
        "user": membership.user.get_username(),
        "role": Role(membership.role).label,
        "where": membership.community.name if membership.community_id else _("全公司"),
    }


def _clean(membership: Membership) -> None:
    try:
        membership.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError("invalid", messages[0], field=None if field == "__all__" else field) from None


def membership_grant(*, user, community, role: str, actor) -> Membership:
    check(actor, community, role)
    membership = Membership(user=user, community=community, role=role)
    _clean(membership)
    with transaction.atomic():
        membership.save()
        log(
            actor,
            "core.membership.granted",
            membership,
            community=community,
            summary=_summary(membership),
            user=user.get_username(),
            role=role,
        )
    access.forget(user)
    return membership


def membership_change(*, membership: Membership, user, community, role: str, actor) -> Membership:
    """Move a role to another person, community or role: both the old and the new place are checked."""
    check(actor, membership.community, membership.role)
    check(actor, community, role)
    before = _summary(membership)
    membership.user, membership.community, membership.role = user, community, role
    _clean(membership)
    with transaction.atomic():
        membership.save()
        log(
            actor,
            "core.membership.changed",
            membership,
            community=community,
            summary=f"{before} → {_summary(membership)}",
            user=user.get_username(),
            role=role,
        )
    access.forget(user)
    return membership


def membership_revoke(*, membership: Membership, actor) -> None:
    check(actor, membership.community, membership.role)
    with transaction.atomic():
        # Logged before the row goes: the entry keeps who, what and where (the log is append-only).
        log(
            actor,
            "core.membership.revoked",
            membership,
            community=membership.community,
            summary=_summary(membership),
            user=membership.user.get_username(),
            role=membership.role,
        )
        membership.delete()
    access.forget(membership.user)
