"""Benchmark the register import against a raw bulk insert of the same rows (issue 9).

`manage.py bench_import --rooms 100000` (what `make bench` runs, on a throwaway SQLite database):

1. builds an Excel file of N rooms with an owner each (var/bench/, kept for the next run);
2. in a fresh process, inserts the rows such an import writes — buildings, units, rooms, people,
   phones, ownerships and one log entry per room — with hand-written INSERTs (executemany on
   prepared tuples, values computed beforehand): the floor no import can beat;
3. in another fresh process, imports the file through the real path: `import_upload` (the upload
   and its check: the preview) and `import_queue` (the commit), with the immediate task backend;
4. prints both, the ratio (goal: preview + commit within 3× the raw insert) and the import
   process's peak memory (goal: under 300 MB).

Each measured phase runs in its own process, so that one's memory is not counted as another's,
and (on SQLite) on its own copy of the database, so that neither writes into tables the other filled.
"""

import contextlib
import datetime as dt
import functools
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction

from guanjia.core import clock
from guanjia.core.importing.bulk import bulk_session
from guanjia.core.models import ActivityLog, Community, Company, Membership

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
REGIONS = ("110105", "310104", "440305", "320102", "330106", "510107", "420106", "610113")
GOAL_RATIO = 3
GOAL_MB = 300


def cn_id(region: str, birth: dt.date, sequence: int) -> str:
    """A resident ID number with a correct GB 11643 check digit."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]
    return body + check


def room_rows(n: int):
    """Rows in the template's layout: 30 floors × 4 rooms per unit, 2 units per building."""
    for i in range(n):
        building, rest = divmod(i, 240)
        unit, rest = divmod(rest, 120)
        floor, room = divmod(rest, 4)
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 37) % 20000)
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // 20) % len(GIVEN)] + GIVEN[(i // 7) % len(GIVEN)]
        yield {
            "code": f"{building + 1}-{unit + 1}-{floor + 1}{room + 1:02d}",
            "building": str(building + 1),
            "unit": str(unit + 1),
            "number": f"{floor + 1}{room + 1:02d}",
            "kind": "住宅",
            "floor": floor + 1,
            "building_area": f"{80 + i % 60}.5㎡",
            "usable_area": f"{65 + i % 60}.2平方米",  # below the building area (PR-2)
            "use": "自住",
            "handover": "已入伙",
            "moved_in_on": dt.date(2020, 5, 1),
            "owner": name,
            "id_type": "居民身份证",
            # Birth dates repeat every 20,000 rows: each block of 20,000 is born in another district.
            "id_number": cn_id(REGIONS[(i // 20000) % len(REGIONS)], birth, i // (20000 * len(REGIONS))),
            "phones": f"13{i % 10}{i:08d}",
            "since": dt.date(2019, 1 + i % 12, 1 + i % 28),
            "acquisition": "购买",
        }


def build_file(n: int) -> bytes:
    from openpyxl import Workbook

    from guanjia.estates.importing import ROOM_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("房屋及业主")
    sheet.append([f"基准测试小区 房屋及业主清单（{n} 户）"])
    sheet.append([str(c.label) for c in ROOM_COLUMNS])
    for row in room_rows(n):
        sheet.append([row.get(c.key) for c in ROOM_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _peak_mb() -> float:
    # ru_maxrss is in KiB on Linux; it is sampled by the kernel, so never report less than now.
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _rss_mb())


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _community(prefix: str) -> Community:
    company, _created = Company.objects.get_or_create(name="基准测试物业")
    stamp = f"{time.time_ns()}"
    return Community.objects.create(company=company, code=f"{prefix}{stamp}"[:20], name=f"基准测试小区{stamp}")


def _insert(cursor, model, columns: list[str], rows: list[tuple]) -> int:
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(c) for c in columns]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    for start in range(0, len(rows), 20000):
        cursor.executemany(sql, rows[start : start + 20000])
    return len(rows)


def baseline(n: int) -> dict:
    """Insert what an import of `n` rooms writes, by hand: the raw-SQL floor.

    The rows are the import's own, values included (pinyin, the ID's lookup hash and ciphertext,
    sort keys): the indexes then take the same work; they are computed before the clock starts."""
    from guanjia.core.crypto import encrypt, lookup_hash
    from guanjia.estates.models import Building, Ownership, Person, Phone, Room, Unit
    from guanjia.estates.names import pinyin_keys
    from guanjia.estates.sorting import natural_key

    community = _community("base")
    cid = community.pk
    now = connection.ops.adapt_datetimefield_value(clock.now())
    room_type = ContentType.objects.get_for_model(Room).pk
    with transaction.atomic():
        with connection.cursor() as cursor:
            ids = {}
            for model in (Building, Unit, Room, Person):
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")
                ids[model] = cursor.fetchone()[0] + 1
        buildings, units, rooms, people, phones, ownerships, entries = {}, {}, [], [], [], [], []
        pinyin = functools.lru_cache(maxsize=None)(pinyin_keys)
        for i, row in enumerate(room_rows(n)):
            b, u = row["building"], (row["building"], row["unit"])
            if b not in buildings:
                buildings[b] = (ids[Building] + len(buildings), cid, b, "", None, natural_key(b))
            if u not in units:
                units[u] = (ids[Unit] + len(units), cid, buildings[b][0], row["unit"], natural_key(row["unit"]))
            room, person = ids[Room] + i, ids[Person] + i
            rooms.append(
                (room, cid, buildings[b][0], units[u][0], row["number"], row["code"], natural_key(row["code"]))
                + ("residence", row["floor"], f"{80 + i % 60}.50", f"{65 + i % 60}.20", None, "self", "moved_in")
                + ("2020-05-01", "", "", "", now, now)
            )
            full, initials = pinyin(row["owner"])
            people.append(
                (person, cid, row["owner"], full, initials, "resident_id", encrypt(row["id_number"]))
                + (lookup_hash(f"resident_id:{row['id_number']}"), row["id_number"][-4:], "M", "1970-01-01")
                + (None, "", now)
            )
            phones.append((cid, person, row["phones"], row["phones"][-4:]))
            ownerships.append((cid, room, person, "100.00", row["since"].isoformat(), None, "purchase", "", ""))
            entries.append(
                (now, None, "estates.room.imported", cid, room_type, str(room), room)
                + (
                    f"批量导入登记（bench.xlsx 第 {i + 3} 行）：业主{row['owner']}",
                    json.dumps({"batch": 1, "row": i + 3}),
                )
            )
        started, cpu = time.perf_counter(), time.process_time()
        # The connection as the import's commit has it (core.importing.bulk), for a fair comparison.
        with bulk_session(), connection.cursor() as cursor:
            written = _insert(
                cursor, Building, ["id", "community", "code", "name", "floors", "sort_key"], list(buildings.values())
            )
            written += _insert(cursor, Unit, ["id", "community", "building", "code", "sort_key"], list(units.values()))
            written += _insert(
                cursor,
                Room,
                ["id", "community", "building", "unit", "number", "code", "sort_key", "kind", "floor"]
                + ["building_area", "usable_area", "land_area", "use", "handover", "moved_in_on", "facilities"]
                + ["garage", "note", "created_at", "updated_at"],
                rooms,
            )
            written += _insert(
                cursor,
                Person,
                ["id", "community", "name", "name_pinyin", "name_initials", "id_type", "id_encrypted", "id_hash"]
                + ["id_last4", "gender", "birth_date", "user", "note", "created_at"],
                people,
            )
            written += _insert(cursor, Phone, ["community", "person", "number", "last4"], phones)
            written += _insert(
                cursor,
                Ownership,
                ["community", "room", "person", "share", "since", "until", "acquisition", "certificate_no", "note"],
                ownerships,
            )
            written += _insert(
                cursor,
                ActivityLog,
                ["at", "actor", "verb", "community", "subject_type", "subject_id", "household_id", "summary", "data"],
                entries,
            )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if connection.vendor == "postgresql":
        # The ids above were given, not drawn: move the sequences past them (after the clock), or the
        # import, which draws its ids from them, would collide with these rows.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Building, Unit, Room, Person, Phone, Ownership]):
                cursor.execute(sql)
    return {"seconds": seconds, "cpu": cpu, "rows": written}


def import_file(path: Path) -> dict:
    """Import the file through the real services; the preview and the commit timed apart."""
    from django.contrib.auth import get_user_model

    from guanjia.core.importing.services import import_queue, import_upload
    from guanjia.estates.importing import ROOMS
    from guanjia.estates.models import Ownership, Person, Room

    community = _community("bench")
    user, _created = get_user_model().objects.get_or_create(username="bench-import")
    Membership.objects.get_or_create(user=user, community=None, role="company_admin")
    idle = _rss_mb()
    with path.open("rb") as handle:
        t0, c0 = time.perf_counter(), time.process_time()
        batch = import_upload(kind=ROOMS, community=community, actor=user, file=File(handle, name="bench.xlsx"))
        t1, c1 = time.perf_counter(), time.process_time()
    if batch.status != "previewed" or batch.error_count:
        raise CommandError(f"the preview did not pass: {batch.status} {batch.failure} {batch.errors[:3]}")
    preview_peak = _peak_mb()
    batch = import_queue(batch=batch, actor=user)
    t2, c2 = time.perf_counter(), time.process_time()
    if batch.status != "committed":
        raise CommandError(f"the commit did not pass: {batch.status} {batch.failure}")
    return {
        "preview": t1 - t0,
        "preview_cpu": c1 - c0,
        "commit": t2 - t1,
        "commit_cpu": c2 - c1,
        "idle_mb": idle,
        "preview_peak_mb": preview_peak,
        "peak_mb": _peak_mb(),
        "rows": batch.total_rows,
        "written": {
            "rooms": Room.objects.filter(community=community).count(),
            "people": Person.objects.filter(community=community).count(),
            "ownerships": Ownership.objects.filter(community=community).count(),
        },
    }


class Command(BaseCommand):
    help = "Time importing N rooms with owners from Excel (preview, commit) against a raw bulk insert of the same rows."

    def add_arguments(self, parser):
        parser.add_argument("--rooms", type=int, default=100_000)
        parser.add_argument("--phase", choices=("all", "baseline", "import"), default="all")
        parser.add_argument("--file", help="the Excel file to import (phase import); built when absent")

    def handle(self, *args, rooms: int, phase: str, file: str | None, **options):
        if phase == "baseline":
            self.stdout.write(json.dumps(baseline(rooms)))
            return
        path = Path(file) if file else self._file(rooms)
        if phase == "import":
            self.stdout.write(json.dumps(import_file(path)))
            return
        size = path.stat().st_size / 2**20
        with self._databases() as (first, second):
            raw = self._child("baseline", rooms, env=first)
            measured = self._child("import", rooms, path, env=second)
        total = measured["preview"] + measured["commit"]
        ratio = total / raw["seconds"]
        out = self.stdout.write
        out(f"file:      {size:.1f} MB, {rooms} rooms with an owner each ({path})")
        out(f"raw SQL:   {raw['seconds']:.1f} s wall, {raw['cpu']:.1f} s CPU for {raw['rows']} rows (executemany)")
        out(f"preview:   {measured['preview']:.1f} s wall, {measured['preview_cpu']:.1f} s CPU (upload, read, check)")
        out(
            f"commit:    {measured['commit']:.1f} s wall, {measured['commit_cpu']:.1f} s CPU (bulk write, one transaction)"
        )
        out(f"total:     {total:.1f} s = {ratio:.2f}× the raw insert (goal ≤ {GOAL_RATIO}×)")
        if connection.vendor == "sqlite":
            # On a machine shared with other work, wall time depends on the neighbours; CPU time much
            # less. (On PostgreSQL the server does part of the work, outside this process's CPU time.)
            cpu = measured["preview_cpu"] + measured["commit_cpu"]
            out(f"CPU:       {cpu:.1f} s = {cpu / raw['cpu']:.2f}× the raw insert's CPU time")
        out(
            f"memory:    {measured['peak_mb']:.0f} MB peak for the import process ({measured['preview_peak_mb']:.0f} MB "
            f"by the end of the preview; {measured['idle_mb']:.0f} MB before the upload) (goal < {GOAL_MB} MB)"
        )
        written = measured["written"]
        out(f"written:   rooms {written['rooms']}, people {written['people']}, ownerships {written['ownerships']}")

    def _file(self, rooms: int) -> Path:
        folder = Path(settings.BASE_DIR) / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench_import_{rooms}.xlsx"
        if not path.exists():
            started = time.perf_counter()
            path.write_bytes(build_file(rooms))
            self.stdout.write(f"built {path} in {time.perf_counter() - started:.1f} s")
        return path

    @contextlib.contextmanager
    def _databases(self):
        """The environment of each measured process: on SQLite each starts from its own copy of
        the database as it is now, so neither inserts into tables the other has filled."""
        if connection.vendor != "sqlite":
            yield {}, {}
            return
        source = Path(connection.settings_dict["NAME"])
        connection.close()
        with tempfile.TemporaryDirectory(dir=source.parent) as folder:
            copies = []
            for name in ("baseline", "import"):
                copy = Path(folder) / f"{name}.sqlite3"
                with sqlite3.connect(source) as db, sqlite3.connect(copy) as out:
                    db.backup(out)
                copies.append({"SQLITE_PATH": str(copy)})
            yield copies

    def _child(self, phase: str, rooms: int, path: Path | None = None, env: dict | None = None) -> dict:
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench_import", "--phase", phase]
        command += ["--rooms", str(rooms)] + (["--file", str(path)] if path else [])
        environment = {**os.environ, **(env or {})}
        done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
        if done.returncode:
            raise CommandError(f"bench_import --phase {phase} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
