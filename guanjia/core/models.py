from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock

from .roles import COMPANY_ROLES, Role
from .scoping import TenantQuerySet


class Company(models.Model):
    name = models.CharField(_("公司名称"), max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = _("物业公司")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A 小区/项目, run by one management office (管理处)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="communities", verbose_name=_("公司"))
    code = models.SlugField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    office_phone = models.CharField(_("管理处电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("小区")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class CommunityOwned(models.Model):
    """Base of every tenant model: carries its community (DESIGN.md §1)."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, verbose_name=_("小区"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(models.Model):
    """A staff member's role, in one community or (company roles) company-wide."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships", verbose_name=_("小区")
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(fields=["user", "community", "role"], name="uniq_membership"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.community or _('全公司')}"

    def clean(self):
        if self.role in COMPANY_ROLES and self.community_id:
            raise ValidationError({"community": _("公司级角色不属于某个小区。")})
        if self.role not in COMPANY_ROLES and not self.community_id:
            raise ValidationError({"community": _("该角色必须指定小区。")})


class ActivityLog(models.Model):
    """One entry per state change (DESIGN.md §6); the household timeline reads it."""

    at = models.DateTimeField(_("时间"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    verb = models.CharField(_("事项"), max_length=80)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("小区"))
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=40, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    # The household (estates.Room id) the entry belongs to, for 一户一档 (AR-1).
    household_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("操作日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["community", "-at"], name="activity_comm_at"),
            models.Index(fields=["household_id", "-at"], name="activity_household_at"),
            models.Index(fields=["subject_type", "subject_id"], name="activity_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb}"

    def get_summary_display(self) -> str:
        """The entry as a sentence in the reader's language (core.activity.entry_text)."""
        from .activity import entry_text

        return entry_text(self)


class PolicySetting(CommunityOwned):
    """A community's value for one rulebook number (DESIGN.md §3); absent = rulebook default."""

    key = models.CharField(_("规则项"), max_length=60)
    value = models.JSONField(_("取值"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("规则参数")
        constraints = [models.UniqueConstraint(fields=["community", "key"], name="uniq_policy_key")]

    def __str__(self) -> str:
        return f"{self.community} · {self.key} = {self.value}"


class Sequence(models.Model):
    """Counter behind document numbers such as ZX-2026-000123 (DESIGN.md §9); `scope` keeps a
    separate series per community where the rule wants one (receipts, FE-1), "" for one series."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    scope = models.CharField(max_length=20, default="", blank=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year", "scope"], name="uniq_sequence_scope")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}{'/' + self.scope if self.scope else ''}: {self.last}"


class LoginAttempt(models.Model):
    """Failed sign-ins, for lock-out after repeated failures."""

    username = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="login_user_at"),
            models.Index(fields=["ip", "at"], name="login_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class Holiday(models.Model):
    """One day of the State Council's yearly holiday notice (DESIGN.md §5).

    National, so company-wide rather than per community. A year with at least one row
    counts as loaded: its rows are then the whole notice (see core.workdays).
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    created_at = models.DateTimeField(_("录入时间"), default=clock.now, editable=False)
    # Part of the calendar cache's fingerprint (core.workdays), so edits made in the admin are seen too.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} {self.get_kind_display()}".replace("  ", " ")

    def save(self, *args, **kwargs):
        self.year = self.date.year
        super().save(*args, **kwargs)


class DeadlineState(models.TextChoices):
    OPEN = "open", _("进行中")
    OVERDUE = "overdue", _("已超时")
    MET = "met", _("按时完成")
    LATE = "late", _("超时完成")
    CANCELLED = "cancelled", _("已取消")

    @property
    def colour(self) -> str:
        return {"open": "amber", "overdue": "red", "met": "green", "late": "red", "cancelled": "grey"}[self.value]


class DeadlineQuerySet(TenantQuerySet):
    def pending(self):
        return self.filter(met_at__isnull=True, cancelled_at__isnull=True)

    def overdue(self, now=None):
        return self.pending().filter(due_at__lt=now or clock.now())

    def due_between(self, start, end):
        return self.pending().filter(due_at__gte=start, due_at__lt=end)

    def met_on_time(self):
        return self.filter(met_at__isnull=False, met_at__lte=models.F("due_at"))

    def met_late(self):
        return self.filter(met_at__isnull=False, met_at__gt=models.F("due_at"))

    def with_state(self, now=None):
        """Annotate `state`, derived from the clock (never stored: no cron job decides it)."""
        now = now or clock.now()
        return self.annotate(
            state=models.Case(
                models.When(cancelled_at__isnull=False, then=models.Value(DeadlineState.CANCELLED)),
                models.When(met_at__isnull=False, met_at__lte=models.F("due_at"), then=models.Value(DeadlineState.MET)),
                models.When(met_at__isnull=False, then=models.Value(DeadlineState.LATE)),
                models.When(due_at__lt=now, then=models.Value(DeadlineState.OVERDUE)),
                default=models.Value(DeadlineState.OPEN),
                output_field=models.CharField(),
            )
        )


class Deadline(CommunityOwned):
    """A time limit of the rulebook on one subject (DESIGN.md §4): a complaint's reply,
    a repair's callback, a month's visit quota. Open/met/late/overdue is derived from the clock."""

    rule = models.CharField(_("规则"), max_length=40, help_text=_("规则编号，如 RC-3"))
    title = models.CharField(_("事项"), max_length=200)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=40)
    subject = GenericForeignKey("subject_type", "subject_id")
    household_id = models.BigIntegerField(null=True, blank=True)
    starts_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("截止时间"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deadlines",
        verbose_name=_("责任人"),
    )
    owner_role = models.CharField(_("责任岗位"), max_length=30, choices=Role.choices, blank=True)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    # A recurring duty's occurrence (core.duties): the duty's key and the period it is owed for.
    duty = models.CharField(_("周期性职责"), max_length=40, blank=True)
    period = models.CharField(_("期间"), max_length=12, blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = _("时限")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["community", "met_at", "due_at"], name="deadline_comm_due"),
            models.Index(fields=["owner", "met_at", "due_at"], name="deadline_owner_due"),
            models.Index(fields=["subject_type", "subject_id"], name="deadline_subject"),
            models.Index(fields=["community", "rule", "due_at"], name="deadline_comm_rule"),
            # Covers "which tickets have an overdue deadline" on the desk list (measured at 1M tickets).
            models.Index(
                fields=["subject_type", "met_at", "cancelled_at", "due_at", "community", "subject_id"],
                name="deadline_open_by_type",
            ),
        ]
        constraints = [
            # Opening a duty's occurrence twice (on read and by the task, concurrently) makes one row.
            models.UniqueConstraint(
                fields=["community", "duty", "period"], condition=~models.Q(duty=""), name="deadline_duty_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.title}"

    def get_title_display(self) -> str:
        """The title in the reader's language: services store it worded, in Chinese (core.system_text)."""
        from .system_text import translate

        return translate(self.title)

    def state_at(self, now=None) -> DeadlineState:
        now = now or clock.now()
        if self.cancelled_at:
            return DeadlineState.CANCELLED
        if self.met_at:
            return DeadlineState.MET if self.met_at <= self.due_at else DeadlineState.LATE
        return DeadlineState.OVERDUE if now > self.due_at else DeadlineState.OPEN


class Notification(models.Model):
    """The in-app inbox: reminders of deadlines and hand-overs to the person responsible."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title

    def get_title_display(self) -> str:
        """Reminders and hand-overs are system text: shown in the reader's language (core.system_text)."""
        from .system_text import translate

        return translate(self.title)

    def get_body_display(self) -> str:
        from .system_text import translate

        return translate(self.body, strict=True)  # may quote what an owner reported


# Approval chains (DESIGN §12) and printed copies (§14) live in their own modules; imported here so
# Django registers the models.
from .approval_models import Approval, ApprovalChain, ApprovalDecision, ApprovalStep  # noqa: E402, F401
from .document_models import IssuedDocument  # noqa: E402, F401
from .idempotency_models import IdempotentRequest  # noqa: E402, F401
from .importing.models import ImportBatch, ImportRowError  # noqa: E402, F401
from .plans.models import Checklist, ChecklistItem, Plan, PlanTarget, Task, TaskResult  # noqa: E402, F401
