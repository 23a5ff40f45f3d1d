"""The ledger's rule numbers (FM-1), per-community policies (core.policies) registered from registrations.py."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.policies import DAYS, Policy

POLICIES = (
    # FM-1: how long before a statutory inspection (or a contractor's licence expiry) the ledger warns.
    Policy("FM-1.inspection_warn_days", _("设备法定检验提前提醒"), "int", 30, DAYS, 1, 365),
    Policy("FM-1.licence_warn_days", _("维保单位资质到期提前提醒"), "int", 30, DAYS, 1, 365),
)
