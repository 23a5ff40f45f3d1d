"""The rows a check held back, as an Excel file to fix and upload again (DESIGN §15).

The clerk gets the rows exactly as uploaded — the file's own header and columns, values as typed —
with two columns added at the end, 行号 (the row in the uploaded file) and 原因. Those two are not
columns any kind reads, so the corrected file uploads as it is. A kind may have columns written as
text (ID numbers lose digits as numbers) and columns masked for roles that may not see them in
full (LW-1); every download is logged.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections import defaultdict

from django.utils.translation import gettext as _

from ..activity import log
from ..errors import ServiceError
from ..textnorm import without_controls
from .models import ImportBatch, ImportStatus
from .services import _local_copy, _require
from .xlsx import open_workbook


def bad_rows_available(batch: ImportBatch) -> bool:
    return batch.status != ImportStatus.CHECKING and bool(batch.error_rows) and not batch.fatal


def import_bad_rows(*, batch: ImportBatch, actor) -> tuple[str, bytes]:
    """(filename, .xlsx bytes) of the batch's rows that cannot be imported, each with its reasons."""
    _require(batch, actor)
    if not bad_rows_available(batch):
        raise ServiceError("no_bad_rows", _("该批次没有可下载的问题行。"), status=404)
    spec = batch.import_kind
    reasons: dict[int, list[str]] = defaultdict(list)
    for row, message in batch.row_errors.filter(warning=False, row__isnull=False).values_list("row", "message"):
        reasons[row].append(message)
    wanted = set(batch.excluded_rows)
    reasons = {row: reasons.get(row, []) for row in wanted}
    with _local_copy(batch.file) as handle, open_workbook(handle) as workbook:
        header_row = batch.summary.get("header_row")
        header, rows = [], []
        for number, values in workbook.sheet(spec.sheet).rows():
            if number == header_row:
                header = values
            elif number in reasons:
                rows.append((number, values))
    keys = spec.bad_rows.columns(header) if spec.bad_rows else {}
    masked = spec.bad_rows.masked(actor, batch.community) if spec.bad_rows else frozenset()
    content = _workbook(header, rows, reasons, keys, masked, spec.bad_rows)
    hidden = sorted({str(header[i]) for i, key in keys.items() if key in masked and i < len(header)})
    log(
        actor,
        "core.import.bad_rows_exported",
        batch,
        summary=_("下载导入文件 %(name)s 中有问题的 %(n)s 行%(masked)s")
        % {
            "name": batch.filename,
            "n": len(rows),
            "masked": _("（%(columns)s已遮蔽）") % {"columns": "、".join(hidden)} if hidden else "",
        },
        rows=len(rows),
        masked=hidden,
    )
    stem = os.path.splitext(batch.filename)[0] or "import"
    return _("%(name)s-有问题的行.xlsx") % {"name": stem}, content


def _workbook(header, rows, reasons, keys, masked, spec) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    width = max([len(header), *(len(v) for _n, v in rows)])
    workbook = Workbook(write_only=True)
    out = workbook.create_sheet(_("有问题的行"))
    out.column_dimensions[get_column_letter(width + 2)].width = 60  # before any row: write-only
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FCE4E4")
    cells = []
    for value in [*header, *([None] * (width - len(header))), _("行号"), _("原因")]:
        cell = WriteOnlyCell(out, value=without_controls(value))
        cell.font = bold
        cells.append(cell)
    cells[-1].fill = cells[-2].fill = fill
    out.append(cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, values in rows:
        line = []
        for index, value in enumerate(values + [None] * (width - len(values))):
            key = keys.get(index)
            if key in masked and value not in (None, ""):
                value = spec.mask(str(value))
            cell = WriteOnlyCell(out, value=without_controls(value))  # an uploaded cell never breaks it
            if isinstance(value, (dt.date, dt.datetime)):
                cell.number_format = "yyyy-mm-dd"
            elif spec and key in spec.text:
                cell.number_format = "@"  # 18-digit ID numbers lose digits as numbers
            line.append(cell)
        reason = WriteOnlyCell(out, value=without_controls("\n".join(reasons[number])))
        reason.alignment = wrap
        line += [WriteOnlyCell(out, value=number), reason]
        out.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
