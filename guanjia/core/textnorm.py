"""Normalising what offices really type: full-width characters, units, stray spaces.

Two kinds of input, two treatments. Codes and numbers (room codes, phones, ID numbers, amounts,
dates, answer strings) are normalised with NFKC, so "１２０１" and "1201" are the same room:
`clean()` and the parsers. Prose (a description, a comment, a suggestion, a note) is what a
person wrote and is stored as typed: `clean_prose()` trims the ends and nothing else, so a
full-width comma "，" stays full-width. Names and short labels are in between: `clean_text()`.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"\s+")
_AREA_UNITS = re.compile(r"(平方米|平米|㎡|m²|m2|平)$", re.IGNORECASE)


def clean(value) -> str:
    """NFKC (full-width digits and letters become ASCII), trimmed, inner spaces removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub("", text)


def clean_text(value) -> str:
    """Like clean() but keeps single inner spaces (for names, units and parsed lines; not for prose)."""
    if value is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()


def clean_prose(value) -> str:
    """What a person wrote, as typed: only surrounding whitespace is dropped (no NFKC, inner spaces
    and line breaks kept), so "，" stays full-width and "㎡" stays "㎡"."""
    if value is None:
        return ""
    return str(value).strip()


def parse_area(value) -> Decimal | None:
    """ "89.5㎡", "８９．５平方米", " 89.5 " → Decimal("89.50"); blank → None; junk → ValueError."""
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    text = _AREA_UNITS.sub("", clean(value).replace("，", "").replace(",", ""))
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite() or number < 0:
        raise ValueError(value)
    return number.quantize(Decimal("0.01"))


_ROOM_CN = re.compile(
    r"^(?:(?P<b>[0-9A-Za-z]+)(?:栋|幢|座|号楼|楼))?"
    r"(?:(?P<u>[0-9A-Za-z]+)单元)?"
    r"(?P<r>[0-9A-Za-z]+)(?:室|号|房)?$"
)
_ROOM_DASH = re.compile(r"^(?P<b>[0-9A-Za-z]+)-(?:(?P<u>[0-9A-Za-z]+)-)?(?P<r>[0-9A-Za-z]+)$")


def parse_room_code(value) -> tuple[str, str, str] | None:
    """ "3-2-1201", "3栋2单元1201室", "３栋２单元１２０１" → ("3", "2", "1201"); building-room without unit gives ("3", "", "1201")."""
    text = clean(value).upper().replace("—", "-").replace("－", "-").replace("_", "-")
    match = _ROOM_DASH.match(text) or _ROOM_CN.match(text)
    if not match or not match.group("r"):
        return None
    building, unit, room = match.group("b") or "", match.group("u") or "", match.group("r")
    if not building:
        return None
    return building, unit, room


def room_code(building: str, unit: str, room: str) -> str:
    return "-".join(p for p in (building, unit, room) if p)


def normalise_room_code(value) -> str | None:
    parts = parse_room_code(value)
    return room_code(*parts) if parts else None
