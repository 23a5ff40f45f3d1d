"""Excel import of the register (PR-2 rooms and owners, PR-3 leases), from what offices really have.

`parse()` reads an .xlsx with openpyxl (read-only), finds the header row below any title
rows by the column names it recognises, takes the room from one 房屋编号 column or from
楼栋 / 单元 / 房号 columns, normalises codes and numbers (full-width digits, "89.5㎡",
"89.5 m2", "3栋2单元1201室", phones with spaces, 2020年5月1日 …; names and free text are
kept as typed) and collects *every* problem as ``{row, column, message}`` with the Excel row
number, ID numbers masked (LW-1). A row with a problem is never offered as "to be written".
`import_preview()` stores the file and its problems; nothing is written to the register
until `import_commit()`, which re-parses the file and writes in one transaction with bulk
inserts (a 20,000-room file takes seconds, not minutes): everything (the default), or — the
clerk's explicit choice — only the rows without problems, the number left out logged.
`import_bad_rows()` gives the held-back rows as uploaded, with 行号 and 原因, to fix and re-upload.

We use openpyxl directly rather than django-import-export (DESIGN.md): its per-row
pipeline is too slow for whole-community files and cannot do this normalisation.
"""

from .badrows import bad_rows_available, import_bad_rows
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
from .reader import parse
from .records import Preview, parse_area, parse_date
from .writer import import_commit, import_preview, import_queue

__all__ = [
    "COLUMNS",
    "EXAMPLE_MARK",
    "LEASE_COLUMNS",
    "PLACE_COLUMNS",
    "ROOM_COLUMNS",
    "Layout",
    "Preview",
    "bad_rows_available",
    "header_map",
    "import_bad_rows",
    "import_commit",
    "import_preview",
    "import_queue",
    "layout_columns",
    "parse",
    "parse_area",
    "parse_date",
]
