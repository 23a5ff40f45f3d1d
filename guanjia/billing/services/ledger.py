"""The primitives that move money on a household's account (FE-1). Every part of the fee office
settles lines, numbers receipts and moves prepayments through these, inside its own transaction:

- `receipt_number(community)`: the next receipt 收据 number of the community, gap-free (the counter
  stays locked until the caller's transaction ends; a rollback gives the number back).
- `allocate(line, amount, …)`: settle part of a bill line from one source, keeping `open_amount`
  equal to amount − Σ allocations and `credited` to Σ credit-note allocations (a conditional UPDATE:
  two payments racing for the same line cannot both take its last yuan).
- `reverse(allocations)`: undo allocations with rows of the opposite sign (history is never rewritten).
- `prepayment_move(account, amount, …)`: put money into or take it out of a prepayment account,
  never below zero; `prepayments_in(…)` puts money into many locked accounts at once (an import).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, F
from django.db.models.functions import Round
from django.utils.translation import gettext as _

from guanjia.core import clock, numbering
from guanjia.core.errors import Conflict

from ..models import Allocation, BillLine, PrepaymentAccount, PrepaymentMovement

RECEIPT_PREFIX = "SJ"
CENT = Decimal("0.01")


def _cents(expression):
    """Arithmetic in the database, kept to the cent: SQLite computes decimals as floats
    (89.50 − 16.29 = 73.21000000000001, a line still "open" once paid)."""
    return Round(expression, 2, output_field=DecimalField(max_digits=14, decimal_places=2))


def receipt_number(community) -> str:
    """Call inside the transaction that records the receipt (FE-1: no gaps)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("receipt_number() must run inside the receipt's own transaction")
    return numbering.next_number(RECEIPT_PREFIX, scope=community)


CARRIED = ("period", "due_on", "payer_kind", "bill_kind", "issued_at")


def carried_from(line: BillLine) -> dict:
    """What an allocation copies from the line it settles (Allocation: for the FE-3 recovery)."""
    return {name: getattr(line, name) for name in CARRIED}


def allocate(
    line: BillLine, amount: Decimal, *, payment=None, adjustment=None, prepayment=None, at: dt.datetime | None = None
) -> Allocation:
    """Settle `amount` (> 0) of `line`; Conflict when the line no longer owes that much."""
    if amount <= 0:
        raise ValueError("allocate() takes a positive amount")
    moved = {"open_amount": _cents(F("open_amount") - amount)}
    if adjustment is not None:
        moved["credited"] = _cents(F("credited") + amount)
    updated = BillLine.objects.filter(pk=line.pk, open_amount__gte=amount).update(**moved)
    if not updated:
        raise Conflict(
            "line_settled", _("账单明细“%(item)s”的未缴金额已变化，请刷新后重试。") % {"item": line.item_name}
        )
    line.open_amount -= amount
    if adjustment is not None:
        line.credited += amount
    return Allocation.objects.create(
        community_id=line.community_id,
        line=line,
        amount=amount,
        payment=payment,
        adjustment=adjustment,
        prepayment=prepayment,
        at=at or clock.now(),
        **carried_from(line),
    )


def reverse(allocations, *, at: dt.datetime | None = None) -> list[Allocation]:
    """Reopen what `allocations` settled, each by a row of the opposite sign with the same source."""
    at = at or clock.now()
    reversed_rows = []
    for allocation in allocations:
        if allocation.amount <= 0:
            continue
        moved = {"open_amount": _cents(F("open_amount") + allocation.amount)}
        if allocation.adjustment_id is not None:
            moved["credited"] = _cents(F("credited") - allocation.amount)
        BillLine.objects.filter(pk=allocation.line_id).update(**moved)
        reversed_rows.append(
            Allocation(
                community_id=allocation.community_id,
                line_id=allocation.line_id,
                amount=-allocation.amount,
                payment_id=allocation.payment_id,
                adjustment_id=allocation.adjustment_id,
                prepayment_id=allocation.prepayment_id,
                at=at,
                **{name: getattr(allocation, name) for name in CARRIED},
            )
        )
    return Allocation.objects.bulk_create(reversed_rows)


def prepayment_account(room, purse: str) -> PrepaymentAccount:
    account, _created = PrepaymentAccount.objects.get_or_create(
        room=room, purse=purse, defaults={"community_id": room.community_id}
    )
    return account


def prepayment_move(
    account: PrepaymentAccount, amount: Decimal, *, note: str = "", payment=None, refund=None, batch=None, at=None
) -> PrepaymentMovement:
    """Move `amount` (positive in, negative out) through `account`; Conflict if it would go below zero."""
    if amount == 0:
        raise ValueError("prepayment_move() takes a non-zero amount")
    query = PrepaymentAccount.objects.filter(pk=account.pk)
    if amount < 0:
        query = query.filter(balance__gte=-amount)
    if not query.update(balance=_cents(F("balance") + amount)):
        raise Conflict("prepayment_short", _("预收款余额不足。"))
    account.refresh_from_db(fields=["balance"])
    return PrepaymentMovement.objects.create(
        community_id=account.community_id,
        account=account,
        amount=amount,
        balance_after=account.balance,
        payment=payment,
        refund=refund,
        batch=batch,
        note=note[:200],
        at=at or clock.now(),
    )


def prepayments_in(moves, *, batch=None, at=None) -> list[PrepaymentMovement]:
    """Put each positive amount of `moves` = [(account, amount, note)] into its account, in bulk: one
    UPDATE of the balances and one INSERT of the movements. The caller holds the accounts' row locks
    (select_for_update) and names each account once, so the balances read are the balances written."""
    at = at or clock.now()
    movements = []
    for account, amount, note in moves:
        if amount <= 0:
            raise ValueError("prepayments_in() takes positive amounts")
        account.balance = (account.balance + amount).quantize(CENT)
        movements.append(
            PrepaymentMovement(
                community_id=account.community_id,
                account=account,
                amount=amount,
                balance_after=account.balance,
                batch=batch,
                note=note[:200],
                at=at,
            )
        )
    if len({account.pk for account, _a, _n in moves}) != len(moves):
        raise ValueError("prepayments_in() takes each account once")
    PrepaymentAccount.objects.bulk_update([account for account, _a, _n in moves], ["balance"], batch_size=1000)
    return PrepaymentMovement.objects.bulk_create(movements, batch_size=1000)
