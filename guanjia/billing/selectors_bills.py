"""Reading bills and the household statement 对账单 (FE-1).

The statement of a room (optionally of one payer kind) for `start`…`end` (dates, inclusive):

    opening balance + charges + adjustments − payments = amount due

- opening balance: every bill issued before `start` less every allocation made before it;
- charges: the bills issued in the period (regular bills, one-off charges, late charges);
- adjustments: debit notes issued in the period (+) and credits or waivers applied in it (−);
- payments: receipts allocated in the period, and prepayment draws (reversals of a voided receipt
  count negative);
- prepayment movements (money put in or drawn) are shown beside, for the household to follow.

One query per kind of row, each bounded by the room and the period over an index (bills on
(room, issued_at), lines on (room, due_on), movements on (account, at)), so five years of history cost
what one year does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core.periods import MONTH, Period

from .choices import AdjustmentKind, BillKind, PayerKind
from .models import Allocation, Bill, BillLine, PrepaymentMovement

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
RECENT_BILLS = 6


@dataclass
class StatementRow:
    at: dt.datetime
    kind: str  # charge / adjustment / payment / prepayment
    label: str
    number: str = ""
    amount: Decimal = ZERO  # signed: what it adds to the amount due
    bill_id: int | None = None
    counted: bool = True  # prepayment movements are shown, not counted (their draws are payments)


@dataclass
class Statement:
    room: object
    payer_kind: str | None
    start: dt.date
    end: dt.date
    opening: Decimal = ZERO
    charges: Decimal = ZERO
    adjustments: Decimal = ZERO
    payments: Decimal = ZERO
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def due(self) -> Decimal:
        return self.opening + self.charges + self.adjustments - self.payments

    @property
    def payer_kind_label(self) -> str:
        return PayerKind(self.payer_kind).label if self.payer_kind else _("全部缴费人")

    @property
    def community(self):
        return self.room.community

    @property
    def record(self):
        """The row a printed copy points to (core.documents): the household."""
        return self.room

    @property
    def key(self) -> str:
        """The statement's document key: room, start and end, with the payer kind if any."""
        parts = [str(self.room.pk), f"{self.start:%Y%m%d}", f"{self.end:%Y%m%d}"]
        return "-".join(parts + ([self.payer_kind] if self.payer_kind else []))


def cents(value) -> Decimal:
    """An aggregate to the cent (SQLite sums decimals as floats: 0.1 + 0.2 comes back 0.300000000000000)."""
    return ZERO if value is None else Decimal(value).quantize(CENT)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """This year so far: 1 January to today."""
    return dt.date(today.year, 1, 1), today


def statement(room, *, payer_kind: str | None = None, start: dt.date, end: dt.date) -> Statement:
    """The household statement of `room` from `start` to `end` inclusive (FE-1)."""
    since, until = _midnight(start), _midnight(end + dt.timedelta(days=1))
    result = Statement(room=room, payer_kind=payer_kind, start=start, end=end)
    bills = Bill.objects.filter(room=room)
    allocations = Allocation.objects.filter(line__room=room)
    if payer_kind:
        bills = bills.filter(payer_kind=payer_kind)
        allocations = allocations.filter(line__payer_kind=payer_kind)
    # opening: billed before the start, less what was settled before it (two aggregates)
    billed_before = cents(bills.filter(issued_at__lt=since).aggregate(s=Sum("total"))["s"])
    settled_before = cents(allocations.filter(at__lt=since).aggregate(s=Sum("amount"))["s"])
    result.opening = billed_before - settled_before
    # the period's bills: charges, and debit notes as adjustments
    for bill in bills.filter(issued_at__gte=since, issued_at__lt=until).order_by("issued_at", "id"):
        debit = bill.kind == BillKind.DEBIT_NOTE
        label = (
            _("补收单")
            if debit
            else _("%(kind)s（%(period)s）")
            % {
                "kind": bill.get_kind_display(),
                "period": Period.of(MONTH, bill.period).label,
            }
        )
        result.rows.append(StatementRow(bill.issued_at, "adjustment" if debit else "charge", label, bill.number,
                                        bill.total, bill_id=bill.pk))  # fmt: skip
        if debit:
            result.adjustments += bill.total
        else:
            result.charges += bill.total
    # the period's allocations, one row per source: a receipt, a credit note, a prepayment draw
    grouped = (
        allocations.filter(at__gte=since, at__lt=until)
        .values(
            "payment_id", "payment__number", "adjustment_id", "adjustment__number", "adjustment__kind", "prepayment_id"
        )  # fmt: skip
        .annotate(total=Sum("amount"), first=Min("at"))
        .order_by("first")
    )
    for row in grouped:
        amount = cents(row["total"])
        if row["adjustment_id"]:
            kind = AdjustmentKind(row["adjustment__kind"]).label
            result.rows.append(StatementRow(row["first"], "adjustment", str(kind), row["adjustment__number"], -amount))
            result.adjustments -= amount
        elif row["payment_id"]:
            result.rows.append(StatementRow(row["first"], "payment", _("收款"), row["payment__number"], -amount))
            result.payments += amount
        else:
            result.rows.append(StatementRow(row["first"], "payment", _("预收款抵扣"), "", -amount))
            result.payments += amount
    # prepayment movements, shown beside (a draw is already counted above as a payment)
    movements = PrepaymentMovement.objects.filter(account__room=room, at__gte=since, at__lt=until)
    if payer_kind and payer_kind != PayerKind.OWNER:
        movements = movements.none()
    for m in movements.select_related("account").order_by("at", "id"):
        label = _("预收款%(purse)s：%(note)s") % {"purse": m.account.get_purse_display(), "note": m.note or ""}
        result.rows.append(StatementRow(m.at, "prepayment", label, "", m.amount, counted=False))
    result.rows.sort(key=lambda r: r.at)
    return result


def open_by_bill(bills) -> dict[int, Decimal]:
    """{bill id: what is still open on it}, one aggregate for a page of bills."""
    rows = (
        BillLine.objects.filter(bill__in=[b.pk for b in bills])
        .values("bill_id")
        .annotate(open=Sum("open_amount"))
        .values_list("bill_id", "open")
    )
    return {bill_id: cents(open_) for bill_id, open_ in rows}


def with_open(queryset):
    """Bills annotated with `open` (Σ open amount of their lines)."""
    return queryset.annotate(open=Sum("lines__open_amount"))


def open_filter(state: str) -> Q | None:
    if state == "open":
        return Q(open__gt=0)
    if state == "settled":
        return Q(open=0)
    return None


def household_account(room) -> dict:
    """The household file's fee section (AR-1): what is owed, prepayment balances, the last bills."""
    from .models import PrepaymentAccount

    owed = cents(BillLine.objects.filter(room=room, open_amount__gt=0).aggregate(s=Sum("open_amount"))["s"])
    accounts = list(PrepaymentAccount.objects.filter(room=room).order_by("purse"))
    bills = list(with_open(Bill.objects.filter(room=room)).order_by("-issued_at", "-id")[:RECENT_BILLS])
    return {"owed": owed, "accounts": accounts, "bills": bills}
