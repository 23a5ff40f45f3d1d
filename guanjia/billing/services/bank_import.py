"""Bank statements 银行流水 from Excel or CSV (FE-1), a kind of core's one importer
("billing.bank_statement").

The columns are found by the names Chinese banks give them (a few account lines above the header are
fine): the date 交易日期/记账日期, the credit 贷方金额/收入金额, the debit 借方金额/支出金额 (only to
know a row is a payment out, which is left aside: only credits are receipts), the counterparty
对方户名 and 对方账号, the memo 摘要/附言/用途 (several such columns are read together) and the bank's
transaction number 交易流水号. Every bad row is reported with its row number and its column as the
file names it; a transaction number already imported in the community is a warning and brings
nothing in (a statement imported twice changes nothing); the same number twice in one file is an
error. A CSV (UTF-8 or GBK, as banks export it) is turned into a workbook at the upload, row for row,
so the row numbers stay the file's own.

The commit writes the credits and matches each to a room (services.bank): all or nothing by
default, as every import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing import kinds
from guanjia.core.importing.kinds import Check, Checked, Commit, ImportTemplates
from guanjia.core.importing.services import import_upload
from guanjia.core.textnorm import clean, clean_text
from guanjia.estates.importing.records import parse_date

from ..models import BankStatementLine
from .bank import statement_lines_record

KIND = "billing.bank_statement"
# header text (as banks write it) → key
COLUMNS = {
    **dict.fromkeys(("交易日期", "记账日期", "入账日期", "交易时间", "日期"), "booked_on"),
    **dict.fromkeys(("贷方金额", "收入金额", "贷方发生额", "收入", "存入金额", "贷方"), "credit"),
    **dict.fromkeys(("借方金额", "支出金额", "借方发生额", "支出", "取出金额", "借方"), "debit"),
    **dict.fromkeys(("对方户名", "对方名称", "对方账户名称", "付款人名称", "对方账户名"), "name"),
    **dict.fromkeys(("对方账号", "对方账户", "付款人账号", "对方账户账号"), "account"),
    **dict.fromkeys(("摘要", "附言", "用途", "交易附言", "备注", "交易摘要"), "memo"),
    **dict.fromkeys(("交易流水号", "流水号", "交易参考号", "银行流水号"), "transaction_id"),
}
REQUIRED = {"booked_on": "交易日期", "credit": "贷方金额", "transaction_id": "交易流水号"}
HEADER_SEARCH_ROWS = 15
CENT = Decimal("0.01")
_TOTALS = ("合计", "总计", "本页合计", "小计")
_DATE_START = re.compile(r"^(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{8})")
_CSV_FORMULA = re.compile(r'^="(.*)"$')


_PRIORITY = {label: n for n, label in enumerate(COLUMNS)}  # 交易日期 before 交易时间 (a time of day only)


def _header(values) -> dict[int, tuple[str, str]]:
    """{column index: (key, the file's own header text)}: for each key the column whose name comes first
    in COLUMNS; memo columns may be several."""
    best: dict[str, tuple[int, int, str]] = {}
    found = {}
    for i, value in enumerate(values):
        label = clean(value) if value is not None else ""
        key = COLUMNS.get(label)
        if key == "memo":
            found[i] = (key, label)
        elif key and (key not in best or _PRIORITY[label] < best[key][0]):
            best[key] = (_PRIORITY[label], i, label)
    for key, (_p, i, label) in best.items():
        found[i] = (key, label)
    return dict(sorted(found.items()))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value)


def _amount(value) -> Decimal | None:
    """A cell's amount (None if blank); ValueError if it is not an amount with at most two decimals."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        text = repr(value)
    else:
        text = clean(value).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").removesuffix("元")
    if text in ("", "-", "--"):
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not amount.is_finite() or amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError(value)
    return amount.quantize(CENT)


def _date(value) -> dt.date | None:
    if isinstance(value, (dt.date, dt.datetime, int, float)) or value is None:
        return parse_date(value)
    text = clean(value)
    match = _DATE_START.match(text)  # "2026-11-03 10:22:11": the day
    return parse_date(match.group(1) if match else text)


def _cells(values, columns) -> dict[str, list]:
    """{key: [(the file's header text, value)]}: memo columns may be several."""
    cells: dict[str, list] = {}
    for i, (key, label) in columns.items():
        cells.setdefault(key, []).append((label, values[i] if i < len(values) else None))
    return cells


def _totals(values, cells) -> bool:
    """The statement's own totals row (合计 in the first cells, no transaction)."""
    return any(_text(v).startswith(_TOTALS) for v in values[:3]) and not _text(cells["transaction_id"][0][1])


def _check(check: Check) -> Checked:
    warnings, bad = [], set()
    table = check.table(
        header=_header,
        key=lambda column: column[0],
        is_header=lambda keys: bool(keys & {"credit", "transaction_id"}),
        required=REQUIRED,
        search_rows=HEADER_SEARCH_ROWS,
        no_header=_("没有找到表头（交易日期、贷方金额、对方户名、摘要、交易流水号）。"),
        cells=_cells,
        skip=_totals,
    )
    if (refused := table.refused()) is not None:
        return refused
    header_row, rows, total, errors = table.header_row, table.rows, table.total, table.errors

    def error(row, column, message):
        bad.add(row)
        errors.append({"row": row, "column": column, "message": str(message)})

    ids = {_text(cells["transaction_id"][0][1]) for _n, cells in rows}
    known = set(
        BankStatementLine.objects.filter(community=check.community, transaction_id__in=ids).values_list(
            "transaction_id", flat=True
        )
    )
    today, seen, records = clock.today(), {}, []
    counts = {"credits": 0, "amount": "0.00", "debits": 0, "duplicates": 0}
    credited = Decimal("0.00")
    for row, cells in rows:
        first = {key: pairs[0] for key, pairs in cells.items()}
        credit_label, raw_credit = first["credit"]
        try:
            credit = _amount(raw_credit)
        except ValueError:
            error(row, credit_label, _("“%(v)s”不是金额（如 1280.50，最多两位小数）。") % {"v": _text(raw_credit)})
            continue
        if credit is None or credit == 0:
            debit_label, raw_debit = first.get("debit", ("", None))
            try:
                debit = _amount(raw_debit)
            except ValueError:
                error(row, debit_label, _("“%(v)s”不是金额。") % {"v": _text(raw_debit)})
                continue
            if debit:
                counts["debits"] += 1  # a payment out: not a receipt, left aside
                continue
            error(row, credit_label, _("请填写贷方金额（收入）。"))
            continue
        if credit < 0:
            error(row, credit_label, _("贷方金额须大于零（冲正的交易请删去后重新上传）。"))
            continue
        id_label, raw_id = first["transaction_id"]
        transaction_id = _text(raw_id)
        if not transaction_id:
            error(row, id_label, _("请填写交易流水号。"))
            continue
        if len(transaction_id) > 64:
            error(row, id_label, _("交易流水号不能超过 64 个字符。"))
            continue
        if transaction_id in seen:
            error(
                row,
                id_label,
                _("交易流水号 %(t)s 与第 %(r)s 行重复。") % {"t": transaction_id, "r": seen[transaction_id]},
            )
            continue
        seen[transaction_id] = row
        date_label, raw_date = first["booked_on"]
        try:
            booked_on = _date(raw_date)
        except (ValueError, OverflowError):
            booked_on = None
        if booked_on is None:
            error(row, date_label, _("请填写有效的交易日期（如 2026-11-03）。"))
            continue
        if booked_on > today:
            error(row, date_label, _("交易日期 %(d)s 晚于今天。") % {"d": booked_on.isoformat()})
            continue
        if transaction_id in known:
            counts["duplicates"] += 1
            warnings.append(
                {
                    "row": row,
                    "column": id_label,
                    "message": _("交易流水号 %(t)s 已导入过，不再导入。") % {"t": transaction_id},
                }
            )
            continue
        memo = "；".join(t for t in (_text(v) for _l, v in cells.get("memo", [])) if t)
        account = re.sub(r"\s", "", _CSV_FORMULA.sub(r"\1", _text(first.get("account", ("", None))[1])))
        counts["credits"] += 1
        credited += credit
        records.append(
            {
                "row": row,
                "transaction_id": transaction_id,
                "booked_on": booked_on.isoformat(),
                "amount": str(credit),
                "counterparty_name": _text(first.get("name", ("", None))[1])[:100],
                "counterparty_account": account[:40],
                "memo": memo[:200],
            }
        )
    counts["amount"] = str(credited)
    return Checked(
        total_rows=total,
        header_row=header_row,
        errors=sorted(errors, key=lambda e: e["row"] or 0),
        warnings=warnings,
        excluded_rows=sorted(bad),
        counts=counts,
        sample=[{k: r[k] for k in ("row", "booked_on", "amount", "counterparty_name", "memo")} for r in records[:10]],
        records=records,
    )


def _commit(commit: Commit) -> dict:
    rows = [
        {
            "row": r["row"],
            "transaction_id": r["transaction_id"],
            "booked_on": dt.date.fromisoformat(r["booked_on"]),
            "amount": Decimal(r["amount"]),
            "counterparty_name": r["counterparty_name"],
            "counterparty_account": r["counterparty_account"],
            "memo": r["memo"],
        }
        for r in commit.records
    ]
    result = statement_lines_record(community=commit.community, rows=rows, actor=commit.actor, batch=commit.batch)
    # the rows the check already found imported (warnings, no records) count as duplicates too
    result["duplicates"] += (commit.batch.summary or {}).get("counts", {}).get("duplicates", 0)
    return result


def describe(result: dict) -> str:
    return _("银行流水 %(n)s 笔，自动入账 %(m)s 笔，待处理 %(w)s 笔，已导入过 %(d)s 笔") % {
        "n": result.get("lines", 0),
        "m": result.get("matched", 0),
        "w": result.get("waiting", 0),
        "d": result.get("duplicates", 0),
    }


# --- CSV ----------------------------------------------------------------------------------------


def _decoded(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # banks export UTF-8 (often with a BOM) or GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError("bad_file", _("文件：CSV 编码无法识别，请另存为 UTF-8 或 Excel（.xlsx）。"), field="file")


def csv_as_xlsx(file) -> SimpleUploadedFile:
    """A CSV statement as a one-sheet workbook, row for row (every cell as text), for the importer:
    the kind's converter for .csv (core's upload checks the permission and the size first)."""
    from openpyxl import Workbook

    text = _decoded(file.read())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("银行流水")
    try:
        for values in csv.reader(io.StringIO(text), dialect):
            sheet.append([_CSV_FORMULA.sub(r"\1", v.strip()) or None for v in values])
    except csv.Error:
        raise ServiceError("bad_file", _("文件：CSV 格式有误，无法读取。"), field="file") from None
    buffer = io.BytesIO()
    workbook.save(buffer)
    name = os.path.splitext(os.path.basename(getattr(file, "name", "") or "statement.csv"))[0]
    return SimpleUploadedFile(f"{name}.xlsx", buffer.getvalue())


def statement_upload(*, community, actor, file):
    """Upload a statement (.xlsx, or .csv through the kind's converter) to core's importer: checked
    in the background, then confirmed."""
    return import_upload(kind=KIND, community=community, actor=actor, file=file)


def template() -> bytes:
    """A statement template with the usual columns (banks' own exports are read as they are)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "银行流水"
    sheet.append(["交易日期", "贷方金额", "借方金额", "对方户名", "对方账号", "摘要", "交易流水号"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (12, 12, 12, 18, 22, 36, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def register() -> None:
    kinds.register(
        kinds.ImportKind(
            key=KIND,
            title=gettext_lazy("银行流水"),
            permission="billing.collect",
            check=_check,
            commit=_commit,
            describe=describe,
            templates=ImportTemplates(counts="billing/bank_import_counts.html"),
            start_url=lambda batch: reverse("billing:bank_import"),
            converts={".csv": csv_as_xlsx},
        )
    )
