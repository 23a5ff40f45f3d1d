"""What core itself adds to the shared pages (core.registry): the settings menu and approvals; its own
actions (core.roles) and the rule numbers no app has claimed yet (core.policies)."""

from django.utils.translation import gettext_lazy as _

from . import accounts, policies, roles
from .importing import registrations as importing_registrations
from .permissions import PERMISSIONS
from .policies_unclaimed import POLICIES as UNCLAIMED_POLICIES
from .registry import DashboardPanel, MenuEntry, MenuGroup, menu, menu_group, panel


def register() -> None:
    from .views_approvals import waiting_panel

    roles.register(PERMISSIONS)
    accounts.register()
    importing_registrations.register()
    policies.register(*UNCLAIMED_POLICIES, unclaimed=True)
    panel(DashboardPanel("core.approvals", "core/_approvals_panel.html", waiting_panel, "core.view", order=5))
    menu_group(MenuGroup("home", "", order=0))
    menu_group(MenuGroup("settings", _("设置"), order=900))
    menu(
        MenuEntry("home", _("工作台"), "core:dashboard", "core.view", order=0),
        MenuEntry("home", _("待我审批"), "core:approvals_waiting", "core.view", order=5),
        MenuEntry("settings", _("规则参数"), "core:policies", "core.view", order=10),
        MenuEntry(
            "settings",
            _("审批流程"),
            "core:approval_chains",
            "core.view",
            order=15,
            active=("core:approval_chain*",),
        ),
        MenuEntry("settings", _("工作日历"), "core:calendar", "core.view", order=20, active=("core:calendar*",)),
    )
