"""The ledger's and its plans' rule numbers (FM-1), per-community policies (core.policies) registered from registrations.py."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.policies import DAYS, Policy

POLICIES = (
    # FM-1: how long before a statutory inspection (or a contractor's licence expiry) the ledger warns.
    Policy("FM-1.inspection_warn_days", _("设备法定检验提前提醒"), "int", 30, DAYS, 1, 365),
    Policy("FM-1.licence_warn_days", _("维保单位资质到期提前提醒"), "int", 30, DAYS, 1, 365),
    # FM-2: the longest interval a plan of a seeded statutory template may have ("tighten, not loosen").
    # 特种设备安全监察条例 art. 31: lifts are maintained at least once every 15 days.
    Policy("FM-2.lift_maintenance_max_days", _("电梯维保最长间隔"), "int", 15, DAYS, 1, 15),
    # TSG T7001: the statutory lift inspection is annual.
    Policy("FM-2.lift_inspection_max_days", _("电梯定期检验最长间隔"), "int", 366, DAYS, 1, 366),
    # GB 25201: building fire-protection systems are inspected at least monthly.
    Policy("FM-2.fire_check_max_days", _("消防设施检查最长间隔"), "int", 31, DAYS, 1, 31),
    # GB 17051: secondary water-supply tanks are cleaned and disinfected at least every half year.
    Policy("FM-2.water_tank_max_days", _("二次供水水箱清洗最长间隔"), "int", 184, DAYS, 1, 184),
)
