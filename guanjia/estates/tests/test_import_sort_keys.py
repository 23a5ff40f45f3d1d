"""The commit's room sort keys, composed from each entrance's and number's key (issue 9), are
exactly the keys natural_key gives the whole code, whatever the code looks like."""

import pytest

from guanjia.core.textnorm import room_code
from guanjia.estates.importing.writer import _RoomSortKeys
from guanjia.estates.sorting import SORT_KEY_LENGTH, natural_key

PLACES = [
    ("3", "2", "1201"),
    ("10", "1", "101"),
    ("3", "", "0102"),  # no entrance; a leading zero
    ("A座", "", "B1-01"),
    ("007", "02", "1201a"),
    ("12栋", "东", "3004"),
    ("9" * 20, "0" * 20, "1" * 20),
]


@pytest.mark.parametrize(("building", "unit", "number"), PLACES)
def test_a_composed_key_is_the_whole_codes_key(building, unit, number):
    keys = _RoomSortKeys()
    code = room_code(building, unit, number)
    assert keys(code, building, unit, number) == natural_key(code)
    assert keys(code, building, unit, number) == natural_key(code)  # again, from what it remembered


def test_a_code_not_joined_from_its_parts_or_too_long_is_keyed_whole():
    keys = _RoomSortKeys()
    assert keys("3-2-1201", "3", "2", "1201") == natural_key("3-2-1201")
    assert keys("3-2-1201X", "3", "2", "1201") == natural_key("3-2-1201X")
    long = "1" * 200
    code = room_code(long, long, long)
    assert keys(code, long, long, long) == natural_key(code) and len(natural_key(code)) == SORT_KEY_LENGTH


def test_keys_sort_rooms_in_natural_order():
    keys = _RoomSortKeys()
    codes = [("10", "1", "101"), ("2", "1", "101"), ("2", "1", "1101"), ("2", "1", "201")]
    ordered = sorted(codes, key=lambda p: keys(room_code(*p), *p))
    assert [room_code(*p) for p in ordered] == ["2-1-101", "2-1-201", "2-1-1101", "10-1-101"]
