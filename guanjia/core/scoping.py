"""One path from a queryset to what a user may see (DESIGN.md §1), in the shape of NetBox's
RestrictedQuerySet: `Ticket.objects.restrict(user, "servicedesk.view")` for staff, and
`Ticket.objects.for_owner(user, via="room")` for a portal user (the rooms he lives in).

Staff scope is by community and permission (core.access); owner scope is by household. Core
does not know what a household is: the app that keeps the register says which rooms a portal user
belongs to, once, through `set_owner_homes()` (estates does, in its registrations).
"""

from collections.abc import Callable

from django.db import models

_owner_homes: list[Callable] = []


def set_owner_homes(homes: Callable) -> None:
    """`homes(user)` → a queryset of the rooms the portal user belongs to now."""
    _owner_homes[:] = [homes]


def owner_homes(user):
    if not _owner_homes:
        raise LookupError("no app has said which rooms a portal user belongs to (set_owner_homes)")
    return _owner_homes[0](user)


class TenantQuerySet(models.QuerySet):
    """The default queryset of every tenant model (CommunityOwned)."""

    def restrict(self, user, action: str, field: str = "community"):
        """Only rows of communities where `user` may perform `action`; nothing for anyone else."""
        from .access import scoped  # access imports the models this module's queryset serves

        return scoped(self, user, action, field=field)

    def for_owner(self, user, via: str = "room"):
        """Only rows hanging off the rooms a portal user belongs to (`via` is the path to the room)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(**{f"{via}__in": owner_homes(user).values("pk")})
