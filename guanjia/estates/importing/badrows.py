"""The rows a preview held back, as an Excel file to fix and upload again (DESIGN.md §15).

The clerk gets the rows exactly as uploaded — the file's own header and columns, values as typed —
with two columns added at the end, 行号 (the row in the uploaded file) and 原因. Those two are not
import columns, so the corrected file uploads as it is. ID numbers are in full only for roles that
may see them (LW-1), and every download is logged.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections import defaultdict

from django.utils.translation import gettext as _

from guanjia.core.access import has_perm, require
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError
from guanjia.core.masking import mask_id

from ..models import ImportBatch
from .columns import _header_key, header_map
from .reader import open_sheet

TEXT_KEYS = frozenset({"id_number", "phones", "code", "building", "unit", "number", "certificate_no"})


def bad_rows_available(batch: ImportBatch) -> bool:
    preview = batch.result.get("preview", {})
    return bool(preview.get("excluded_rows")) and not preview.get("fatal", True)


def import_bad_rows(*, batch: ImportBatch, actor) -> tuple[str, bytes]:
    """(filename, .xlsx bytes) of the batch's rows that cannot be imported, each with its reasons."""
    require(actor, "estates.import", batch.community)
    if not bad_rows_available(batch):
        raise ServiceError("no_bad_rows", _("该批次没有可下载的问题行。"), status=404)
    full_ids = has_perm(actor, "people.view_id", batch.community)
    preview = batch.result["preview"]
    wanted = set(preview["excluded_rows"])
    reasons: dict[int, list[str]] = defaultdict(list)
    for error in batch.errors:
        if error["row"] in wanted:
            reasons[error["row"]].append(error["message"])
    with batch.file.open("rb") as handle:
        content, count = _workbook(batch.kind, io.BytesIO(handle.read()), preview["header_row"], reasons, full_ids)
    log(
        actor,
        "estates.import.bad_rows_exported",
        batch,
        summary=_("下载导入文件 %(name)s 中有问题的 %(n)s 行%(ids)s")
        % {"name": batch.filename, "n": count, "ids": "" if full_ids else _("（证件号已遮蔽）")},
        rows=count,
        full_ids=full_ids,
    )
    stem = os.path.splitext(batch.filename)[0] or "import"
    return _("%(name)s-有问题的行.xlsx") % {"name": stem}, content


def _workbook(kind: str, file, header_row: int, reasons: dict[int, list[str]], full_ids: bool) -> tuple[bytes, int]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    source, sheet = open_sheet(file)
    header: list = []
    rows: list[tuple[int, list]] = []
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number == header_row:
                header = list(values or ())
            elif number in reasons:
                rows.append((number, list(values or ())))
    finally:
        source.close()
    mapping = header_map(kind)
    keys = [mapping.get(_header_key(cell)) if cell not in (None, "") else None for cell in header]
    width = max([len(header), *(len(v) for _n, v in rows)])
    keys += [None] * (width - len(keys))

    workbook = Workbook(write_only=True)
    out = workbook.create_sheet(_("有问题的行"))
    out.column_dimensions[get_column_letter(width + 2)].width = 60  # before any row: write-only
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FCE4E4")
    cells = []
    for value in [*header, *([None] * (width - len(header))), _("行号"), _("原因")]:
        cell = WriteOnlyCell(out, value=value)
        cell.font = bold
        cells.append(cell)
    cells[-1].fill = cells[-2].fill = fill
    out.append(cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, values in rows:
        values = values + [None] * (width - len(values))
        line = []
        for key, value in zip(keys, values, strict=True):
            if key == "id_number" and value not in (None, "") and not full_ids:
                value = mask_id(str(value))
            cell = WriteOnlyCell(out, value=value)
            if isinstance(value, (dt.date, dt.datetime)):
                cell.number_format = "yyyy-mm-dd"
            elif key in TEXT_KEYS:
                cell.number_format = "@"  # 18-digit ID numbers lose digits as numbers
            line.append(cell)
        reason = WriteOnlyCell(out, value="\n".join(reasons[number]))
        reason.alignment = wrap
        line += [WriteOnlyCell(out, value=number), reason]
        out.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), len(rows)
