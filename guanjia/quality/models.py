"""Quality (QA-2, QA-3): the fishbone of a problem (SV-5) and the corrective and preventive actions
it leads to, written rectification notices to a person or a contractor (RC-5 now; renovation
violations, move-in defects and inspection findings next), and the office manager's spot checks
(RC-4 now; MI-5, RN-9, AR-3 next).

Notices and spot checks name what they are about generically (a content type and an id): the app
that owns the finding or the record registers it in `quality.registry`, so quality never needs a
column per kind.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.models import CommunityOwned
from guanjia.core.transitions import allowed, allowed_if, ui
from guanjia.core.validators import TEXT_MAX, event_date, text_length

from .choices import ActionKind, ActionStatus, CauseCategory, NoticeStatus, RecipientKind

USER = settings.AUTH_USER_MODEL


class Cause(models.Model):
    """A cause on the fishbone of a survey item (SV-5): a bone (人/机/料/法/环) or a sub-cause."""

    item = models.ForeignKey("engagement.SurveyItem", on_delete=models.CASCADE, related_name="causes")
    category = models.CharField(_("类别"), max_length=20, choices=CauseCategory.choices)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children")
    text = models.CharField(_("原因"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("原因")
        ordering = ["item", "category", "parent_id", "position", "id"]

    def __str__(self) -> str:
        return self.text


def _owner_or_analyst(action, user) -> bool:
    return user == action.owner or has_perm(user, "quality.analyse", action.community_id)


# QA-3: one page, 验证措施效果, whichever way the verification goes (effective: verify; not: reopen).
VERIFY = ui(
    _("验证措施效果"),
    action="verify",
    form="guanjia.quality.forms.VerifyForm",
    done=_("已记录验证结果。"),
    refused=_("措施完成后才能验证。"),
)


class Action(ConcurrentTransitionMixin, CommunityOwned):
    """A corrective or preventive action 纠正/预防措施 (QA-3): cause, measure, owner, due, verification."""

    kind = models.CharField(_("类型"), max_length=20, choices=ActionKind.choices, default=ActionKind.CORRECTIVE)
    survey = models.ForeignKey(
        "engagement.Survey", on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    item = models.ForeignKey(
        "engagement.SurveyItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    cause = models.ForeignKey(Cause, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    problem = models.CharField(_("问题"), max_length=200)
    cause_text = models.CharField(_("原因"), max_length=200, blank=True)
    measure = models.TextField(_("措施"), max_length=TEXT_MAX, validators=[text_length])
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任人"))
    due_on = models.DateField(_("完成期限"), validators=[event_date])
    status = FSMField(_("状态"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN, protected=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    verification = models.TextField(_("验证结果"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("纠正/预防措施")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["community", "status", "due_on"], name="qa_action_comm_status_due")]

    def __str__(self) -> str:
        return self.problem

    def get_absolute_url(self) -> str:
        return reverse("quality:action", args=[self.pk])

    # QA-3's state rules, all of them (DESIGN.md §16): the owner (or an analyst) reports the measure
    # done, the office manager or the quality department verify it — effective, it is closed; not,
    # it is open again with a new due date. Pages offer get_available_user_status_transitions(user)
    # (core.transitions.offers); the services check the same transition and fire it.
    S = ActionStatus

    @transition(
        field=status,
        source=S.OPEN,
        target=S.DONE,
        permission=allowed_if(_owner_or_analyst, _("只有责任人或分析人员可以报完成（QA-3）。")),
        custom=ui(
            _("报完成"),
            action="complete",
            form="guanjia.quality.forms.CompleteForm",
            done=_("已报完成，等待验证。"),
            refused=_("该措施不在进行中，不能再报完成。"),
        ),
    )
    def complete(self):
        pass

    @transition(
        field=status,
        source=S.DONE,
        target=S.VERIFIED,
        permission=allowed("quality.verify_action"),
        custom=VERIFY,
    )
    def verify(self):
        pass

    @transition(
        field=status,
        source=S.DONE,
        target=S.OPEN,
        permission=allowed("quality.verify_action"),
        custom=VERIFY,
    )
    def reopen(self):
        pass

    del S

    @property
    def status_colour(self) -> str:
        return ActionStatus(self.status).colour


def _may_close(notice, user) -> bool:
    """Who closes a notice is the finding's kind's to say (RC-5: quality.rectify)."""
    from .registry import notice_source_or_none

    source = notice_source_or_none(notice.source)
    return has_perm(user, source.close_permission if source else "quality.rectify", notice.community_id)


class RectificationNotice(ConcurrentTransitionMixin, CommunityOwned):
    """整改通知书: a written notice to put right what a finding showed, by a due date, closed with the
    result (QA-2). `source` is the registered kind of finding (quality.registry.NoticeSource, e.g.
    RC-5's unsatisfied repair callback) and `subject` the finding itself."""

    number = models.CharField(_("编号"), max_length=30, unique=True)
    source = models.CharField(_("来源"), max_length=40)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    household = models.ForeignKey(
        "estates.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("房屋")
    )
    recipient_kind = models.CharField(
        _("整改对象"), max_length=20, choices=RecipientKind.choices, default=RecipientKind.STAFF
    )
    recipient = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectification_notices",
        verbose_name=_("整改人"),
    )
    recipient_name = models.CharField(
        _("整改人/单位"), max_length=100, blank=True, help_text=_("不是本处人员时填写：个人姓名或单位名称")
    )
    problem = models.TextField(_("存在问题"), max_length=TEXT_MAX, validators=[text_length])
    requirement = models.TextField(_("整改要求"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    status = FSMField(
        _("状态"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED, protected=True
    )
    issued_at = models.DateTimeField(_("下达时间"), validators=[event_date])
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("下达人"))
    due_at = models.DateTimeField(_("整改期限"), validators=[event_date])
    closed_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    result = models.TextField(_("整改结果"), blank=True, max_length=TEXT_MAX, validators=[text_length])

    class Meta:
        verbose_name = verbose_name_plural = _("整改通知书")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "due_at"], name="qa_notice_comm_status_due"),
            models.Index(fields=["subject_type", "subject_id"], name="qa_notice_subject"),
        ]
        constraints = [
            # One written notice per finding: a problem found again is a new finding.
            models.UniqueConstraint(fields=["source", "subject_type", "subject_id"], name="qa_uniq_notice_subject")
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("quality:notice", args=[self.pk])

    def clean(self):
        if self.recipient_kind == RecipientKind.STAFF and not self.recipient_id:
            raise ValidationError({"recipient": _("请选择整改人。")})
        if self.recipient_kind != RecipientKind.STAFF and not self.recipient_name.strip():
            raise ValidationError({"recipient_name": _("请填写整改人或整改单位的名称。")})

    @property
    def recipient_label(self) -> str:
        if self.recipient_id:
            return self.recipient.get_full_name() or self.recipient.username
        return self.recipient_name

    # QA-2: issued, then closed with its result; whether it is late is read from its clock.
    @transition(
        field=status,
        source=NoticeStatus.ISSUED,
        target=NoticeStatus.CLOSED,
        permission=allowed_if(_may_close, _("您没有权限关闭该整改通知书。")),
        custom=ui(
            _("整改完成"),
            action="close",
            form="guanjia.quality.forms.NoticeCloseForm",
            done=_("整改通知书已完成。"),
            refused=_("该整改通知书已完成。"),
        ),
    )
    def close(self):
        pass


class SpotCheck(CommunityOwned):
    """One record drawn for the office manager's random check of a period (RC-4's callbacks; MI-5,
    RN-9 and AR-3 next), and what the check found. `kind` is the registered kind
    (quality.registry.SpotCheckKind) and `record` the record drawn."""

    kind = models.CharField(_("抽查类别"), max_length=40)
    period = models.CharField(_("期间"), max_length=10, help_text=_("如 2026-11（月）、2026-Q4（季度）"))
    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    drawn_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(default=clock.now, editable=False)
    checked_at = models.DateTimeField(_("抽查时间"), null=True, blank=True)
    checked_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    passed = models.BooleanField(_("抽查结论"), null=True, blank=True)
    note = models.CharField(_("抽查意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("管理抽查")
        ordering = ["period", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "period", "record_type", "record_id"], name="qa_uniq_spot_check")
        ]
        indexes = [models.Index(fields=["community", "kind", "period"], name="qa_spot_check_comm_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} #{self.record_id}"

    def get_absolute_url(self) -> str:
        return f"{reverse('quality:spot_checks')}?kind={self.kind}&period={self.period}"
