"""Arrears and the lawful ladder of dunning (FE-3, CM-9, 民法典 art. 944; 物业管理条例 art. 64).

Each contact with an owner in arrears is a `DunningContact` on one step of the ladder (reminder →
written demand → the owners' committee asked to urge → referral for lawsuit or arbitration), with its
channel, the person, the outcome and a promised date. A written demand 催告函 is a numbered
`DemandLetter` with a reasonable deadline and its proof of delivery. No step cuts or threatens to cut
water, power, gas or heating (民法典 944 para. 3): there is no such step to choose. A late charge
exists only where a contract clause is recorded (`LateChargeClause`, none by default).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned
from guanjia.core.validators import TEXT_MAX, text_length

from ..choices import Channel, ContactOutcome, DunningStep
from ._fields import money

USER = settings.AUTH_USER_MODEL


def proof_path(letter, filename: str) -> str:
    return f"billing/demands/{letter.community_id}/{clock.today():%Y/%m}/{filename}"


class DunningContact(CommunityOwned):
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    step = models.CharField(_("催缴环节"), max_length=20, choices=DunningStep.choices)
    channel = models.CharField(_("方式"), max_length=20, choices=Channel.choices)
    person = models.CharField(_("联系对象"), max_length=100, blank=True)
    owed = money(_("欠费金额"))
    outcome = models.CharField(_("结果"), max_length=20, choices=ContactOutcome.choices)
    promised_on = models.DateField(_("承诺缴费日期"), null=True, blank=True)
    note = models.TextField(_("情况说明"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("经办人")
    )
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = _("催缴记录")
        ordering = ["room", "-at", "-id"]
        indexes = [models.Index(fields=["community", "room", "at"], name="dunning_room_at")]

    def __str__(self) -> str:
        return f"{self.room_id} {self.step} {self.at:%Y-%m-%d}"


class DemandLetter(CommunityOwned):
    """A written demand 催告函: amount owed, the period, a reasonable deadline, and proof of delivery."""

    number = models.CharField(_("编号"), max_length=40)
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    addressee = models.CharField(_("收件人"), max_length=100)
    owed = money(_("欠费金额"))
    owed_since = models.DateField(_("欠费起始"))
    pay_by = models.DateField(_("限期缴纳日期"))
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("开具人"))
    issued_at = models.DateTimeField(_("开具时间"), default=clock.now)
    delivered_on = models.DateField(_("送达日期"), null=True, blank=True)
    delivery = models.CharField(_("送达方式"), max_length=100, blank=True, help_text=_("如：直接送达签收、EMS 单号"))
    proof = models.FileField(_("送达凭证"), upload_to=proof_path, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("催告函")
        ordering = ["-issued_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="demand_unique_number")]

    def __str__(self) -> str:
        return self.number


class LateChargeClause(CommunityOwned):
    """The contract clause that alone allows a late charge: daily rate × overdue amount × days after a
    grace period, capped; off unless recorded (FE-3)."""

    contract_ref = models.CharField(_("合同条款"), max_length=200)
    daily_rate = models.DecimalField(_("日费率（‰）"), max_digits=6, decimal_places=3)
    grace_days = models.PositiveSmallIntegerField(_("宽限天数"), default=0)
    cap_pct = models.DecimalField(_("上限（欠费的%）"), max_digits=5, decimal_places=2)
    since = models.DateField(_("生效日期"))
    active = models.BooleanField(_("启用"), default=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("录入人"))
    recorded_at = models.DateTimeField(_("录入时间"), default=clock.now)
    # the last day it applies: a later clause supersedes it the day before its own date; ending it
    # (active off) stops it at once
    until = models.DateField(_("终止日期"), null=True, blank=True)
    ended_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("终止人")
    )
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("违约金条款")
        ordering = ["community", "-since", "-id"]

    def __str__(self) -> str:
        return self.contract_ref
