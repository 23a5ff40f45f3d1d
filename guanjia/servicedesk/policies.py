"""The service desk's rule numbers (reception, repairs, complaints, callbacks: RC-2 … RC-10), each a
per-community policy (core.policies) registered from registrations.py."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.policies import DAY_OF_MONTH, DAYS, HOURS, MINUTES, PCT, TIMES, Policy

POLICIES = (
    Policy("RC-2.weekday_open", _("工作日接待开始"), "time", "09:00"),
    Policy("RC-2.weekday_close", _("工作日接待结束"), "time", "21:00"),
    Policy("RC-2.weekend_open", _("周末接待开始"), "time", "09:00"),
    Policy("RC-2.weekend_close", _("周末接待结束"), "time", "17:00"),
    Policy("RC-3.reply_hours", _("投诉答复时限"), "int", 72, HOURS, 1),
    Policy("RC-4.safety_days", _("安全设施维修回访时限"), "int", 2, DAYS, 1),
    Policy("RC-4.leak_days", _("渗漏水维修回访时限"), "int", 3, DAYS, 1),
    Policy("RC-4.other_days", _("其他维修回访时限"), "int", 7, DAYS, 1),
    Policy("RC-4.spot_checks", _("经理每月抽查回访数"), "int", 5, TIMES),
    # RC-4 says "every month" and names no day: the month's check is owed once its callbacks are all
    # in, by this day of the next month (house default).
    Policy("RC-4.spot_check_day", _("回访抽查完成日"), "int", 10, DAY_OF_MONTH, 1, 28),
    Policy("RC-5.hours", _("整改通知书下达时限"), "int", 24, HOURS, 1),
    # RC-5 times the written notice only; the fix itself needs its own period (house default, the
    # issuer may set another date on each notice).
    Policy("RC-5.fix_days", _("整改完成期限（默认）"), "int", 3, DAYS, 1),
    Policy("RC-8.response_hours", _("报修响应时限"), "int", 2, HOURS, 1),
    Policy("RC-8.civil_days", _("土建维修完成时限"), "int", 3, DAYS, 1),
    Policy("RC-8.timeliness_pct", _("零修及时率目标"), "decimal", "95", PCT, 0, 100),
    Policy("RC-8.pass_pct", _("零修合格率目标"), "decimal", "98", PCT, 0, 100),
    Policy("RC-8.visit_minutes", _("入户维修时长上限"), "int", 30, MINUTES, 1),
    Policy("RC-9.complaint_callback_pct", _("投诉回访率"), "decimal", "100", PCT, 0, 100),
    Policy("RC-9.special_callback_pct", _("特约服务回访率"), "decimal", "90", PCT, 0, 100),
    Policy("RC-10.summary_day", _("月度投诉汇总公布日"), "int", 5, DAY_OF_MONTH, 1, 28),
)
