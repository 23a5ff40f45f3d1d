"""The register's two import kinds on core's importer: rooms with owners (PR-2) and leases (PR-3)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core.access import has_perm
from guanjia.core.importing import kinds
from guanjia.core.importing.kinds import BadRows, Check, Checked, ImportTemplates
from guanjia.core.masking import mask_id

from ..choices import ImportKind
from .columns import _header_key, header_map
from .reader import parse
from .writer import commit_leases, commit_rooms, kept_records

ROOMS, LEASES = "estates.rooms", "estates.leases"
KEYS = {ImportKind.ROOMS: ROOMS, ImportKind.LEASES: LEASES}
# Written as text in the bad rows' file: 18-digit ID numbers and codes such as 3-2-1201 lose
# digits or turn into dates as numbers.
TEXT_KEYS = frozenset({"id_number", "phones", "code", "building", "unit", "number", "certificate_no"})


def _check(kind: str):
    def check(check: Check) -> Checked:
        preview = parse(kind, check.rows(), community=check.community)
        return Checked(
            total_rows=preview.total_rows,
            header_row=preview.header_row,
            ignored_columns=preview.ignored_columns,
            errors=preview.errors,
            excluded_rows=preview.excluded_rows,
            counts=preview.counts(),
            sample=preview.sample(),
            records=kept_records(preview),
        )

    return check


def describe(result: dict) -> str:
    labels = {"rooms": _("房屋"), "people_new": _("新增人员"), "ownerships": _("产权"), "leases": _("租赁")}
    return "，".join(f"{labels[k]} {v}" for k, v in result.items() if k in labels)


def _bad_rows(kind: str) -> BadRows:
    def columns(header: list) -> dict[int, str]:
        mapping = header_map(kind)
        found = {}
        for index, cell in enumerate(header):
            key = mapping.get(_header_key(cell)) if cell not in (None, "") else None
            if key:
                found[index] = key
        return found

    def masked(actor, community) -> frozenset[str]:
        # LW-1: full ID numbers only for roles that may see them.
        return frozenset() if has_perm(actor, "people.view_id", community) else frozenset({"id_number"})

    return BadRows(columns=columns, text=TEXT_KEYS, masked=masked, mask=mask_id)


def _start(batch) -> str:
    return reverse("estates:import_start")


def register() -> None:
    for kind, key, commit in ((ImportKind.ROOMS, ROOMS, commit_rooms), (ImportKind.LEASES, LEASES, commit_leases)):
        kinds.register(
            kinds.ImportKind(
                key=key,
                title=kind.label,
                permission="estates.import",
                check=_check(kind),
                commit=commit,
                describe=describe,
                templates=ImportTemplates(
                    counts="estates/import_counts.html",
                    sample="estates/import_sample.html",
                    result="estates/import_result.html",
                ),
                start_url=_start,
                bad_rows=_bad_rows(kind),
            )
        )
