"""From the vital few to closure: the fishbone of a key item (SV-5) and the corrective and preventive
actions with owner, due date and verification (QA-3). Each write checks permission and state,
validates, runs atomically, logs and keeps its QA-3 clock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock, transitions, workdays
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_meet, deadline_open
from guanjia.core.errors import Conflict, ServiceError
from guanjia.engagement.models import Survey, SurveyItem
from guanjia.engagement.staff import is_staff_of

from ..choices import ActionKind, CauseCategory
from ..models import Action, Cause

RULE = "QA-3"
# SV-5 asks for causes "layer by layer until each is actionable": a bone's cause plus three
# levels of sub-causes is deeper than any office analysis in the source forms.
MAX_LEVELS = 4
TEXT_MAX = 200
ANALYSE = "quality.analyse"
VERIFY = "quality.verify_action"

OWNER_NOT_STAFF = gettext_lazy("责任人必须是本小区的工作人员；业主账户和其他小区的人员不能作为责任人（QA-3）。")


# --- Fishbone (SV-5) ---------------------------------------------------------------------------


def _clean_text(text) -> str:
    text = " ".join(str(text or "").split())
    if not text:
        raise ServiceError("invalid", _("请填写原因。"), field="text")
    if len(text) > TEXT_MAX:
        raise ServiceError("invalid", _("原因不能超过 %(n)s 字。") % {"n": TEXT_MAX}, field="text")
    return text


def _level(cause: Cause) -> int:
    level, node = 1, cause
    while node.parent_id:
        node = node.parent
        level += 1
    return level


def cause_add(*, item: SurveyItem, actor, category: str = "", text: str, parent: Cause | None = None) -> Cause:
    """A cause on one of the five bones, or a sub-cause of `parent` (SV-5, layer by layer)."""
    community = item.survey.community
    require(actor, ANALYSE, community)
    text = _clean_text(text)
    if parent is not None:
        if parent.item_id != item.pk:
            raise ServiceError("invalid", _("上级原因不属于该评议项目。"), field="parent")
        if _level(parent) >= MAX_LEVELS:
            raise ServiceError(
                "invalid", _("原因最多分 %(n)s 层，请在上一层补充。") % {"n": MAX_LEVELS}, field="parent"
            )
        category = parent.category  # a sub-cause stays on its parent's bone
    elif category not in CauseCategory.values:
        raise ServiceError("invalid", _("请选择原因类别（人、机、料、法、环）。"), field="category")
    siblings = Cause.objects.filter(item=item, parent=parent, category=category)
    if siblings.filter(text=text).exists():
        raise ServiceError("duplicate", _("同一层已有相同的原因“%(t)s”。") % {"t": text}, field="text")
    with transaction.atomic():
        cause = Cause(item=item, category=category, parent=parent, text=text, position=siblings.count() + 1)
        cause.full_clean()
        cause.save()
        log(
            actor,
            "quality.cause.added",
            item.survey,
            community=community,
            summary=_("因果分析：%(i)s · %(c)s · %(t)s")
            % {"i": item.text, "c": CauseCategory(category).label, "t": text},
            item=item.pk,
            cause=cause.pk,
        )
    return cause


def cause_update(*, cause: Cause, actor, text: str) -> Cause:
    survey = cause.item.survey
    require(actor, ANALYSE, survey.community)
    text = _clean_text(text)
    clash = Cause.objects.filter(item=cause.item_id, parent=cause.parent_id, category=cause.category, text=text)
    if clash.exclude(pk=cause.pk).exists():
        raise ServiceError("duplicate", _("同一层已有相同的原因“%(t)s”。") % {"t": text}, field="text")
    old = cause.text
    with transaction.atomic():
        cause.text = text
        cause.full_clean()
        cause.save(update_fields=["text"])
        log(
            actor,
            "quality.cause.updated",
            survey,
            community=survey.community,
            summary=_("修改原因：%(o)s → %(t)s") % {"o": old, "t": text},
            cause=cause.pk,
        )
    return cause


def _subtree_ids(cause: Cause) -> list[int]:
    rows = list(Cause.objects.filter(item=cause.item_id).values_list("pk", "parent_id"))
    kids: dict = defaultdict(list)
    for pk, parent in rows:
        kids[parent].append(pk)
    out, todo = [], [cause.pk]
    while todo:
        pk = todo.pop()
        out.append(pk)
        todo.extend(kids.get(pk, []))
    return out


def cause_delete(*, cause: Cause, actor) -> None:
    """Remove a cause and its sub-causes; refused while a measure hangs on any of them (QA-3)."""
    survey = cause.item.survey
    require(actor, ANALYSE, survey.community)
    ids = _subtree_ids(cause)
    if Action.objects.filter(cause_id__in=ids).exists():
        raise Conflict(
            "has_actions",
            _("原因“%(t)s”（或其下级原因）已制定纠正/预防措施，不能删除；请先处理相关措施。") % {"t": cause.text},
            field="cause",
        )
    with transaction.atomic():
        text = cause.text
        cause.delete()
        log(
            actor,
            "quality.cause.deleted",
            survey,
            community=survey.community,
            summary=_("删除原因：%(t)s（含下级 %(n)s 条）") % {"t": text, "n": len(ids) - 1},
        )


# --- Corrective and preventive actions (QA-3) --------------------------------------------------


def _check_due(due_on) -> dt.datetime:
    if not isinstance(due_on, dt.date):
        raise ServiceError("invalid", _("请填写完成期限。"), field="due_on")
    if due_on < workdays.today():
        raise ServiceError("invalid", _("完成期限不能早于今天。"), field="due_on")
    return workdays.deadline_end(due_on)


def _open_clock(action: Action) -> None:
    deadline_open(
        subject=action,
        rule=RULE,
        title=_("纠正/预防措施：%(p)s") % {"p": action.problem},
        due_at=workdays.deadline_end(action.due_on),
        owner=action.owner,
        community=action.community,
    )


def action_create(
    *,
    community,
    actor,
    kind: str = ActionKind.CORRECTIVE,
    problem: str,
    measure: str,
    owner,
    due_on: dt.date,
    survey: Survey | None = None,
    item: SurveyItem | None = None,
    cause: Cause | None = None,
    cause_text: str = "",
) -> Action:
    """A measure with its owner and due date; the QA-3 clock runs to 24:00 of the due date."""
    require(actor, ANALYSE, community)
    if kind not in ActionKind.values:
        raise ServiceError("invalid", _("请选择措施类型。"), field="kind")
    if cause is not None:
        item = item or cause.item
        if cause.item_id != item.pk:
            raise ServiceError("invalid", _("所选原因不属于该评议项目。"), field="cause")
        cause_text = (cause_text or "").strip() or cause.text
    if item is not None:
        survey = survey or item.survey
        if item.survey_id != survey.pk:
            raise ServiceError("invalid", _("评议项目不属于该问卷。"), field="item")
    if survey is not None and survey.community_id != getattr(community, "pk", community):
        raise ServiceError("invalid", _("问卷不属于本小区。"), field="survey")
    problem = " ".join((problem or "").split()) or (item.text if item else "")
    if not problem:
        raise ServiceError("invalid", _("请填写存在的问题。"), field="problem")
    measure = (measure or "").strip()
    if not measure:
        raise ServiceError("invalid", _("请填写措施内容。"), field="measure")
    if not is_staff_of(owner, community):  # QA-3: never an owner's portal account, nor another community's staff
        raise ServiceError("owner_not_staff", str(OWNER_NOT_STAFF), field="owner")
    _check_due(due_on)
    with transaction.atomic():
        action = Action(
            community_id=getattr(community, "pk", community),
            kind=kind,
            survey=survey,
            item=item,
            cause=cause,
            problem=problem[:200],
            cause_text=(cause_text or "").strip()[:200],
            measure=measure,
            owner=owner,
            due_on=due_on,
            created_by=actor,
        )
        action.full_clean(exclude=["status"])  # the state machine owns it
        action.save()
        _open_clock(action)
        log(
            actor,
            "quality.action.created",
            action,
            community=action.community,
            summary=_("%(k)s：%(p)s，期限 %(d)s") % {"k": ActionKind(kind).label, "p": action.problem, "d": due_on},
            owner=owner.pk,
        )
    return action


def action_complete(*, action: Action, actor, note: str) -> Action:
    """The owner (or an analyst) reports the measure done; the QA-3 clock is met. Verification follows."""
    transitions.check(action, "complete", actor)
    note = (note or "").strip()
    if not note:
        raise ServiceError("invalid", _("请填写完成情况。"), field="note")
    now = clock.now()
    with transaction.atomic():
        transitions.fire(action, "complete")
        action.done_at = now
        action.done_note = note
        action.full_clean(exclude=["status"])  # the state machine owns it
        action.save()
        deadline_meet(action, RULE, at=now, by=actor)
        log(actor, "quality.action.done", action, community=action.community, summary=_("措施已完成，待验证"))
    return action


def action_verify(
    *, action: Action, actor, effective: bool, verification: str, new_due_on: dt.date | None = None
) -> Action:
    """Check the measure worked (QA-3). Not effective: back to open with a new due date and clock."""
    name = "verify" if effective else "reopen"
    transitions.check(action, name, actor)
    verification = (verification or "").strip()
    if not verification:
        raise ServiceError("invalid", _("请填写验证结果。"), field="verification")
    if not effective:
        if new_due_on is None:
            raise ServiceError("invalid", _("措施验证无效时，请给出新的完成期限。"), field="new_due_on")
        try:
            _check_due(new_due_on)
        except ServiceError as error:
            error.field = "new_due_on"
            raise
    now = clock.now()
    with transaction.atomic():
        transitions.fire(action, name)
        action.verification = verification
        action.verified_at = now
        action.verified_by = actor
        if not effective:
            action.due_on = new_due_on
            action.done_at = None
        action.full_clean(exclude=["status"])  # the state machine owns it
        action.save()
        if not effective:
            _open_clock(action)
        log(
            actor,
            "quality.action.verified" if effective else "quality.action.reopened",
            action,
            community=action.community,
            summary=_("验证有效") if effective else _("验证无效，重新整改，期限 %(d)s") % {"d": new_due_on},
            verification=verification,
        )
    return action


def may_complete(user, action: Action) -> bool:
    return transitions.can(action, "complete", user)


__all__ = [
    "MAX_LEVELS",
    "OWNER_NOT_STAFF",
    "RULE",
    "action_complete",
    "action_create",
    "action_verify",
    "cause_add",
    "cause_delete",
    "cause_update",
    "may_complete",
]
