"""Document numbers such as ZX-2026-000123 (DESIGN.md §9): gap-free per prefix and year."""

from django.db import transaction

from guanjia.core import clock

from .models import Sequence


def next_number(prefix: str, *, year: int | None = None) -> str:
    year = year or clock.today().year
    with transaction.atomic():
        Sequence.objects.get_or_create(prefix=prefix, year=year)
        seq = Sequence.objects.select_for_update().get(prefix=prefix, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
    return f"{prefix}-{year}-{seq.last:06d}"
