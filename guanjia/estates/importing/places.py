"""Where a row's room is: a 房屋编号 such as 3-2-1201 / 3栋2单元1201室, or 楼栋 + 单元 + 房号 cells.

A code is read only where it has one reading. "1栋2102" (no 单元 written) in a building whose
entrances include 2 is either 1栋2单元102室 or 1栋2102室 without an entrance: the row is an
error naming both readings, never a guess (`alternatives()`). The dash form is the template's
canonical form and says what it means: 1-2-102 has entrance 2, 1-2102 has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from guanjia.core.textnorm import clean, room_code

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十]+(?=栋|幢|座|号楼|楼|单元|门)")
_PART = re.compile(r"^[0-9A-Z]+$")
_DASH = re.compile(r"^(?P<b>[0-9A-Z]+)-(?:(?P<u>[0-9A-Z]+)-)?(?P<r>[0-9A-Z]+)$")
_CN = re.compile(
    r"^(?:(?P<b>[0-9A-Z]+)(?:栋|幢|座|号楼|楼|#))"
    r"(?:(?P<u>[0-9A-Z]+)(?:单元|门))?"
    r"(?P<r>[0-9A-Z]+)$"
)
_BUILDING_SUFFIX = re.compile(r"(栋|幢|座|号楼|楼|号|#)$")
_UNIT_SUFFIX = re.compile(r"(单元|门|号)$")
_NUMBER_SUFFIX = re.compile(r"(室|号|房)$")
# What offices write in the 单元 column of a building without entrances.
NO_UNIT = frozenset({"无", "没有", "无单元", "-", "/", "—", "－", "0"})
# A room number read as entrance + room keeps at least floor and a two-digit room ("102").
_MIN_ROOM_DIGITS = 3


@dataclass(frozen=True, slots=True)
class Place:
    building: str
    unit: str
    number: str
    # False when no 单元 was written where one could have been ("1栋2102", or a blank 单元 cell).
    unit_stated: bool = True

    @property
    def code(self) -> str:
        return room_code(self.building, self.unit, self.number)

    def label(self) -> str:
        if self.unit:
            return _("%(b)s栋%(u)s单元%(r)s室") % {"b": self.building, "u": self.unit, "r": self.number}
        return _("无单元的%(b)s栋%(r)s室") % {"b": self.building, "r": self.number}

    def alternatives(self) -> list[Place]:
        """The other readings of a number typed without its entrance: 2102 → entrance 2, room 102."""
        if self.unit or self.unit_stated or not self.number.isdigit():
            return []
        readings = []
        for cut in (1, 2):
            unit, rest = self.number[:cut], self.number[cut:]
            if len(rest) >= _MIN_ROOM_DIGITS and not unit.startswith("0") and not rest.startswith("0"):
                readings.append(Place(self.building, unit, rest))
        return readings


def _cn_number(text: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20 (entrances and buildings are small numbers)."""
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
        return str(value)
    return "".join(str(_CN_DIGITS[c]) for c in text)


def _normal(value) -> str:
    text = clean(value).upper()
    text = text.replace("—", "-").replace("－", "-").replace("_", "-").replace("–", "-")
    return _CN_NUMBER.sub(lambda m: _cn_number(m.group()), text)


# The template's own form, typed as it is: read without normalising (most rows of most files).
_CANONICAL = re.compile(r"([0-9A-Za-z]+)-(?:([0-9A-Za-z]+)-)?([0-9A-Za-z]+)")


def parse_code(value) -> Place | None:
    """ "3-2-1201", "3栋2单元1201室", "３栋２单元１２０１", "三栋二单元1201" → a Place; None if unreadable."""
    if isinstance(value, str) and (plain := _CANONICAL.fullmatch(value)):
        return Place(plain[1].upper(), (plain[2] or "").upper(), plain[3].upper())
    text = _NUMBER_SUFFIX.sub("", _normal(value))
    match = _DASH.match(text)
    if match:
        return Place(match["b"], match["u"] or "", match["r"])
    match = _CN.match(text)
    if match:
        return Place(match["b"], match["u"] or "", match["r"], unit_stated=bool(match["u"]))
    return None


def parse_building(value) -> str:
    text = _BUILDING_SUFFIX.sub("", _normal(value))
    return text if _PART.match(text) else ""


def parse_unit(value) -> str | None:
    """The entrance; "" for 无 (no entrance, stated); None when unreadable."""
    raw = clean(value)
    if raw in NO_UNIT:
        return ""
    text = _UNIT_SUFFIX.sub("", _normal(value))
    return text if _PART.match(text) else None


def parse_number(value) -> str:
    text = _NUMBER_SUFFIX.sub("", _normal(value))
    return text if _PART.match(text) else ""


def ambiguity_message(raw: str, place: Place, readings: list[Place], *, split: bool) -> str:
    """The error for a code with more than one reading; it names every reading."""
    options = "；".join(_("%(label)s（%(code)s）") % {"label": p.label(), "code": p.code} for p in [*readings, place])
    if split:
        hint = _("请在“单元”列填写单元号；楼栋确无单元的填“无”。")
    else:
        hint = _("请写明单元，如 %(with_unit)s；确无单元的写 %(without)s。") % {
            "with_unit": readings[0].code,
            "without": place.code,
        }
    return _("“%(value)s”有两种理解：%(options)s。%(hint)s") % {"value": raw, "options": options, "hint": hint}
