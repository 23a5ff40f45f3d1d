"""Parsed import records and the per-cell normalisation and checks."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.crypto import lookup_hash
from guanjia.core.masking import mask_id
from guanjia.core.textnorm import clean, clean_text
from guanjia.core.validators import normalise_phone, parse_cn_id

from ..choices import Handover, IdType, ImportKind, RoomKind, RoomUse
from ..models import Person
from .columns import SAMPLE_ROWS, Column, choice_map

# --- Parsed records -----------------------------------------------------------------------


@dataclass(slots=True)
class PersonRecord:
    row: int
    name: str
    id_type: str
    id_number: str
    id_hash: str
    phones: tuple[str, ...]
    gender: str = ""
    birth_date: dt.date | None = None
    position: int = -1  # among the people the commit writes (writer.kept_records)


@dataclass(slots=True)
class OwnerRecord:
    person: PersonRecord
    share: Decimal | None
    since: dt.date | None
    acquisition: str
    certificate_no: str


# A room's particulars, as RoomRecord's attributes of the same names.
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


@dataclass(slots=True)
class RoomRecord:
    """One room of the file. A register of 100,000 rooms is held whole while it is checked, so a
    record is small: its particulars are attributes, the values many rooms share (an area, a date,
    "3栋") are one object, and the extra rows of co-owners are kept only where there are some."""

    row: int  # the first row naming the room
    code: str
    building: str
    unit: str
    number: str
    kind: str
    floor: int | None
    building_area: Decimal | None
    usable_area: Decimal | None
    land_area: Decimal | None
    use: str
    handover: str
    moved_in_on: dt.date | None
    facilities: str
    garage: str
    note: str
    given: frozenset[str]  # the particulars some row filled in
    owners: tuple[OwnerRecord, ...] = ()
    more_rows: tuple[int, ...] = ()  # further rows of the room (co-owners take a row each)

    @property
    def rows(self) -> list[int]:
        return [self.row, *self.more_rows]


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

    @property
    def rows(self) -> list[int]:
        return [self.row]


@dataclass
class Preview:
    """What a file holds: the importable records, every problem, and the rows that cannot be imported.

    `records` holds only records none of whose rows has a problem: a row with a problem is never
    shown as "to be written" with a value the reader had to drop or alter."""

    kind: str
    records: list = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    total_rows: int = 0
    header_row: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    existing_people: dict[str, int] = field(default_factory=dict)  # id_hash → Person id
    excluded_rows: list[int] = field(default_factory=list)  # data rows that cannot be imported
    split_layout: bool = False  # the room is given by 楼栋/单元/房号 columns, not one 房屋编号 column
    # Cells read the same way in every row (an area, a type, a date) are read once per value, and
    # values many records hold ("3栋", a set of filled-in columns) are kept once: `Row`, `share`.
    memo: dict = field(default_factory=dict, repr=False)
    shared: dict = field(default_factory=dict, repr=False)
    today: dt.date = field(default_factory=clock.today)
    language: str = field(default_factory=lambda: get_language() or "")

    def share(self, value):
        """One object for equal values (strings, frozensets) held by many records."""
        return self.shared.setdefault(value, value)

    def error(self, row: int | None, column, message) -> None:
        # Core stores the messages with any ID number in them masked (LW-1).
        self.errors.append({"row": row, "column": str(column or ""), "message": str(message)})

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def fatal(self) -> bool:
        """A problem with the file itself (no header, a missing column): no row can be imported."""
        return any(e["row"] is None or e["row"] == self.header_row for e in self.errors)

    def settle(self, records: list) -> None:
        """Keep the records all of whose rows are clean; a room with one bad row is held back whole."""
        bad = {e["row"] for e in self.errors if e["row"] is not None and e["row"] != self.header_row}
        kept = []
        for record in records:
            rows = record.rows
            if bad.isdisjoint(rows):
                kept.append(record)
                continue
            culprits = sorted(bad.intersection(rows))
            for row in rows:
                if row not in bad:
                    self.error(
                        row,
                        "",
                        _("与第 %(rows)s 行是同一房屋，该房屋有问题，本行一并不导入。")
                        % {"rows": "、".join(str(r) for r in culprits)},
                    )
            bad.update(rows)
        self.records = kept
        self.excluded_rows = sorted(bad)
        self.errors.sort(key=lambda e: e["row"] or 0)

    def counts(self) -> dict:
        people = {}
        for person in self.people():
            people[person.id_hash or id(person)] = person
        existing = sum(1 for key in people if key in self.existing_people)
        counts = {
            "rows": self.total_rows,
            "error_rows": len(self.excluded_rows),
            "valid_rows": 0 if self.fatal else self.total_rows - len(self.excluded_rows),
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
                rows.append(
                    {
                        "row": record.row,
                        "code": record.code,
                        "kind": str(RoomKind(record.kind).label),
                        "floor": record.floor,
                        "building_area": str(record.building_area or ""),
                        "use": str(RoomUse(record.use).label),
                        "handover": str(Handover(record.handover).label),
                        "owners": "、".join(
                            f"{o.person.name}（{_number(o.share)}%）" if len(record.owners) > 1 else o.person.name
                            for o in record.owners
                        ),
                        "id_numbers": "、".join(mask_id(o.person.id_number) for o in record.owners),
                        "since": "、".join(
                            dict.fromkeys(o.since.isoformat() if o.since else str(_("不详")) for o in record.owners)
                        ),
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
            "excluded_rows": self.excluded_rows,
            "fatal": self.fatal,
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
    """One spreadsheet row; every reader records its own problem and returns a safe value.

    The readers of cells whose reading depends only on the value (areas, dates, choices, the
    floor) read each distinct value once per file (`Preview.memo`): a column of 100,000 "住宅"
    is normalised once, and a wrong value is still reported on every row that has it."""

    __slots__ = ("number", "values", "preview", "columns")

    def __init__(self, number: int, values: dict, preview: Preview, columns: dict[str, Column]):
        self.number, self.values, self.preview, self.columns = number, values, preview, columns

    def fail(self, key: str, message) -> None:
        label = self.columns[key].label if key in self.columns else ""
        self.preview.error(self.number, label, f"{label}：{message}" if label else message)

    def _lookup(self, reader, key: str, value, *extra) -> tuple:
        """reader(value, *extra) → (result, problem or None), worked out once per distinct value."""
        # 1, 1.0 and True are equal keys but different cells: the type is part of the key.
        memo_key = (reader, key, type(value), value, *extra)
        try:
            return self.preview.memo[memo_key]
        except KeyError:
            found = self.preview.memo[memo_key] = reader(value, *extra)
            return found

    def _read(self, reader, key: str, value, *extra):
        result, problem = self._lookup(reader, key, value, *extra)
        if problem is not None:
            self.fail(key, problem)
        return result

    def raw(self, key: str):
        return self.values.get(key)

    def text(self, key: str) -> str:
        value = _text(self.values.get(key))
        column = self.columns.get(key)
        if column and column.max_length and len(value) > column.max_length:
            self.fail(key, _("不能超过 %(n)s 个字。") % {"n": column.max_length})
            return value[: column.max_length]
        return value

    def free_text(self, key: str) -> str:
        """Names and free text as typed (only the surrounding blanks dropped): never normalised."""
        value = self.values.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            return _text(value)
        value = value.strip()
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
        return self._read(_read_area, key, self.values.get(key))

    def date(self, key: str, required: bool = False) -> dt.date | None:
        day, problem = self._lookup(_read_date, key, self.values.get(key))
        if problem is not None:
            self.fail(key, problem)
        elif day is None and required:
            self.fail(key, _("不能为空。"))
        return day

    def choice(self, key: str, enum, default: str) -> str:
        return self._read(_read_choice, key, self.values.get(key), enum, default, self.preview.language)

    def floor(self, number: str) -> int | None:
        floor = self._read(_read_floor, "floor", self.values.get("floor"))
        if floor is _UNSTATED:
            # 1201 → 12, 302 → 3: offices rarely fill the floor in.
            return int(number[:-2]) if number.isdigit() and len(number) >= 3 else None
        return floor


def _read_area(value):
    try:
        area = parse_area(value)
    except ValueError:
        return None, _("“%(value)s”不是有效的面积（如 89.5 或 89.5㎡）。") % {"value": _text(value)}
    if area is not None and area < 0:
        return None, _("“%(value)s”为负数，面积不能为负数。") % {"value": _text(value)}
    if area is not None and area >= Decimal("100000000"):
        return None, _("面积过大。")
    return area, None


def _read_date(value):
    try:
        return parse_date(value), None
    except ValueError:
        return None, _("“%(value)s”不是有效的日期（如 2020-05-01 或 2020年5月1日）。") % {"value": _text(value)}


def _read_choice(value, enum, default: str, language: str):
    text = clean(value)
    if not text:
        return default, None
    mapping = choice_map(enum, language)
    found = mapping.get(text) or mapping.get(text.lower())
    if found is None:
        allowed = "、".join(str(label) for label in enum.labels)
        return default, _("“%(value)s”不是可选值（可填：%(allowed)s）。") % {"value": text, "allowed": allowed}
    return found, None


_UNSTATED = object()  # no floor written: it is read from the room number


def _read_floor(value):
    text = clean(_text(value)).upper().rstrip("层楼F")
    if not text:
        return _UNSTATED, None
    if text.startswith("B") and text[1:].isdigit():
        text = "-" + text[1:]
    try:
        floor = int(text)
    except ValueError:
        return None, _("“%(value)s”不是整数。") % {"value": _text(value)}
    if not -50 <= floor <= 300:
        return None, _("%(value)s 超出合理范围。") % {"value": floor}
    return floor, None


def _number(value: Decimal) -> str:
    """Decimal("90.00") → "90", Decimal("33.50") → "33.5"."""
    return format(value.normalize(), "f")


_LIST_SEPARATORS = re.compile(r"[、,，;；]")


def _split(text: str) -> list[str]:
    if not _LIST_SEPARATORS.search(text):  # one value, as in most cells
        text = text.strip()
        return [text] if text else []
    return [part for part in (p.strip() for p in _LIST_SEPARATORS.split(text)) if part]


def by_id_number(community, hashes):
    """The community's people with these ID lookup hashes. Written so that SQLite uses the partial
    unique index (community, id_hash) WHERE id_hash <> '': without `exclude` and `order_by()` it
    scanned the community's people once per chunk, quadratic in a register of 100,000."""
    return Person.objects.filter(community=community, id_hash__in=hashes).exclude(id_hash="").order_by()


def _person(row: Row, name: str, id_type: str, id_value, phones: tuple[str, ...]) -> PersonRecord:
    if type(id_value) is str and id_value.isascii() and id_value.isalnum():
        number = id_value.upper()  # typed plainly (most are): nothing for clean() to change
    else:
        number = clean(_text(id_value)).upper()
    person = PersonRecord(row.number, name, id_type, number, "", phones)
    if not number:
        return person
    if id_type == IdType.RESIDENT_ID:
        try:
            info = parse_cn_id(number, today=row.preview.today)
        except ValidationError as error:
            hint = ""
            if isinstance(id_value, (int, float)):
                hint = _("（该单元格是数字格式，Excel 会丢失第15位以后的数字，请把该列设为文本后重新填写）")
            row.fail("id_number", f"{error.messages[0]}{hint}")
            return person
        # Many people share a birthday: one date object each, not one per person.
        person.id_number, person.gender = info.number, info.gender
        person.birth_date = row.preview.share(info.birth_date)
    elif len(number) > 40:
        row.fail("id_number", _("证件号码过长。"))
        return person
    person.id_hash = lookup_hash(f"{id_type}:{person.id_number}")
    return person


_AREA_UNIT = re.compile(r"(平方米|平方|平米|㎡|M²|M2|平)$")


def parse_area(value) -> Decimal | None:
    """ "89.5平方米", "89.5㎡", "89.5 m2", "８９．５", "1,089.5" → Decimal("89.50"); blank → None.

    A negative area parses (so the message can say it is negative); junk raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float, Decimal)):
        number = Decimal(str(value))
    else:
        text = _AREA_UNIT.sub("", clean(value).upper().replace(",", "").replace("，", ""))
        if not text:
            return None
        try:
            number = Decimal(text.replace("−", "-"))
        except InvalidOperation:
            raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number.quantize(Decimal("0.01"))


_PHONE_SEPARATORS = re.compile(r"[/,，;；、\n]+")
_PHONE_NOISE = re.compile(r"[\s\-－—()（）.]")
_MOBILE_PAIR = re.compile(r"^(1[3-9]\d{9})(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"[(（]?(0\d{2,3})[)）]?[\s\-－—]+([\d\s\-－—]{7,10})")


def split_phones(text: str) -> list[str]:
    """ "138 0013 8000", "138-0013-8000", "13800138000 13900139000", "0755-8888 6666 / 139…" → numbers.

    Spaces, dashes and brackets inside a number are dropped; two mobiles separated only by a
    space are two numbers. Each number is validated by core's `normalise_phone`."""
    numbers = []
    for part in _PHONE_SEPARATORS.split(unicodedata.normalize("NFKC", text or "")):
        if not part.strip():
            continue
        compact = _PHONE_NOISE.sub("", part)
        pair = _MOBILE_PAIR.match(compact)
        if pair:
            numbers.extend(pair.groups())
            continue
        # A landline keeps the dash after its area code, as typed: "(0755) 8888 6666" → 0755-88886666.
        landline = _LANDLINE.fullmatch(part.strip())
        if landline:
            compact = landline.group(1) + "-" + _PHONE_NOISE.sub("", landline.group(2))
        numbers.append(normalise_phone(compact))
    return numbers


# One mobile number as core.validators.normalise_phone writes it: nothing to normalise.
_PLAIN_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def _phones(row: Row, value) -> tuple[str, ...]:
    text = _text(value)
    if _PLAIN_MOBILE.fullmatch(text):
        return (text,)
    try:
        return tuple(dict.fromkeys(split_phones(text)))
    except ValidationError as error:
        row.fail("phones", error.messages[0])
        return ()


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
