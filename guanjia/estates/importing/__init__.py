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

from .columns import COLUMNS, EXAMPLE_MARK, LEASE_COLUMNS, ROOM_COLUMNS, header_map
from .reader import parse
from .records import Preview, parse_date
from .writer import import_commit, import_preview, import_queue

__all__ = [
    "COLUMNS",
    "EXAMPLE_MARK",
    "LEASE_COLUMNS",
    "ROOM_COLUMNS",
    "Preview",
    "header_map",
    "import_commit",
    "import_preview",
    "import_queue",
    "parse",
    "parse_date",
]
