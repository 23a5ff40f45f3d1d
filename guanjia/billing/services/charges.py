"""What a billing run charges, before it is a bill line: one `Charge` per room, item and stretch of
days. The run (services.runs) makes the periodic ones and asks the meters part (services.metered)
for the metered and shared-meter ones; both round through `rounded`, once per line.

Proration (FE-1, one rule): a charge for part of a cycle is the cycle's amount × days covered ÷ days in
the cycle, computed exactly and rounded once, by the item's rounding, at the end.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from ..choices import PayerKind, Rounding

_MODES = {Rounding.HALF_UP: ROUND_HALF_UP, Rounding.DOWN: ROUND_DOWN, Rounding.UP: ROUND_UP}


def rounded(amount: Decimal, item) -> Decimal:
    """`amount` rounded by the item's rule (mode, decimals), then written with two places."""
    step = Decimal(1).scaleb(-item.decimals)
    return amount.quantize(step, rounding=_MODES[item.rounding]).quantize(Decimal("0.01"))


def prorate(amount: Decimal, days: int, cycle_days: int) -> Decimal:
    """The exact share of `amount` for `days` of a cycle of `cycle_days` (not yet rounded)."""
    return amount if days == cycle_days else amount * days / cycle_days


@dataclass
class Charge:
    room_id: int
    item: object  # FeeItem
    payer_kind: str
    quantity: Decimal
    basis_label: str
    unit_price: Decimal
    amount: Decimal  # rounded
    covers_from: dt.date
    covers_to: dt.date  # inclusive
    proration: str = ""
    reading_id: int | None = None
    payer_id: int | None = None
    payer_name: str = ""

    @property
    def key(self) -> tuple:
        """The bill it goes on: one per payer and room."""
        return (self.room_id, self.payer_kind, self.payer_id)


__all__ = ["Charge", "PayerKind", "prorate", "rounded"]
