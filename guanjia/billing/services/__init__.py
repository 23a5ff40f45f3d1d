"""The fee office's writes (DESIGN §7), one module per part. `ledger` holds the few primitives every
part shares: receipt numbers, allocations to bill lines, prepayment movements."""
