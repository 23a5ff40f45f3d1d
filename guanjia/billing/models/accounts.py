"""Money the office holds for a household: prepayments, drawn on when bills are issued, and deposits,
a custody ledger that is never income (FE-1). Refunds of either go through an approval chain.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned
from guanjia.core.validators import TEXT_MAX, text_length

from ..choices import DepositKind, DepositStatus, Method, Purse, RefundStatus
from ._fields import money, positive_money

USER = settings.AUTH_USER_MODEL


class PrepaymentAccount(CommunityOwned):
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    purse = models.CharField(_("账户"), max_length=10, choices=Purse.choices)
    balance = money(_("余额"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("预收款账户")
        constraints = [
            models.UniqueConstraint(fields=["room", "purse"], name="prepayment_unique_purse"),
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="prepayment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.purse} {self.balance}"


class PrepaymentMovement(CommunityOwned):
    """One movement of a prepayment account: in from a payment or an opening balance, out to a bill line or a refund."""

    account = models.ForeignKey(PrepaymentAccount, on_delete=models.PROTECT, related_name="movements")
    amount = money(_("金额"), help_text=_("存入为正，抵扣或退款为负"))
    balance_after = money(_("余额"))
    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    refund = models.ForeignKey("billing.Refund", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # the opening balance brought from the former system: the import it came from (services.opening)
    batch = models.ForeignKey(
        "core.ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    at = models.DateTimeField(default=clock.now)
    note = models.CharField(_("摘要"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("预收款明细")
        ordering = ["account", "at", "id"]
        indexes = [models.Index(fields=["account", "at"], name="prepaymove_account_at")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class Deposit(CommunityOwned):
    """A deposit held in custody 押金 (renovation, keys, cards, passes): released by its event, with an
    itemised deduction the payer sees in the portal; an ageing list shows those held past their date."""

    number = models.CharField(_("编号"), max_length=40)
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    kind = models.CharField(_("押金类型"), max_length=20, choices=DepositKind.choices)
    payer_name = models.CharField(_("交款人"), max_length=100)
    amount = positive_money(_("金额"))
    payment = models.ForeignKey(
        "billing.Payment", on_delete=models.PROTECT, related_name="deposits", verbose_name=_("收据")
    )
    release_event = models.CharField(_("退还条件"), max_length=200)
    release_on = models.DateField(_("预计退还日期"))
    status = models.CharField(_("状态"), max_length=10, choices=DepositStatus.choices, default=DepositStatus.HELD)
    settled_at = models.DateTimeField(_("结清时间"), null=True, blank=True)
    refund = models.OneToOneField(
        "billing.Refund", on_delete=models.PROTECT, null=True, blank=True, related_name="deposit"
    )
    # the renovation, card or pass it secures (the owning app's row), for "released by its event"
    subject_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, null=True, blank=True)
    subject_id = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("押金")
        ordering = ["-payment__received_at", "-id"]
        indexes = [models.Index(fields=["community", "status", "release_on"], name="deposit_ageing")]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="deposit_unique_number")]

    def __str__(self) -> str:
        return self.number


class DepositDeduction(CommunityOwned):
    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="deductions")
    amount = positive_money(_("扣除金额"))
    reason = models.CharField(_("扣除原因"), max_length=200)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("经办人"))
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = _("押金扣除")
        ordering = ["deposit", "at", "id"]

    def __str__(self) -> str:
        return f"{self.deposit_id} −{self.amount}"


class Refund(CommunityOwned):
    """Money paid back (a prepayment balance, a deposit's remainder, an overpayment), approved through
    the chain FE-1.refund before it leaves the office."""

    number = models.CharField(_("编号"), max_length=40)
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋"))
    payee_name = models.CharField(_("收款人"), max_length=100)
    amount = positive_money(_("金额"))
    method = models.CharField(_("退款方式"), max_length=10, choices=Method.choices)
    reason = models.TextField(_("原因"), max_length=TEXT_MAX, validators=[text_length])
    account = models.ForeignKey(
        PrepaymentAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("预收款账户"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), default=clock.now)
    paid_at = models.DateTimeField(_("退款时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("退款")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="refund_unique_number")]

    def __str__(self) -> str:
        return self.number
