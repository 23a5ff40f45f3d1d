"""The plan engine's tables (see the package docstring)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .. import clock
from ..models import CommunityOwned
from ..roles import Role
from ..scoping import TenantQuerySet
from ..validators import TEXT_MAX, text_length


class Frequency(models.TextChoices):
    DAILY = "daily", _("每N天")
    WEEKLY = "weekly", _("每N周")
    MONTHLY = "monthly", _("每N月")
    YEARLY = "yearly", _("每N年")


class OnHoliday(models.TextChoices):
    KEEP = "keep", _("照常进行")
    NEXT_WORKDAY = "next_workday", _("顺延到下一个工作日")
    SKIP = "skip", _("当天不做")


class ItemKind(models.TextChoices):
    PASS_FAIL = "pass_fail", _("合格/不合格")
    NUMBER = "number", _("数值")
    TEXT = "text", _("文字")
    PHOTO = "photo", _("照片")


class Checklist(CommunityOwned):
    """A checklist template: the items a task of a plan answers, for each of its targets."""

    kind = models.CharField(_("计划类别"), max_length=40)
    title = models.CharField(_("名称"), max_length=100)
    source = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如 特种设备安全监察条例第31条"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("检查表")
        ordering = ["community", "kind", "title"]
        constraints = [models.UniqueConstraint(fields=["community", "kind", "title"], name="checklist_unique_title")]

    def __str__(self) -> str:
        return self.title


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("顺序"))
    label = models.CharField(_("检查项"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=ItemKind.choices, default=ItemKind.PASS_FAIL)
    low = models.DecimalField(_("下限"), max_digits=12, decimal_places=3, null=True, blank=True)
    high = models.DecimalField(_("上限"), max_digits=12, decimal_places=3, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    photo_required = models.BooleanField(_("须拍照"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("检查项")
        ordering = ["checklist", "position"]
        constraints = [models.UniqueConstraint(fields=["checklist", "position"], name="checklistitem_unique_position")]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        if self.kind != ItemKind.NUMBER and (self.low is not None or self.high is not None):
            raise ValidationError({"low": _("上下限：只有数值检查项可以设上下限。")})
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValidationError({"high": _("上限：不能低于下限。")})


def _days_list(text: str, low: int, high: int, field: str, label) -> list[int]:
    values = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit() or not low <= int(part) <= high:
            raise ValidationError(
                {
                    field: _("%(label)s：“%(part)s”不是 %(low)s 至 %(high)s 之间的整数。")
                    % {"label": label, "part": part, "low": low, "high": high}
                }
            )
        values.append(int(part))
    return sorted(set(values))


class Plan(CommunityOwned):
    """What is done, to what, how often, in which window, by whom (FM-2's plan of a facility)."""

    kind = models.CharField(_("计划类别"), max_length=40)
    title = models.CharField(_("名称"), max_length=100)
    rule = models.CharField(_("规则"), max_length=40, blank=True, help_text=_("规则编号，如 FM-2"))
    checklist = models.ForeignKey(
        Checklist, on_delete=models.PROTECT, null=True, blank=True, related_name="plans", verbose_name=_("检查表")
    )
    frequency = models.CharField(_("周期"), max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    interval = models.PositiveSmallIntegerField(
        _("间隔"), default=1, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    weekdays = models.CharField(_("星期几"), max_length=20, blank=True, help_text=_("1–7，逗号分隔；空为不限"))
    monthdays = models.CharField(_("每月几号"), max_length=100, blank=True, help_text=_("1–31，逗号分隔"))
    months = models.CharField(_("月份"), max_length=40, blank=True, help_text=_("1–12，逗号分隔"))
    window_start = models.TimeField(_("开始时间"))
    window_hours = models.PositiveIntegerField(
        _("完成时限（小时）"), default=24, validators=[MinValueValidator(1), MaxValueValidator(24 * 366)]
    )
    on_holiday = models.CharField(_("节假日"), max_length=20, choices=OnHoliday.choices, default=OnHoliday.KEEP)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("执行人"),
    )
    assignee_role = models.CharField(_("执行岗位"), max_length=30, choices=Role.choices, blank=True)
    ahead_days = models.PositiveSmallIntegerField(_("提前生成（天）"), default=7, validators=[MaxValueValidator(366)])
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    generated_until = models.DateField(_("已生成至"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = _("计划")
        ordering = ["community", "kind", "title"]
        indexes = [models.Index(fields=["active", "generated_until"], name="plan_due_generation")]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        self.weekday_list()
        self.monthday_list()
        self.month_list()
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("结束日期：不能早于开始日期。")})
        if not self.assignee_id and not self.assignee_role:
            raise ValidationError({"assignee_role": _("执行岗位：请指定执行人或执行岗位。")})

    def weekday_list(self) -> list[int]:
        return _days_list(self.weekdays, 1, 7, "weekdays", _("星期几"))

    def monthday_list(self) -> list[int]:
        return _days_list(self.monthdays, 1, 31, "monthdays", _("每月几号"))

    def month_list(self) -> list[int]:
        return _days_list(self.months, 1, 12, "months", _("月份"))


class PlanTarget(models.Model):
    """One thing a plan's task covers (a device, a checkpoint of a route), in the order walked."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField(_("顺序"))
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.CharField(max_length=40)
    target = GenericForeignKey("target_type", "target_id")
    critical = models.BooleanField(_("关键点"), default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("计划对象")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "target_type", "target_id"], name="plantarget_unique_target")
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="plantarget_target")]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.target}"


class TaskStatus(models.TextChoices):
    """What is stored; `TaskState` adds what the clock says."""

    PENDING = "pending", _("待执行")
    IN_PROGRESS = "in_progress", pgettext_lazy("task", "执行中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class TaskState(models.TextChoices):
    PENDING = "pending", _("待执行")
    IN_PROGRESS = "in_progress", pgettext_lazy("task", "执行中")
    DONE = "done", _("已完成")
    OVERDUE = "overdue", _("已超时")
    MISSED = "missed", _("已漏检")
    CANCELLED = "cancelled", _("已取消")

    @property
    def colour(self) -> str:
        return {
            "pending": "grey",
            "in_progress": "amber",
            "done": "green",
            "overdue": "red",
            "missed": "red",
            "cancelled": "grey",
        }[self.value]


class TaskQuerySet(TenantQuerySet):
    def with_state(self, now=None):
        """Annotate `state`, derived from the clock (DESIGN §4: no job decides it)."""
        now = now or clock.now()
        return self.annotate(
            state=models.Case(
                models.When(status=TaskStatus.DONE, then=models.Value(TaskState.DONE)),
                models.When(status=TaskStatus.CANCELLED, then=models.Value(TaskState.CANCELLED)),
                models.When(missed_at__lte=now, then=models.Value(TaskState.MISSED)),
                models.When(window_end__lt=now, then=models.Value(TaskState.OVERDUE)),
                models.When(status=TaskStatus.IN_PROGRESS, then=models.Value(TaskState.IN_PROGRESS)),
                default=models.Value(TaskState.PENDING),
                output_field=models.CharField(),
            )
        )

    def open(self):
        return self.filter(status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS])


class Task(CommunityOwned):
    """One occurrence of a plan: due in its window, overdue after it, missed once the next begins."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("计划"))
    occurs_on = models.DateField(_("计划日期"), help_text=_("周期规则给出的日期（节假日顺延前）"))
    window_start = models.DateTimeField(_("开始时间"))
    window_end = models.DateTimeField(_("完成时限"))
    missed_at = models.DateTimeField(_("视为漏检时间"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("执行人"),
    )
    assignee_role = models.CharField(_("执行岗位"), max_length=30, choices=Role.choices, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    started_at = models.DateTimeField(_("开始执行"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完成人"),
    )
    note = models.TextField(_("备注"), blank=True, max_length=TEXT_MAX, validators=[text_length])

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("任务")
        ordering = ["window_start", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "occurs_on"], name="task_unique_occurrence")]
        indexes = [
            models.Index(fields=["community", "window_start"], name="task_comm_window"),
            models.Index(fields=["community", "assignee", "window_start"], name="task_comm_assignee"),
            models.Index(fields=["community", "assignee_role", "window_start"], name="task_comm_role"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.occurs_on}"


class ScanMethod(models.TextChoices):
    QR = "qr", _("扫码")
    MANUAL = "manual", _("手工确认")


class TaskResult(models.Model):
    """What was found: one checklist item on one target (or a checkpoint reached, with no item)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="results")
    target = models.ForeignKey(PlanTarget, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    passed = models.BooleanField(_("合格"), null=True)
    number = models.DecimalField(_("数值"), max_digits=12, decimal_places=3, null=True, blank=True)
    text = models.TextField(_("文字"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    photo = models.FileField(_("照片"), upload_to="plans/%Y/%m/", blank=True)
    method = models.CharField(_("方式"), max_length=10, choices=ScanMethod.choices, default=ScanMethod.MANUAL)
    at = models.DateTimeField(_("时间"), default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = _("检查结果")
        ordering = ["task", "at", "id"]
        # One answer per (task, target, item): kept by task_record under the task's row lock
        # (a unique constraint would treat the empty target or item as distinct on SQLite).
        indexes = [models.Index(fields=["task", "target", "item"], name="taskresult_answer")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.target_id} {self.item_id}"
