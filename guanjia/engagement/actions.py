"""From the vital few to closure: the fishbone of a key item (SV-5), corrective and preventive
actions with owner, due date and verification (QA-3), and the measures posted on the bulletin
board within the SV-6 limit. Writes check permission, validate, run atomically and log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock, workdays
from guanjia.core.access import has_perm, require, roles_of
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_meet, deadline_open, deadlines_of
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.models import Deadline
from guanjia.core.roles import Role

from . import surveys
from .choices import ActionKind, ActionStatus, CauseCategory, SurveyStatus
from .models import Action, Cause, Survey, SurveyItem
from .staff import is_staff_of

RULE = "QA-3"
# SV-5 asks for causes "layer by layer until each is actionable": a bone's cause plus three
# levels of sub-causes is deeper than any office analysis in the source forms.
MAX_LEVELS = 4
TEXT_MAX = 200


# --- Fishbone (SV-5) ---------------------------------------------------------------------------


@dataclass
class CauseNode:
    """A cause with its sub-causes, for the page and the drawing."""

    cause: Cause
    level: int
    children: list[CauseNode] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.cause.text

    @property
    def actionable(self) -> bool:
        return bool(getattr(self.cause, "n_actions", 0))

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def cause_tree(item: SurveyItem) -> list[tuple[str, str, list[CauseNode]]]:
    """[(category, label, [top causes with their sub-causes])] for the five bones, in 人机料法环
    order; one query."""
    causes = list(item.causes.annotate(n_actions=Count("actions")).order_by("position", "id"))
    kids: dict = defaultdict(list)
    for c in causes:
        kids[c.parent_id].append(c)

    def build(cause: Cause, level: int) -> CauseNode:
        return CauseNode(cause, level, [build(k, level + 1) for k in kids.get(cause.pk, [])])

    bones = []
    for category in CauseCategory:
        tops = [build(c, 1) for c in kids.get(None, []) if c.category == category]
        bones.append((category.value, str(category.label), tops))
    return bones


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
    require(actor, "engagement.analyse", community)
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
            "engagement.cause.added",
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
    require(actor, "engagement.analyse", survey.community)
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
            "engagement.cause.updated",
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
    require(actor, "engagement.analyse", survey.community)
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
            "engagement.cause.deleted",
            survey,
            community=survey.community,
            summary=_("删除原因：%(t)s（含下级 %(n)s 条）") % {"t": text, "n": len(ids) - 1},
        )


# --- Corrective and preventive actions (QA-3) --------------------------------------------------


OWNER_NOT_STAFF = gettext_lazy("责任人必须是本小区的工作人员；业主账户和其他小区的人员不能作为责任人（QA-3）。")


def _due(community, due_on) -> dt.datetime:
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
    require(actor, "engagement.analyse", community)
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
    _due(community, due_on)
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
        action.full_clean()
        action.save()
        _open_clock(action)
        log(
            actor,
            "engagement.action.created",
            action,
            community=action.community,
            summary=_("%(k)s：%(p)s，期限 %(d)s") % {"k": ActionKind(kind).label, "p": action.problem, "d": due_on},
            owner=owner.pk,
        )
    return action


def action_complete(*, action: Action, actor, note: str) -> Action:
    """The owner reports the measure done; the QA-3 clock is met. Verification follows."""
    if actor != action.owner:
        require(actor, "engagement.analyse", action.community_id)
    if action.status != ActionStatus.OPEN:
        raise Conflict("not_open", _("该措施不在进行中，不能再报完成。"), field="note")
    note = (note or "").strip()
    if not note:
        raise ServiceError("invalid", _("请填写完成情况。"), field="note")
    now = clock.now()
    with transaction.atomic():
        action.status = ActionStatus.DONE
        action.done_at = now
        action.done_note = note
        action.full_clean()
        action.save(update_fields=["status", "done_at", "done_note"])
        deadline_meet(action, RULE, at=now, by=actor)
        log(actor, "engagement.action.done", action, community=action.community, summary=_("措施已完成，待验证"))
    return action


def action_verify(
    *, action: Action, actor, effective: bool, verification: str, new_due_on: dt.date | None = None
) -> Action:
    """Check the measure worked (QA-3). Not effective: back to open with a new due date and clock."""
    require(actor, "engagement.verify_action", action.community_id)
    if action.status != ActionStatus.DONE:
        raise Conflict("not_done", _("措施完成后才能验证。"), field="verification")
    verification = (verification or "").strip()
    if not verification:
        raise ServiceError("invalid", _("请填写验证结果。"), field="verification")
    now = clock.now()
    if not effective:
        if new_due_on is None:
            raise ServiceError("invalid", _("措施验证无效时，请给出新的完成期限。"), field="new_due_on")
        try:
            _due(action.community, new_due_on)
        except ServiceError as error:
            error.field = "new_due_on"
            raise
    with transaction.atomic():
        action.verification = verification
        action.verified_at = now
        action.verified_by = actor
        if effective:
            action.status = ActionStatus.VERIFIED
        else:
            action.status = ActionStatus.OPEN
            action.due_on = new_due_on
            action.done_at = None
        action.full_clean()
        action.save()
        if not effective:
            _open_clock(action)
        log(
            actor,
            "engagement.action.verified" if effective else "engagement.action.reopened",
            action,
            community=action.community,
            summary=_("验证有效") if effective else _("验证无效，重新整改，期限 %(d)s") % {"d": new_due_on},
            verification=verification,
        )
    return action


def may_complete(user, action: Action) -> bool:
    return action.status == ActionStatus.OPEN and (
        user == action.owner or has_perm(user, "engagement.analyse", action.community_id)
    )


# --- Selectors ---------------------------------------------------------------------------------


def _action_ct():
    return ContentType.objects.get_for_model(Action)


def with_overdue(queryset, now=None):
    """Annotate `overdue`: a pending QA-3 clock past its due time (derived from the clock)."""
    late = Deadline.objects.overdue(now).filter(
        rule=RULE,
        subject_type=_action_ct(),
        subject_id=Cast(OuterRef("pk"), output_field=Deadline._meta.get_field("subject_id")),
    )
    return queryset.annotate(overdue=Exists(late))


def actions_list(queryset):
    return queryset.select_related("owner", "survey", "item", "cause")


def attach_clocks(actions) -> None:
    """Set `.clock` on each action: its latest QA-3 deadline with its state (one query)."""
    actions = list(actions)
    if not actions:
        return
    rows = Deadline.objects.filter(
        rule=RULE, subject_type=_action_ct(), subject_id__in=[str(a.pk) for a in actions]
    ).with_state()
    latest = {}
    for d in rows.order_by("id"):
        latest[d.subject_id] = d
    for a in actions:
        a.clock = latest.get(str(a.pk))


def action_clocks(action: Action):
    return deadlines_of(action).filter(rule=RULE)


def responsible_label(action: Action) -> str:
    """Who answers for a measure on the public notice: the office and a role, never a person."""
    roles = roles_of(action.owner, action.community_id) - {Role.COMPANY_ADMIN}
    order = [r for r in Role if r in roles]
    return _("管理处") + (f" / {order[0].label}" if order else "")


# --- Measures published on time (SV-6) ---------------------------------------------------------


@dataclass
class KeyItemMeasures:
    item: SurveyItem
    dissatisfied: int
    actions: list


def measures_of(survey: Survey) -> list[KeyItemMeasures]:
    """The key items of the survey's Pareto (SV-4), each with its actions."""
    _result, rows = surveys.results(survey)
    counts = {r.item: r.dissatisfied for r in rows}
    keys = [i for i in survey.items.all() if any(r.key and r.item == i.text for r in rows)]
    acts: dict = defaultdict(list)
    for a in actions_list(survey.actions.filter(item__in=[i.pk for i in keys])).order_by("due_on", "id"):
        acts[a.item_id].append(a)
    return [KeyItemMeasures(i, counts.get(i.text, 0), acts.get(i.pk, [])) for i in keys]


def survey_publish_measures(*, survey: Survey, actor) -> Survey:
    """Post the measures on the bulletin board (SV-6): every key item needs at least one measure
    (SV-4); the SV-6.measures clock is met."""
    require(actor, "engagement.survey_manage", survey.community_id)
    if survey.status not in (SurveyStatus.ISSUED, SurveyStatus.CLOSED, SurveyStatus.PUBLISHED):
        raise Conflict("invalid", _("问卷发放后才能公布整改措施。"), field="status")
    if survey.measures_published_at:
        raise Conflict(
            "published",
            _("整改措施已于 %(d)s 公布。") % {"d": f"{timezone.localtime(survey.measures_published_at):%Y-%m-%d}"},
            field="status",
        )
    missing = [m.item.text for m in measures_of(survey) if not m.actions]
    if missing:
        raise ServiceError(
            "missing_measures",
            _("以下重点改进项目尚未制定措施：%(items)s（SV-4：每个重点项目都要做原因分析并制定措施）。")
            % {"items": "、".join(missing)},
            field="status",
        )
    now = clock.now()
    with transaction.atomic():
        survey.measures_published_at = now
        survey.save(update_fields=["measures_published_at"])
        deadline_meet(survey, "SV-6.measures", at=now, by=actor)
        log(
            actor, "engagement.survey.measures_published", survey, community=survey.community, summary=_("公布整改措施")
        )
    return survey
