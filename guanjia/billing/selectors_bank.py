"""Reads of the bank statement lines (FE-1): the cashier's list, a fixed number of queries a page."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, Sum

from .choices import StatementLineStatus
from .models import BankStatementLine

CENT = Decimal("0.01")


def statement_lines(queryset=None):
    """Lines with what each row of the list shows (room, receipt, who handled it): no query per row."""
    queryset = BankStatementLine.objects.all() if queryset is None else queryset
    return queryset.select_related("room", "payment", "handled_by").order_by("-booked_on", "-id")


def waiting_totals(community) -> dict:
    """How many lines wait and what they add up to (one query)."""
    found = BankStatementLine.objects.filter(community=community).aggregate(
        n=Count("id", filter=Q(status=StatementLineStatus.WAITING)),
        s=Sum("amount", filter=Q(status=StatementLineStatus.WAITING)),
    )
    # SQLite sums decimals as floats (12.3400000000000): money is shown to the cent
    return {"count": found["n"] or 0, "amount": Decimal(found["s"] or 0).quantize(CENT)}


def mask_account(account: str) -> str:
    """A counterparty's account number as the list shows it: the last four digits (LW-1)."""
    account = account or ""
    return f"****{account[-4:]}" if len(account) > 4 else account
