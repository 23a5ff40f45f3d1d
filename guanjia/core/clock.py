"""The one clock of the product (DESIGN §16).

Product code asks `clock.now()` / `clock.today()` for the present, never `timezone.now()` or
`date.today()` directly. The demo replays past events and tests pin their moment with
`clock.frozen(moment)`, which holds for the current thread or task only (a context variable), so
nothing patches `django.utils.timezone.now` and a frozen moment cannot leak into another request.
Model fields default to `clock.now` for the same reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_frozen: ContextVar[dt.datetime | None] = ContextVar("guanjia_clock_frozen", default=None)
# Only for a test that drives a live server in another thread (a browser test): see frozen().
_all_threads: list[dt.datetime] = []


def now() -> dt.datetime:
    """The present (aware), or the moment a `frozen()` block holds."""
    return _frozen.get() or (_all_threads[-1] if _all_threads else None) or timezone.now()


def today() -> dt.date:
    """Today's date in the current time zone (Asia/Shanghai unless configured)."""
    return timezone.localdate(now())


def is_frozen() -> bool:
    return _frozen.get() is not None


@contextmanager
def frozen(moment: dt.datetime, *, all_threads: bool = False) -> Iterator[dt.datetime]:
    """Within the block, `now()` is `moment` (which must be aware). Blocks nest; each restores.

    `all_threads=True` is for tests only, whose live server answers in another thread."""
    if timezone.is_naive(moment):
        raise ValueError("clock.frozen() needs an aware datetime")
    if all_threads:
        _all_threads.append(moment)
        try:
            yield moment
        finally:
            _all_threads.pop()
        return
    token = _frozen.set(moment)
    try:
        yield moment
    finally:
        _frozen.reset(token)


class Replay:
    """Replays past events in order (the demo): `at(moment)` moves the frozen clock forward.

    `with Replay() as replay: replay.at(m1); service(...); replay.at(m2); ...` — every service,
    default and log entry inside the block stamps the moment last set."""

    def __init__(self):
        self._token = None

    def __enter__(self) -> Replay:
        self._token = _frozen.set(_frozen.get())
        return self

    def at(self, moment: dt.datetime) -> Replay:
        if timezone.is_naive(moment):
            raise ValueError("Replay.at() needs an aware datetime")
        _frozen.set(moment)
        return self

    def __exit__(self, *exc) -> None:
        _frozen.reset(self._token)
