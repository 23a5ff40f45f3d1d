"""Facilities' plan kinds on core's plan engine (core.plans): maintenance 设备维保 (FM-2) and patrols
巡检/巡更 (FM-3, FM-5), and the seeded checklist templates with their source.

A community's templates are created by `templates_seed` (on first use of the plan pages, or by the
demo): one checklist per template, marked as seeded. A plan that uses a statutory template may be
more frequent than its source requires, never less ("tighten, not loosen", FM-2): its longest gap
between two occurrences may not exceed the template's maximum, a per-community policy bounded by
the source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError
from guanjia.core.plans.models import Checklist, ChecklistItem, ItemKind, Plan
from guanjia.core.plans.services import PlanKind, occurrences
from guanjia.core.policies import policy

MAINTENANCE = "facilities.maintenance"
PATROL = "facilities.patrol"


@dataclass(frozen=True)
class Template:
    key: str
    kind: str
    title: Any
    source: Any
    items: tuple  # (label, ItemKind, photo required)
    max_days_policy: str = ""  # "" = not statutory: any frequency


P, N, T, PH = ItemKind.PASS_FAIL, ItemKind.NUMBER, ItemKind.TEXT, ItemKind.PHOTO
TEMPLATES = (
    Template(
        "lift_maintenance",
        MAINTENANCE,
        gettext_lazy("电梯半月维保"),
        gettext_lazy("特种设备安全监察条例第31条：电梯至少每15日进行一次清洁、润滑、调整和检查"),
        (
            (gettext_lazy("机房、轿厢、井道清洁"), P, False),
            (gettext_lazy("曳引机、导轨润滑"), P, False),
            (gettext_lazy("制动器、门锁调整与检查"), P, False),
            (gettext_lazy("紧急报警装置、应急照明"), P, False),
            (gettext_lazy("维保人员姓名及作业证号"), T, False),
            (gettext_lazy("维保记录签字页"), PH, True),
        ),
        "FM-2.lift_maintenance_max_days",
    ),
    Template(
        "lift_inspection",
        MAINTENANCE,
        gettext_lazy("电梯年度定期检验"),
        gettext_lazy("特种设备安全法第40条、TSG T7001：电梯每年定期检验，检验合格证置于轿厢"),
        (
            (gettext_lazy("检验机构及报告编号"), T, False),
            (gettext_lazy("检验结论合格"), P, False),
            (gettext_lazy("检验合格证张贴"), PH, True),
        ),
        "FM-2.lift_inspection_max_days",
    ),
    Template(
        "fire_check",
        MAINTENANCE,
        gettext_lazy("消防设施月度检查"),
        gettext_lazy("消防法第16条、GB 25201：建筑消防设施每月至少检查一次"),
        (
            (gettext_lazy("火灾报警控制器自检"), P, False),
            (gettext_lazy("消火栓箱、水带、水枪完好"), P, False),
            (gettext_lazy("消防泵房管网压力"), N, False),
            (gettext_lazy("灭火器压力与有效期"), P, False),
            (gettext_lazy("疏散指示、应急照明"), P, False),
        ),
        "FM-2.fire_check_max_days",
    ),
    Template(
        "water_tank",
        MAINTENANCE,
        gettext_lazy("二次供水水箱清洗消毒"),
        gettext_lazy("GB 17051、二次供水设施卫生规范：每半年至少清洗消毒一次，提前24小时通知住户，业主代表见证签字"),
        (
            (gettext_lazy("提前24小时通知住户"), P, False),
            (gettext_lazy("清洗消毒单位及人员健康证"), T, False),
            (gettext_lazy("水质检测余氯(mg/L)"), N, False),
            (gettext_lazy("业主见证人签字"), PH, True),
        ),
        "FM-2.water_tank_max_days",
    ),
    Template(
        "generator_run",
        MAINTENANCE,
        gettext_lazy("发电机试运行"),
        gettext_lazy("应急电源维护规程：定期空载试运行"),
        (
            (gettext_lazy("启动正常"), P, False),
            (gettext_lazy("运行时长(分钟)"), N, False),
            (gettext_lazy("油位、冷却液"), P, False),
        ),
    ),
    Template(
        "patrol_point",
        PATROL,
        gettext_lazy("巡更点检查"),
        gettext_lazy("FM-3、FM-5：公共区域巡查，发现问题及时处理或上报"),
        (
            (gettext_lazy("门窗、锁具完好，通道畅通"), P, False),
            (gettext_lazy("无安全隐患"), P, False),
            (gettext_lazy("情况说明"), T, False),
        ),
    ),
)
BY_KEY = {template.key: template for template in TEMPLATES}


def templates_seed(*, community, actor) -> list[Checklist]:
    """Create the community's checklists from TEMPLATES where missing (idempotent); returns them all."""
    from .models import SeededChecklist

    require(actor, "facilities.maintenance.manage", community)
    with transaction.atomic():
        have = {
            s.template: s.checklist
            for s in SeededChecklist.objects.filter(community=community).select_related("checklist")
        }
        for template in TEMPLATES:
            if template.key in have:
                continue
            checklist = Checklist.objects.create(
                community=community, kind=template.kind, title=str(template.title), source=str(template.source)[:200]
            )
            ChecklistItem.objects.bulk_create(
                ChecklistItem(checklist=checklist, position=i, label=str(label), kind=kind, photo_required=photo)
                for i, (label, kind, photo) in enumerate(template.items)
            )
            SeededChecklist.objects.create(community=community, checklist=checklist, template=template.key)
            log(actor, "facilities.template.seeded", checklist, summary=checklist.title)
            have[template.key] = checklist
    return [have[t.key] for t in TEMPLATES]


def longest_gap(plan: Plan) -> int | None:
    """The longest number of days between two consecutive occurrences in the plan's first two years
    (None: fewer than two occurrences)."""
    days = occurrences(plan, plan.starts_on, plan.starts_on + dt.timedelta(days=731))
    if len(days) < 2:
        return None
    return max((b - a).days for a, b in zip(days, days[1:], strict=False))


def check_plan(plan: Plan) -> None:
    """FM-2 "tighten, not loosen": a plan of a seeded statutory template may not be rarer than its maximum."""
    from .models import SeededChecklist

    if not plan.checklist_id:
        return
    seeded = SeededChecklist.objects.filter(checklist_id=plan.checklist_id).first()
    template = BY_KEY.get(seeded.template) if seeded else None
    if template is None or not template.max_days_policy:
        return
    maximum = policy(plan.community_id, template.max_days_policy)
    gap = longest_gap(plan)
    if gap is not None and gap > maximum:
        raise ServiceError(
            "too_rare",
            _("间隔：“%(title)s”依据%(source)s，两次之间最长%(max)s天，本计划最长%(gap)s天（FM-2，只能加密不能放宽）。")
            % {"title": template.title, "source": str(template.source).split("：")[0], "max": maximum, "gap": gap},
            field="interval",
        )


KINDS = (
    PlanKind(
        MAINTENANCE,
        gettext_lazy("设备维保"),
        manage="facilities.maintenance.manage",
        perform="facilities.maintenance.perform",
        check=check_plan,
    ),
    PlanKind(PATROL, gettext_lazy("巡检巡更"), manage="facilities.patrol.manage", perform="facilities.patrol.perform"),
)
KIND_KEYS = (MAINTENANCE, PATROL)
