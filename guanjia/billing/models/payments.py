"""Payments at the window and their receipts 收据, allocations to bill lines, the cashier's day (FE-1).

A receipt's number is taken inside the payment's own transaction from core numbering, per community
and year: a payment that fails gives its number back, so the numbers have no gaps; a voided receipt
keeps its number and says so. A payment is allocated to open lines (oldest first unless the cashier
chooses) as `Allocation` rows; what is paid beyond them goes to the household's prepayment account.
Credits and prepayment draws are allocations too, so "what settled this line" is one table.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned
from guanjia.core.validators import TEXT_MAX, text_length

from ..choices import BillKind, Method, PayerKind, PaymentStatus
from ._fields import money, positive_money

USER = settings.AUTH_USER_MODEL


class Payment(CommunityOwned):
    number = models.CharField(_("收据号"), max_length=40)
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="payments", verbose_name=_("房屋"))
    payer_name = models.CharField(_("交款人"), max_length=100)
    method = models.CharField(_("付款方式"), max_length=10, choices=Method.choices)
    reference = models.CharField(_("交易流水号"), max_length=64, blank=True)
    amount = positive_money(_("金额"))
    to_prepayment = money(_("转入预收"), default=0)
    to_deposit = money(_("收取押金"), default=0)
    received_at = models.DateTimeField(_("收款时间"), default=clock.now)
    cashier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("收款人"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.VALID)
    void_reason = models.TextField(_("作废原因"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    # the online payment notification or the imported bank line it came from: never twice
    source_key = models.CharField(max_length=100, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("收款")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["room", "received_at"], name="payment_room_at"),
            models.Index(fields=["community", "cashier", "received_at"], name="payment_cashier_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="payment_unique_number"),
            models.UniqueConstraint(fields=["community", "source_key"], name="payment_unique_source"),
        ]

    def __str__(self) -> str:
        return self.number


class Allocation(CommunityOwned):
    """An amount settling one bill line: from a payment, a credit note or a prepayment draw. Reversals
    (a receipt voided) are rows of the opposite sign, so history is never rewritten."""

    line = models.ForeignKey("billing.BillLine", on_delete=models.PROTECT, related_name="allocations")
    amount = money(_("金额"))
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations")
    adjustment = models.ForeignKey(
        "billing.Adjustment", on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    prepayment = models.ForeignKey(
        "billing.PrepaymentMovement", on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    at = models.DateTimeField(default=clock.now)
    # what the recovery (FE-3) asks of the line, copied from it (they never change): its billing month,
    # due date, payer kind, bill kind and issue time, so that the allocations since a month began are
    # read without joining the lines they settled
    period = models.DateField()
    due_on = models.DateField()
    payer_kind = models.CharField(max_length=10, choices=PayerKind.choices)
    bill_kind = models.CharField(max_length=20, choices=BillKind.choices)
    issued_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = _("核销")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["community", "at"], name="allocation_comm_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(payment__isnull=False, adjustment__isnull=True, prepayment__isnull=True)
                    | models.Q(payment__isnull=True, adjustment__isnull=False, prepayment__isnull=True)
                    | models.Q(payment__isnull=True, adjustment__isnull=True, prepayment__isnull=False)
                ),
                name="allocation_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.amount}"


class CashierDay(CommunityOwned):
    """The cashier's daily takings sheet 收款日报, by method, signed off by her supervisor."""

    cashier = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("出纳"))
    day = models.DateField(_("日期"))
    totals = models.JSONField(_("分方式合计"), default=dict)
    count = models.PositiveIntegerField(_("笔数"), default=0)
    total = money(_("合计"), default=0)
    closed_at = models.DateTimeField(_("日结时间"), default=clock.now)
    signed_off_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审核人")
    )
    signed_off_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("收款日报")
        ordering = ["-day", "cashier_id"]
        constraints = [models.UniqueConstraint(fields=["community", "cashier", "day"], name="cashierday_unique")]

    def __str__(self) -> str:
        return f"{self.cashier_id} {self.day}"
