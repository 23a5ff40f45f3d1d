"""Writing the activity log (DESIGN.md §6), and reading an entry as a sentence.

An entry stores a stable verb (`servicedesk.ticket.dispatched`) and a summary worded by the
service ("派单给 王伟"). Shown, the summary is read back in the reader's language (core.system_text);
an entry without one reads as its verb's sentence ("已派单"). Some summaries are what a person
typed (a call's content, a document's title): those are shown as typed, after the verb's sentence.

VERBS is the one table of verb sentences, as policies.DEFAULTS is of rule numbers; an app adds
its own with `describe()` (a verb not described reads as the verb itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext
from django.utils.translation import pgettext_lazy as _p

from . import system_text
from .models import ActivityLog


def log(actor, verb: str, subject=None, *, community=None, household=None, summary: str = "", **data) -> ActivityLog:
    """Record that `actor` did `verb` to `subject`; `household` is the estates.Room it concerns."""
    if community is None and subject is not None:
        community = getattr(subject, "community", None)
    return ActivityLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        community=community,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
        household_id=getattr(household, "pk", household),
        summary=str(summary)[:300],
        data=data,
    )


@dataclass(frozen=True)
class Verb:
    sentence: object  # lazy: what happened, in the past tense ("已派单")
    typed: bool = False  # the summary is a person's words (shown as typed, after the sentence)
    render: Callable[[ActivityLog], str] | None = None  # reads the entry from its data instead


def _policy_changed(entry: ActivityLog) -> str:
    from .policies import DEFAULTS

    spec = DEFAULTS.get(entry.data.get("key", ""))
    if spec is None or "old" not in entry.data or "new" not in entry.data:
        return system_text.translate(entry.summary) or str(VERBS["core.policy.changed"].sentence)
    return f"{spec.label}: {entry.data['old']} → {entry.data['new']}"


_V = Verb
VERBS: dict[str, Verb] = {
    # core
    "core.policy.changed": _V(_p("activity", "修改规则参数"), render=_policy_changed),
    "core.membership.granted": _V(_p("activity", "授予岗位")),
    "core.membership.changed": _V(_p("activity", "调整岗位")),
    "core.membership.revoked": _V(_p("activity", "撤销岗位")),
    "core.holiday.added": _V(_p("activity", "录入节假日"), typed=True),
    "core.holiday.deleted": _V(_p("activity", "删除节假日"), typed=True),
    "core.holiday.imported": _V(_p("activity", "录入节假日安排")),
    "core.approval_chain.changed": _V(_p("activity", "修改审批流程")),
    "core.approval.started": _V(_p("activity", "提交审批")),
    "core.approval.approved": _V(_p("activity", "审批通过")),
    "core.approval.returned": _V(_p("activity", "审批退回")),
    "core.approval.cancelled": _V(_p("activity", "撤回审批")),
    "core.document.issued": _V(_p("activity", "开具单据")),
    "core.duty.met": _V(_p("activity", "完成定期事项")),
    "core.plan.created": _V(_p("activity", "制定计划"), typed=True),
    "core.plan.updated": _V(_p("activity", "修改计划"), typed=True),
    "core.task.started": _V(_p("activity", "开始执行任务"), typed=True),
    "core.task.done": _V(_p("activity", "完成任务"), typed=True),
    "core.task.handed_over": _V(_p("activity", "转交任务"), typed=True),
    # estates
    "estates.room.created": _V(_p("activity", "登记房屋")),
    "estates.room.updated": _V(_p("activity", "修改房屋资料")),
    "estates.room.use_changed": _V(_p("activity", "变更房屋用途")),
    "estates.room.imported": _V(_p("activity", "导入房屋")),
    "estates.person.created": _V(_p("activity", "登记人员")),
    "estates.person.updated": _V(_p("activity", "修改人员资料")),
    "estates.person.id_viewed": _V(_p("activity", "查看完整证件号")),
    "estates.ownership.registered": _V(_p("activity", "登记产权")),
    "estates.ownership.transferred": _V(_p("activity", "产权转移")),
    "estates.lease.created": _V(_p("activity", "登记租赁")),
    "estates.lease.ended": _V(_p("activity", "退租")),
    "estates.lease.imported": _V(_p("activity", "导入租赁")),
    "estates.resident.added": _V(_p("activity", "登记住户")),
    "estates.resident.removed": _V(_p("activity", "住户迁出")),
    "estates.document.uploaded": _V(_p("activity", "上传档案")),
    "estates.document.viewed": _V(_p("activity", "查看档案"), typed=True),
    "estates.import.previewed": _V(_p("activity", "上传导入文件")),
    "estates.import.committed": _V(_p("activity", "导入数据")),
    "estates.import.bad_rows_exported": _V(_p("activity", "下载问题行")),
    "estates.register.reviewed": _V(_p("activity", "审核月度清单")),
    "estates.register.exported": _V(_p("activity", "导出数据")),
    # servicedesk
    "servicedesk.ticket.received": _V(_p("activity", "受理工单")),
    "servicedesk.ticket.escalated": _V(_p("activity", "升级为重大投诉")),
    "servicedesk.ticket.dispatched": _V(_p("activity", "已派单")),
    "servicedesk.ticket.arrived": _V(_p("activity", "维修人员到场")),
    "servicedesk.ticket.completed": _V(_p("activity", "已完工")),
    "servicedesk.ticket.passed": _V(_p("activity", "验收合格")),
    "servicedesk.ticket.failed": _V(_p("activity", "验收不合格，返修")),
    "servicedesk.ticket.closed": _V(_p("activity", "工单关闭")),
    "servicedesk.ticket.replied": _V(_p("activity", "已答复")),
    "servicedesk.ticket.cancelled": _V(_p("activity", "工单取消")),
    "servicedesk.ticket.rated": _V(_p("activity", "业主已评价")),
    "servicedesk.ticket.service_item": _V(_p("activity", "选定特约服务项目")),
    "servicedesk.callback.recorded": _V(_p("activity", "已回访")),
    "servicedesk.rectification.issued": _V(_p("activity", "下达整改通知书")),
    "servicedesk.rectification.closed": _V(_p("activity", "整改完成")),
    "servicedesk.call.recorded": _V(_p("activity", "来电来访登记"), typed=True),
    "servicedesk.spotcheck.drawn": _V(_p("activity", "抽取回访复核")),
    "servicedesk.spotcheck.recorded": _V(_p("activity", "回访抽查")),
    "servicedesk.summary.prepared": _V(_p("activity", "编制投诉月度汇总")),
    "servicedesk.summary.approved": _V(_p("activity", "批准投诉月度汇总")),
    "servicedesk.summary.published": _V(_p("activity", "公布投诉月度汇总")),
    "servicedesk.service_item.created": _V(_p("activity", "新增特约服务项目")),
    "servicedesk.service_item.changed": _V(_p("activity", "修改特约服务项目")),
    "servicedesk.service_item.retired": _V(_p("activity", "停止公示特约服务项目")),
    # engagement
    "engagement.visit.recorded": _V(_p("activity", "业户拜访")),
    "engagement.visit.feedback": _V(_p("activity", "已向业户反馈")),
    "engagement.visit.ticket": _V(_p("activity", "拜访意见转工单")),
    "engagement.visit_summary.prepared": _V(_p("activity", "编制业户拜访汇总")),
    "engagement.visit_summary.submitted": _V(_p("activity", "报送业户拜访汇总")),
    "engagement.survey.created": _V(_p("activity", "新建问卷"), typed=True),
    "engagement.survey.items": _V(_p("activity", "修改评议项目")),
    "engagement.survey.drawn": _V(_p("activity", "确定发放对象")),
    "engagement.survey.issued": _V(_p("activity", "发放问卷")),
    "engagement.survey.topped_up": _V(_p("activity", "补发问卷")),
    "engagement.survey.closed": _V(_p("activity", "截止回收")),
    "engagement.survey.published": _V(_p("activity", "公布统计结果")),
    "engagement.survey.measures_published": _V(_p("activity", "公布整改措施")),
    "engagement.sheet.returned": _V(_p("activity", "回收答卷")),
    "engagement.sheet.corrected": _V(_p("activity", "更正答卷")),
    "engagement.sheet.answered": _V(_p("activity", "业主在线填写问卷")),
    "engagement.sheet.draft_started": _V(_p("activity", "业主开始填写问卷")),
    "engagement.sheets.imported": _V(_p("activity", "导入答卷")),
    "engagement.cause.added": _V(_p("activity", "因果分析")),
    "engagement.cause.updated": _V(_p("activity", "修改原因")),
    "engagement.cause.deleted": _V(_p("activity", "删除原因")),
    "engagement.action.created": _V(_p("activity", "制定纠正预防措施")),
    "engagement.action.done": _V(_p("activity", "措施已完成")),
    "engagement.action.verified": _V(_p("activity", "措施验证有效")),
    "engagement.action.reopened": _V(_p("activity", "措施验证无效，重新整改")),
    # portal
    "portal.account.activated": _V(_p("activity", "开通业主账号")),
}


def describe(verb: str, sentence, *, typed: bool = False, render: Callable[[ActivityLog], str] | None = None) -> None:
    """Declare how an app's verb reads (call from its AppConfig.ready())."""
    VERBS[verb] = Verb(sentence, typed=typed, render=render)


def verb_sentence(verb: str) -> str:
    described = VERBS.get(verb)
    return str(described.sentence) if described else verb


def entry_text(entry: ActivityLog) -> str:
    """The entry as one line in the reader's language: "Dispatched to 王伟", "Call logged: 楼上漏水"."""
    described = VERBS.get(entry.verb)
    if described is not None and described.render is not None:
        return described.render(entry)
    if not entry.summary:
        return verb_sentence(entry.verb)
    if described is not None and described.typed:
        return gettext("%(action)s：%(detail)s") % {"action": described.sentence, "detail": entry.summary}
    return system_text.translate(entry.summary)
