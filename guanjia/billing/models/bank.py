"""Bank statement lines 银行流水 (FE-1): the credits of an imported statement, each matched to a room
by the reference in its memo and its amount (then it is a `Payment` with its receipt), or waiting for
the cashier, or set aside by her with a reason.

The bank's transaction number 交易流水号 is unique per community: a statement imported twice, or two
statements that overlap, never bring a credit in twice; and the payment a line became carries it as
its `source_key`, so it is never taken twice either.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned

from ..choices import StatementLineStatus
from ._fields import positive_money

USER = settings.AUTH_USER_MODEL


class BankStatementLine(CommunityOwned):
    batch = models.ForeignKey(
        "core.ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入批次"),
    )
    row = models.PositiveIntegerField(_("行号"), null=True, blank=True)
    transaction_id = models.CharField(_("交易流水号"), max_length=64)
    booked_on = models.DateField(_("交易日期"))
    amount = positive_money(_("金额"))
    counterparty_name = models.CharField(_("对方户名"), max_length=100, blank=True)
    counterparty_account = models.CharField(_("对方账号"), max_length=40, blank=True)
    memo = models.CharField(_("摘要/附言"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=StatementLineStatus.choices, default=StatementLineStatus.WAITING
    )
    # why it waits (no reference found, the amount differs) or why the cashier ignored it
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    room = models.ForeignKey(
        "estates.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("房屋")
    )
    payment = models.OneToOneField(
        "billing.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statement_line",
        verbose_name=_("收据"),
    )
    auto = models.BooleanField(_("自动匹配"), default=False)
    imported_at = models.DateTimeField(_("导入时间"), default=clock.now)
    handled_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("处理人")
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("银行流水")
        ordering = ["-booked_on", "-id"]
        indexes = [models.Index(fields=["community", "status", "booked_on"], name="stmtline_comm_status")]
        constraints = [
            models.UniqueConstraint(fields=["community", "transaction_id"], name="stmtline_unique_txn"),
            models.CheckConstraint(
                condition=~models.Q(status="matched") | models.Q(payment__isnull=False),
                name="stmtline_matched_has_payment",
            ),
        ]

    def __str__(self) -> str:
        return self.transaction_id
