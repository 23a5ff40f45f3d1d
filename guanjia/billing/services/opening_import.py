"""Opening balances from the former system (FE-1), a kind of core's one importer ("billing.opening").

When an office starts on Guanjia it brings what each household still owed in its old system, per
room, fee item and period (month), and the prepaid balances 预存余额 per purse. Columns (a title row
above the header is fine): the room as 房屋编号 (3-2-1201 or 3栋2单元1201室) or as 楼栋 / 单元 / 房号,
收费项目 (its code or name), 所属期间 (2025-03, 2025年3月, 202503), 应收金额 (what was billed, optional),
欠费金额 (what is still owed), 缴费期限 (optional: else the item's due day of that month), 预存余额,
预存账户 (物业 / 水电; else the item's purse, else property) and 备注. A row carries arrears, a prepaid
balance, or both.

Each row is checked: the room is registered in this community (a code typed without its entrance
that reads two ways is refused, naming both), the item exists (a name shared by two items must be
given by code), the period is not after this month and is before the first month a billing run of
this community billed that item (a period Guanjia has billed is refused: never bill twice — and a
run skips an item for the months carried over, services.runs), amounts are positive with at most
two decimals, and no (room, item, period) or (room, purse) comes twice in the file or was imported
before. Every problem is reported with its Excel row number and column. The check reads what it
needs in bulk: a fixed number of queries, whatever the number of rows.

The import is all or nothing (`valid_only=False`): a file with a bad row writes nothing. The commit
(services.opening) checks again what the check relied on (StaleRows) and writes the bills.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock
from guanjia.core.importing import kinds
from guanjia.core.importing.kinds import Check, Checked, ImportTemplates
from guanjia.core.periods import MONTH, Period, add_months
from guanjia.core.textnorm import clean
from guanjia.estates.importing.places import (
    Place,
    ambiguity_message,
    parse_building,
    parse_code,
    parse_number,
    parse_unit,
)
from guanjia.estates.importing.records import parse_date
from guanjia.estates.models import Room

from ..choices import BillKind, ItemKind, Purse
from ..models import BillLine, FeeItem, PrepaymentMovement
from ..models._fields import ZERO
from . import runs_bulk

KIND = "billing.opening"
PERMISSION = "billing.run"
# header text → key; the first of each key is the template's label
COLUMNS = {
    "房屋编号": "code",
    "房屋编码": "code",
    "房屋": "code",
    "楼栋": "building",
    "单元": "unit",
    "房号": "number",
    "收费项目": "item",
    "项目": "item",
    "所属期间": "period",
    "账期": "period",
    "应收金额": "billed",
    "欠费金额": "owed",
    "欠费": "owed",
    "缴费期限": "due_on",
    "预存余额": "prepaid",
    "预存账户": "purse",
    "备注": "note",
}
LABELS = {key: label for label, key in reversed(COLUMNS.items())}
TEMPLATE_COLUMNS = (
    "房屋编号",
    "收费项目",
    "所属期间",
    "应收金额",
    "欠费金额",
    "缴费期限",
    "预存余额",
    "预存账户",
    "备注",
)
HEADER_SEARCH_ROWS = 10
MAX_AMOUNT = Decimal(10) ** 12
CENT = Decimal("0.01")
_PURSES = {
    **{str(label): value for value, label in Purse.choices},
    **{value: value for value in Purse.values},
    "物业": Purse.PROPERTY,
    "物业费": Purse.PROPERTY,
    "物业服务费": Purse.PROPERTY,
    "水电": Purse.UTILITIES,
    "水电气": Purse.UTILITIES,
    "水电费": Purse.UTILITIES,
    "代收": Purse.UTILITIES,
}
_MONTH = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})月?|(\d{2}))$")
_NOT_ARREARS = (ItemKind.DEPOSIT, ItemKind.PREPAYMENT)


class Refused(ValueError):
    """A cell that cannot be read: its column and why."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key, self.message = key, message


def _header(values) -> dict[int, str]:
    found: dict[int, str] = {}
    for i, value in enumerate(values):
        key = COLUMNS.get(clean(value).lstrip("*")) if value is not None else None
        if key and key not in found.values():
            found[i] = key
    return found


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean(value)


def parse_amount(value, key: str, *, zero_is_empty: bool = False) -> Decimal | None:
    """A positive amount with at most two decimals ("1,234.50", "88元", 88.5); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Refused(key, _("%(col)s：“%(v)s”不是金额。") % {"col": LABELS[key], "v": value})
    text = repr(value) if isinstance(value, float) else _text(value)
    text = text.replace(",", "").replace("，", "").removesuffix("元").lstrip("¥￥")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Refused(key, _("%(col)s：“%(v)s”不是金额。") % {"col": LABELS[key], "v": _text(value)}) from None
    if not amount.is_finite():
        raise Refused(key, _("%(col)s：“%(v)s”不是金额。") % {"col": LABELS[key], "v": _text(value)})
    if amount == 0 and zero_is_empty:
        return None
    if amount != amount.quantize(CENT):
        raise Refused(key, _("%(col)s：%(v)s 最多保留两位小数。") % {"col": LABELS[key], "v": text})
    if amount <= 0:
        raise Refused(key, _("%(col)s：须大于 0（填写的是 %(v)s）。") % {"col": LABELS[key], "v": text})
    if amount >= MAX_AMOUNT:
        raise Refused(key, _("%(col)s：%(v)s 超出可记录的金额。") % {"col": LABELS[key], "v": text})
    return amount.quantize(CENT)


def parse_month(value) -> Period:
    """2025-03, 2025-3, 2025/03, 2025.03 (as text), 2025年3月, 202503, an Excel date → the month."""
    refused = Refused("period", _("所属期间：“%(v)s”无法识别，应写成 2025-03 或 2025年3月。") % {"v": _text(value)})
    if value is None or value == "":
        raise Refused("period", _("所属期间：不能为空。"))
    if isinstance(value, dt.datetime):
        value = value.date()  # an Excel date: naive, the day as typed
    if isinstance(value, dt.date):
        return Period.of(MONTH, value)
    if isinstance(value, float) and not value.is_integer():
        raise refused  # 2025.10 typed as a number reads 2025.1: only text says which month
    text = _text(value)
    match = _MONTH.match(text)
    if match:
        year, month = int(match[1]), int(match[2] or match[3])
        if 1990 <= year <= 2200 and 1 <= month <= 12:
            return Period(MONTH, dt.date(year, month, 1))
        raise refused
    try:
        day = parse_date(text)
    except (ValueError, OverflowError):
        raise refused from None
    if day is None:
        raise refused
    return Period.of(MONTH, day)


def _place(cells: dict, split: bool) -> Place:
    """The row's room: its 房屋编号, or its 楼栋/单元/房号 (房号 alone may hold the whole code)."""
    code = _text(cells.get("code"))
    if code or not split:
        if not code:
            raise Refused("code", _("房屋编号：不能为空。"))
        place = parse_code(code)
        if place is None:
            raise Refused("code", _("房屋编号：“%(v)s”无法识别，应写成 3-2-1201 或 3栋2单元1201室。") % {"v": code})
        return place
    building, unit, number = _text(cells.get("building")), _text(cells.get("unit")), _text(cells.get("number"))
    if not number:
        raise Refused("number", _("房号：不能为空。"))
    if not building:
        place = parse_code(number)
        if place is None:
            raise Refused("number", _("房号：“%(v)s”无法识别，应写成 3-2-1201，或另填楼栋列。") % {"v": number})
        return place
    b, u, n = parse_building(building), (parse_unit(unit) if unit else ""), parse_number(number)
    if not b:
        raise Refused("building", _("楼栋：“%(v)s”无法识别，应写成 3 或 3栋。") % {"v": building})
    if u is None:
        raise Refused("unit", _("单元：“%(v)s”无法识别，应写成 2 或 2单元；没有单元的填“无”。") % {"v": unit})
    if not n:
        raise Refused("number", _("房号：“%(v)s”无法识别，应写成 1201 或 1201室。") % {"v": number})
    return Place(b, u, n, unit_stated=bool(unit))


def _rooms(community, places) -> dict[str, int]:
    """{code: room id} of the codes (and their other readings) registered in the community."""
    wanted = sorted({p.code for place in places for p in (place, *place.alternatives())})
    found: dict[str, int] = {}
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        found.update(Room.objects.filter(community=community, code__in=chunk).order_by().values_list("code", "id"))
    return found


class _Items:
    """The community's fee items, by code and by name (a name two items share must be given by code)."""

    def __init__(self, community):
        self.by_code, self.by_name = {}, defaultdict(list)
        for item in FeeItem.objects.filter(community=community).only(
            "pk", "code", "name", "kind", "due_day", "cycle_months", "collected_on_behalf"
        ):
            self.by_code[item.code.lower()] = item
            self.by_name[clean(item.name)].append(item)

    def find(self, text: str) -> FeeItem:
        if not text:
            raise Refused("item", _("收费项目：不能为空。"))
        item = self.by_code.get(text.lower())
        if item is None:
            named = self.by_name.get(text, [])
            if len(named) > 1:
                codes = "、".join(sorted(i.code for i in named))
                raise Refused(
                    "item",
                    _("收费项目：有多个“%(v)s”（编码 %(codes)s），请填写项目编码。") % {"v": text, "codes": codes},
                )
            item = named[0] if named else None
        if item is None:
            raise Refused("item", _("收费项目：本小区没有收费项目“%(v)s”。") % {"v": text})
        if item.kind in _NOT_ARREARS:
            raise Refused(
                "item", _("收费项目：“%(v)s”是%(kind)s，不能导入欠费。") % {"v": text, "kind": item.get_kind_display()}
            )
        return item


def first_billed(community, item_ids) -> dict[int, dt.date]:
    """{item id: the first month a billing run of the community billed it} (one grouped query)."""
    rows = (
        BillLine.objects.filter(community=community, item_id__in=list(item_ids), bill__run__isnull=False)
        .values("item_id")
        .annotate(first=Min("period"))
        .order_by()
        .values_list("item_id", "first")
    )
    return dict(rows)


def billed_lines(community, pairs) -> dict[tuple, tuple[str, str]]:
    """{(room id, item id, first day): (bill kind, bill number)} of the lines already there for the
    (item, first day) pairs asked: what the lines' own constraint (billline_once_per_period) would refuse."""
    items = {item for item, _day in pairs}
    days = {day for _item, day in pairs}
    if not items:
        return {}
    rows = BillLine.objects.filter(
        community=community, item_id__in=items, covers_from__in=days, reading__isnull=True, correction=False
    ).values_list("room_id", "item_id", "covers_from", "bill__kind", "bill__number")
    return {(room, item, day): (kind, number) for room, item, day, kind, number in rows}


def prepaid_before(community) -> dict[tuple, dt.datetime]:
    """{(room id, purse): when} of the opening balances imported before (one query)."""
    rows = PrepaymentMovement.objects.filter(community=community, batch__isnull=False).values_list(
        "account__room_id", "account__purse", "at"
    )
    return {(room, purse): at for room, purse, at in rows}


def covers_to(item, month: Period) -> dt.date:
    """The last day an opening line covers: the item's cycle from the month (a quarter from January)."""
    return add_months(month.start, item.cycle_months or 1) - dt.timedelta(days=1)


def _missing(keys: set[str]) -> list:
    """The header's missing columns: the room, and for debts the item and the period."""
    missing = [] if keys & {"code", "number"} else [_("房屋编号（或楼栋、房号）")]
    if "owed" in keys:
        missing += [LABELS[k] for k in ("item", "period") if k not in keys]
    return missing


def _check(check: Check) -> Checked:
    community = check.community
    table = check.table(
        header=_header,
        is_header=lambda keys: bool(keys & {"code", "number"} and keys & {"owed", "prepaid"}),
        required=_missing,
        search_rows=HEADER_SEARCH_ROWS,
        no_header=_("没有找到表头（房屋编号或楼栋、房号，收费项目、所属期间、欠费金额或预存余额）。"),
    )
    if (refused := table.refused()) is not None:
        return refused
    header_row, columns, rows, total, errors = table.header_row, table.columns, table.rows, table.total, table.errors
    split = "code" not in columns.values()
    items, this_month = _Items(community), Period.of(MONTH, clock.today())
    bad: set[int] = set()

    def error(row, key, message):
        bad.add(row)
        errors.append({"row": row, "column": LABELS.get(key, ""), "message": str(message)})

    parsed = []
    for row, cells in rows:
        try:
            place = _place(cells, split)
        except Refused as refusal:
            error(row, refusal.key, refusal.message)
            continue
        arrears, prepaid, ok = None, None, True
        try:
            owed = parse_amount(cells.get("owed"), "owed")
            billed = parse_amount(cells.get("billed"), "billed")
            balance = parse_amount(cells.get("prepaid"), "prepaid", zero_is_empty=True)
        except Refused as refusal:
            error(row, refusal.key, refusal.message)
            continue
        item_text = _text(cells.get("item"))
        if owed is None and balance is None:
            key = "owed" if "owed" in columns.values() else "prepaid"
            error(row, key, _("请填写欠费金额或预存余额。"))
            continue
        item = None
        if owed is not None or item_text:
            try:
                item = items.find(item_text)
            except Refused as refusal:
                error(row, refusal.key, refusal.message)
                ok = False
        if owed is not None and ok:
            try:
                month = parse_month(cells.get("period"))
                due_cell = cells.get("due_on")
                try:
                    due = parse_date(due_cell) if due_cell not in (None, "") else None
                except (ValueError, OverflowError):
                    raise Refused(
                        "due_on", _("缴费期限：“%(v)s”不是日期（如 2025-03-10）。") % {"v": _text(due_cell)}
                    ) from None
            except Refused as refusal:
                error(row, refusal.key, refusal.message)
                ok = False
            else:
                if month > this_month:
                    error(row, "period", _("所属期间：%(m)s 晚于本月，不是欠费。") % {"m": month.label})
                    ok = False
                elif billed is not None and billed < owed:
                    error(row, "billed", _("应收金额 %(b)s 小于欠费金额 %(o)s。") % {"b": billed, "o": owed})
                    ok = False
                else:
                    arrears = (item, month, owed, billed, due or runs_bulk.due_on(item, month))
        if balance is not None and ok:
            purse_text = _text(cells.get("purse"))
            if purse_text:
                purse = _PURSES.get(purse_text) or _PURSES.get(purse_text.lower())
                if purse is None:
                    error(row, "purse", _("预存账户：“%(v)s”应填“物业”或“水电”。") % {"v": purse_text})
                    ok = False
            else:
                purse = Purse.UTILITIES if item is not None and item.collected_on_behalf else Purse.PROPERTY
            prepaid = (purse, balance) if ok else None
        if ok:
            parsed.append((row, place, arrears, prepaid, _text(cells.get("note"))[:100]))
    return _against_register(community, header_row, total, parsed, errors, bad, split)


def _against_register(community, header_row, total, parsed, errors, bad, split) -> Checked:
    """The checks that need the register: rooms, billed months, lines and balances already there."""

    def error(row, key, message):
        bad.add(row)
        errors.append({"row": row, "column": LABELS.get(key, ""), "message": str(message)})

    room_ids = _rooms(community, [p[1] for p in parsed])
    wanted = [(arrears[0].pk, arrears[1].start) for _r, _p, arrears, _b, _n in parsed if arrears]
    first = first_billed(community, {item for item, _day in wanted})
    there = billed_lines(community, wanted)
    before = prepaid_before(community) if any(p[3] for p in parsed) else {}
    seen_lines: dict[tuple, int] = {}
    seen_purses: dict[tuple, int] = {}
    records, counts = [], {"bills": 0, "lines": 0, "arrears": ZERO, "prepaid": 0, "prepaid_total": ZERO}
    bills, rooms = set(), set()
    place_key = "code" if not split else "number"
    for row, place, arrears, prepaid, note in parsed:
        registered = [p for p in (place, *place.alternatives()) if p.code in room_ids]
        if len(registered) > 1:
            readings = [p for p in registered if p is not place]
            error(row, place_key, ambiguity_message(place.code, place, readings, split=split))
            continue
        if not registered:
            error(row, place_key, _("房屋 %(code)s 未在本小区登记。") % {"code": place.code})
            continue
        code = registered[0].code
        room_id = room_ids[code]
        row_records = []
        if arrears:
            item, month, owed, billed, due = arrears
            key = (room_id, item.pk, month.start)
            cutoff = first.get(item.pk)
            clash = there.get(key)
            if cutoff is not None and month.start >= cutoff:
                error(
                    row,
                    "period",
                    _("所属期间：本小区自%(first)s起已由计费批次开具“%(item)s”，%(m)s不能再作为期初欠费导入。")
                    % {"first": Period(MONTH, cutoff).label, "item": item.name, "m": month.label},
                )
                continue
            if clash is not None:
                kind, number = clash
                message = (
                    _("房屋 %(code)s 的“%(item)s”%(m)s已导入过期初欠费（账单 %(n)s），不能重复导入。")
                    if kind == BillKind.OPENING
                    else _("房屋 %(code)s 的“%(item)s”%(m)s已有账单 %(n)s，不能重复计费。")
                )
                error(row, "period", message % {"code": code, "item": item.name, "m": month.label, "n": number})
                continue
            if key in seen_lines:
                error(
                    row,
                    "period",
                    _("与第 %(r)s 行重复：房屋 %(code)s 的“%(item)s”%(m)s。")
                    % {"r": seen_lines[key], "code": code, "item": item.name, "m": month.label},
                )
                continue
            seen_lines[key] = row
            row_records.append(
                {
                    "row": row,
                    "type": "arrears",
                    "room": room_id,
                    "item": item.pk,
                    "period": month.start.isoformat(),
                    "covers_to": covers_to(item, month).isoformat(),
                    "amount": str(owed),
                    "billed": None if billed is None else str(billed),
                    "due_on": due.isoformat(),
                    "note": note,
                }
            )
        if prepaid:
            purse, balance = prepaid
            key = (room_id, purse)
            if key in before:
                error(
                    row,
                    "prepaid",
                    _("房屋 %(code)s 的%(purse)s预存余额已于 %(at)s 导入，不能重复导入。")
                    % {"code": code, "purse": Purse(purse).label, "at": f"{timezone.localdate(before[key]):%Y-%m-%d}"},
                )
                continue
            if key in seen_purses:
                error(
                    row,
                    "prepaid",
                    _("与第 %(r)s 行重复：房屋 %(code)s 的%(purse)s预存余额。")
                    % {"r": seen_purses[key], "code": code, "purse": Purse(purse).label},
                )
                continue
            seen_purses[key] = row
            row_records.append(
                {"row": row, "type": "prepaid", "room": room_id, "purse": purse, "amount": str(balance), "note": note}
            )
        for record in row_records:
            rooms.add(room_id)
            if record["type"] == "arrears":
                bills.add((room_id, record["period"]))
                counts["lines"] += 1
                counts["arrears"] += Decimal(record["amount"])
            else:
                counts["prepaid"] += 1
                counts["prepaid_total"] += Decimal(record["amount"])
        records.extend(row_records)
    counts.update(bills=len(bills), rooms=len(rooms), arrears=str(counts["arrears"]))
    counts["prepaid_total"] = str(counts["prepaid_total"])
    if bad:  # all or nothing: a file with a bad row writes nothing, so nothing of it is kept to write
        records = []
    return Checked(
        total_rows=total,
        header_row=header_row,
        errors=sorted(errors, key=lambda e: e["row"] or 0),
        excluded_rows=sorted(bad),
        counts=counts,
        sample=[{k: r.get(k) for k in ("row", "type", "period", "amount", "purse")} for r in records[:10]],
        records=records,
    )


def describe(result: dict) -> str:
    return _("期初欠费账单 %(b)s 份（%(l)s 行，%(a)s 元），预存余额 %(p)s 户次（%(t)s 元）") % {
        "b": result.get("bills", 0),
        "l": result.get("lines", 0),
        "a": result.get("arrears", "0.00"),
        "p": result.get("prepaid", 0),
        "t": result.get("prepaid_total", "0.00"),
    }


def template() -> bytes:
    """The opening balances template: the header row and two example rows, the columns sized."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "期初欠费与预存"
    sheet.append(list(TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHI", (14, 14, 10, 10, 10, 12, 10, 10, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def register() -> None:
    from . import opening

    kinds.register(
        kinds.ImportKind(
            key=KIND,
            title=gettext_lazy("期初欠费与预存余额"),
            permission=PERMISSION,
            check=_check,
            commit=opening.commit,
            describe=describe,
            templates=ImportTemplates(counts="billing/opening_import_counts.html"),
            start_url=lambda batch: reverse("billing:opening_import"),
            valid_only=False,  # FE-1: opening balances are all or nothing
        )
    )
