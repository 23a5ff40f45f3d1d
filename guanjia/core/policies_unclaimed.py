"""Rule numbers of the areas no app implements yet: renovation (RN), move-in (MI), communication (CM),
facilities (FM) and the quality score (QA-1).

They are listed so that the rule-number page and the API show the whole rulebook and an office can
set its values before the app arrives. Core registers them unclaimed: the app that takes an area
over declares the same keys in its own policies.py and its declarations replace these, without an
edit here (drop the rows from this table then).
"""

from django.utils.translation import gettext_lazy as _

from .policies import DAY_OF_MONTH, DAYS, HOURS, MONTHS, PCT, POINTS, TIMES, Policy

POLICIES = (
    # Renovation
    Policy("RN-3.review_days", _("装修审批时限"), "int", 2, DAYS, 1),
    Policy("RN-8.patrols_per_day", _("装修巡查次数/日"), "int", 2, TIMES, 1),
    Policy("RN-8.complaint_rate_pct", _("装修投诉率上限"), "decimal", "0.5", PCT, 0, 100),
    Policy("RN-9.spot_checks", _("经理每月抽查装修次数"), "int", 4, TIMES),
    Policy("RN-12.report_hours", _("违规装修上报时限"), "int", 24, HOURS, 1),
    # Move-in
    Policy("MI-5.batch_checks", _("集中入伙期每月抽查"), "int", 4, TIMES),
    Policy("MI-5.normal_checks", _("平时每月抽查"), "int", 1, TIMES),
    # Communication
    Policy("CM-2.activity_months", _("公益活动间隔"), "int", 6, MONTHS, 1),
    Policy("CM-5.notice_days", _("业委会会议提前通知"), "int", 20, DAYS, 1),
    Policy("CM-5.input_days", _("业主书面意见期限"), "int", 10, DAYS, 1),
    Policy("CM-6.service_day", _("服务报告上报日"), "int", 10, DAY_OF_MONTH, 1, 28),
    Policy("CM-6.finance_day", _("财务报告上报日"), "int", 15, DAY_OF_MONTH, 1, 28),
    Policy("CM-6.publish_day", _("管理服务报告公布日"), "int", 20, DAY_OF_MONTH, 1, 28),
    Policy("CM-7.forum_months", _("业主恳谈会间隔"), "int", 6, MONTHS, 1),
    # Facilities, quality
    Policy("FM-7.intact_pct", _("房屋完好率目标"), "decimal", "90", PCT, 0, 100),
    Policy("QA-1.pass_score", _("服务质量合格分"), "int", 80, POINTS, 0, 100),
)
