"""The plan engine's writes: plans, task generation by the calendar, results, completion, hand-over.

A plan kind is registered by the app that owns such plans (facilities: maintenance and patrols;
renovations: site patrols); it names the actions that may manage its plans and perform its tasks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil import rrule
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import clock, workdays
from ..access import has_perm, require, roles_of
from ..activity import log
from ..errors import Conflict, Forbidden, ServiceError
from ..models import Membership
from .models import ItemKind, OnHoliday, Plan, PlanTarget, ScanMethod, Task, TaskResult, TaskStatus


@dataclass(frozen=True)
class PlanKind:
    key: str  # "facilities.maintenance"
    title: Any
    manage: str  # the action that may create and change such plans and hand their tasks over
    perform: str  # the action that may carry out their tasks (besides the person assigned)
    # The owning app's own rule on a plan of this kind, run by plan_create and plan_update once
    # the plan is valid and before it is saved; it raises ServiceError naming the field.
    check: Callable[[Plan], None] | None = None


KINDS: dict[str, PlanKind] = {}


def register_kind(kind: PlanKind) -> None:
    known = KINDS.get(kind.key)
    if known is not None and known != kind:
        raise ValueError(f"plan kind {kind.key} is registered twice, differently")
    KINDS[kind.key] = kind


def unregister_kind(key: str) -> None:
    KINDS.pop(key, None)


def kind_of(plan: Plan) -> PlanKind:
    try:
        return KINDS[plan.kind]
    except KeyError:
        raise ServiceError(
            "unknown_kind", _("计划类别：“%(kind)s”未登记。") % {"kind": plan.kind}, field="kind"
        ) from None


# --- Recurrence -------------------------------------------------------------------------------------

_FREQ = {"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY, "yearly": rrule.YEARLY}


def _rule(plan: Plan, start: dt.date) -> rrule.rrule:
    """The plan's recurrence, its first date moved forward to near `start` where that keeps the
    pattern (whole intervals of days or weeks), so a plan running for years is not replayed."""
    first = plan.starts_on
    if plan.frequency in ("daily", "weekly") and start > first:
        step = plan.interval * (1 if plan.frequency == "daily" else 7)
        first += dt.timedelta(days=(start - first).days // step * step)
    kwargs: dict[str, Any] = {"dtstart": dt.datetime.combine(first, dt.time.min), "interval": plan.interval}
    if plan.ends_on:
        kwargs["until"] = dt.datetime.combine(plan.ends_on, dt.time.min)
    if plan.weekday_list():
        kwargs["byweekday"] = [d - 1 for d in plan.weekday_list()]
    if plan.monthday_list():
        kwargs["bymonthday"] = plan.monthday_list()
    if plan.month_list():
        kwargs["bymonth"] = plan.month_list()
    return rrule.rrule(_FREQ[plan.frequency], **kwargs)


def occurrences(plan: Plan, start: dt.date, end: dt.date) -> list[dt.date]:
    """The plan's nominal dates from `start` to `end`, both included (before the holiday rule).
    A day of the month a month lacks (the 31st) is skipped that month, as rrule does."""
    if end < start:
        return []
    rule = _rule(plan, start)
    return [d.date() for d in rule.between(*(dt.datetime.combine(x, dt.time.min) for x in (start, end)), inc=True)]


def _next_after(plan: Plan, day: dt.date) -> dt.date | None:
    following = _rule(plan, day).after(dt.datetime.combine(day, dt.time.min))
    return following.date() if following else None


def _window(plan: Plan, day: dt.date, calendar) -> tuple[dt.datetime, dt.datetime] | None:
    """Where the task of nominal date `day` falls once the holiday rule is applied (None: skipped)."""
    if plan.on_holiday != OnHoliday.KEEP and not calendar.is_workday(day):
        if plan.on_holiday == OnHoliday.SKIP:
            return None
        day = calendar.add(day, 1)
    start = timezone.make_aware(dt.datetime.combine(day, plan.window_start))
    return start, start + dt.timedelta(hours=plan.window_hours)


def _tasks_of(plan: Plan, days: list[dt.date], calendar) -> Iterable[Task]:
    windows = {day: _window(plan, day, calendar) for day in days}
    following = days[1:] + [_next_after(plan, days[-1])] if days else []
    for day, after in zip(days, following, strict=True):
        window = windows[day]
        if window is None:
            continue
        start, end = window
        if after is None:  # the plan's last task: missed one window after its end
            missed = end + (end - start)
        else:
            next_window = windows.get(after) or _window(plan, after, calendar)
            missed = max(end, next_window[0] if next_window else end)
        yield Task(
            community_id=plan.community_id,
            plan=plan,
            occurs_on=day,
            window_start=start,
            window_end=end,
            missed_at=missed,
            assignee_id=plan.assignee_id,
            assignee_role=plan.assignee_role,
        )


def tasks_generate(*, community=None, plans: Iterable[Plan] | None = None, now: dt.datetime | None = None) -> int:
    """Make every task owed up to each active plan's horizon (today + its days ahead); idempotent.

    Called by the task lists before they read and by a periodic task: both give the same rows."""
    now = now or clock.now()
    today = timezone.localdate(now)
    if plans is None:
        plans = Plan.objects.filter(active=True)
        if community is not None:
            plans = plans.filter(community=community)
    calendar = workdays.calendar()
    made, horizons = [], defaultdict(list)
    for plan in plans:
        horizon = today + dt.timedelta(days=plan.ahead_days)
        if plan.ends_on:
            horizon = min(horizon, plan.ends_on)
        if not plan.active or (plan.generated_until and plan.generated_until >= horizon):
            continue
        start = plan.generated_until + dt.timedelta(days=1) if plan.generated_until else plan.starts_on
        if plan.generated_until is None:  # a plan begun in the past owes nothing before it was made
            start = max(start, timezone.localdate(plan.created_at))
        made.extend(_tasks_of(plan, occurrences(plan, start, horizon), calendar))
        horizons[horizon].append(plan.pk)
    Task.objects.bulk_create(made, batch_size=1000, ignore_conflicts=True)
    for horizon, ids in horizons.items():
        Plan.objects.filter(pk__in=ids).update(generated_until=horizon)
    return len(made)


# --- Plans ------------------------------------------------------------------------------------------

PLAN_FIELDS = frozenset(
    {"title", "rule", "checklist", "frequency", "interval", "weekdays", "monthdays", "months", "window_start"}
    | {"window_hours", "on_holiday", "assignee", "assignee_role", "ahead_days", "starts_on", "ends_on", "active"}
)


def _invalid(error: ValidationError) -> ServiceError:
    field, messages = next(iter(error.message_dict.items()))
    return ServiceError("invalid", messages[0], field=field)


def plan_create(*, community, kind: str, actor, targets: Iterable = (), **fields) -> Plan:
    """A new plan (FM-2): its tasks are made at once up to its horizon."""
    plan = Plan(community=community, kind=kind, **{k: v for k, v in fields.items() if k in PLAN_FIELDS})
    require(actor, kind_of(plan).manage, community)
    with transaction.atomic():
        _save(plan)
        _set_targets(plan, targets)
        log(actor, "core.plan.created", plan, summary=plan.title)
        tasks_generate(plans=[plan])
    return plan


def plan_update(*, plan: Plan, actor, targets: Iterable | None = None, **changes) -> Plan:
    """Change a plan: the tasks not begun whose window is still ahead are made again under the new
    plan; what was started, done or is already due stays as it was."""
    require(actor, kind_of(plan).manage, plan.community_id)
    now = clock.now()
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        for name, value in changes.items():
            if name not in PLAN_FIELDS:
                raise ServiceError("invalid", _("%(name)s：不能修改。") % {"name": name}, field=name)
            setattr(plan, name, value)
        _save(plan)
        if targets is not None:
            plan.targets.all().delete()
            _set_targets(plan, targets)
        _untouched_ahead(plan, now).delete()
        plan.generated_until = timezone.localdate(now) - dt.timedelta(days=1)
        plan.save(update_fields=["generated_until"])
        log(actor, "core.plan.updated", plan, summary=plan.title, changed=sorted(changes))
        tasks_generate(plans=[plan], now=now)
    return plan


def _untouched_ahead(plan: Plan, now: dt.datetime):
    return plan.tasks.filter(status=TaskStatus.PENDING, window_start__gt=now, results__isnull=True)


def _save(plan: Plan) -> None:
    try:
        plan.full_clean()
    except ValidationError as error:
        raise _invalid(error) from None
    check = kind_of(plan).check
    if check is not None:
        check(plan)
    plan.save()


def _set_targets(plan: Plan, targets: Iterable) -> None:
    rows = []
    for position, target in enumerate(targets):
        obj, critical = target if isinstance(target, tuple) else (target, False)
        if getattr(obj, "community_id", plan.community_id) != plan.community_id:
            raise ServiceError(
                "other_community", _("计划对象：“%(target)s”不属于本小区。") % {"target": obj}, field="targets"
            )
        rows.append(
            PlanTarget(
                plan=plan,
                position=position,
                target_type=ContentType.objects.get_for_model(obj),
                target_id=str(obj.pk),
                critical=critical,
            )
        )
    PlanTarget.objects.bulk_create(rows)


# --- Tasks ------------------------------------------------------------------------------------------


def may_perform(actor, task: Task) -> bool:
    kind = kind_of(task.plan)
    if has_perm(actor, kind.manage, task.community_id):
        return True
    if task.assignee_id:
        return task.assignee_id == actor.pk
    return has_perm(actor, kind.perform, task.community_id) and (
        not task.assignee_role or task.assignee_role in roles_of(actor, task.community_id)
    )


def _locked(task: Task, actor, at: dt.datetime) -> Task:
    task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
    if not may_perform(actor, task):
        raise Forbidden("forbidden", _("您不是该任务的执行人。"))
    if task.status == TaskStatus.DONE:
        raise Conflict("task_done", _("该任务已完成。"))
    if task.status == TaskStatus.CANCELLED:
        raise Conflict("task_cancelled", _("该任务已取消。"))
    if at >= task.missed_at:
        raise Conflict("task_missed", _("该任务已过漏检时间（%(at)s），不能再执行。") % {"at": _local(task.missed_at)})
    if timezone.localdate(at) < timezone.localdate(task.window_start):  # made ahead, done on its day
        raise Conflict("task_early", _("该任务尚未到执行日（%(at)s 开始）。") % {"at": _local(task.window_start)})
    return task


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def task_start(*, task: Task, actor, at: dt.datetime | None = None) -> Task:
    at = at or clock.now()
    with transaction.atomic():
        task = _locked(task, actor, at)
        if task.status == TaskStatus.PENDING:
            task.status, task.started_at = TaskStatus.IN_PROGRESS, at
            task.save(update_fields=["status", "started_at"])
            log(actor, "core.task.started", task, summary=str(task))
    return task


def _answer(item, passed, number, text, photo) -> tuple[bool | None, Decimal | None]:
    """Check one answer against its item's kind; a number outside its limits fails the item."""
    if item is None:
        return passed, None
    label = item.label
    if item.photo_required and not photo:
        raise ServiceError("photo_required", _("%(item)s：须拍照。") % {"item": label}, field="photo")
    if item.kind == ItemKind.PASS_FAIL and passed is None:
        raise ServiceError("answer_missing", _("%(item)s：请选择合格或不合格。") % {"item": label}, field="passed")
    if item.kind == ItemKind.TEXT and not (text or "").strip():
        raise ServiceError("answer_missing", _("%(item)s：请填写。") % {"item": label}, field="text")
    if item.kind == ItemKind.PHOTO and not photo:
        raise ServiceError("answer_missing", _("%(item)s：请拍照。") % {"item": label}, field="photo")
    if item.kind == ItemKind.NUMBER:
        try:
            number = Decimal(str(number)) if number not in (None, "") else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ServiceError("answer_missing", _("%(item)s：请填写数值。") % {"item": label}, field="number")
        within = (item.low is None or number >= item.low) and (item.high is None or number <= item.high)
        return (within if passed is None else passed and within), number
    return passed, None


def task_record(
    *,
    task: Task,
    actor,
    target: PlanTarget | None = None,
    item=None,
    passed: bool | None = None,
    number=None,
    text: str = "",
    photo=None,
    method: str = ScanMethod.MANUAL,
    at: dt.datetime | None = None,
) -> TaskResult:
    """Record one finding (an item on a target) or, with no item, that a target was reached (a
    checkpoint scanned, FM-3). Recording it again replaces the earlier answer."""
    at = at or clock.now()
    with transaction.atomic():
        task = _locked(task, actor, at)
        if target is None and item is None:
            raise ServiceError("nothing_recorded", _("检查对象：请选择检查对象或检查项。"), field="target")
        if target is not None and target.plan_id != task.plan_id:
            raise ServiceError("not_a_target", _("检查对象：不在该任务的计划中。"), field="target")
        if item is not None and item.checklist_id != task.plan.checklist_id:
            raise ServiceError("not_an_item", _("检查项：不在该计划的检查表中。"), field="item")
        passed, number = _answer(item, passed, number, text, photo)
        result = TaskResult.objects.filter(task=task, target=target, item=item).first() or TaskResult(
            task=task, target=target, item=item
        )
        result.passed, result.number, result.text = passed, number, (text or "").strip()
        result.method, result.at, result.by = method, at, actor
        if photo:
            result.photo = photo
        result.full_clean()
        result.save()
        if task.status == TaskStatus.PENDING:
            task.status, task.started_at = TaskStatus.IN_PROGRESS, at
            task.save(update_fields=["status", "started_at"])
    return result


def missing(task: Task) -> list[tuple[PlanTarget | None, Any]]:
    """What the task has not answered yet: each checklist item on each target (each target reached,
    for a plan with no checklist; each item once, for a plan with no targets)."""
    targets = list(task.plan.targets.all()) or [None]
    items = list(task.plan.checklist.items.all()) if task.plan.checklist_id else [None]
    done = set(task.results.values_list("target_id", "item_id"))
    return [
        (target, item)
        for target in targets
        for item in items
        if (getattr(target, "pk", None), getattr(item, "pk", None)) not in done
        and (target is not None or item is not None)
    ]


def task_complete(*, task: Task, actor, note: str = "", at: dt.datetime | None = None) -> list[TaskResult]:
    """Finish a task once everything is answered; returns the failed results (the caller's app turns
    each into a ticket or a rectification notice)."""
    at = at or clock.now()
    with transaction.atomic():
        task = _locked(task, actor, at)
        left = missing(task)
        if left:
            target, item = left[0]
            what = " · ".join(str(x) for x in (target.target if target else None, item) if x is not None)
            raise ServiceError(
                "incomplete",
                _("还有 %(n)s 项未检查，如：%(what)s。") % {"n": len(left), "what": what},
                field="results",
            )
        task.status, task.done_at, task.done_by = TaskStatus.DONE, at, actor
        task.started_at = task.started_at or at
        task.note = (note or "").strip()
        task.full_clean()
        task.save()
        failed = list(task.results.filter(passed=False).select_related("item", "target"))
        log(actor, "core.task.done", task, summary=str(task), failed=len(failed), late=at > task.window_end)
    return failed


def task_handover(*, task: Task, to, reason: str, actor, at: dt.datetime | None = None) -> Task:
    """Hand a task to another member of the office, with a reason (FM-2)."""
    at = at or clock.now()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_missing", _("转交原因：请填写。"), field="reason")
    with transaction.atomic():
        task = _locked(task, actor, at)
        if not (has_perm(actor, kind_of(task.plan).manage, task.community_id) or task.assignee_id == actor.pk):
            raise Forbidden("forbidden", _("只有执行人或主管可以转交该任务。"))
        if not Membership.objects.filter(user=to, community_id=task.community_id).exists():
            raise ServiceError("not_staff", _("接收人：不是本小区的员工。"), field="to")
        if to.pk == task.assignee_id:
            raise ServiceError("same_person", _("接收人：任务已由其执行。"), field="to")
        previous = task.assignee
        task.assignee = to
        task.save(update_fields=["assignee"])
        log(actor, "core.task.handed_over", task, summary=reason, to=to.pk, previous=getattr(previous, "pk", None))
    return task
