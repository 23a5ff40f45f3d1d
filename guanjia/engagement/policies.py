"""Rule numbers of visits and surveys (VS-1 … VS-5, SV-1 … SV-6), each a per-community policy
(core.policies) registered from registrations.py. How moved-in households are counted
(VS-1.count_shops) is the register's: estates declares it."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.policies import DAY_OF_MONTH, DAYS, PCT, WORKDAYS, Policy

POLICIES = (
    # Surveys
    Policy("SV-1.sample_pct", _("季度评议抽样比例"), "decimal", "20", PCT, 0, 100),
    # SV-1 "handed out mid of the quarter's last month": earlier is flagged, not refused.
    Policy("SV-1.issue_day", _("季度评议发放日（季末月中旬）"), "int", 15, DAY_OF_MONTH, 1, 28),
    Policy("SV-1.collect_days", _("季度评议回收期"), "int", 15, DAYS, 1),
    Policy("SV-1.summary_day", _("季度评议汇总上报日"), "int", 5, DAY_OF_MONTH, 1, 28),
    Policy("SV-2.months", _("问卷调查月份"), "months", [6, 12]),
    Policy("SV-2.collect_workdays", _("问卷回收期"), "int", 15, WORKDAYS, 1),
    Policy("SV-2.min_return_pct", _("问卷最低回收率"), "decimal", "60", PCT, 0, 100),
    Policy("SV-3.penalty_points", _("回收率每低1个百分点扣减"), "decimal", "5", _("个百分点")),
    Policy("SV-4.key_cumulative_pct", _("排列图关键项累计比例"), "decimal", "80", PCT, 0, 100),
    Policy("SV-6.analysis_workdays", _("问卷统计分析时限"), "int", 30, WORKDAYS, 1),
    Policy("SV-6.measures_workdays", _("整改措施公布时限"), "int", 30, WORKDAYS, 1),
    # Visits
    Policy("VS-1.tiers", _("月度拜访比例（户数上限:比例）"), "tiers", [[300, 4], [500, 5], [800, 6], [None, 7]]),
    Policy("VS-2.latest_home_visit", _("上门拜访最晚时间"), "time", "22:00"),
    Policy("VS-5.summary_day", _("月度拜访汇总日"), "int", 5, DAY_OF_MONTH, 1, 28),
)
