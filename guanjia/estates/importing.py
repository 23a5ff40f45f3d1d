"""Excel import of the register (PR-2 rooms and owners, PR-3 leases), from what offices really have.

`parse()` reads an .xlsx with openpyxl (read-only), finds the header row below any title
rows, normalises every cell (full-width digits, "89.5㎡", "3栋2单元1201室", 2020年5月1日 …)
and collects *every* problem as ``{row, column, message}`` with the Excel row number.
`import_preview()` stores the file and its problems; nothing is written to the register
until `import_commit()`, which re-parses the file and writes everything in one transaction
with bulk inserts (a 20,000-room file takes seconds, not minutes).

We use openpyxl directly rather than django-import-export (DESIGN.md): its per-row
pipeline is too slow for whole-community files and cannot do this normalisation.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.crypto import encrypt, lookup_hash
from guanjia.core.errors import ServiceError
from guanjia.core.masking import mask_id
from guanjia.core.models import ActivityLog
from guanjia.core.textnorm import clean, clean_text, parse_area, parse_room_code, room_code
from guanjia.core.validators import parse_cn_id, split_phones

from .choices import Acquisition, Handover, IdType, ImportKind, ImportStatus, RoomKind, RoomUse
from .models import Building, ImportBatch, Lease, Ownership, Person, Phone, Room, Unit
from .names import pinyin_keys

MAX_FILE_BYTES = 20 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
SAMPLE_ROWS = 20
CHUNK = 1000
# A row whose 备注 starts with this is the template's example row and is skipped.
EXAMPLE_MARK = "示例行"


# --- Columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazily translated header, as written in the template and the export
    aliases: tuple[str, ...]  # headers offices use for the same column (the Chinese label included)
    help: object = ""
    required: bool = False
    choices: type | None = None
    example: object = ""
    max_length: int | None = None
    width: int = 14


def _col(key, label, aliases: str, help="", **options) -> Column:
    return Column(key, label, tuple(aliases.split("|")), help, **options)


_L = gettext_lazy
_D = dt.date
_PHONE_ALIASES = "手机号码|手机|手机号|电话|联系电话|电话号码|联系方式"
_ID_ALIASES = "证件号码|证件号|身份证号|身份证号码|身份证|证件编号"

# fmt: off
ROOM_COLUMNS = (
    _col("code", _L("房屋编号"), "房屋编号|房号|房屋|房间号|房屋号|房屋代码|房号编码",
         _L("楼栋-单元-房号，如 3-2-1201；也可写 3栋2单元1201室；没有单元的写 3-101。同一房屋有多位业主时可占多行。"),
         required=True, example="3-2-1201", max_length=64),
    _col("kind", _L("类型"), "类型|房屋类型|物业类型", _L("不填为“住宅”。"), choices=RoomKind, example="住宅"),
    _col("floor", _L("楼层"), "楼层|所在楼层|层", _L("整数；不填时按房号推算（1201 → 12层）。"), example=12, width=8),
    _col("building_area", _L("建筑面积"), "建筑面积|建面|面积|产权面积",
         _L("平方米，可写 89.5、89.5㎡ 或 89.5平方米。"), example="89.5㎡"),
    _col("usable_area", _L("使用面积"), "使用面积|套内面积|套内建筑面积|实用面积", _L("平方米。"), example="72.3平方米"),
    _col("land_area", _L("分摊土地面积"), "分摊土地面积|土地面积|分摊面积|分摊土地使用面积", _L("平方米。"), example=12.1),
    _col("use", _L("用途"), "用途|房屋用途|使用状态|使用情况", _L("不填为“空置”。"), choices=RoomUse, example="自住"),
    _col("handover", _L("交付状态"), "交付状态|入伙状态|交房状态", _L("不填为“未交付”。"), choices=Handover,
         example="已入伙"),
    _col("moved_in_on", _L("入伙日期"), "入伙日期|入住日期|交房日期|入伙时间",
         _L("日期，如 2020-05-01、2020/5/1 或 2020年5月1日。"), example=_D(2020, 5, 1)),
    _col("facilities", _L("附属设施"), "附属设施|附属物|配套设施", example="储藏室1间", max_length=200),
    _col("garage", _L("车库"), "车库|车位|车库/车位|车库使用|车库/车位使用|车库车位", _L("车库或车位的使用情况。"),
         example="B1-023", max_length=100),
    _col("note", _L("备注"), "备注|其他|说明", _L("备注以“示例行”开头的行不导入。"), max_length=200, width=20),
    _col("owner", _L("业主姓名"), "业主姓名|业主|姓名|产权人|业主名称|产权人姓名",
         _L("一行一位业主；多位业主可写在多行（房屋编号相同），或用“、”隔开写在一行。不填则只登记房屋。"),
         example="张三", max_length=50),
    _col("id_type", _L("证件类型"), "证件类型|证件种类", _L("不填为“居民身份证”。"), choices=IdType, example="居民身份证"),
    _col("id_number", _L("证件号码"), _ID_ALIASES,
         _L("居民身份证须为18位且校验位正确（末位 x 大小写均可）。请将该列设为文本格式。"),
         example="11010519491231002X", width=22),
    _col("phones", _L("手机号码"), _PHONE_ALIASES, _L("11位手机号或座机；多个号码用“/”隔开。"), example="13800138000",
         width=16),
    _col("share", _L("产权份额"), "产权份额|份额|产权比例|持有份额|占有份额",
         _L("百分比，同一房屋各业主之和为100；只有一位业主可不填。"), example=100, width=10),
    _col("since", _L("取得日期"), "取得日期|购房日期|产权取得日期|登记日期|取得时间", _L("填写业主时必填。"),
         example=_D(2020, 5, 1)),
    _col("acquisition", _L("取得方式"), "取得方式|产权来源|取得途径", _L("不填为“购买”。"), choices=Acquisition,
         example="购买"),
    _col("certificate_no", _L("产权证号"), "产权证号|房产证号|不动产权证号|产权证编号|房产证编号",
         example="京(2020)朝阳区不动产权第0012345号", max_length=60, width=24),
)

LEASE_COLUMNS = (
    _col("code", _L("房屋编号"), "房屋编号|房号|房屋|房间号|房屋号|租赁房屋",
         _L("须为已登记的房屋，如 3-2-1201 或 3栋2单元1201室。"), required=True, example="3-2-1201", max_length=64),
    _col("tenant", _L("租户姓名"), "租户姓名|租户|承租人|承租人姓名|姓名", required=True, example="李四", max_length=50),
    _col("id_type", _L("证件类型"), "证件类型|证件种类", _L("不填为“居民身份证”。"), choices=IdType, example="居民身份证"),
    _col("id_number", _L("证件号码"), _ID_ALIASES, _L("居民身份证须为18位且校验位正确。请将该列设为文本格式。"),
         example="110105198001010016", width=22),
    _col("phones", _L("手机号码"), _PHONE_ALIASES, _L("多个号码用“/”隔开。"), example="13900139000", width=16),
    _col("start", _L("起租日期"), "起租日期|起租日|开始日期|租赁开始日期|租期开始", required=True, example=_D(2026, 1, 1)),
    _col("end", _L("到期日期"), "到期日期|到期日|结束日期|租赁结束日期|租期结束|终止日期", required=True,
         example=_D(2026, 12, 31)),
    _col("ended_on", _L("退租日期"), "退租日期|实际退租日期", _L("已退租的填写；在租的不填。")),
    _col("registration_no", _L("租赁登记备案号"), "租赁登记备案号|备案号|租赁备案号|登记备案号|租赁登记号",
         _L("按当地租赁登记规定办理的备案号（PR-3）。"), example="ZL-2026-0001", max_length=60, width=18),
    _col("decoration", _L("室内装修情况"), "室内装修情况|装修情况|室内装修", example="精装修", max_length=200, width=16),
    _col("note", _L("备注"), "备注|其他|说明", _L("备注以“示例行”开头的行不导入。"), max_length=200, width=20),
)

# Other spellings of choice labels that offices use.
CHOICE_ALIASES = {
    IdType: {"身份证": IdType.RESIDENT_ID, "居民身份证号": IdType.RESIDENT_ID, "二代身份证": IdType.RESIDENT_ID,
             "港澳通行证": IdType.HK_MACAU, "回乡证": IdType.HK_MACAU, "台胞证": IdType.TAIWAN, "其他": IdType.OTHER},
    RoomKind: {"住房": RoomKind.RESIDENCE, "商业": RoomKind.SHOP, "门面": RoomKind.SHOP, "储物间": RoomKind.STORAGE},
    RoomUse: {"自用": RoomUse.SELF, "自住房": RoomUse.SELF, "出租房": RoomUse.RENTED, "租赁": RoomUse.RENTED,
              "闲置": RoomUse.VACANT, "装修": RoomUse.RENOVATING, "经营": RoomUse.COMMERCIAL},
    Handover: {"已交付": Handover.MOVED_IN, "已入住": Handover.MOVED_IN, "未入伙": Handover.AWAITING,
               "待交付": Handover.UNDELIVERED},
    Acquisition: {"买卖": Acquisition.PURCHASE, "购房": Acquisition.PURCHASE, "判决": Acquisition.COURT},
}
# fmt: on

SHARE_LABEL = next(c.label for c in ROOM_COLUMNS if c.key == "share")
COLUMNS = {ImportKind.ROOMS: ROOM_COLUMNS, ImportKind.LEASES: LEASE_COLUMNS}


def _header_key(text) -> str:
    """ "建筑面积(㎡)", "*房屋编号", "联系电话：" → a comparable header."""
    value = clean(text)
    value = re.sub(r"[(\[【].*?[)\]】]", "", value)
    return value.strip("*:：#")


@lru_cache(maxsize=8)
def _header_map(kind: str, language: str) -> dict[str, str]:
    mapping = {}
    for column in COLUMNS[kind]:
        for name in (*column.aliases, str(column.label)):
            mapping.setdefault(_header_key(name), column.key)
    return mapping


def header_map(kind: str) -> dict[str, str]:

    return _header_map(kind, get_language() or "")


def _choice_map(enum) -> dict[str, str]:

    return _choice_map_for(enum, get_language() or "")


@lru_cache(maxsize=32)
def _choice_map_for(enum, language: str) -> dict[str, str]:
    mapping = {clean(str(label)): value for value, label in enum.choices}
    mapping.update({clean(value): value for value in enum.values})
    mapping.update({clean(k): v for k, v in CHOICE_ALIASES.get(enum, {}).items()})
    return mapping


# --- Parsed records -----------------------------------------------------------------------


@dataclass(slots=True)
class PersonRecord:
    row: int
    name: str
    id_type: str
    id_number: str
    id_hash: str
    phones: list[str]
    gender: str = ""
    birth_date: dt.date | None = None


@dataclass(slots=True)
class OwnerRecord:
    person: PersonRecord
    share: Decimal | None
    since: dt.date | None
    acquisition: str
    certificate_no: str


@dataclass(slots=True)
class RoomRecord:
    row: int
    code: str
    building: str
    unit: str
    number: str
    fields: dict
    owners: list[OwnerRecord] = field(default_factory=list)


@dataclass(slots=True)
class LeaseRecord:
    row: int
    code: str
    room_id: int | None
    tenant: PersonRecord
    start: dt.date
    end: dt.date
    ended_on: dt.date | None
    registration_no: str
    decoration: str
    note: str

    @property
    def last_day(self) -> dt.date:
        return self.ended_on or self.end


@dataclass
class Preview:
    kind: str
    records: list = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    total_rows: int = 0
    header_row: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    existing_people: dict[str, int] = field(default_factory=dict)  # id_hash → Person id

    def error(self, row: int | None, column, message) -> None:
        self.errors.append({"row": row, "column": str(column or ""), "message": str(message)})

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict:
        people = {}
        for person in self.people():
            people[person.id_hash or id(person)] = person
        existing = sum(1 for key in people if key in self.existing_people)
        counts = {
            "rows": self.total_rows,
            "error_rows": len({e["row"] for e in self.errors if e["row"]}),
            "errors": len(self.errors),
            "people": len(people),
            "people_new": len(people) - existing,
            "people_existing": existing,
        }
        if self.kind == ImportKind.ROOMS:
            counts["rooms"] = len(self.records)
            counts["ownerships"] = sum(len(r.owners) for r in self.records)
        else:
            counts["leases"] = len(self.records)
        return counts

    def people(self):
        if self.kind == ImportKind.ROOMS:
            return [o.person for r in self.records for o in r.owners]
        return [r.tenant for r in self.records]

    def sample(self, limit: int = SAMPLE_ROWS) -> list[dict]:
        """The first records as they will be written (IDs masked: this is a screen)."""
        rows = []
        for record in self.records[:limit]:
            if self.kind == ImportKind.ROOMS:
                f = record.fields
                rows.append(
                    {
                        "row": record.row,
                        "code": record.code,
                        "kind": str(RoomKind(f["kind"]).label),
                        "floor": f["floor"],
                        "building_area": str(f["building_area"] or ""),
                        "use": str(RoomUse(f["use"]).label),
                        "handover": str(Handover(f["handover"]).label),
                        "owners": "、".join(
                            f"{o.person.name}（{_number(o.share)}%）" if len(record.owners) > 1 else o.person.name
                            for o in record.owners
                        ),
                        "id_numbers": "、".join(mask_id(o.person.id_number) for o in record.owners),
                        "since": "、".join(sorted({o.since.isoformat() for o in record.owners if o.since})),
                    }
                )
            else:
                rows.append(
                    {
                        "row": record.row,
                        "code": record.code,
                        "tenant": record.tenant.name,
                        "id_number": mask_id(record.tenant.id_number),
                        "start": record.start.isoformat(),
                        "end": record.end.isoformat(),
                        "ended_on": record.ended_on.isoformat() if record.ended_on else "",
                        "registration_no": record.registration_no,
                    }
                )
        return rows

    def summary(self) -> dict:
        return {
            "counts": self.counts(),
            "sample": self.sample(),
            "header_row": self.header_row,
            "ignored_columns": self.ignored_columns,
        }


# --- Cells ----------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_text(value)


_DATE_PARTS = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_date(value) -> dt.date | None:
    """Excel dates, serial numbers and strings such as 2020-5-1, 2020/05/01, 2020年5月1日, 20200501."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial day number (1954 … 2119)
            from openpyxl.utils.datetime import from_excel

            return from_excel(value).date()
        value = str(int(value))
    text = clean(value)
    if not text:
        return None
    match = _DATE_PARTS.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    elif re.fullmatch(r"\d{8}", text):
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    else:
        raise ValueError(value)
    return dt.date(year, month, day)


class Row:
    """One spreadsheet row; every reader records its own problem and returns a safe value."""

    __slots__ = ("number", "values", "preview", "columns")

    def __init__(self, number: int, values: dict, preview: Preview, columns: dict[str, Column]):
        self.number, self.values, self.preview, self.columns = number, values, preview, columns

    def fail(self, key: str, message) -> None:
        label = self.columns[key].label if key in self.columns else ""
        self.preview.error(self.number, label, f"{label}：{message}" if label else message)

    def raw(self, key: str):
        return self.values.get(key)

    def text(self, key: str) -> str:
        value = _text(self.values.get(key))
        column = self.columns.get(key)
        if column and column.max_length and len(value) > column.max_length:
            self.fail(key, _("不能超过 %(n)s 个字。") % {"n": column.max_length})
            return value[: column.max_length]
        return value

    def required(self, key: str) -> str:
        value = self.text(key)
        if not value:
            self.fail(key, _("不能为空。"))
        return value

    def area(self, key: str) -> Decimal | None:
        value = self.values.get(key)
        try:
            area = parse_area(value)
        except ValueError:
            self.fail(key, _("“%(value)s”不是有效的面积（如 89.5 或 89.5㎡）。") % {"value": _text(value)})
            return None
        if area is not None and area >= Decimal("100000000"):
            self.fail(key, _("面积过大。"))
            return None
        return area

    def date(self, key: str, required: bool = False) -> dt.date | None:
        value = self.values.get(key)
        try:
            day = parse_date(value)
        except ValueError:
            self.fail(key, _("“%(value)s”不是有效的日期（如 2020-05-01 或 2020年5月1日）。") % {"value": _text(value)})
            return None
        if day is None and required:
            self.fail(key, _("不能为空。"))
        return day

    def choice(self, key: str, enum, default: str) -> str:
        text = clean(self.values.get(key))
        if not text:
            return default
        mapping = _choice_map(enum)
        value = mapping.get(text) or mapping.get(text.lower())
        if value is None:
            allowed = "、".join(str(label) for label in enum.labels)
            self.fail(key, _("“%(value)s”不是可选值（可填：%(allowed)s）。") % {"value": text, "allowed": allowed})
            return default
        return value

    def floor(self, number: str) -> int | None:
        value = self.values.get("floor")
        text = clean(_text(value)).upper().rstrip("层楼F")
        if not text:
            # 1201 → 12, 302 → 3: offices rarely fill the floor in.
            return int(number[:-2]) if number.isdigit() and len(number) >= 3 else None
        if text.startswith("B") and text[1:].isdigit():
            text = "-" + text[1:]
        try:
            floor = int(text)
        except ValueError:
            self.fail("floor", _("“%(value)s”不是整数。") % {"value": _text(value)})
            return None
        if not -50 <= floor <= 300:
            self.fail("floor", _("%(value)s 超出合理范围。") % {"value": floor})
            return None
        return floor


def _number(value: Decimal) -> str:
    """Decimal("90.00") → "90", Decimal("33.50") → "33.5"."""
    return format(value.normalize(), "f")


def _split(text: str) -> list[str]:
    return [part for part in (p.strip() for p in re.split(r"[、,，;；]", text)) if part]


def _person(row: Row, name: str, id_type: str, id_value, phones: list[str]) -> PersonRecord:
    number = clean(_text(id_value)).upper()
    person = PersonRecord(row=row.number, name=name, id_type=id_type, id_number=number, id_hash="", phones=phones)
    if not number:
        return person
    if id_type == IdType.RESIDENT_ID:
        try:
            info = parse_cn_id(number)
        except ValidationError as error:
            hint = ""
            if isinstance(id_value, (int, float)):
                hint = _("（该单元格是数字格式，Excel 会丢失第15位以后的数字，请把该列设为文本后重新填写）")
            row.fail("id_number", f"{error.messages[0]}{hint}")
            return person
        person.id_number, person.gender, person.birth_date = info.number, info.gender, info.birth_date
    elif len(number) > 40:
        row.fail("id_number", _("证件号码过长。"))
        return person
    person.id_hash = lookup_hash(f"{id_type}:{person.id_number}")
    return person


def _phones(row: Row, value) -> list[str]:
    try:
        return list(dict.fromkeys(split_phones(_text(value))))
    except ValidationError as error:
        row.fail("phones", error.messages[0])
        return []


def _share(row: Row, text: str) -> Decimal | None:
    text = clean(text).rstrip("%％")
    if not text:
        return None
    try:
        share = Decimal(text)
    except InvalidOperation:
        share = None
    if share is None or not share.is_finite() or share <= 0 or share > 100:
        row.fail("share", _("“%(value)s”不是有效的份额（0 到 100 之间的数）。") % {"value": text})
        return None
    return share.quantize(Decimal("0.01"))


# --- Reading the workbook -----------------------------------------------------------------


def _open_sheet(file):
    from openpyxl import load_workbook

    if hasattr(file, "seek"):
        file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a file that is not .xlsx
        raise ServiceError(
            "bad_file", _("无法读取该文件，请上传 Excel（.xlsx）文件；.xls 请先另存为 .xlsx。"), field="file"
        ) from None
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # some writers record a wrong sheet size; read what is there
    return workbook, sheet


def _find_header(rows, kind: str, preview: Preview):
    """The first row (within the first ten) that names the key column and at least one other."""
    mapping = header_map(kind)
    for number, values in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        found = {}
        ignored = []
        for index, cell in enumerate(values):
            key = mapping.get(_header_key(cell)) if cell not in (None, "") else None
            if key and key not in found.values():
                found[index] = key
            elif cell not in (None, ""):
                ignored.append(_text(cell))
        if "code" in found.values() and len(found) >= 2:
            preview.header_row = number
            preview.ignored_columns = ignored
            return number, found
    return None, None


def parse(kind: str, file, *, community=None) -> Preview:
    """Read and check an import file. With `community`, also check it against the register."""
    kind = ImportKind(kind)
    preview = Preview(kind=kind)
    workbook, sheet = _open_sheet(file)
    try:
        rows = sheet.iter_rows(values_only=True)
        header_row, index = _find_header(rows, kind, preview)
        if header_row is None:
            names = "、".join(str(c.label) for c in COLUMNS[kind][:4])
            preview.error(
                None,
                "",
                _("未找到表头：前%(n)s行中没有“房屋编号”等列名（应包含 %(names)s 等）。请使用下载的模板。")
                % {"n": HEADER_SEARCH_ROWS, "names": names},
            )
            return preview
        columns = {c.key: c for c in COLUMNS[kind]}
        missing = [c for c in COLUMNS[kind] if c.required and c.key not in index.values()]
        for column in missing:
            preview.error(header_row, column.label, _("缺少必填列“%(label)s”。") % {"label": column.label})
        if missing:
            return preview
        reader = _read_rooms if kind == ImportKind.ROOMS else _read_leases
        reader(rows, header_row, index, columns, preview, community)
    finally:
        workbook.close()
    preview.errors.sort(key=lambda e: e["row"] or 0)
    return preview


def _data_rows(rows, header_row: int, index: dict[int, str], columns, preview: Preview):
    for number, values in enumerate(rows, start=header_row + 1):
        data = {key: values[i] for i, key in index.items() if i < len(values) and values[i] not in (None, "")}
        if not data or all(not clean(v) for v in data.values()):
            continue
        if "note" in data and _text(data["note"]).startswith(EXAMPLE_MARK):
            continue
        preview.total_rows += 1
        yield Row(number, data, preview, columns)


ROOM_PARTICULARS = (
    "kind",
    "floor",
    "building_area",
    "usable_area",
    "land_area",
    "use",
    "handover",
    "moved_in_on",
    "facilities",
    "garage",
    "note",
)


def _read_rooms(rows, header_row, index, columns, preview: Preview, community) -> None:
    rooms: dict[str, RoomRecord] = {}
    people: dict[str, PersonRecord] = {}  # id_hash → the first row naming that person
    for row in _data_rows(rows, header_row, index, columns, preview):
        raw_code = row.required("code")
        parts = parse_room_code(raw_code) if raw_code else None
        if raw_code and not parts:
            row.fail("code", _("“%(value)s”无法识别，应写成 3-2-1201 或 3栋2单元1201室。") % {"value": raw_code})
        building, unit, number = parts or ("", "", "")
        code = room_code(building, unit, number) if parts else ""
        if len(building) > 20 or len(unit) > 20 or len(number) > 20:
            row.fail("code", _("楼栋、单元或房号过长。"))
        fields = {
            "kind": row.choice("kind", RoomKind, RoomKind.RESIDENCE),
            "floor": row.floor(number),
            "building_area": row.area("building_area"),
            "usable_area": row.area("usable_area"),
            "land_area": row.area("land_area"),
            "use": row.choice("use", RoomUse, RoomUse.VACANT),
            "handover": row.choice("handover", Handover, Handover.UNDELIVERED),
            "moved_in_on": row.date("moved_in_on"),
            "facilities": row.text("facilities"),
            "garage": row.text("garage"),
            "note": row.text("note"),
        }
        owners = _read_owners(row)
        if not code:
            continue
        record = rooms.get(code)
        if record is None:
            rooms[code] = record = RoomRecord(row.number, code, building, unit, number, fields)
        else:
            # A further owner of the same room; its particulars, where given, must agree.
            given = [k for k in ROOM_PARTICULARS if k in row.values and k != "note"]
            if not owners:
                row.fail("code", _("房屋 %(code)s 与第 %(row)s 行重复。") % {"code": code, "row": record.row})
            for key in given:
                if fields[key] != record.fields[key]:
                    row.fail(
                        key, _("与第 %(row)s 行同一房屋 %(code)s 的填写不一致。") % {"row": record.row, "code": code}
                    )
        for owner in owners:
            person = owner.person
            if person.id_hash:
                first = people.setdefault(person.id_hash, person)
                if first is not person:
                    if first.name != person.name:
                        row.fail(
                            "id_number",
                            _("与第 %(row)s 行的证件号码相同，但姓名不同（%(a)s / %(b)s）。")
                            % {"row": first.row, "a": first.name, "b": person.name},
                        )
                    # The same person (e.g. owner of a flat and a garage) is one Person.
                    for phone in person.phones:
                        if phone not in first.phones:
                            first.phones.append(phone)
                    owner.person = first
            if any(
                o.person is owner.person or (person.id_hash and o.person.id_hash == person.id_hash)
                for o in record.owners
            ):
                row.fail("owner", _("业主 %(name)s 在房屋 %(code)s 中重复。") % {"name": person.name, "code": code})
                continue
            record.owners.append(owner)
    _check_shares(rooms.values(), preview)
    if community is not None:
        codes, existing = list(rooms), set()
        for start in range(0, len(codes), 5000):
            chunk = codes[start : start + 5000]
            existing.update(Room.objects.filter(community=community, code__in=chunk).values_list("code", flat=True))
        for code in sorted(existing, key=lambda c: rooms[c].row):
            preview.error(
                rooms[code].row,
                columns["code"].label,
                _("房屋编号：房屋 %(code)s 已在系统中登记，不能重复导入。") % {"code": code},
            )
        _match_people(people, community, preview, columns)
    preview.records = list(rooms.values())


def _read_owners(row: Row) -> list[OwnerRecord]:
    names = _split(row.text("owner"))
    id_type = row.choice("id_type", IdType, IdType.RESIDENT_ID)
    id_cell = row.raw("id_number")
    share_text = _text(row.raw("share"))
    since = row.date("since")
    acquisition = row.choice("acquisition", Acquisition, Acquisition.PURCHASE)
    certificate = row.text("certificate_no")
    if not names:
        if any(row.raw(k) not in (None, "") for k in ("id_number", "phones", "share", "since")):
            row.fail("owner", _("填写了业主资料但缺少业主姓名。"))
        return []
    if since is None and "since" not in row.values:
        row.fail("since", _("填写业主时不能为空。"))
    # A number typed into a numeric cell stays a number, so the hint about Excel's precision can be given.
    ids = [id_cell] if len(names) == 1 else _split(_text(id_cell))
    shares = _split(share_text)
    if len(names) == 1:
        phone_groups = [_phones(row, row.raw("phones"))]
    else:
        groups = [g for g in re.split(r"[、;；]", _text(row.raw("phones"))) if g.strip()]
        if groups and len(groups) not in (1, len(names)):
            row.fail("phones", _("有 %(n)s 位业主，号码应用“、”隔开逐一对应。") % {"n": len(names)})
            groups = []
        phone_groups = [_phones(row, g) for g in groups]
    if len(ids) > 1 and len(ids) != len(names):
        row.fail("id_number", _("有 %(n)s 位业主，证件号码应用“、”隔开逐一对应。") % {"n": len(names)})
        ids = []
    if len(shares) > 1 and len(shares) != len(names):
        row.fail("share", _("有 %(n)s 位业主，份额应用“、”隔开逐一对应。") % {"n": len(names)})
        shares = []
    owners = []
    for i, name in enumerate(names):
        if len(name) > 50:
            row.fail("owner", _("姓名过长。"))
        id_value = ids[i] if i < len(ids) else None
        phones = phone_groups[i] if i < len(phone_groups) else []
        person = _person(row, name, id_type, id_value, phones)
        share = _share(row, shares[i]) if i < len(shares) else None
        owners.append(OwnerRecord(person, share, since, acquisition, certificate))
    return owners


def _check_shares(rooms, preview: Preview) -> None:
    """Each room's owners hold 100% between them (PR-1); blank shares are split equally."""
    for room in rooms:
        if not room.owners:
            continue
        given = [o.share for o in room.owners]
        if all(s is None for s in given):
            n = len(room.owners)
            each = (Decimal(100) / n).quantize(Decimal("0.01"))
            for owner in room.owners:
                owner.share = each
            room.owners[0].share += Decimal(100) - each * n
            continue
        if any(s is None for s in given):
            preview.error(
                room.row, SHARE_LABEL, _("产权份额：房屋 %(code)s 有多位业主，须逐一填写份额。") % {"code": room.code}
            )
            continue
        total = sum(given, Decimal(0))
        if total != 100:
            preview.error(
                room.row,
                SHARE_LABEL,
                _("产权份额：房屋 %(code)s 各业主份额之和应为100，当前为 %(total)s。")
                % {"code": room.code, "total": _number(total)},
            )


def _match_people(people: dict[str, PersonRecord], community, preview: Preview, columns) -> None:
    """People already in the community's register (same ID number) are reused, not duplicated."""
    hashes = list(people)
    for start in range(0, len(hashes), 5000):
        chunk = hashes[start : start + 5000]
        for pk, id_hash, name in Person.objects.filter(community=community, id_hash__in=chunk).values_list(
            "pk", "id_hash", "name"
        ):
            preview.existing_people[id_hash] = pk
            record = people[id_hash]
            if name != record.name:
                preview.error(
                    record.row,
                    columns["id_number"].label,
                    _("证件号码：该证件号已登记为“%(old)s”，与本行姓名“%(new)s”不一致。")
                    % {"old": name, "new": record.name},
                )


def _read_leases(rows, header_row, index, columns, preview: Preview, community) -> None:
    records: list[LeaseRecord] = []
    people: dict[str, PersonRecord] = {}
    for row in _data_rows(rows, header_row, index, columns, preview):
        raw_code = row.required("code")
        parts = parse_room_code(raw_code) if raw_code else None
        if raw_code and not parts:
            row.fail("code", _("“%(value)s”无法识别，应写成 3-2-1201 或 3栋2单元1201室。") % {"value": raw_code})
        name = row.required("tenant")
        id_type = row.choice("id_type", IdType, IdType.RESIDENT_ID)
        tenant = _person(row, name, id_type, row.raw("id_number"), _phones(row, row.raw("phones")))
        start, end = row.date("start", required=True), row.date("end", required=True)
        ended_on = row.date("ended_on")
        if start and end and end < start:
            row.fail("end", _("不能早于起租日期。"))
            continue
        if start and ended_on and ended_on < start:
            row.fail("ended_on", _("不能早于起租日期。"))
            continue
        registration_no, decoration, note = row.text("registration_no"), row.text("decoration"), row.text("note")
        if not (parts and name and start and end):
            continue
        if tenant.id_hash:
            first = people.setdefault(tenant.id_hash, tenant)
            if first is not tenant:
                if first.name != tenant.name:
                    row.fail(
                        "id_number",
                        _("与第 %(row)s 行的证件号码相同，但姓名不同（%(a)s / %(b)s）。")
                        % {"row": first.row, "a": first.name, "b": tenant.name},
                    )
                tenant = first
        records.append(
            LeaseRecord(
                row.number, room_code(*parts), None, tenant, start, end, ended_on, registration_no, decoration, note
            )
        )
    by_room: dict[str, list[LeaseRecord]] = defaultdict(list)
    for record in records:
        by_room[record.code].append(record)
    if community is not None:
        room_ids = dict(Room.objects.filter(community=community).values_list("code", "id"))
        existing: dict[int, list[Lease]] = defaultdict(list)
        wanted = [room_ids[c] for c in by_room if c in room_ids]
        for start in range(0, len(wanted), 5000):
            for lease in Lease.objects.filter(room_id__in=wanted[start : start + 5000]).select_related("tenant"):
                existing[lease.room_id].append(lease)
        for record in records:
            record.room_id = room_ids.get(record.code)
            if record.room_id is None:
                preview.error(
                    record.row,
                    columns["code"].label,
                    _("房屋编号：房屋 %(code)s 未在系统中登记，请先导入房屋。") % {"code": record.code},
                )
                continue
            for lease in existing[record.room_id]:
                if lease.start <= record.last_day and record.start <= lease.last_day:
                    preview.error(
                        record.row,
                        columns["start"].label,
                        _("起租日期：房屋 %(code)s 在 %(start)s 至 %(end)s 已有租赁（%(tenant)s）。")
                        % {
                            "code": record.code,
                            "start": lease.start,
                            "end": lease.last_day,
                            "tenant": lease.tenant.name,
                        },
                    )
                    break
        _match_people(people, community, preview, columns)
    # Leases of one room in the file must not overlap each other (PR-3).
    for code, leases in by_room.items():
        leases.sort(key=lambda r: r.start)
        for before, after in zip(leases, leases[1:], strict=False):
            if after.start <= before.last_day:
                preview.error(
                    after.row,
                    columns["start"].label,
                    _("起租日期：与第 %(row)s 行房屋 %(code)s 的租期重叠。") % {"row": before.row, "code": code},
                )
    preview.records = records


# --- Services -----------------------------------------------------------------------------


def import_preview(*, community, actor, kind: str, file) -> ImportBatch:
    """Check an uploaded file and keep it with its problems; nothing is written to the register yet."""
    require(actor, "estates.import", community)
    if kind not in ImportKind.values:
        raise ServiceError("invalid", _("导入内容：请选择要导入的清单。"), field="kind")
    name = os.path.basename(getattr(file, "name", "") or "import.xlsx")
    if os.path.splitext(name)[1].lower() != ".xlsx":
        raise ServiceError("bad_file", _("文件：仅支持 Excel（.xlsx）文件；.xls 请先另存为 .xlsx。"), field="file")
    if getattr(file, "size", 0) > MAX_FILE_BYTES:
        raise ServiceError("file_too_large", _("文件：不能超过 20MB。"), field="file")
    content = file.read()
    preview = parse(kind, io.BytesIO(content), community=community)
    batch = ImportBatch(
        community=community,
        kind=kind,
        filename=name[:200],
        status=ImportStatus.PREVIEWED,
        total_rows=preview.total_rows,
        errors=preview.errors,
        result={"preview": preview.summary()},
        created_by=actor,
    )
    with transaction.atomic():
        batch.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(content), save=False)
        batch.save()
        log(
            actor,
            "estates.import.previewed",
            batch,
            summary=_("上传导入文件 %(name)s：%(rows)s 行，%(errors)s 处问题")
            % {"name": batch.filename, "rows": preview.total_rows, "errors": len(preview.errors)},
        )
    return batch


def import_queue(*, batch: ImportBatch, actor) -> ImportBatch:
    """Mark a checked batch as waiting for the background worker."""
    require(actor, "estates.import", batch.community)
    _check_committable(batch)
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(status=ImportStatus.QUEUED)
    if not updated:
        raise ServiceError("bad_status", _("该批次已在导入或已处理，不能重复提交。"), status=409)
    batch.status = ImportStatus.QUEUED
    return batch


def _check_committable(batch: ImportBatch) -> None:
    if batch.status not in (ImportStatus.PREVIEWED, ImportStatus.QUEUED):
        raise ServiceError(
            "bad_status", _("该批次状态为“%(status)s”，不能导入。") % {"status": batch.get_status_display()}, status=409
        )
    if batch.errors:
        raise ServiceError("has_errors", _("文件中还有 %(n)s 处问题，请修改后重新上传。") % {"n": len(batch.errors)})


def import_commit(*, batch: ImportBatch, actor) -> ImportBatch:
    """Write a checked batch to the register: all of it in one transaction, or nothing."""
    require(actor, "estates.import", batch.community)
    _check_committable(batch)
    with batch.file.open("rb") as handle:
        preview = parse(batch.kind, io.BytesIO(handle.read()), community=batch.community)
    if preview.errors:
        # The register changed since the preview (e.g. a room was registered meanwhile).
        batch.errors, batch.status = preview.errors, ImportStatus.PREVIEWED
        batch.result = {"preview": preview.summary()}
        batch.save(update_fields=["errors", "status", "result"])
        raise ServiceError(
            "has_errors", _("重新检查时发现 %(n)s 处问题，未导入任何数据。") % {"n": len(preview.errors)}
        )
    try:
        with transaction.atomic():
            writer = _write_rooms if batch.kind == ImportKind.ROOMS else _write_leases
            result = writer(preview, batch, actor)
            batch.status, batch.committed_at = ImportStatus.COMMITTED, timezone.now()
            batch.result = {"preview": batch.result.get("preview", preview.summary()), "committed": result}
            batch.save(update_fields=["status", "committed_at", "result"])
            log(
                actor,
                "estates.import.committed",
                batch,
                summary=_("导入%(kind)s %(name)s：%(result)s")
                % {"kind": batch.get_kind_display(), "name": batch.filename, "result": _describe(result)},
                **result,
            )
    except Exception as error:
        reason = str(error) or error.__class__.__name__
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED, result={**batch.result, "failure": reason[:500]}
        )
        batch.status = ImportStatus.FAILED
        batch.result = {**batch.result, "failure": reason[:500]}
        raise ServiceError(
            "import_failed", _("导入失败，未写入任何数据：%(reason)s") % {"reason": reason[:200]}
        ) from error
    return batch


def _describe(result: dict) -> str:
    labels = {"rooms": _("房屋"), "people_new": _("新增人员"), "ownerships": _("产权"), "leases": _("租赁")}
    return "，".join(f"{labels[k]} {v}" for k, v in result.items() if k in labels)


@lru_cache(maxsize=50000)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


def _write_people(records: list[PersonRecord], preview: Preview, community) -> dict[int, int]:
    """Create the people not yet registered; return id(record) → Person pk."""
    ids: dict[int, int] = {}
    new: list[tuple[PersonRecord, Person]] = []
    seen: set[int] = set()
    for record in records:
        if id(record) in seen:
            continue
        seen.add(id(record))
        existing = preview.existing_people.get(record.id_hash) if record.id_hash else None
        if existing:
            ids[id(record)] = existing
            continue
        full, initials = _pinyin(record.name)
        new.append(
            (
                record,
                Person(
                    community=community,
                    name=record.name,
                    name_pinyin=full,
                    name_initials=initials,
                    id_type=record.id_type,
                    id_encrypted=encrypt(record.id_number),
                    id_hash=record.id_hash,
                    id_last4=record.id_number[-4:],
                    gender=record.gender,
                    birth_date=record.birth_date,
                ),
            )
        )
    Person.objects.bulk_create([p for _r, p in new], batch_size=CHUNK)
    for record, person in new:
        ids[id(record)] = person.pk
    # Phones: all of a new person's, and those an existing person does not have yet.
    known = set(preview.existing_people.values())
    reused = sorted({pk for pk in ids.values() if pk in known})
    have: set[tuple[int, str]] = set()
    for start in range(0, len(reused), 5000):
        have.update(Phone.objects.filter(person_id__in=reused[start : start + 5000]).values_list("person_id", "number"))
    phones = []
    done: set[int] = set()
    for record in records:
        if id(record) in done:
            continue
        done.add(id(record))
        pk = ids[id(record)]
        for number in record.phones:
            if (pk, number) not in have:
                have.add((pk, number))
                phones.append(Phone(community=community, person_id=pk, number=number, last4=number[-4:]))
    Phone.objects.bulk_create(phones, batch_size=CHUNK)
    return ids


def _write_rooms(preview: Preview, batch: ImportBatch, actor) -> dict:
    community = batch.community
    buildings = {b.code: b for b in Building.objects.filter(community=community)}
    new_buildings = [
        Building(community=community, code=code)
        for code in dict.fromkeys(r.building for r in preview.records)
        if code not in buildings
    ]
    Building.objects.bulk_create(new_buildings, batch_size=CHUNK)
    buildings.update({b.code: b for b in new_buildings})
    units = {(u.building_id, u.code): u for u in Unit.objects.filter(community=community)}
    new_units = []
    for key in dict.fromkeys((buildings[r.building].pk, r.unit) for r in preview.records if r.unit):
        if key not in units:
            unit = Unit(community=community, building_id=key[0], code=key[1])
            units[key] = unit
            new_units.append(unit)
    Unit.objects.bulk_create(new_units, batch_size=CHUNK)

    rooms = []
    for record in preview.records:
        building = buildings[record.building]
        unit = units[(building.pk, record.unit)] if record.unit else None
        rooms.append(
            Room(
                community=community,
                building=building,
                unit=unit,
                number=record.number,
                code=record.code,
                **record.fields,
            )
        )
    Room.objects.bulk_create(rooms, batch_size=CHUNK)

    people = _write_people([o.person for r in preview.records for o in r.owners], preview, community)
    ownerships = [
        Ownership(
            community=community,
            room=room,
            person_id=people[id(owner.person)],
            share=owner.share,
            since=owner.since,
            acquisition=owner.acquisition,
            certificate_no=owner.certificate_no,
        )
        for record, room in zip(preview.records, rooms, strict=False)
        for owner in record.owners
    ]
    Ownership.objects.bulk_create(ownerships, batch_size=CHUNK)

    # One entry per household, so each household file shows where it came from (AR-1).
    room_type = ContentType.objects.get_for_model(Room)
    now = timezone.now()
    entries = [
        ActivityLog(
            at=now,
            actor=actor,
            verb="estates.room.imported",
            community=community,
            subject_type=room_type,
            subject_id=str(room.pk),
            household_id=room.pk,
            summary=(
                _("批量导入登记（%(file)s 第 %(row)s 行）%(owners)s")
                % {
                    "file": batch.filename,
                    "row": record.row,
                    "owners": ("：" + _("业主") + "、".join(o.person.name for o in record.owners))
                    if record.owners
                    else "",
                }
            )[:300],
            data={"batch": batch.pk, "row": record.row},
        )
        for record, room in zip(preview.records, rooms, strict=False)
    ]
    ActivityLog.objects.bulk_create(entries, batch_size=CHUNK)
    return {
        "rooms": len(rooms),
        "buildings_new": len(new_buildings),
        "units_new": len(new_units),
        "people_new": len(set(people.values()) - set(preview.existing_people.values())),
        "people_existing": len(set(people.values()) & set(preview.existing_people.values())),
        "ownerships": len(ownerships),
    }


def _write_leases(preview: Preview, batch: ImportBatch, actor) -> dict:
    community = batch.community
    people = _write_people([r.tenant for r in preview.records], preview, community)
    leases = [
        Lease(
            community=community,
            room_id=r.room_id,
            tenant_id=people[id(r.tenant)],
            start=r.start,
            end=r.end,
            ended_on=r.ended_on,
            registration_no=r.registration_no,
            decoration=r.decoration,
            note=r.note,
        )
        for r in preview.records
    ]
    Lease.objects.bulk_create(leases, batch_size=CHUNK)
    # A room let today is "出租" (as lease_create does).
    today = dt.date.today()
    let = [r.room_id for r in preview.records if r.start <= today <= r.last_day]
    for start in range(0, len(let), 5000):
        Room.objects.filter(pk__in=let[start : start + 5000]).exclude(use=RoomUse.RENTED).update(use=RoomUse.RENTED)
    lease_type = ContentType.objects.get_for_model(Lease)
    now = timezone.now()
    ActivityLog.objects.bulk_create(
        [
            ActivityLog(
                at=now,
                actor=actor,
                verb="estates.lease.imported",
                community=community,
                subject_type=lease_type,
                subject_id=str(lease.pk),
                household_id=record.room_id,
                summary=(
                    _("批量导入租赁（%(file)s 第 %(row)s 行）：%(tenant)s，%(start)s 至 %(end)s")
                    % {
                        "file": batch.filename,
                        "row": record.row,
                        "tenant": record.tenant.name,
                        "start": record.start,
                        "end": record.end,
                    }
                )[:300],
                data={"batch": batch.pk, "row": record.row},
            )
            for record, lease in zip(preview.records, leases, strict=False)
        ],
        batch_size=CHUNK,
    )
    return {
        "leases": len(leases),
        "people_new": len(set(people.values()) - set(preview.existing_people.values())),
        "people_existing": len(set(people.values()) & set(preview.existing_people.values())),
    }
