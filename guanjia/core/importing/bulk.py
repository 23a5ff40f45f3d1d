"""Writing many rows fast: prepared INSERTs run with executemany, in chunks, with ids reserved first.

The ORM's bulk_create builds a model instance per row and, on SQLite, splits a 20-column row
into INSERTs of 49 (the 999-parameter limit). Here a row is a tuple of the model's columns,
values are adapted only where the driver needs it (datetimes, JSON; on PostgreSQL also dates and
Decimals given as text), and one prepared statement runs for a whole run of rows. Ids are reserved before the INSERT, so rows that point at each other (an ownership
at its room and person) are built in the same pass, without reading ids back.

`Ids` only works inside `transaction.atomic()`: on SQLite the transaction (BEGIN IMMEDIATE, see
settings) holds the write lock from its start, so the ids after the highest one are ours; on
PostgreSQL they come from the table's sequence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import NotSupportedError, connection, models

CHUNK = 2000  # rows a commit checks and reads at a time
FLUSH = 10000  # rows a table buffers before its INSERT: long runs per table, not 7 tables interleaved
# SQLite's page cache while a bulk write runs (KiB; the default is 2 MB). The indexes on ID hashes,
# names and pinyin take their keys in random order and thrash a small cache: with this one the
# people of a 100,000-room commit went in in half the time. (bench_import's raw baseline has it too.)
SQLITE_CACHE_KIB = 24 * 1024


class Ids:
    """Primary keys for new rows of `model`, unused by anyone else, handed out `take(n)` at a time.

    On SQLite the first call reads the highest id in use (AUTOINCREMENT never reuses one, not
    even a deleted row's, so past both); later calls go on from there without a query, which is
    right because no one else can insert while the transaction holds the write lock and every
    insert of ours into this table takes its ids from here. On PostgreSQL each call draws from
    the table's sequence."""

    def __init__(self, model: type[models.Model]):
        if not connection.in_atomic_block:
            raise RuntimeError("Ids() needs a transaction: the ids are only ours inside one")
        if connection.vendor not in ("sqlite", "postgresql"):
            raise NotSupportedError(f"Ids() supports SQLite and PostgreSQL, not {connection.vendor}")
        self.model = model
        self.next: int | None = None

    def take(self, count: int) -> list[int]:
        if count <= 0:
            return []
        table = self.model._meta.db_table
        column = self.model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [connection.ops.quote_name(table), column, count],
                )
                return [row[0] for row in cursor.fetchall()]
            if self.next is None:
                quoted, pk = connection.ops.quote_name(table), connection.ops.quote_name(column)
                cursor.execute(
                    f"SELECT MAX(COALESCE((SELECT MAX({pk}) FROM {quoted}), 0),"
                    " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                    [table],
                )
                self.next = cursor.fetchone()[0] + 1
        start, self.next = self.next, self.next + count
        return list(range(start, start + count))


class BulkInsert:
    """INSERT rows of `model` given as tuples in the order of `fields` (attribute names, e.g.
    "room_id"); `constants` are the same for every row (adapted once).

        rooms = BulkInsert(Room, ["id", "community_id", "code", ...], constants={"created_at": now})
        rooms.add((pk, community.pk, "3-2-1201", ...))
        rooms.flush()   # also done every FLUSH rows
    """

    def __init__(self, model: type[models.Model], fields: Iterable[str], *, constants: dict | None = None):
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        names = list(fields)
        constants = constants or {}
        unknown = (set(names) | set(constants)) - set(by_name)
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        quote = connection.ops.quote_name
        ordered = [by_name[n] for n in names] + [by_name[n] for n in constants]
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table),
            ", ".join(quote(f.column) for f in ordered),
            ", ".join(["%s"] * len(ordered)),
        )
        self.tail = tuple(by_name[n].get_db_prep_save(v, connection) for n, v in constants.items())
        adapters = [(i, self._adapter(by_name[n])) for i, n in enumerate(names)]
        self.adapt = [(i, adapter) for i, adapter in adapters if adapter is not None]
        self.rows: list = []
        self.written = 0

    @staticmethod
    def _adapter(field: models.Field):
        """What a value needs before the driver sees it, per column (None: nothing).

        Dates and Decimals may come as Python values or as the text SQLite stores for them
        ("2020-05-01", "89.50", what checked rows keep): SQLite takes either as it is, and so
        does psycopg the Python values; on PostgreSQL the text is read back into one."""
        sqlite = connection.vendor == "sqlite"
        if isinstance(field, models.JSONField):
            if sqlite and field.encoder is None:
                return json.dumps  # what Django's SQLite backend does with a JSON value
            return lambda value: field.get_db_prep_save(value, connection)
        if isinstance(field, models.DateTimeField):
            return lambda value: field.get_db_prep_save(value, connection)
        if sqlite:
            return None
        if isinstance(field, models.DateField):
            return lambda value: dt.date.fromisoformat(value) if isinstance(value, str) else value
        if isinstance(field, models.DecimalField):
            return lambda value: Decimal(value) if isinstance(value, str) else value
        return None

    def add(self, row: tuple) -> None:
        if self.adapt:
            row = list(row)
            for index, adapt in self.adapt:
                row[index] = adapt(row[index])
        self.rows.append((*row, *self.tail))
        if len(self.rows) >= FLUSH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.written += len(self.rows)
            self.rows = []


@contextlib.contextmanager
def bulk_session():
    """The connection set up for a bulk write, for as long as it runs (SQLite: a larger page cache)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
