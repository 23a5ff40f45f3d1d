"""The fee office's rule numbers (DESIGN §3), each citing its rule; registered from registrations.py."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.policies import DAY_OF_MONTH, DAYS, PCT, Policy

# FE-1: credit and debit notes, voided receipts, refunds and deposit refunds are decided within this
# time by each step. It is the default step of their approval chains, not a policy of its own: each
# community's chain (审批流程, core.approvals) holds its steps and their limits, where the office changes them.
APPROVAL_HOURS = 48

POLICIES = (
    # FE-1 / 物业服务收费明码标价规定 art. 7: a new standard is shown a month before it applies.
    Policy("FE-1.price_notice_days", _("收费标准调整提前公示"), "int", 30, DAYS, 0, 365),
    # FE-1: the window in which owners report their own meter readings (days of the month).
    Policy("FE-1.reading_from_day", _("业主自报读数起始日"), "int", 20, DAY_OF_MONTH, 1, 28),
    Policy("FE-1.reading_to_day", _("业主自报读数截止日"), "int", 25, DAY_OF_MONTH, 1, 28),
    # FE-1: usage this many percent above the household's own average goes to the check list.
    Policy("FE-1.usage_check_pct", _("用量异常复核阈值（高于户均）"), "int", 200, PCT, 10, 10000),
    # FE-1: a meter's verification date is warned this many days ahead.
    Policy("FE-1.verify_warn_days", _("表计检定到期提前提醒"), "int", 30, DAYS, 1, 365),
    # FE-2: utility fees collected on behalf of suppliers.
    Policy("FE-2.collection_pct", _("代收费收缴率目标"), "decimal", "90", PCT, 0, 100),
    # FE-1 / QA-4: the property fee's current-period collection target.
    Policy("FE-1.collection_pct", _("物业费当期收缴率目标"), "decimal", "95", PCT, 0, 100),
    # FE-3, 民法典 944: the ladder's steps, in days after the due date.
    Policy("FE-3.reminder_days", _("逾期提醒（逾期天数）"), "int", 15, DAYS, 1, 365),
    Policy("FE-3.demand_days", _("书面催告（逾期天数）"), "int", 60, DAYS, 1, 730),
    Policy("FE-3.demand_pay_days", _("催告函限期缴纳天数"), "int", 15, DAYS, 7, 90),
    Policy("FE-3.committee_days", _("提请业委会督促（逾期天数）"), "int", 120, DAYS, 1, 1095),
    Policy("FE-3.legal_days", _("诉讼或仲裁（逾期天数）"), "int", 180, DAYS, 1, 1825),
)
