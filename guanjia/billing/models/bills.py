"""Billing runs, bills and their lines, and corrections (FE-1).

A run bills one community for one month: every item whose cycle starts that month, for every room it
applies to, one bill per payer and room. Issued, a bill's content never changes (the model refuses a
second save of its amounts; services never update them): a correction is an `Adjustment` — a credit
note reducing what is due on a line, or a debit note billed as a new bill that refers to the first —
approved through the approval chain FE-1.adjustment, and shown on the statement.

What is still owed on a line, `open_amount`, is the one figure that moves after issue: it is what
the line's `Allocation`s (payments, credits, prepayment draws, and their reversals) leave, kept on the
line so that arrears and ageing are one aggregate over an index. `billing.tests` checks that it always
equals amount − Σ allocations.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned
from guanjia.core.validators import TEXT_MAX, text_length

from ..choices import AdjustmentKind, AdjustmentStatus, BillKind, PayerKind, RunStatus
from ._fields import PRICE, QUANTITY, money, positive_money

USER = settings.AUTH_USER_MODEL


class BillingRun(CommunityOwned):
    """One month's billing of a community. Unique per month: running it twice never bills twice."""

    period = models.DateField(_("账期"), help_text=_("该月第一天"))
    status = models.CharField(_("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.ISSUING)
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("开具人"))
    started_at = models.DateTimeField(_("开始时间"), default=clock.now)
    issued_at = models.DateTimeField(_("开具时间"), null=True, blank=True)
    bills = models.PositiveIntegerField(_("账单数"), default=0)
    lines = models.PositiveIntegerField(_("明细行数"), default=0)
    total = money(_("合计金额"), default=0)

    class Meta:
        verbose_name = verbose_name_plural = _("计费批次")
        ordering = ["community", "-period"]
        constraints = [models.UniqueConstraint(fields=["community", "period"], name="billingrun_unique_period")]

    def __str__(self) -> str:
        return f"{self.community_id} {self.period:%Y-%m}"


class Bill(CommunityOwned):
    number = models.CharField(_("账单号"), max_length=40)
    run = models.ForeignKey(BillingRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=BillKind.choices, default=BillKind.REGULAR)
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="bills", verbose_name=_("房屋"))
    payer_kind = models.CharField(_("缴费人类型"), max_length=10, choices=PayerKind.choices)
    payer = models.ForeignKey(
        "estates.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("缴费人")
    )
    payer_name = models.CharField(_("缴费人名称"), max_length=100)
    period = models.DateField(_("账期"), help_text=_("开具月份第一天"))
    issued_at = models.DateTimeField(_("开具时间"), default=clock.now)
    due_on = models.DateField(_("缴费期限"))
    total = money(_("金额"))
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("更正原账单"),
    )
    # an opening bill (BillKind.OPENING): the import of the former system's arrears it came from
    batch = models.ForeignKey(
        "core.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入批次"),
    )

    class Meta:
        verbose_name = verbose_name_plural = _("账单")
        ordering = ["-period", "room_id", "id"]
        indexes = [
            models.Index(fields=["room", "issued_at"], name="bill_room_issued"),
            models.Index(fields=["community", "period"], name="bill_comm_period"),
        ]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="bill_unique_number")]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        # An issued bill never changes (FE-1): it is written once.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("账单开具后不可修改，请开具冲减或补收单。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("账单开具后不可删除，请开具冲减单。"))


class BillLine(CommunityOwned):
    """One charge of a bill. It carries its bill's kind and issue time (`bill_kind`, `issued_at`: a bill
    never changes, so neither do they) and what credit notes took off it (`credited`), so that the
    collection rates and the recovery are one aggregate over the lines alone, never a join to the
    bills (issue 11: 10M lines). Build one with `BillLine.of(bill, …)`."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines")
    bill_kind = models.CharField(_("账单类型"), max_length=20, choices=BillKind.choices)
    issued_at = models.DateTimeField(_("开具时间"))
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("billing.FeeItem", on_delete=models.PROTECT, related_name="lines")
    item_name = models.CharField(_("项目"), max_length=60)
    on_behalf = models.BooleanField(_("代收费用"), default=False)
    payer_kind = models.CharField(_("缴费人类型"), max_length=10, choices=PayerKind.choices)
    period = models.DateField(_("账期"))
    covers_from = models.DateField(_("计费起"))
    covers_to = models.DateField(_("计费止"))
    quantity = models.DecimalField(_("数量"), **QUANTITY)
    basis_label = models.CharField(_("计费依据"), max_length=120)
    unit_price = models.DecimalField(_("单价"), **PRICE)
    proration = models.CharField(_("折算"), max_length=60, blank=True, help_text=_("如：18/30 天"))
    amount = money(_("金额"))
    due_on = models.DateField(_("缴费期限"))
    open_amount = money(_("未缴金额"))
    # Σ allocations from credit notes, net of reversals: what the line received is amount − open − credited
    credited = money(_("冲减金额"), default=0, db_default=0)
    reading = models.ForeignKey(
        "billing.MeterReading", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # a debit note's line: it repeats the period it corrects
    correction = models.BooleanField(default=False)

    class Meta:
        verbose_name = verbose_name_plural = _("账单明细")
        ordering = ["bill", "id"]
        indexes = [
            # arrears and ageing: what is open, by community and due date, carrying every column the
            # ageing reads (payer kind, room, open amount) so that PostgreSQL answers from the index alone
            # (an index-only scan: 10M lines, issue 11) rather than a heap page per open line
            # (and, on PostgreSQL, the bill's kind and issue time the recovery FE-3 reads too)
            models.Index(
                fields=["community", "due_on", "payer_kind", "room", "open_amount"],
                name="billline_open_due",
                condition=models.Q(open_amount__gt=0),
                include=["bill_kind", "issued_at"],
            ),
            models.Index(fields=["community", "period"], name="billline_comm_period"),
            models.Index(fields=["room", "due_on"], name="billline_room_due"),
        ]
        constraints = [
            # FE-1: a room is billed for an item's period once, and a meter reading once, whatever runs
            # twice (a debit note's line repeats the period it corrects).
            models.UniqueConstraint(
                fields=["item", "room", "covers_from"],
                condition=models.Q(reading__isnull=True, correction=False),
                name="billline_once_per_period",
            ),
            models.UniqueConstraint(
                fields=["reading"],
                condition=models.Q(reading__isnull=False, correction=False),
                name="billline_reading_once",
            ),
            models.CheckConstraint(
                condition=models.Q(open_amount__gte=0) & models.Q(open_amount__lte=models.F("amount")),
                name="billline_open_within_amount",
            ),
            models.CheckConstraint(
                condition=models.Q(credited__gte=0) & models.Q(credited__lte=models.F("amount")),
                name="billline_credited_within_amount",
            ),
            models.CheckConstraint(condition=~models.Q(bill_kind=""), name="billline_has_bill_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.item_name} {self.amount}"

    @classmethod
    def of(cls, bill: Bill, **fields) -> "BillLine":
        """A line of `bill`, carrying the bill's community, room, kind and issue time."""
        return cls(
            community_id=bill.community_id,
            bill=bill,
            room_id=bill.room_id,
            bill_kind=bill.kind,
            issued_at=bill.issued_at,
            **fields,
        )


class Adjustment(CommunityOwned):
    """A credit or debit note 冲减/补收 on an issued bill, or the waiver of a late charge (FE-1)."""

    number = models.CharField(_("编号"), max_length=40)
    kind = models.CharField(_("类型"), max_length=10, choices=AdjustmentKind.choices)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("原账单"))
    line = models.ForeignKey(
        BillLine, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments", verbose_name=_("明细")
    )
    amount = positive_money(_("金额"))
    reason = models.TextField(_("原因"), max_length=TEXT_MAX, validators=[text_length])
    status = models.CharField(
        _("状态"), max_length=10, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PENDING
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), default=clock.now)
    decided_at = models.DateTimeField(_("审批完成时间"), null=True, blank=True)
    debit_bill = models.OneToOneField(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="debit_note_of", verbose_name=_("补收单")
    )

    class Meta:
        verbose_name = verbose_name_plural = _("冲减/补收单")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["community", "number"], name="adjustment_unique_number")]

    def __str__(self) -> str:
        return self.number
