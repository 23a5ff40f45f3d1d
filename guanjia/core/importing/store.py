"""The checked rows, kept between the preview and the commit: the file is parsed once.

JSON lines of up to 1,000 records each, gzip-compressed, in the default storage next to the upload (any worker
or app server can commit what another checked). Written as the check produces it and read back
as a stream, so neither side holds more than a line; 100,000 rooms with owners take a few MB.
Dates and Decimals are written as text; the kind reads them back.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.core.files import File

_LEVEL = 1  # fast: the file lives for minutes, and is read once
_PER_LINE = 1000


def _default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be kept as a checked row")


def save(batch, records: Iterable) -> int:
    """Write `records` as the batch's checked rows (replacing any earlier ones); returns how many."""
    count = 0
    # A line holds a chunk of records: one call of the C encoder per chunk, not per record.
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_default).encode
    with tempfile.TemporaryFile() as spool:
        with gzip.GzipFile(fileobj=spool, mode="wb", compresslevel=_LEVEL) as out:
            chunk = []
            for record in records:
                chunk.append(record)
                if len(chunk) == _PER_LINE:
                    out.write(encode(chunk).encode() + b"\n")
                    count += len(chunk)
                    chunk = []
            if chunk:
                out.write(encode(chunk).encode() + b"\n")
                count += len(chunk)
        spool.seek(0)
        discard(batch)
        batch.checked.save(f"{uuid.uuid4().hex}.checked.gz", File(spool), save=False)
    return count


def load(batch) -> Iterator:
    """The batch's checked rows, one at a time, as `save` wrote them."""
    decode = json.JSONDecoder().decode
    with batch.checked.open("rb") as handle, gzip.GzipFile(fileobj=handle, mode="rb") as lines:
        for line in lines:
            yield from decode(line.decode())


def exists(batch) -> bool:
    return bool(batch.checked) and batch.checked.storage.exists(batch.checked.name)


def discard(batch) -> None:
    """Drop the checked rows (after the commit: the upload stays, for the bad rows)."""
    if batch.checked:
        batch.checked.storage.delete(batch.checked.name)
        batch.checked = ""
