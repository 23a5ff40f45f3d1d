"""Normalising what offices really type: full-width characters, units, stray spaces.

Two kinds of input, two treatments. Codes and numbers (room codes, phones, ID numbers, amounts,
dates, answer strings) are normalised with NFKC, so "１２０１" and "1201" are the same room:
`clean()` and the parsers. Prose (a description, a comment, a suggestion, a note) is what a
person wrote and is stored as typed: `clean_prose()` trims the ends and nothing else, so a
full-width comma "，" stays full-width. Names and short labels are in between: `clean_text()`.

Control characters (issue 10) are stripped, never refused, on every way in (`strip_controls()`:
forms and query strings through `core.textinput`'s middleware, the API through its parsers, the
importer's cells, and the cleaners below) and again on every way out (exports, PDFs). Stripped
rather than refused because nobody can see them: a vertical tab is what Word's manual line break
(Shift+Enter) becomes when pasted, and Excel or an old system leaves the others behind. A message
naming the field would ask a person to delete a character they cannot find. The two that are
line breaks (VT, FF) become "\n", so nothing the writer meant is lost. The rest carry no text.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"\s+")
_AREA_UNITS = re.compile(r"(平方米|平米|㎡|m²|m2|平)$", re.IGNORECASE)


# C0 controls but tab, LF and CR; DEL and the C1 block; lone surrogates (a JSON "\ud800" decodes to
# one, and neither PostgreSQL nor an .xlsx can store it); the two XML non-characters. Exactly what
# XML 1.0 (so .xlsx: openpyxl raises IllegalCharacterError) and PostgreSQL text (NUL) cannot hold, and
# the invisible C1 block with them.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = {"\x0b": "\n", "\x0c": "\n"}  # Word's manual line break and page break


def _replace_control(match: re.Match) -> str:
    return _LINE_BREAKS.get(match.group(), "")


def strip_controls(text: str) -> str:
    """`text` without control characters (tab, LF, CR kept; VT and FF become LF): see the docstring."""
    if not _CONTROLS.search(text):  # the common case costs one scan and no copy
        return text
    return _CONTROLS.sub(_replace_control, text)


def without_controls(value):
    """A cell's or field's value with `strip_controls()` applied if it is text, else unchanged."""
    return strip_controls(value) if isinstance(value, str) else value


# How Excel writes a character XML cannot hold: "_x000B_" for a vertical tab (openpyxl reads it back as
# those seven characters). Only the escapes of control characters are decoded: anything else in
# that shape is a person's text.
_OOXML_CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f]|007[Ff]|008[0-9A-Fa-f]|009[0-9A-Fa-f])_")


def clean_cell(value):
    """A spreadsheet cell as the importer reads it (issue 10): text without control characters,
    whether raw or as Excel's "_x000B_" escapes (a line break pasted from Word becomes "\n")."""
    if not isinstance(value, str):
        return value
    if "_x" in value:
        value = _OOXML_CONTROL.sub(lambda m: chr(int(m.group(1), 16)), value)
    return strip_controls(value)


def strip_controls_in(data, *, keep=()):
    """A copy of parsed input (a QueryDict, dict, list, or string) with every string, keys included,
    passed through `strip_controls()`; values under a key in `keep` (passwords) stay as typed."""
    from django.http import QueryDict

    if isinstance(data, str):
        return strip_controls(data)
    if isinstance(data, QueryDict):
        cleaned = QueryDict(mutable=True, encoding=data.encoding)
        for key, values in data.lists():
            if key in keep:
                cleaned.setlist(key, values)
            else:
                cleaned.setlist(strip_controls(key), [without_controls(v) for v in values])
        cleaned._mutable = data._mutable
        return cleaned
    if isinstance(data, dict):
        return {
            (strip_controls(k) if isinstance(k, str) else k): (v if k in keep else strip_controls_in(v, keep=keep))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [strip_controls_in(v, keep=keep) for v in data]
    return data


def clean(value) -> str:
    """NFKC (full-width digits and letters become ASCII), trimmed, inner spaces removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", strip_controls(str(value)))
    return _SPACES.sub("", text)


def clean_text(value) -> str:
    """Like clean() but keeps single inner spaces (for names, units and parsed lines; not for prose)."""
    if value is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", strip_controls(str(value)))).strip()


def clean_prose(value) -> str:
    """What a person wrote, as typed: only surrounding whitespace is dropped (no NFKC, inner spaces
    and line breaks kept), so "，" stays full-width and "㎡" stays "㎡"."""
    if value is None:
        return ""
    return strip_controls(str(value)).strip()


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
