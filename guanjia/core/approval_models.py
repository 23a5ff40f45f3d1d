"""Approval chains as data (DESIGN §12), in the shape of Wagtail's Workflow → Task → TaskState.

A community's `ApprovalChain` for one kind of approval ("RC-10.summary", "RN-3.review") is an
ordered list of `ApprovalStep`s, each naming the role that decides and its time limit. An
`Approval` runs one subject through the chain as it stood when the approval started (the steps
are copied into the approval, so editing a chain never rewrites a running or finished one); each
step taken is one `ApprovalDecision` row: who decided, when, approve or return, and the comment.
The services and the registry of kinds are in `core.approvals`.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import clock
from .models import CommunityOwned
from .roles import Role
from .validators import TEXT_MAX, text_length


class ApprovalChain(CommunityOwned):
    kind = models.CharField(_("审批事项"), max_length=40)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = _("审批流程")
        constraints = [models.UniqueConstraint(fields=["community", "kind"], name="approvalchain_unique_kind")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.kind}"


class ApprovalStep(models.Model):
    chain = models.ForeignKey(ApprovalChain, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("顺序"))
    role = models.CharField(_("审批岗位"), max_length=30, choices=Role.choices)
    limit_hours = models.PositiveIntegerField(_("时限（小时）"))

    class Meta:
        verbose_name = verbose_name_plural = _("审批步骤")
        ordering = ["chain", "position"]
        constraints = [models.UniqueConstraint(fields=["chain", "position"], name="approvalstep_unique_position")]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.get_role_display()}"


class ApprovalStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("审批中")
    APPROVED = "approved", _("已批准")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤销")

    @property
    def colour(self) -> str:
        return {"in_progress": "amber", "approved": "green", "returned": "red", "cancelled": "grey"}[self.value]


class Approval(CommunityOwned):
    kind = models.CharField(_("审批事项"), max_length=40)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.CharField(max_length=40)
    subject = GenericForeignKey("subject_type", "subject_id")
    steps = models.JSONField(_("审批步骤"), help_text=_("发起时的流程：[{role, limit_hours}, …]"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.IN_PROGRESS
    )
    position = models.PositiveSmallIntegerField(_("当前步骤"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    started_at = models.DateTimeField(_("发起时间"), default=clock.now)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("审批")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "-started_at"], name="approval_subject"),
            models.Index(fields=["community", "status", "kind"], name="approval_comm_status"),
        ]
        constraints = [
            # One running approval per subject and kind, even when two people send it at the same moment.
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=models.Q(status="in_progress"),
                name="approval_one_running",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def current_role(self) -> str | None:
        if self.status != ApprovalStatus.IN_PROGRESS:
            return None
        return self.steps[self.position]["role"]


class ApprovalOutcome(models.TextChoices):
    APPROVE = "approve", _("同意")
    RETURN = "return", _("退回")


class ApprovalDecision(CommunityOwned):
    """One step of one approval: open (waiting for its role) until decided."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="decisions")
    position = models.PositiveSmallIntegerField(_("步骤"))
    role = models.CharField(_("审批岗位"), max_length=30, choices=Role.choices)
    opened_at = models.DateTimeField(_("送达时间"), default=clock.now)
    due_at = models.DateTimeField(_("截止时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_decisions",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    outcome = models.CharField(_("意见"), max_length=10, choices=ApprovalOutcome.choices, blank=True)
    comment = models.TextField(_("审批意见"), blank=True, max_length=TEXT_MAX, validators=[text_length])

    class Meta:
        verbose_name = verbose_name_plural = _("审批记录")
        ordering = ["approval", "position", "id"]
        indexes = [models.Index(fields=["community", "role", "decided_at"], name="approvaldecision_waiting")]
