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
