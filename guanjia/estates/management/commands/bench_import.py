"""Benchmark the Excel import: N rooms with an owner each, into a new community.

DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py migrate
DATABASE_URL=sqlite:////tmp/bench.sqlite3 python manage.py bench_import --rooms 20000
"""

import datetime as dt
import io
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from guanjia.core.models import Community, Company, Membership
from guanjia.estates.choices import ImportKind
from guanjia.estates.importing import ROOM_COLUMNS, import_commit, import_preview
from guanjia.estates.models import Ownership, Person, Room

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


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
            "kind": "住宅",
            "floor": floor + 1,
            "building_area": f"{80 + i % 60}.5㎡",
            "usable_area": f"{65 + i % 60}.2平方米",  # below the building area (PR-2)
            "use": "自住",
            "handover": "已入伙",
            "moved_in_on": dt.date(2020, 5, 1),
            "owner": name,
            "id_type": "居民身份证",
            "id_number": cn_id("110105", birth, i),
            "phones": f"13{i % 10}{i:08d}",
            "since": dt.date(2019, 1 + i % 12, 1 + i % 28),
            "acquisition": "购买",
        }


def build_file(n: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("房屋及业主")
    sheet.append([f"基准测试小区 房屋及业主清单（{n} 户）"])
    sheet.append([str(c.label) for c in ROOM_COLUMNS])
    for row in room_rows(n):
        sheet.append([row.get(c.key) for c in ROOM_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Time importing N rooms with owners from Excel (parse+preview, then commit)."

    def add_arguments(self, parser):
        parser.add_argument("--rooms", type=int, default=20000)

    def handle(self, *args, rooms: int, **options):
        from django.contrib.auth import get_user_model

        t0 = time.perf_counter()
        content = build_file(rooms)
        t1 = time.perf_counter()
        company, _created = Company.objects.get_or_create(name="基准测试物业")
        stamp = f"{time.time():.0f}"
        community = Community.objects.create(company=company, code=f"bench{stamp}", name=f"基准测试小区{stamp}")
        user, _created = get_user_model().objects.get_or_create(username="bench-import")
        Membership.objects.get_or_create(user=user, community=None, role="company_admin")

        t2, c2 = time.perf_counter(), time.process_time()
        upload = SimpleUploadedFile("bench.xlsx", content)
        batch = import_preview(community=community, actor=user, kind=ImportKind.ROOMS, file=upload)
        t3, c3 = time.perf_counter(), time.process_time()
        if batch.errors:
            self.stderr.write(f"{len(batch.errors)} errors, first: {batch.errors[:3]}")
            return
        import_commit(batch=batch, actor=user)
        t4, c4 = time.perf_counter(), time.process_time()

        counts = (
            Room.objects.filter(community=community).count(),
            Person.objects.filter(community=community).count(),
            Ownership.objects.filter(community=community).count(),
        )
        self.stdout.write(f"file:      {len(content) / 1e6:.1f} MB, {rooms} rooms, built in {t1 - t0:.1f} s")
        # Wall time, and this process's CPU time (the difference is waiting: disk, other processes).
        self.stdout.write(f"preview:   {t3 - t2:.1f} s wall, {c3 - c2:.1f} s CPU (parse and check)")
        self.stdout.write(f"commit:    {t4 - t3:.1f} s wall, {c4 - c3:.1f} s CPU (re-parse and write)")
        self.stdout.write(f"total:     {t4 - t2:.1f} s wall, {c4 - c2:.1f} s CPU (target < 60 s)")
        self.stdout.write(f"written:   rooms {counts[0]}, people {counts[1]}, ownerships {counts[2]}")
