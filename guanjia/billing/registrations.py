"""What the fee office adds to the shared pages (core.registry): its actions (core.roles), rule numbers
(core.policies), approval kinds (core.approvals), printed forms (core.documents), menu entries,
dashboard panels, indicators (QA-4) and household-file sections, and how its log entries read."""

from django.utils.translation import gettext_lazy as _

from guanjia.core import policies, roles
from guanjia.core.registry import MenuGroup, menu_group

from . import (
    wiring_arrears,
    wiring_bank,
    wiring_bills,
    wiring_disputes,
    wiring_items,
    wiring_meters,
    wiring_online,
    wiring_opening,
    wiring_payments,
)
from .permissions import PERMISSIONS
from .policies import POLICIES


def register() -> None:
    roles.register(PERMISSIONS)
    policies.register(*POLICIES)
    menu_group(MenuGroup("billing", _("收费管理"), order=25))
    for part in (
        wiring_items,
        wiring_bills,
        wiring_payments,
        wiring_meters,
        wiring_arrears,
        wiring_online,
        wiring_opening,
        wiring_disputes,
        wiring_bank,
    ):
        part.register()
