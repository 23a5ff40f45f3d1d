"""A real office's register (issue 8): title rows, 楼栋/单元/房号 columns, no acquisition dates, messy values.

PR-2 (the property register's particulars), PR-1 (owners, unknown start kept unknown), LW-1 (ID
numbers masked in every message and in the bad-rows file for roles without people.view_id).
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing.badrows import import_bad_rows
from guanjia.core.importing.services import import_commit, import_queue
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.management.commands.bench_import import cn_id
from guanjia.estates.models import Ownership, Person, Room
from guanjia.estates.tests.test_import import import_preview

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
# Born 1975 in 昌平区 (110114, a district created in 1999): genuine, though stdnum.cn.ric rejects it.
ID_1975 = cn_id("110114", dt.date(1975, 6, 1), 123)
ID_LI = cn_id("110105", dt.date(1980, 1, 1), 11)
ID_WANG = cn_id("310104", dt.date(1968, 6, 30), 22)
ID_ZHAO = cn_id("440305", dt.date(1990, 12, 1), 33)
ID_CHEN = cn_id("440305", dt.date(1991, 2, 3), 44)
ID_ZHOU = cn_id("320102", dt.date(1985, 5, 5), 55)
ID_ZHENG = cn_id("320102", dt.date(1979, 9, 9), 66)
ID_WU_GOOD = cn_id("110105", dt.date(1970, 3, 3), 77)
ID_WU_BAD = ID_WU_GOOD[:-1] + ("0" if ID_WU_GOOD[-1] != "0" else "1")  # wrong check digit
FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")

HEADER = [
    "序号",
    "楼号",
    "单元号",
    "室号",
    "房屋类型",
    "建筑面积",
    "套内面积",
    "业主姓名",
    "身份证号码",
    "联系电话",
    "备注",
]
# fmt: off
OFFICE_ROWS = [
    ["翠苑小区 权籍清册（开发商移交）"],                                   # 1: title
    ["制表：翠苑物业管理处", None, None, None, None, None, None, None, None, "2026年3月"],  # 2: a second title row
    HEADER,                                                                   # 3: the header
    [1, "1栋", "1单元", "101", "住宅", "89.5平方米", "72.3㎡", "张三", ID_1975, "138 0013 8000", None],
    [2, "１栋", "１单元", "１０２".translate(FULLWIDTH), "住宅", "90.5 m2".translate(FULLWIDTH), None, "李四", ID_LI,
     "139-0013-9000", "南北通透，  采光好"],
    [3, "1栋", "2单元", "102", "住宅", 88, None, "王五", ID_WANG, "13700137000", None],
    [4, "1栋", None, "2102", "住宅", 95, None, "赵六", ID_ZHAO, "13600136000", None],          # 7: ambiguous
    [5, "2栋", "1单元", "301", "住宅", "-89.5平方米", None, "钱七", ID_CHEN, None, None],     # 8: negative area
    [6, "2栋", "1单元", "302", "住宅", 100, None, "孙八", ID_ZHOU, None, None],               # 9: earlier row
    [7, "2栋", "1单元", "302", None, None, None, "周九", ID_ZHENG, None, None],               # 10: duplicate room
    [8, "2栋", "1单元", "303", "住宅", 90, None, "吴十", ID_WU_BAD, None, None],              # 11: bad check digit
    [9, "10栋", "1单元", "101", "商铺", "120.5㎡", None, "郑十一", cn_id("110105", dt.date(1960, 1, 1), 88),
     "0755 8888 6666", None],                                                                 # 12
]
# fmt: on
GOOD_ROWS = [4, 5, 6, 12]
BAD_ROWS = [7, 8, 9, 10, 11]


def workbook(rows, name="权籍清册.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def community():
    return CommunityFactory(name="翠苑小区")


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


@pytest.fixture
def batch(community, supervisor):
    with clock.frozen(NOW):
        return import_preview(community=community, actor=supervisor, kind="rooms", file=workbook(OFFICE_ROWS))


def errors_by_row(batch) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for error in batch.errors:
        found.setdefault(error["row"], []).append(error)
    return found


def test_fixture_ids_are_what_the_issue_describes():
    assert not ric.is_valid(ID_1975)  # stdnum's district-by-year check rejects the genuine number
    assert ric.calc_check_digit(ID_WU_BAD) != ID_WU_BAD[-1]


def test_office_register_preview_reports_each_bad_row_with_its_reason(batch):
    """Issue 8, PR-2/PR-3/LW-1: the title rows are skipped, the header found by its names; each bad row is
    reported with its row number and reason, and only the clean rows are offered."""
    preview = batch.summary
    assert preview["header_row"] == 3
    assert "序号" in preview["ignored_columns"]
    assert preview["excluded_rows"] == BAD_ROWS
    assert preview["counts"]["valid_rows"] == len(GOOD_ROWS)
    assert preview["counts"]["error_rows"] == len(BAD_ROWS)
    assert [r["row"] for r in preview["sample"]] == GOOD_ROWS  # never a bad row "to be written"

    found = errors_by_row(batch)
    assert sorted(found) == BAD_ROWS
    ambiguous = found[7][0]
    assert ambiguous["column"] == "房号"
    assert "1栋2单元102室" in ambiguous["message"] and "无单元的1栋2102室" in ambiguous["message"]
    assert "1-2-102" in ambiguous["message"] and "1-2102" in ambiguous["message"]
    assert found[8][0]["column"] == "建筑面积" and "为负数" in found[8][0]["message"]
    assert "与第 9 行房号重复" in found[10][0]["message"]
    assert found[9][0]["message"].startswith("与第 10 行是同一房屋")  # held back with it, not guessed
    bad_id = found[11][0]
    assert bad_id["column"] == "证件号码" and "校验码" in bad_id["message"]
    assert ID_WU_BAD not in bad_id["message"] and f"**************{ID_WU_BAD[-4:]}" in bad_id["message"]
    assert not any(ID_1975 in e["message"] for e in batch.errors)
    assert Room.objects.count() == 0  # a preview writes nothing


def test_office_register_all_or_nothing_is_the_default(batch, supervisor):
    with pytest.raises(ServiceError, match="问题"):
        import_queue(batch=batch, actor=supervisor)
    with pytest.raises(ServiceError, match="问题"):
        import_commit(batch=batch, actor=supervisor)
    assert Room.objects.count() == 0


def test_office_register_valid_rows_import_with_normalised_values_and_unknown_dates(batch, community, supervisor):
    """Issue 8, PR-1/PR-2: the good rows go in; codes, areas and phones normalised; names and notes as typed;
    no acquisition date is invented; the 1975 ID with a later district code is accepted."""
    with clock.frozen(NOW):
        import_queue(batch=batch, actor=supervisor, valid_only=True, left_out=len(BAD_ROWS))  # runs at once
    batch.refresh_from_db()
    assert batch.status == "committed"
    rooms = {r.code: r for r in Room.objects.filter(community=community)}
    assert set(rooms) == {"1-1-101", "1-1-102", "1-2-102", "10-1-101"}
    first = rooms["1-1-101"]
    assert (first.building_area, first.usable_area, first.floor) == (Decimal("89.50"), Decimal("72.30"), 1)
    assert rooms["1-1-102"].building_area == Decimal("90.50") and rooms["1-1-102"].note == "南北通透，  采光好"
    assert rooms["10-1-101"].kind == "shop"
    assert list(Room.objects.filter(community=community).values_list("code", flat=True)) == [
        "1-1-101",
        "1-1-102",
        "1-2-102",
        "10-1-101",
    ]  # natural order: building 10 after building 1
    zhang = Person.objects.get(community=community, name="张三")
    assert zhang.id_number == ID_1975 and zhang.birth_date == dt.date(1975, 6, 1)
    assert [p.number for p in zhang.phones.all()] == ["13800138000"]
    assert [p.number for p in Person.objects.get(name="李四").phones.all()] == ["13900139000"]
    assert [p.number for p in Person.objects.get(name="郑十一").phones.all()] == ["0755-88886666"]
    assert set(Ownership.objects.filter(community=community).values_list("since", flat=True)) == {None}
    assert not Person.objects.filter(name__in=["赵六", "钱七", "孙八", "周九", "吴十"]).exists()

    entry = ActivityLog.objects.get(verb="core.import.committed", community=community)
    assert entry.data["mode"] == "valid_only" and entry.data["left_out"] == len(BAD_ROWS)
    assert entry.data["left_out_rows"] == BAD_ROWS
    assert "5 行有问题未导入" in entry.summary


def test_office_register_household_page_says_the_date_is_unknown(batch, client, community, supervisor):
    """PR-1: an ownership with an unknown start is shown as unknown, never as a date."""
    import_queue(batch=batch, actor=supervisor, valid_only=True, left_out=len(BAD_ROWS))
    room = Room.objects.get(community=community, code="1-1-101")
    client.force_login(supervisor)
    page = client.get(reverse("estates:household", args=[room.pk])).content.decode()
    assert "张三" in page and "取得日期不详" in page


def test_office_register_bad_rows_download_fix_and_reupload(batch, community, supervisor):
    """DESIGN §15: the held-back rows come back as uploaded, with 行号 and 原因; fixed, they import."""
    import_queue(batch=batch, actor=supervisor, valid_only=True, left_out=len(BAD_ROWS))
    batch.refresh_from_db()
    assert batch.status == "committed"
    filename, content = import_bad_rows(batch=batch, actor=supervisor)
    assert filename == "权籍清册-有问题的行.xlsx"
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [*HEADER, "行号", "原因"]
    assert [r[-2] for r in rows[1:]] == BAD_ROWS
    reasons = {r[-2]: r[-1] for r in rows[1:]}
    assert "为负数" in reasons[8] and "与第 9 行房号重复" in reasons[10] and "校验码" in reasons[11]
    assert rows[5][8] == ID_WU_BAD  # the clerk's own value, in full for a role that may see IDs
    entry = ActivityLog.objects.get(verb="core.import.bad_rows_exported")
    assert entry.data == {"rows": 5, "masked": []}

    # The clerk fixes each row in the downloaded file and uploads it as it is (行号/原因 are ignored).
    fixed = [row + [None] for row in rows]
    fixed[0][-1] = "产权份额"
    fixed[1][2] = "无"  # row 7: that tower has no entrances: room 2102 without a unit
    fixed[2][5] = "89.5平方米"  # row 8: the minus sign was a typo
    fixed[3][-1] = fixed[4][-1] = 50  # rows 9 and 10: co-owners, half each
    fixed[5][8] = ID_WU_GOOD  # row 11: the ID as on the card
    again = import_preview(community=community, actor=supervisor, kind="rooms", file=workbook(fixed))
    assert again.errors == []
    import_commit(batch=again, actor=supervisor)
    assert Room.objects.filter(community=community).count() == 4 + 4
    assert Room.objects.get(community=community, code="1-2102").unit is None
    assert sorted(Ownership.objects.filter(room__code="2-1-302").values_list("share", flat=True)) == [50, 50]


def test_bad_rows_download_masks_ids_for_roles_without_view_id(batch, community, monkeypatch):
    """LW-1: full ID numbers only for roles with people.view_id; the download is logged either way."""
    from guanjia.core import roles

    manager = staff("office_manager", community)
    monkeypatch.setitem(
        roles.PERMISSIONS, "people.view_id", roles.PERMISSIONS["people.view_id"] - {roles.Role.OFFICE_MANAGER}
    )
    _filename, content = import_bad_rows(batch=batch, actor=manager)
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    ids = [r[8] for r in rows[1:]]
    assert all("*" in value for value in ids) and ID_WU_BAD not in ids
    entry = ActivityLog.objects.get(verb="core.import.bad_rows_exported", actor=manager)
    assert entry.data["masked"] == ["身份证号码"] and "（身份证号码已遮蔽）" in entry.summary


def test_office_register_preview_page(client, batch, supervisor):
    """The preview page: bad rows marked 不导入, IDs masked, the download and the separate valid-only confirm."""
    client.force_login(supervisor)
    page = client.get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    assert 'id="import-errors"' in page and "不导入" in page
    assert "download-bad-rows" in page and "confirm-valid-only" in page
    assert 'id="confirm-import"' not in page  # all or nothing: no plain confirm while rows have problems
    assert ID_WU_BAD not in page and ID_1975 not in page
    assert "只导入无问题的 4 行（5 行不导入）" in page
