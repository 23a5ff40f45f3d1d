"""The window's printed forms (core.documents, DESIGN §14): the receipt 收据 (its own gap-free number;
a voided one prints 作废) and the cashier's daily takings sheet 收款日报 (FE-1)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from guanjia.core import documents
from guanjia.core.documents import DocumentKind

from .models import CashierDay, Payment
from .selectors_payments import day_sheet_context, receipt_context

RECEIPT = "FE-1.receipt"
DAY_SHEET = "FE-1.cashier_day"
DAY_SHEET_PREFIX = "RB"


def register() -> None:
    documents.register(
        DocumentKind(
            code=RECEIPT,
            title=gettext_lazy("收据"),
            template="billing/payments_receipt_pdf.html",
            permission="billing.view",
            subject=documents.by_pk(Payment.objects.select_related("room", "cashier", "community")),
            context=lambda request, payment: receipt_context(payment),
            filename=lambda payment: f"{payment.number}.pdf",
            number=lambda payment: payment.number,
            household=lambda payment: payment.room,
        )
    )
    documents.register(
        DocumentKind(
            code=DAY_SHEET,
            title=gettext_lazy("收款日报"),
            template="billing/payments_day_pdf.html",
            permission="billing.view",
            subject=documents.by_pk(CashierDay.objects.select_related("cashier", "signed_off_by", "community")),
            context=lambda request, sheet: day_sheet_context(sheet),
            filename=lambda sheet: f"收款日报-{sheet.day:%Y%m%d}-{sheet.cashier.username}.pdf",
            prefix=DAY_SHEET_PREFIX,
        )
    )
