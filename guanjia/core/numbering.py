"""Document numbers such as ZX-2026-000123 (DESIGN.md §9): gap-free per prefix, year and scope.

The counter row is locked until the caller's transaction ends, so a number taken inside a
transaction that rolls back is given back: called inside the transaction that records the numbered
thing (a receipt), the numbers have no gaps. `scope` keeps one series per community (pass the
community) where a rule wants it (FE-1 receipts); `block` reserves `count` numbers at once for a bulk
run (a month's bills) in one round trip.
"""

from django.db import transaction

from guanjia.core import clock

from .models import Sequence


def _scope(scope) -> str:
    return "" if scope is None else str(getattr(scope, "pk", scope))


def _reserve(prefix: str, count: int, year: int | None, scope) -> tuple[int, int]:
    year = year or clock.today().year
    scope = _scope(scope)
    with transaction.atomic():
        Sequence.objects.get_or_create(prefix=prefix, year=year, scope=scope)
        seq = Sequence.objects.select_for_update().get(prefix=prefix, year=year, scope=scope)
        first = seq.last + 1
        seq.last += count
        seq.save(update_fields=["last"])
    return year, first


def format_number(prefix: str, year: int, n: int) -> str:
    return f"{prefix}-{year}-{n:06d}"


def next_number(prefix: str, *, year: int | None = None, scope=None) -> str:
    year, n = _reserve(prefix, 1, year, scope)
    return format_number(prefix, year, n)


def block(prefix: str, count: int, *, year: int | None = None, scope=None) -> list[str]:
    """`count` consecutive numbers, reserved together."""
    if count <= 0:
        return []
    year, first = _reserve(prefix, count, year, scope)
    return [format_number(prefix, year, n) for n in range(first, first + count)]
