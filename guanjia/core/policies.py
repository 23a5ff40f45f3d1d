"""Per-community rule numbers (DESIGN.md §3).

DEFAULTS is the one table of every number RULES.md gives, each citing its rule.
`policy(community, key)` returns the community's value or the rulebook default;
an office manager changes it with `policy_set`, which validates and logs.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .access import require
from .activity import log
from .errors import ServiceError
from .models import Community, PolicySetting


@dataclass(frozen=True)
class Policy:
    key: str
    label: Any
    kind: str  # "int" | "decimal" | "time" | "months" | "tiers" | "bool"
    default: Any
    unit: Any = ""
    minimum: float | None = 0
    maximum: float | None = None

    @property
    def rule(self) -> str:
        return self.key.split(".", 1)[0]


_P = Policy
HOURS, DAYS, WORKDAYS, PCT, DAY_OF_MONTH, TIMES = _("小时"), _("天"), _("工作日"), "%", _("日"), _("次")

DEFAULTS: dict[str, Policy] = {
    p.key: p
    for p in [
        # Reception and repairs
        _P("RC-2.weekday_open", _("工作日接待开始"), "time", "09:00"),
        _P("RC-2.weekday_close", _("工作日接待结束"), "time", "21:00"),
        _P("RC-2.weekend_open", _("周末接待开始"), "time", "09:00"),
        _P("RC-2.weekend_close", _("周末接待结束"), "time", "17:00"),
        _P("RC-3.reply_hours", _("投诉答复时限"), "int", 72, HOURS, 1),
        _P("RC-4.safety_days", _("安全设施维修回访时限"), "int", 2, DAYS, 1),
        _P("RC-4.leak_days", _("渗漏水维修回访时限"), "int", 3, DAYS, 1),
        _P("RC-4.other_days", _("其他维修回访时限"), "int", 7, DAYS, 1),
        _P("RC-4.spot_checks", _("经理每月抽查回访数"), "int", 5, TIMES),
        _P("RC-5.hours", _("整改通知书下达时限"), "int", 24, HOURS, 1),
        # RC-5 times the written notice only; the fix itself needs its own period (house default,
        # the issuer may set another date on each notice).
        _P("RC-5.fix_days", _("整改完成期限（默认）"), "int", 3, DAYS, 1),
        _P("RC-8.response_hours", _("报修响应时限"), "int", 2, HOURS, 1),
        _P("RC-8.civil_days", _("土建维修完成时限"), "int", 3, DAYS, 1),
        _P("RC-8.timeliness_pct", _("零修及时率目标"), "decimal", "95", PCT, 0, 100),
        _P("RC-8.pass_pct", _("零修合格率目标"), "decimal", "98", PCT, 0, 100),
        _P("RC-8.visit_minutes", _("入户维修时长上限"), "int", 30, _("分钟"), 1),
        _P("RC-9.complaint_callback_pct", _("投诉回访率"), "decimal", "100", PCT, 0, 100),
        _P("RC-9.special_callback_pct", _("特约服务回访率"), "decimal", "90", PCT, 0, 100),
        _P("RC-10.summary_day", _("月度投诉汇总公布日"), "int", 5, DAY_OF_MONTH, 1, 28),
        # Register and archives
        _P("PR-4.review_day", _("产权/租赁清单审核日"), "int", 5, DAY_OF_MONTH, 1, 28),
        _P("AR-2.handover_day", _("上月档案移交日"), "int", 5, DAY_OF_MONTH, 1, 28),
        # Renovation
        _P("RN-3.review_days", _("装修审批时限"), "int", 2, DAYS, 1),
        _P("RN-8.patrols_per_day", _("装修巡查次数/日"), "int", 2, TIMES, 1),
        _P("RN-8.complaint_rate_pct", _("装修投诉率上限"), "decimal", "0.5", PCT, 0, 100),
        _P("RN-9.spot_checks", _("经理每月抽查装修次数"), "int", 4, TIMES),
        _P("RN-12.report_hours", _("违规装修上报时限"), "int", 24, HOURS, 1),
        # Move-in
        _P("MI-5.batch_checks", _("集中入伙期每月抽查"), "int", 4, TIMES),
        _P("MI-5.normal_checks", _("平时每月抽查"), "int", 1, TIMES),
        # Surveys
        _P("SV-1.sample_pct", _("季度评议抽样比例"), "decimal", "20", PCT, 0, 100),
        # SV-1 "handed out mid of the quarter's last month": earlier is flagged, not refused.
        _P("SV-1.issue_day", _("季度评议发放日（季末月中旬）"), "int", 15, DAY_OF_MONTH, 1, 28),
        _P("SV-1.collect_days", _("季度评议回收期"), "int", 15, DAYS, 1),
        _P("SV-1.summary_day", _("季度评议汇总上报日"), "int", 5, DAY_OF_MONTH, 1, 28),
        _P("SV-2.months", _("问卷调查月份"), "months", [6, 12]),
        _P("SV-2.collect_workdays", _("问卷回收期"), "int", 15, WORKDAYS, 1),
        _P("SV-2.min_return_pct", _("问卷最低回收率"), "decimal", "60", PCT, 0, 100),
        _P("SV-3.penalty_points", _("回收率每低1个百分点扣减"), "decimal", "5", _("个百分点")),
        _P("SV-4.key_cumulative_pct", _("排列图关键项累计比例"), "decimal", "80", PCT, 0, 100),
        _P("SV-6.analysis_workdays", _("问卷统计分析时限"), "int", 30, WORKDAYS, 1),
        _P("SV-6.measures_workdays", _("整改措施公布时限"), "int", 30, WORKDAYS, 1),
        # Visits
        _P("VS-1.tiers", _("月度拜访比例（户数上限:比例）"), "tiers", [[300, 4], [500, 5], [800, 6], [None, 7]]),
        # VS-1, SV-1, SV-2 count "moved-in households": dwellings 住宅; shops only where this is on.
        _P("VS-1.count_shops", _("商铺计入已入住户数（VS-1 拜访、SV-1 评议、SV-2 问卷）"), "bool", False),
        _P("VS-2.latest_home_visit", _("上门拜访最晚时间"), "time", "22:00"),
        _P("VS-5.summary_day", _("月度拜访汇总日"), "int", 5, DAY_OF_MONTH, 1, 28),
        # Communication
        _P("CM-2.activity_months", _("公益活动间隔"), "int", 6, _("月"), 1),
        _P("CM-5.notice_days", _("业委会会议提前通知"), "int", 20, DAYS, 1),
        _P("CM-5.input_days", _("业主书面意见期限"), "int", 10, DAYS, 1),
        _P("CM-6.service_day", _("服务报告上报日"), "int", 10, DAY_OF_MONTH, 1, 28),
        _P("CM-6.finance_day", _("财务报告上报日"), "int", 15, DAY_OF_MONTH, 1, 28),
        _P("CM-6.publish_day", _("管理服务报告公布日"), "int", 20, DAY_OF_MONTH, 1, 28),
        _P("CM-7.forum_months", _("业主恳谈会间隔"), "int", 6, _("月"), 1),
        # Fees, facilities, quality
        _P("FE-2.collection_pct", _("代收费收缴率目标"), "decimal", "90", PCT, 0, 100),
        _P("FM-7.intact_pct", _("房屋完好率目标"), "decimal", "90", PCT, 0, 100),
        _P("QA-1.pass_score", _("服务质量合格分"), "int", 80, _("分"), 0, 100),
    ]
}


YES = ("是", "1", "true", "yes", "y", "on", "计入", "开")
NO = ("否", "0", "false", "no", "n", "off", "不计入", "关")


def _decode(spec: Policy, value: Any) -> Any:
    if spec.kind == "decimal":
        return Decimal(str(value))
    if spec.kind == "bool":
        return bool(value)
    return value


def policy(community: Community | int, key: str) -> Any:
    """The community's value of rule number `key` (e.g. "RC-4.leak_days")."""
    spec = DEFAULTS[key]
    cid = getattr(community, "pk", community)
    stored = PolicySetting.objects.filter(community_id=cid, key=key).values_list("value", flat=True).first()
    return _decode(spec, spec.default if stored is None else stored)


def policy_of_many(community_ids, key: str) -> dict[int, Any]:
    """One rule number for many communities in one query (comparison pages): {community id: value}."""
    spec = DEFAULTS[key]
    stored = dict(
        PolicySetting.objects.filter(community_id__in=community_ids, key=key).values_list("community_id", "value")
    )
    return {cid: _decode(spec, stored.get(cid, spec.default)) for cid in community_ids}


def policies_for(community: Community) -> list[tuple[Policy, Any, bool]]:
    """Every policy with the community's value and whether it differs from the default."""
    stored = dict(PolicySetting.objects.filter(community=community).values_list("key", "value"))
    return [(spec, _decode(spec, stored.get(key, spec.default)), key in stored) for key, spec in DEFAULTS.items()]


def parse_value(spec: Policy, raw: Any) -> Any:
    """Turn user input into the stored JSON value, or raise ServiceError naming the field."""
    text = str(raw).strip()
    err = ServiceError(
        "invalid_policy", _("“%(label)s”的取值无效：%(value)s") % {"label": spec.label, "value": text}, field=spec.key
    )
    try:
        if spec.kind == "int":
            value = int(text)
            number = value
        elif spec.kind == "decimal":
            number = Decimal(text)
            if not number.is_finite():
                raise err
            value = str(number.normalize()) if number == number.to_integral() else str(number)
        elif spec.kind == "time":
            dt.datetime.strptime(text, "%H:%M")
            return text
        elif spec.kind == "months":
            months = sorted({int(m) for m in text.replace("，", ",").split(",") if m.strip()})
            if not months or any(m < 1 or m > 12 for m in months):
                raise err
            return months
        elif spec.kind == "tiers":
            return _parse_tiers(text, err)
        elif spec.kind == "bool":
            if text.lower() in YES:
                return True
            if text.lower() in NO:
                return False
            raise err
        else:  # pragma: no cover - a programming error in DEFAULTS
            raise err
    except (ValueError, InvalidOperation):
        raise err from None
    if spec.minimum is not None and number < spec.minimum or spec.maximum is not None and number > spec.maximum:
        raise ServiceError(
            "policy_out_of_range",
            _("“%(label)s”应在 %(min)s 到 %(max)s 之间。")
            % {"label": spec.label, "min": spec.minimum, "max": spec.maximum if spec.maximum is not None else "∞"},
            field=spec.key,
        )
    return value


def _parse_tiers(text: str, err: ServiceError) -> list:
    """ "300:4, 500:5, 800:6, *:7" → [[300, 4], [500, 5], [800, 6], [None, 7]] (VS-1)."""
    tiers = []
    for part in text.replace("，", ",").replace("：", ":").split(","):
        if not part.strip():
            continue
        upto, _sep, pct = part.partition(":")
        upto = upto.strip()
        tiers.append([None if upto in {"*", ""} else int(upto), float(pct) if "." in pct else int(pct)])
    bounds = [t[0] for t in tiers[:-1]]
    if not tiers or tiers[-1][0] is not None or None in bounds or bounds != sorted(bounds):
        raise err
    return tiers


def format_value(spec: Policy, value: Any) -> str:
    if spec.kind == "months":
        return ",".join(str(m) for m in value)
    if spec.kind == "tiers":
        return ", ".join(f"{'*' if upto is None else upto}:{pct}" for upto, pct in value)
    if spec.kind == "bool":
        return str(_("是")) if value else str(_("否"))
    return str(value)


def policy_set(*, community: Community, key: str, raw_value: Any, actor) -> Any:
    """Change one rule number for a community (office manager); the change is logged."""
    require(actor, "core.edit_policy", community)
    spec = DEFAULTS.get(key)
    if spec is None:
        raise ServiceError("unknown_policy", _("未知的规则项：%(key)s") % {"key": key}, field="key")
    value = parse_value(spec, raw_value)
    old = policy(community, key)
    with transaction.atomic():
        setting, _created = PolicySetting.objects.update_or_create(
            community=community, key=key, defaults={"value": value, "updated_by": actor}
        )
        log(
            actor,
            "core.policy.changed",
            setting,
            community=community,
            summary=f"{spec.label}: {format_value(spec, old)} → {format_value(spec, value)}",
            key=key,
            old=format_value(spec, old),
            new=format_value(spec, value),
        )
    return _decode(spec, value)
