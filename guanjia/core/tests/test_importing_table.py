"""Check.table (core.importing.kinds): the one reading of a kind's header and rows (DESIGN §15)."""

from __future__ import annotations

import io
from types import SimpleNamespace

from openpyxl import Workbook

from guanjia.core.importing.kinds import Check
from guanjia.core.importing.xlsx import open_workbook

COLUMNS = {"编号": "code", "名称": "name", "备注": "note"}


def _check(*rows) -> Check:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    batch = SimpleNamespace(import_kind=SimpleNamespace(sheet=None))
    return Check(batch=batch, community=None, subject=None, workbook=open_workbook(buffer), progress=lambda f: None)


def _table(check: Check, **options):
    options = {
        "header": lambda values: {i: COLUMNS[v] for i, v in enumerate(values) if v in COLUMNS},
        "is_header": lambda keys: "code" in keys,
        "required": {"code": "编号", "name": "名称"},
        "search_rows": 3,
        "no_header": "没有找到表头（编号、名称）。",
        **options,
    }
    return check.table(**options)


def test_the_header_is_found_below_title_lines_and_blank_rows_are_left_out():
    table = _table(
        _check(
            ["设备台账"],
            ["导出于 11 月"],
            ["编号", "名称", "备注"],
            ["A1", "水泵", None],
            [None, "", None],
            ["A2", "风机", "x"],
        )
    )
    assert table.header_row == 3
    assert table.columns == {0: "code", 1: "name", 2: "note"}
    assert table.rows == [
        (4, {"code": "A1", "name": "水泵", "note": None}),
        (6, {"code": "A2", "name": "风机", "note": "x"}),
    ]
    assert table.total == 2 and table.errors == [] and table.refused() is None


def test_missing_required_columns_are_reported_on_the_header_row_and_refuse_the_file():
    table = _table(_check(["编号", "备注"], ["A1", "x"]))
    assert table.errors == [{"row": 1, "column": "", "message": "缺少列：名称"}]
    refused = table.refused()
    assert refused.fatal and refused.header_row == 1 and refused.total_rows == 1


def test_required_may_be_a_function_of_the_keys_found():
    table = _table(
        _check(["编号"], ["A1"]), required=lambda keys: ["名称（或备注）"] if not keys & {"name", "note"} else []
    )
    assert table.errors[0]["message"] == "缺少列：名称（或备注）"


def test_no_header_within_the_rows_searched_is_the_files_error():
    table = _table(_check(["说明"], ["说明"], ["说明"], ["编号", "名称"], ["A1", "水泵"]))
    assert table.header_row is None and table.rows == []
    assert table.errors == [{"row": None, "column": "", "message": "没有找到表头（编号、名称）。"}]
    assert table.refused().fatal


def test_cells_key_and_skip_shape_the_rows():
    table = _table(
        _check(["编号", "名称"], ["合计", None], ["A1", "水泵"]),
        header=lambda values: {i: (COLUMNS[v], v) for i, v in enumerate(values) if v in COLUMNS},
        key=lambda column: column[0],
        cells=lambda values, columns: {key: (label, values[i]) for i, (key, label) in columns.items()},
        skip=lambda values, cells: values[0] == "合计",
    )
    assert table.rows == [(3, {"code": ("编号", "A1"), "name": ("名称", "水泵")})]
