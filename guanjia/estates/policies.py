"""The register's rule numbers (PR-4 lists, AR-2 hand-over) and how moved-in households are counted,
each a per-community policy (core.policies) registered from registrations.py."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.policies import DAY_OF_MONTH, Policy

POLICIES = (
    Policy("PR-4.review_day", _("产权/租赁清单审核日"), "int", 5, DAY_OF_MONTH, 1, 28),
    Policy("AR-2.handover_day", _("上月档案移交日"), "int", 5, DAY_OF_MONTH, 1, 28),
    # VS-1, SV-1 and SV-2 count "moved-in households": dwellings 住宅, shops only where this is on. The
    # count is the register's (estates.households), whichever app asks for it; the key keeps the rule
    # that introduced it.
    Policy("VS-1.count_shops", _("商铺计入已入住户数（VS-1 拜访、SV-1 评议、SV-2 问卷）"), "bool", False),
)
