"""Excel import of the register (PR-2 rooms and owners, PR-3 leases), from what offices really have,
as two kinds of core's importer (core.importing: upload, background check, row errors, bad rows,
all-or-nothing or valid-only commit).

The check (`reader.parse`) finds the header row below any title rows by the column names it
recognises, takes the room from one 房屋编号 column or from 楼栋 / 单元 / 房号 columns, normalises
codes and numbers (full-width digits, "89.5㎡", "89.5 m2", "3栋2单元1201室", phones with spaces,
2020年5月1日 …; names and free text are kept as typed) and collects *every* problem as
``{row, column, message}`` with the Excel row number. A row with a problem is never offered as
"to be written". The commit (`writer`) writes the checked records in bulk, in one transaction.

We use openpyxl directly rather than django-import-export (DESIGN.md): its per-row
pipeline is too slow for whole-community files and cannot do this normalisation.
"""

from .columns import (
    COLUMNS,
    EXAMPLE_MARK,
    LEASE_COLUMNS,
    PLACE_COLUMNS,
    ROOM_COLUMNS,
    Layout,
    header_map,
    layout_columns,
)
from .kinds import LEASES, ROOMS
from .reader import parse
from .records import Preview, parse_area, parse_date

__all__ = [
    "COLUMNS",
    "EXAMPLE_MARK",
    "LEASES",
    "LEASE_COLUMNS",
    "PLACE_COLUMNS",
    "ROOMS",
    "ROOM_COLUMNS",
    "Layout",
    "Preview",
    "header_map",
    "layout_columns",
    "parse",
    "parse_area",
    "parse_date",
]
