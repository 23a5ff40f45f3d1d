"""Staff roles (DESIGN.md §2) and the registry of what each may do.

Permissions are data: an action name maps to the roles that may perform it. Each app declares its
actions in its own permissions.py and registers them from its `AppConfig.ready()`:

    roles.register({"servicedesk.dispatch": {Role.FRONT_DESK, Role.CS_SUPERVISOR}})

Services call `access.require()`; views and the API declare the action they need.
"""

from collections.abc import Iterable, Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("接待员")
    CS_SUPERVISOR = "cs_supervisor", _("客服主管")
    OFFICE_MANAGER = "office_manager", _("管理处经理")
    EQUIPMENT_SUPERVISOR = "equipment_supervisor", _("设备主管")
    SITE_SUPERVISOR = "site_supervisor", _("现场管理员")
    CASHIER = "cashier", _("出纳")
    ARCHIVIST = "archivist", _("文档管理员")
    SECURITY = "security", _("保安")
    TECHNICIAN = "technician", _("维修工")
    QUALITY = "quality", _("品质管理部")
    COMPANY_ADMIN = "company_admin", _("公司管理员")


# Company-level roles see every community.
COMPANY_ROLES = frozenset({Role.QUALITY, Role.COMPANY_ADMIN})
ALL_STAFF = frozenset(Role)

# The registry: action → roles, filled by each app's `AppConfig.ready()` (never edit it here).
PERMISSIONS: dict[str, frozenset[str]] = {}
# Actions that are a person's own act in the community (a signature for documents received): only
# someone holding one of the roles there may do it, not a company-wide role or a superuser.
IN_PERSON: set[str] = set()


def register(permissions: Mapping[str, Iterable[str]], *, in_person: Iterable[str] = ()) -> None:
    """Declare actions and the roles that may perform them. An action is one app's: declaring it
    again with other roles is a programming error (two apps would disagree about who may do it)."""
    in_person = set(in_person)
    unknown = in_person - set(permissions)
    if unknown:
        raise ValueError(f"in-person actions not declared: {sorted(unknown)}")
    for action, allowed in permissions.items():
        allowed = frozenset(str(role) for role in allowed)
        bad = allowed - set(Role.values)
        if bad:
            raise ValueError(f"action {action}: unknown roles {sorted(bad)}")
        known = PERMISSIONS.get(action)
        if known is not None and (known != allowed or (action in IN_PERSON) != (action in in_person)):
            raise ValueError(f"action {action} is declared twice, differently")
        PERMISSIONS[action] = allowed
        if action in in_person:
            IN_PERSON.add(action)


def unregister(*actions: str) -> None:
    """Drop declarations (tests registering toy actions, in a fixture)."""
    for action in actions:
        PERMISSIONS.pop(action, None)
        IN_PERSON.discard(action)


def roles_for(action: str) -> frozenset[str]:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise KeyError(
            f"unknown action {action!r}; declare it in the app's permissions.py (AppConfig.ready())"
        ) from None
