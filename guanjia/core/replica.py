"""Reads that may come from a read replica: the KPI page, the reports and the exports.

With `DATABASE_REPLICA_URL` set, settings.py adds a `replica` database alias and names it in
`READ_REPLICA`. Nothing goes there by default: a code path opts in by running inside
`with replica.reads():` (a view inherits `ReplicaReadsMixin`). Such a path only reads what is
already committed and can stand a replica's lag of a second or two, which is true of monthly
figures and exports and false of anything a user has just typed.

Inside `reads()` every ORM read goes to the replica, on PostgreSQL in one read-only,
repeatable-read transaction, so a report's figures come from one snapshot, as the export's
`transaction.atomic()` intends on the primary. Every write, inside or outside, goes to
`default`: the activity log of an export, the cache, a session. Without a replica `reads()`
does nothing and everything stays on `default`.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

REPLICA = "replica"  # the alias settings.py gives DATABASE_REPLICA_URL
_reading = contextvars.ContextVar("guanjia_replica_reads", default=None)


def configured() -> str | None:
    """The replica's alias when one is configured (settings.READ_REPLICA), else None."""
    alias = getattr(settings, "READ_REPLICA", None)
    return alias if alias and alias in settings.DATABASES else None


@contextmanager
def reads():
    """Send the ORM reads of this block to the replica, within one read-only snapshot."""
    alias = configured()
    if alias is None or _reading.get() is not None:
        yield
        return
    token = _reading.set(alias)
    try:
        if connections[alias].vendor != "postgresql":
            # SQLite is never replicated; the suite's mirror of it is another connection to the same
            # in-memory database, where a reader's transaction would lock the tables the writer needs.
            yield
            return
        with transaction.atomic(using=alias):
            # Must be the transaction's first statement. READ ONLY also turns a write wrongly routed
            # here into an error instead of a silent divergence (a hot standby refuses it anyway).
            with connections[alias].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    finally:
        _reading.reset(token)


class ReplicaReadsMixin:
    """For a read-only report view: its GET, template rendering included, reads from the replica.

    Put it after StaffMixin (`class KpiView(StaffMixin, ReplicaReadsMixin, TemplateView)`), so that the
    permission checks run first, on `default`. A lazy TemplateResponse is rendered inside the block,
    since rendering is where querysets are evaluated. Other methods than GET and HEAD are left alone."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        with reads():
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        return response


class ReplicaRouter:
    """Reads inside `reads()` to the replica; all other reads and every write to `default`.

    `default` is returned explicitly (rather than "no opinion") so that an object loaded from the
    replica is saved to, and its relations read from, the primary once the block has ended."""

    def db_for_read(self, model, **hints):
        return _reading.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: a ticket read from the replica may be linked to a new log entry.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica follows the primary's schema by replication; `migrate --database=replica` is refused.
        return db != REPLICA
