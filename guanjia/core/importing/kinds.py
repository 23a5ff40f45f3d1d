"""What an app imports: the kind registry, and what a kind's check gives back.

An app declares each kind of file once, in its `AppConfig.ready()`:

    kinds.register(ImportKind(
        key="estates.rooms", title=_("房屋及业主"), permission="estates.import",
        check=check_rooms,        # (Check) -> Checked: reads check.rows(), reports every problem
        commit=commit_rooms,      # (Commit) -> dict: writes commit.records in bulk, returns counts
        describe=describe_counts, # (result dict) -> "房屋 4，新增人员 5" for the log
        templates=ImportTemplates(counts="estates/import_counts.html", sample=..., result=...),
        start_url=lambda batch: reverse("estates:import_start"),
    ))

The core does the rest: the upload and its checks, the background check with its progress, the
row errors, the download of the rows held back, the all-or-nothing or valid-only commit in one
transaction, the log entries and the pages (core.importing.services, .views).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ImportTemplates:
    """Templates the batch page includes for this kind (each gets `batch`, `summary`, `counts`)."""

    counts: str = ""  # the preview's figures (KPIs)
    sample: str = ""  # the first rows as they will be written (`sample`)
    result: str = ""  # what the commit wrote (`result`)


@dataclass(frozen=True)
class BadRows:
    """How the download of held-back rows treats the file's own columns.

    `columns(header)` reads the uploaded header row into {column index: key}; `text` are keys
    written as text (ID numbers lose digits as numbers); `masked(actor, community)` the keys
    whose values this actor sees masked (LW-1), with `mask(value)`."""

    columns: Callable[[list], dict[int, str]]
    text: frozenset[str] = frozenset()
    masked: Callable[[Any, Any], frozenset[str]] = lambda actor, community: frozenset()
    mask: Callable[[str], str] = str


@dataclass(frozen=True)
class ImportKind:
    key: str
    title: Any  # lazily translated
    permission: str  # to upload, see the batch, confirm it and download its bad rows
    check: Callable[[Check], Checked]
    commit: Callable[[Commit], dict]
    describe: Callable[[dict], str]
    templates: ImportTemplates = ImportTemplates()
    start_url: Callable[[Any], str] | None = None  # (batch) → where to upload again
    # (subject, actor) → refuses (ServiceError) an import into this subject now, e.g. a closed survey.
    allow: Callable[[Any, Any], None] | None = None
    subject_community: Callable[[Any], Any] = lambda subject: subject.community
    bad_rows: BadRows | None = None
    sheet: str | None = None  # the sheet to read, when there: else the first
    valid_only: bool = True  # the clerk may choose to write only the rows without problems
    private: bool = False  # only the uploader sees and confirms the batch
    max_bytes: int = MAX_FILE_BYTES
    # Files other than .xlsx the kind accepts, by extension: {".csv": convert}, where convert(upload)
    # gives the .xlsx upload the check reads (a bank's CSV made a workbook row for row). Called by
    # the upload after the permission and size checks, for the console and the API alike.
    converts: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)


@dataclass
class Checked:
    """What a kind's check found. `records` are the importable records (JSON values: str, int,
    float, bool, None, lists, dicts; dates and Decimals are written as text) in the order the
    commit writes them; no record may come from a row with a problem.

    `errors` and `warnings` are {"row", "column", "message"}; a row of None is the file itself,
    the header row's errors make the file `fatal`."""

    total_rows: int = 0
    header_row: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    excluded_rows: list[int] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    sample: list[dict] = field(default_factory=list)
    records: Iterable = ()

    @property
    def fatal(self) -> bool:
        return any(e["row"] is None or e["row"] == self.header_row for e in self.errors)

    @property
    def valid_rows(self) -> int:
        return 0 if self.fatal else max(self.total_rows - len(self.excluded_rows), 0)


@dataclass
class Check:
    """What a kind's check is given: the batch, its community and subject, and the file's rows."""

    batch: Any
    community: Any
    subject: Any
    workbook: Any  # core.importing.xlsx.Workbook
    progress: Callable[[float], None]

    def rows(self) -> Iterator[tuple[int, list]]:
        """(Excel row number, values) of the kind's sheet, read once."""
        return self.workbook.sheet(self.batch.import_kind.sheet).rows(progress=self.progress)

    def table(
        self,
        *,
        header: Callable[[list], dict[int, Any]],
        is_header: Callable[[set[str]], bool],
        required: Mapping[str, Any] | Callable[[set[str]], list],
        search_rows: int,
        no_header: Any,
        key: Callable[[Any], str] = lambda column: column,
        cells: Callable[[list, dict[int, Any]], dict] | None = None,
        skip: Callable[[list, dict], bool] | None = None,
    ) -> Table:
        """The sheet read as a table: its header row, then every later row with a value in a column.

        `header(values)` maps a row's cells to {column index: column} (`key(column)` its key); the first
        row whose keys satisfy `is_header(keys)`, within the first `search_rows` rows, is the header.
        `required` names the columns the file must have: {key: label}, or (keys) → the labels missing;
        they are reported on the header row ("缺少列：…"). None found: `no_header` is the file's error.
        `cells(values, columns)` gives a row's cells (by default {key: value}); a blank row (nothing in
        the header's columns) is left out, as is a row for which `skip(values, cells)` is true."""
        table = Table()
        for number, values in self.rows():
            if table.header_row is None:
                found = header(values)
                keys = {key(column) for column in found.values()}
                if is_header(keys):
                    table.header_row, table.columns = number, found
                    if callable(required):
                        missing = list(required(keys))
                    else:
                        missing = [label for k, label in required.items() if k not in keys]
                    if missing:
                        table.errors.append(
                            {"row": number, "column": "", "message": _("缺少列：%s") % "、".join(missing)}
                        )
                elif number >= search_rows:
                    break
                continue
            if all((values[i] if i < len(values) else None) in (None, "") for i in table.columns):
                continue
            if cells is None:
                row = {key(c): values[i] if i < len(values) else None for i, c in table.columns.items()}
            else:
                row = cells(values, table.columns)
            if skip is not None and skip(values, row):
                continue
            table.rows.append((number, row))
        if table.header_row is None:
            table.errors.append({"row": None, "column": "", "message": no_header})
        return table


@dataclass
class Table:
    """What `Check.table` read: the header row (None: not found), its {column index: column}, the
    rows as (Excel row number, cells), and the file's errors (no header, the columns missing)."""

    header_row: int | None = None
    columns: dict[int, Any] = field(default_factory=dict)
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    def refused(self) -> Checked | None:
        """What the check gives back when the file can be read no further (no header, columns
        missing), else None."""
        if self.header_row is None:
            return Checked(errors=self.errors)
        if self.errors:
            return Checked(total_rows=self.total, header_row=self.header_row, errors=self.errors)
        return None


@dataclass
class Commit:
    """What a kind's commit is given, inside the commit's transaction."""

    batch: Any
    community: Any
    subject: Any
    actor: Any
    records: Iterator  # as the check wrote them
    valid_only: bool
    now: Any  # the commit's moment (clock.now()), one for every row


class StaleRows(Exception):
    """Raised by a kind's commit when what the check relied on has changed since (a room
    registered meanwhile, an owner answering online): the file is checked again, nothing written."""


_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    _KINDS[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    _KINDS.pop(key, None)


def kind_of(key: str) -> ImportKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise KeyError(f"unknown import kind {key!r}; register it in the app's AppConfig.ready()") from None


def known(key: str) -> bool:
    return key in _KINDS


def registered() -> list[ImportKind]:
    return sorted(_KINDS.values(), key=lambda k: k.key)
