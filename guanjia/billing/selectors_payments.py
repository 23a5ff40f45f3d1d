"""Reads of the cashier's window (FE-1): a room's open lines with their age, a receipt as it prints,
the receipts list, the day's takings. Each a fixed number of queries whatever the rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum

from guanjia.core import clock

from .choices import Method, PaymentStatus, Purse
from .models import Allocation, BillLine, CashierDay, Payment, PrepaymentAccount, PrepaymentMovement
from .services.payments import day_bounds, day_totals, oldest_first
from .words import amount_in_words

ZERO = Decimal("0.00")


def open_lines(room, today: dt.date | None = None) -> list[BillLine]:
    """The room's open lines oldest first, each with `age` (days past due, 0 if not yet due)."""
    today = today or clock.today()
    rows = list(oldest_first(room).select_related("bill"))
    for line in rows:
        line.age = max((today - line.due_on).days, 0)
    return rows


def balances(room) -> dict[str, Decimal]:
    """The room's prepayment balances by purse (both shown, zero if never used)."""
    found = dict(PrepaymentAccount.objects.filter(room=room).values_list("purse", "balance"))
    return {purse: found.get(purse, ZERO) for purse in Purse.values}


def payments_list(queryset):
    return queryset.select_related("room", "cashier").order_by("-received_at", "-id")


def receipt_context(payment: Payment) -> dict:
    """What the receipt 收据 shows (on the page, in the PDF, in the portal): lines settled, the
    prepayment part, the method and transaction number, the amount in capitals, 作废 if voided."""
    settled = list(
        Allocation.objects.filter(payment=payment, amount__gt=0)
        .select_related("line")
        .order_by("line__due_on", "line_id", "id")
    )
    moved = (
        PrepaymentMovement.objects.filter(payment=payment, amount__gt=0)
        .select_related("account")
        .order_by("id")
        .first()
    )
    return {
        "payment": payment,
        "settled": settled,
        "settled_total": sum((a.amount for a in settled), ZERO),
        "prepaid": moved,
        "prepaid_purse": Purse(moved.account.purse).label if moved else "",
        "amount_words": amount_in_words(payment.amount),
        "method_label": Method(payment.method).label,
        "voided": payment.status == PaymentStatus.VOIDED,
        "void_pending": payment.status == PaymentStatus.VOID_PENDING,
        "cashier_name": payment.cashier.get_full_name() or payment.cashier.username,
    }


def day_sheet_context(sheet: CashierDay) -> dict:
    """The 收款日报: the stored totals by method and the day's receipts (voided listed apart)."""
    start, end = day_bounds(sheet.day)
    receipts = list(
        Payment.objects.filter(
            community_id=sheet.community_id, cashier_id=sheet.cashier_id, received_at__gte=start, received_at__lt=end
        )
        .select_related("room")
        .order_by("received_at", "id")
    )
    methods = sheet.totals.get("methods", {})
    return {
        "sheet": sheet,
        "rows": [(Method(m).label, e["count"], Decimal(e["amount"])) for m, e in methods.items()],
        "voided_total": sheet.totals.get("voided", {"count": 0, "amount": "0.00"}),
        "valid": [p for p in receipts if p.status != PaymentStatus.VOIDED],
        "voided": [p for p in receipts if p.status == PaymentStatus.VOIDED],
        "total_words": amount_in_words(sheet.total),
        "cashier_name": sheet.cashier.get_full_name() or sheet.cashier.username,
        "signer_name": (sheet.signed_off_by.get_full_name() or sheet.signed_off_by.username)
        if sheet.signed_off_by
        else "",
    }


def today_takings(community, cashier) -> dict:
    """The cashier's dashboard panel: today's takings by method (one query)."""
    day = clock.today()
    totals = day_totals(community, cashier, day)
    totals["rows"] = [(Method(m).label, e["count"], e["amount"]) for m, e in totals["methods"].items()]
    totals["day"] = day
    return totals


def day_summary(community, day: dt.date) -> list[dict]:
    """Each cashier's takings of a day in the community (the office manager's view), one query."""
    start, end = day_bounds(day)
    return list(
        Payment.objects.filter(community=community, received_at__gte=start, received_at__lt=end)
        .values("cashier", "cashier__username", "cashier__first_name", "cashier__last_name")
        .annotate(
            n=Count("id", filter=~Q(status=PaymentStatus.VOIDED)),
            s=Sum("amount", filter=~Q(status=PaymentStatus.VOIDED)),
        )
        .order_by("cashier__username")
    )


SECTION_ROWS = 10


def household_receipts(request, room) -> dict:
    """一户一档 (AR-1): the room's latest receipts (at most SECTION_ROWS) and how many there are, 2 queries."""
    payments = Payment.objects.filter(room=room)
    return {
        "payments": list(payments.select_related("cashier").order_by("-received_at", "-id")[:SECTION_ROWS]),
        "total": payments.count(),
        "shown": SECTION_ROWS,
    }
