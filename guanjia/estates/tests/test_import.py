"""Excel import of rooms, owners and leases: messy files, every bad row, atomic commit."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.errors import ServiceError
from guanjia.core.importing.bulk import BulkInsert
from guanjia.core.importing.models import ImportBatch
from guanjia.core.importing.services import import_commit, import_upload
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import services
from guanjia.estates.importing import LEASES, ROOMS, parse_date
from guanjia.estates.management.commands.bench_import import cn_id
from guanjia.estates.models import Lease, Ownership, Person, Phone, Room
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, PersonFactory, RoomFactory

pytestmark = pytest.mark.django_db

ID_A = cn_id("110105", dt.date(1980, 1, 1), 11)
ID_B = cn_id("310104", dt.date(1975, 6, 30), 22)
ID_C = cn_id("440305", dt.date(1990, 12, 1), 33)
ID_D = cn_id("440305", dt.date(1991, 2, 3), 44)
ID_X = "11010519491231002X"  # check digit X
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def xlsx(rows, name="register.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


def import_preview(*, community, actor, kind, file):
    """Upload a register file; the check runs at once (ImmediateBackend)."""
    return import_upload(kind={"rooms": ROOMS, "leases": LEASES}[kind], community=community, actor=actor, file=file)


def fail_on(monkeypatch, table: str, message: str = "磁盘已满"):
    """Make the commit's bulk INSERT into `table` fail, after the tables before it were written."""
    flush = BulkInsert.flush

    def explode(self):
        if self.rows and f'INTO "{table}"' in self.sql:
            raise RuntimeError(message)
        return flush(self)

    monkeypatch.setattr(BulkInsert, "flush", explode)


def preview_and_commit(community, actor, kind, rows):
    batch = import_preview(community=community, actor=actor, kind=kind, file=xlsx(rows))
    assert batch.errors == []
    return import_commit(batch=batch, actor=actor)


MESSY_ROOMS = [
    ["翠苑小区 房屋及业主清单（2026年3月）"],
    [],
    [
        "房号",
        "类型",
        "楼层",
        "建筑面积(㎡)",
        "使用面积",
        "交付状态",
        "业主",
        "身份证号",
        "联系电话",
        "份额",
        "取得日期",
        "备注",
    ],
    [
        "３-２-１２０１",
        "住宅",
        None,
        "89.5㎡",
        "７２.３平方米",
        "已入伙",
        "张三",
        ID_X.lower(),
        "138 0013 8000",
        None,
        "2020年5月1日",
        None,
    ],
    [
        "3栋2单元1202室",
        "住宅",
        "12",
        " 90 ",
        None,
        "已入伙",
        "李四",
        ID_A,
        "13900139000/13700137000",
        "50%",
        "2020/05/01",
        None,
    ],
    ["3-2-1202", None, None, None, None, None, "王五", ID_B, "13600136000", 50, dt.datetime(2020, 5, 1), None],
    [" 5-101 ", "商铺", "1", 120, None, None, "赵六、陈晓梅", f"{ID_C}、{ID_D}", None, None, "2021-1-9", "临街"],
    ["3-2-1203", None, None, None, None, None, None, None, None, None, None, "示例行（导入时自动跳过）"],
    ["6-1-301", "车库", None, "12.5平米", None, "未交付", None, None, None, None, None, None],
]


def test_messy_file_imports_correctly(community, supervisor):
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(MESSY_ROOMS))
    assert batch.errors == []
    assert batch.status == "previewed"
    assert batch.summary["header_row"] == 3
    assert batch.summary["counts"]["rooms"] == 4
    assert Room.objects.count() == 0  # nothing is written before confirmation

    import_commit(batch=batch, actor=supervisor)

    batch.refresh_from_db()
    assert batch.status == "committed"
    assert batch.result["rooms"] == 4
    rooms = {r.code: r for r in Room.objects.filter(community=community).select_related("unit")}
    assert set(rooms) == {"3-2-1201", "3-2-1202", "5-101", "6-1-301"}
    flat = rooms["3-2-1201"]
    assert (flat.building_area, flat.usable_area, flat.floor, flat.handover) == (
        Decimal("89.50"),
        Decimal("72.30"),
        12,
        "moved_in",
    )
    assert rooms["3-2-1202"].building_area == Decimal("90.00")
    assert rooms["5-101"].unit is None and rooms["5-101"].kind == "shop" and rooms["5-101"].note == "临街"
    assert rooms["6-1-301"].building_area == Decimal("12.50")
    assert not rooms["6-1-301"].ownerships.exists()

    zhang = Person.objects.get(community=community, name="张三")
    assert zhang.id_number == ID_X
    assert (zhang.gender, zhang.birth_date, zhang.name_pinyin) == ("F", dt.date(1949, 12, 31), "zhangsan")
    assert [p.number for p in zhang.phones.all()] == ["13800138000"]
    shares = {
        (o.room.code, o.person.name): (o.share, o.since)
        for o in Ownership.objects.filter(community=community).select_related("room", "person")
    }
    assert shares == {
        ("3-2-1201", "张三"): (Decimal("100.00"), dt.date(2020, 5, 1)),
        ("3-2-1202", "李四"): (Decimal("50.00"), dt.date(2020, 5, 1)),
        ("3-2-1202", "王五"): (Decimal("50.00"), dt.date(2020, 5, 1)),
        ("5-101", "赵六"): (Decimal("50.00"), dt.date(2021, 1, 9)),
        ("5-101", "陈晓梅"): (Decimal("50.00"), dt.date(2021, 1, 9)),
    }
    assert sorted(Person.objects.get(name="李四").phones.values_list("number", flat=True)) == [
        "13700137000",
        "13900139000",
    ]
    # Each household file shows where it came from (AR-1).
    entry = ActivityLog.objects.get(verb="estates.room.imported", household_id=flat.pk)
    assert entry.data == {"batch": batch.pk, "row": 4}
    assert "张三" in entry.summary
    assert ActivityLog.objects.filter(verb="core.import.committed", community=community).count() == 1


def test_every_bad_row_reported_and_nothing_written(community, supervisor):
    RoomFactory(community=community, unit__building__community=community, unit__building__code="9", number="901")
    rows = [
        ["房屋编号", "类型", "建筑面积", "业主姓名", "证件号码", "手机号码", "产权份额", "取得日期"],
        ["1-1-101", "住宅", 80, "张三", "110105194912310021", "13800138000", None, "2020-01-01"],  # 2: bad checksum
        ["1-1-102", "住宅", 80, "李四", ID_A, "1380013", None, "2020-01-01"],  # 3: bad phone
        ["1-1-103", "住宅", "八十平", "王五", ID_B, None, None, "2020-01-01"],  # 4: bad area
        ["1-1-104", "别墅", 80, None, None, None, None, None],  # 5: unknown type
        ["1-1-105", "住宅", 80, "赵六", ID_C, None, 60, "2020-01-01"],  # 6: shares 60 + 30
        ["1-1-105", None, None, "陈七", ID_D, None, 30, "2020-01-01"],  # 7
        ["1-1-104", None, None, None, None, None, None, None],  # 8: duplicate room, no owner
        ["9-1-901", "住宅", 80, None, None, None, None, None],  # 9: already registered
        ["1-1-106", "住宅", 80, None, ID_A, None, None, None],  # 10: ID without a name
        ["一号楼", "住宅", 80, None, None, None, None, None],  # 11: not a room code
        ["1-1-107", "住宅", 80, "周八", None, None, None, "2020-13-45"],  # 12: bad date
        ["1-1-108", "住宅", 80, "吴九", None, None, None, None],  # 13: owner without date: fine (PR-1, unknown)
    ]
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(rows))
    found = {(e["row"], e["column"]) for e in batch.errors}
    assert found == {
        (2, "证件号码"),
        (3, "手机号码"),
        (4, "建筑面积"),
        (5, "类型"),
        (6, "产权份额"),
        (7, ""),  # the other row of room 1-1-105, held back with it
        (8, "房屋编号"),
        (9, "房屋编号"),
        (10, "业主姓名"),
        (11, "房屋编号"),
        (12, "取得日期"),
    }
    messages = {e["row"]: e["message"] for e in batch.errors}
    assert "校验码" in messages[2] and messages[2].startswith("证件号码：")
    assert "110105194912310021" not in messages[2] and "**************0021" in messages[2]  # LW-1
    assert "别墅" in messages[5] and "住宅" in messages[5]
    assert "90" in messages[6]
    assert "与第 5 行房号重复" in messages[8]
    assert "已在系统中登记" in messages[9]
    assert Room.objects.filter(community=community).count() == 1
    assert Person.objects.count() == 0
    with pytest.raises(ServiceError, match="问题"):
        import_commit(batch=batch, actor=supervisor)
    assert Room.objects.filter(community=community).count() == 1


def test_missing_header_and_wrong_file(community, supervisor):
    batch = import_preview(
        community=community, actor=supervisor, kind="rooms", file=xlsx([["随便"], ["什么", "都不是"]])
    )
    assert len(batch.errors) == 1 and "未找到表头" in batch.errors[0]["message"]
    with pytest.raises(ServiceError, match="xlsx"):
        import_preview(community=community, actor=supervisor, kind="rooms", file=SimpleUploadedFile("a.xls", b"junk"))
    with pytest.raises(ServiceError, match="无法读取"):
        import_preview(community=community, actor=supervisor, kind="rooms", file=SimpleUploadedFile("a.xlsx", b"junk"))


def test_commit_is_atomic(community, supervisor, monkeypatch):
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(MESSY_ROOMS))
    fail_on(monkeypatch, "estates_ownership")  # people, phones, buildings and rooms are written by then
    with pytest.raises(ServiceError, match="未写入任何数据"):
        import_commit(batch=batch, actor=supervisor)
    assert Room.objects.count() == Person.objects.count() == Phone.objects.count() == 0
    assert not ActivityLog.objects.filter(verb="estates.room.imported").exists()
    batch.refresh_from_db()
    assert batch.status == "failed"
    assert "磁盘已满" in batch.failure


def test_recommit_refused(community, supervisor):
    batch = preview_and_commit(community, supervisor, "rooms", MESSY_ROOMS)
    with pytest.raises(ServiceError) as error:
        import_commit(batch=batch, actor=supervisor)
    assert error.value.status == 409
    assert Room.objects.filter(community=community).count() == 4


def test_register_changed_since_preview(community, supervisor):
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(MESSY_ROOMS))
    services.room_create(community=community, actor=supervisor, building_code="5", number="101")
    with pytest.raises(ServiceError, match="重新检查"):
        import_commit(batch=batch, actor=supervisor)
    batch.refresh_from_db()
    assert batch.status == "previewed" and any("5-101" in e["message"] for e in batch.errors)
    assert Room.objects.filter(community=community).count() == 1


def test_front_desk_may_not_import(community):
    desk = staff("front_desk", community)
    with pytest.raises(ServiceError) as error:
        import_preview(community=community, actor=desk, kind="rooms", file=xlsx(MESSY_ROOMS))
    assert error.value.status == 403
    assert not ImportBatch.objects.exists()


def test_existing_person_is_reused(community, supervisor):
    preview_and_commit(
        community,
        supervisor,
        "rooms",
        [
            ["房屋编号", "建筑面积", "业主姓名", "证件号码", "手机号码", "取得日期"],
            ["1-1-101", 90, "张三", ID_A, "13800138000", "2020-1-1"],
        ],
    )
    preview_and_commit(
        community,
        supervisor,
        "rooms",
        [
            ["房屋编号", "类型", "建筑面积", "业主姓名", "证件号码", "手机号码", "取得日期"],
            ["1-1-102", "住宅", 90, "张三", ID_A, "13800138000/13900139000", "2021-1-1"],
            ["B1-023", "车位", None, "张三", ID_A, None, "2021-1-1"],  # no area needed for a parking space
        ],
    )
    assert Person.objects.filter(community=community).count() == 1
    zhang = Person.objects.get()
    assert zhang.ownerships.count() == 3
    assert sorted(zhang.phones.values_list("number", flat=True)) == ["13800138000", "13900139000"]
    # Same ID number under another name is a mistake in the file.
    batch = import_preview(
        community=community,
        actor=supervisor,
        kind="rooms",
        file=xlsx([["房屋编号", "建筑面积", "业主姓名", "证件号码"], ["1-1-103", 90, "张叁", ID_A]]),
    )
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "证件号码")]
    assert "张三" in batch.errors[0]["message"]


def test_leases_import_and_checks(community, supervisor):
    with clock.frozen(NOW):
        _leases_import_and_checks(community, supervisor)


def _leases_import_and_checks(community, supervisor):
    preview_and_commit(
        community,
        supervisor,
        "rooms",
        [["房屋编号", "建筑面积", "业主姓名"], ["1-1-101", 90, "房东甲"], ["1-1-102", 90, "房东乙"]],
    )
    old = LeaseFactory(
        community=community,
        room=Room.objects.get(code="1-1-102"),
        tenant=PersonFactory(community=community),
        start=dt.date(2025, 1, 1),
        end=dt.date(2025, 12, 31),
    )
    header = ["房屋编号", "承租人", "身份证号", "电话", "起租日", "到期日", "备案号"]
    today = NOW.date()
    bad = [
        header,
        [
            "1栋1单元101室",
            "李四",
            ID_A,
            "13900139000",
            today - dt.timedelta(days=30),
            today + dt.timedelta(days=300),
            "BA-1",
        ],
        [
            "1-1-101",
            "王五",
            ID_B,
            None,
            today + dt.timedelta(days=200),
            today + dt.timedelta(days=600),
            None,
        ],  # overlaps row 2
        ["2-1-101", "赵六", None, None, "2026-01-01", "2026-12-31", None],  # unknown room
        ["1-1-102", "钱七", None, None, "2025-06-01", "2026-05-31", None],  # overlaps the registered lease
        ["1-1-102", "孙八", None, None, "2027-01-01", "2026-01-01", None],  # ends before it starts
        ["1-1-102", None, None, None, None, None, None],  # a blank row with only the code → required fields
    ]
    batch = import_preview(community=community, actor=supervisor, kind="leases", file=xlsx(bad))
    assert {(e["row"], e["column"]) for e in batch.errors} == {
        (3, "起租日期"),
        (4, "房屋编号"),
        (5, "起租日期"),
        (6, "到期日期"),
        (7, "租户姓名"),
        (7, "起租日期"),
        (7, "到期日期"),
    }
    assert any("未在系统中登记" in e["message"] for e in batch.errors)
    assert Lease.objects.count() == 1

    good = [header, bad[1], ["1-1-102", "钱七", None, None, "2026-01-01", "2026-12-31", "BA-2"]]
    batch = preview_and_commit(community, supervisor, "leases", good)
    assert batch.result["leases"] == 2
    lease = Lease.objects.get(room__code="1-1-101")
    assert (lease.tenant.name, lease.tenant.id_number, lease.registration_no) == ("李四", ID_A, "BA-1")
    assert Room.objects.get(code="1-1-101").use == "rented"  # let today (PR-3)
    assert ActivityLog.objects.filter(verb="estates.lease.imported", household_id=lease.room_id).exists()
    assert old.pk in Lease.objects.values_list("pk", flat=True)


def room_rows(n):
    rows = [["房屋编号", "建筑面积", "业主姓名", "证件号码", "手机号码", "取得日期"]]
    for i in range(n):
        rows.append(
            [
                f"1-1-{i + 101}",
                "88.5㎡",
                f"业主{i}",
                cn_id("110105", dt.date(1980, 1, 1), i),
                f"1380000{i:04d}",
                "2020-1-1",
            ]
        )
    return rows


def count_commit_queries(community, actor, n):
    batch = import_preview(community=community, actor=actor, kind="rooms", file=xlsx(room_rows(n)))
    assert batch.errors == []
    with CaptureQueriesContext(connection) as queries:
        import_commit(batch=batch, actor=actor)
    assert Room.objects.filter(community=community).count() == n
    return len(queries)


def test_commit_queries_do_not_grow_with_rows(supervisor, community):
    """Prepared bulk INSERTs in chunks of 2,000 rows: 150 rooms cost exactly the queries 3 rooms cost."""
    other = CommunityFactory()
    other_supervisor = staff("cs_supervisor", other)
    warm = CommunityFactory()
    count_commit_queries(warm, staff("cs_supervisor", warm), 1)  # the content types, cached once
    assert has_perm(supervisor, "estates.import", community) and has_perm(other_supervisor, "estates.import", other)
    few = count_commit_queries(community, supervisor, 3)
    many = count_commit_queries(other, other_supervisor, 150)
    assert few <= 25
    assert many == few


def test_check_queries_do_not_grow_with_rows(supervisor, community):
    """The check asks the register about a file's rooms and people in chunks of 5,000, not row by row."""
    import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(room_rows(1)))  # warm caches
    counted = []
    for n in (3, 150):
        with CaptureQueriesContext(connection) as queries:
            batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(room_rows(n)))
        assert batch.status == "previewed" and batch.total_rows == n
        counted.append(len(queries))
    assert counted[0] == counted[1]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-5-1", dt.date(2020, 5, 1)),
        ("2020/05/01", dt.date(2020, 5, 1)),
        ("２０２０年５月１日", dt.date(2020, 5, 1)),
        ("2020.5.1", dt.date(2020, 5, 1)),
        ("20200501", dt.date(2020, 5, 1)),
        (43952, dt.date(2020, 5, 1)),  # an Excel serial day number
        (dt.datetime(2020, 5, 1, 0, 0), dt.date(2020, 5, 1)),
        ("", None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_numeric_id_cell_gets_a_hint(community, supervisor):
    rows = [["房屋编号", "建筑面积", "业主姓名", "证件号码"], ["1-1-101", 90, "张三", 1.10105198001011e17]]
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(rows))
    assert len(batch.errors) == 1 and "文本" in batch.errors[0]["message"]


def test_owner_factory_rooms_are_duplicates(community, supervisor):
    """A room already owned in the register cannot be imported again (the file is for new rooms)."""
    owned = OwnershipFactory(room__community=community, room__unit__building__community=community)
    rows = [["房屋编号", "建筑面积", "业主姓名"], [owned.room.code, 90, "张三"]]
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(rows))
    assert [e["row"] for e in batch.errors] == [2]
    assert batch.status == "previewed"
