"""Visits to households (VS-1 … VS-5): the 业户访问记录 / 拜访客户工作情况表."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core.models import CommunityOwned
from guanjia.core.topics import Topic

from .choices import VisitForm


class Visit(CommunityOwned):
    room = models.ForeignKey(
        "estates.Room", on_delete=models.PROTECT, related_name="visits", verbose_name=_("房屋（户）")
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("拜访人")
    )
    form = models.CharField(_("拜访形式"), max_length=20, choices=VisitForm.choices)  # VS-2
    visited_at = models.DateTimeField(_("拜访时间"))
    appointment_at = models.DateTimeField(_("预约时间"), null=True, blank=True)  # VS-2: home visits
    # The SV-7 topic axis (core.topics.Topic), several per visit.
    topics = models.JSONField(_("涉及事项"), default=list, blank=True)
    opinions = models.TextField(_("业户意见"), blank=True)
    signed = models.BooleanField(_("业户已签名"), default=False)  # VS-3
    signature_refused = models.BooleanField(_("业户拒绝签名"), default=False)  # VS-3
    feedback_owed = models.BooleanField(_("需要反馈"), default=False)  # VS-4
    feedback_given_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    feedback = models.TextField(_("反馈内容"), blank=True)
    beyond_authority = models.BooleanField(_("超出管理处权限（报公司投诉中心）"), default=False)  # VS-5
    is_callback = models.BooleanField(_("回访（不计入拜访指标）"), default=False)  # VS-1
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("转报事工单"),
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = _("业户拜访")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["community", "visited_at"], name="visit_comm_at"),
            models.Index(fields=["room", "visited_at"], name="visit_room_at"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} · {self.visited_at:%Y-%m-%d}"

    def clean(self):
        errors = {}
        if not isinstance(self.topics, list) or any(t not in Topic.values for t in self.topics):
            errors["topics"] = _("涉及事项不在规定的事项范围内。")
        if self.signed and self.signature_refused:
            errors["signed"] = _("业户签名与拒绝签名不能同时勾选。")
        if self.room_id and self.community_id and self.room.community_id != self.community_id:
            errors["room"] = _("房屋不属于本小区。")
        if errors:
            raise ValidationError(errors)

    @property
    def topic_labels(self) -> list[str]:
        return [str(Topic(t).label) for t in self.topics if t in Topic.values]

    @property
    def feedback_pending(self) -> bool:
        return self.feedback_owed and self.feedback_given_at is None
