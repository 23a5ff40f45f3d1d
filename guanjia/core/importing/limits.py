"""The importer's limits: how big a file it reads, and how long a silent worker keeps a batch (issue 10).

They are technical, not the rulebook's, so they are settings, not per-community policies: the
defaults below, overridden by `settings.IMPORT_LIMITS = {"rows": 300_000, ...}` (any subset).

- `rows`, `columns`, `cells`: what one sheet may hold (rows read, the widest column, non-empty
  cells). The defaults take a 100,000-room register with every column (1.7 M cells) with room
  to spare; beyond them a file is refused with the limit named, before it can fill a worker's memory.
- `unpacked_bytes`: the sum of the package's parts once decompressed. An .xlsx is a zip; a few
  hundred KB can unpack to gigabytes (a zip bomb). Checked on the zip's directory before any part
  is read (zipfile never unpacks a part past the size stated there).
- `lease_seconds`: a check or commit whose worker has not reported for this long is taken as
  dead (the worker was killed, the machine restarted): the batch is marked failed with why,
  and may be checked or committed again (`services.import_expire_stale`).
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "rows": 200_000,
    "columns": 200,
    "cells": 4_000_000,
    "unpacked_bytes": 400 * 1024 * 1024,
    "lease_seconds": 300,
}


def limit(name: str) -> int:
    return int({**DEFAULTS, **getattr(settings, "IMPORT_LIMITS", {})}[name])
