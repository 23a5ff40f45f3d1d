"""The register import's row checks and readings, one rule at a time (issue 8: PR-1, PR-2, PR-3, LW-1)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing.models import ImportBatch
from guanjia.core.importing.services import import_commit, import_queue
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.validators import parse_cn_id
from guanjia.estates import services
from guanjia.estates.importing import parse_area
from guanjia.estates.management.commands.bench_import import cn_id
from guanjia.estates.models import Lease, Ownership, Person, Room
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.estates.tests.test_import import fail_on, import_preview, xlsx

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ID_1975 = cn_id("110114", dt.date(1975, 6, 1), 123)  # 昌平区 was created in 1999
ID_A = cn_id("110105", dt.date(1980, 1, 1), 11)
ID_B = cn_id("310104", dt.date(1975, 6, 30), 22)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


def preview(community, actor, rows, kind="rooms"):
    with clock.frozen(NOW):
        return import_preview(community=community, actor=actor, kind=kind, file=xlsx(rows))


def found(batch) -> set[tuple[int, str]]:
    return {(e["row"], e["column"]) for e in batch.errors}


def message(batch, row: int) -> str:
    return " ".join(e["message"] for e in batch.errors if e["row"] == row)


# --- 1. 取得日期 is optional (PR-1) ---------------------------------------------------------------


def test_pr1_no_acquisition_date_column_imports_unknown_start(community, supervisor):
    batch = preview(community, supervisor, [["房屋编号", "建筑面积", "业主姓名"], ["1-1-101", 90, "张三"]])
    assert batch.errors == []
    assert batch.summary["sample"][0]["since"] == "不详"
    import_commit(batch=batch, actor=supervisor)
    assert Ownership.objects.get(room__code="1-1-101").since is None


def test_pr1_unknown_start_in_registers_and_transfer(community, supervisor):
    """PR-1/PR-4: an unknown start counts as held on the month's list, shows 不详, and a transfer still works."""
    from guanjia.core.periods import Period
    from guanjia.estates import monthly_lists, registers

    march_, april_ = Period.parse("2025-03"), Period.parse("2025-04")

    batch = preview(community, supervisor, [["房屋编号", "建筑面积", "业主姓名"], ["1-1-101", 90, "张三"]])
    import_commit(batch=batch, actor=supervisor)
    room = Room.objects.get(code="1-1-101")
    ownership = room.ownerships.get()
    assert ownership.held_on(dt.date(1990, 1, 1))
    march = registers.property_list(community, march_)
    assert (march[0].owners, march[0].since) == ("张三（100%）", "不详")
    assert monthly_lists.month_lists(community, march_).owned_rooms == 1

    buyer = services.person_create(community=community, actor=supervisor, name="李四")
    services.ownership_transfer(
        room=room, actor=supervisor, owners=[(buyer, Decimal(100))], on=dt.date(2025, 4, 15), acquisition="purchase"
    )
    ownership.refresh_from_db()
    assert ownership.until == dt.date(2025, 4, 15) and ownership.since is None
    april = registers.property_list(community, april_)
    assert april[0].owners == "李四（100%）" and april[0].since == "2025-04-15"
    changes = registers.property_changes(community, april_)
    assert [(c.before_label, c.after_label) for c in changes] == [("张三（100%）", "李四（100%）")]
    assert registers.property_list(community, march_)[0].owners == "张三（100%）"


def test_pr1_household_history_lists_unknown_start_last(client, community, supervisor):
    batch = preview(community, supervisor, [["房屋编号", "建筑面积", "业主姓名"], ["1-1-101", 90, "张三"]])
    import_commit(batch=batch, actor=supervisor)
    room = Room.objects.get(code="1-1-101")
    buyer = services.person_create(community=community, actor=supervisor, name="李四")
    services.ownership_transfer(
        room=room, actor=supervisor, owners=[(buyer, Decimal(100))], on=dt.date(2025, 4, 15), acquisition="gift"
    )
    assert [o.person.name for o in room.ownerships.all()] == ["李四", "张三"]  # known dates first, unknown last
    client.force_login(supervisor)
    page = client.get(reverse("estates:household", args=[room.pk])).content.decode()
    history = page.split('id="owner-history"')[1]
    assert "张三" in history and "不详" in history


# --- 2. Header and the room's place ------------------------------------------------------------------


def test_pr2_header_found_below_several_title_rows_by_its_names(community, supervisor):
    rows = [
        ["翠苑小区"],
        ["房屋及业主清单", "（开发商移交）"],
        ["说明：本表由开发商提供", None, "房号按楼栋分列"],
        ["楼栋号", "单元", "房间号", "面积", "产权人"],
        ["3幢", "2", "1201室", "89.5", "张三"],
    ]
    batch = preview(community, supervisor, rows)
    assert batch.errors == []
    assert batch.summary["header_row"] == 4
    assert batch.summary["sample"][0]["code"] == "3-2-1201"


@pytest.mark.parametrize(
    ("header", "cells", "code"),
    [
        (["楼号", "单元号", "室号"], ["3", "2", "1201"], "3-2-1201"),
        (["幢", "单元", "房号"], ["三幢", "二单元", "1201室"], "3-2-1201"),
        (["栋号", "单元", "房号"], ["Ａ座", None, "101"], "A-101"),
        (["楼栋", "单元", "房号"], ["10栋", "1", "3-2-1201"], None),  # the code in 房号 disagrees with 楼栋
        (["楼栋号", "单元号", "房间号"], ["３号楼", "２单元", "１２０１"], "3-2-1201"),
    ],
)
def test_pr2_split_building_unit_room_columns(community, supervisor, header, cells, code):
    batch = preview(community, supervisor, [[*header, "建筑面积"], [*cells, 90]])
    if code is None:
        assert found(batch) == {(2, "房号")} and "不一致" in message(batch, 2)
        return
    assert batch.errors == []
    import_commit(batch=batch, actor=supervisor)
    assert Room.objects.get(community=community).code == code


def test_pr2_room_number_column_alone_holds_the_whole_code(community, supervisor):
    batch = preview(community, supervisor, [["房号", "建筑面积"], ["３-２-１２０１", 90]])
    assert batch.errors == [] and batch.summary["sample"][0]["code"] == "3-2-1201"


def test_pr2_code_with_two_readings_is_an_error_naming_both(community, supervisor):
    """ "1栋2102" in a building with entrance 2: unit 2 room 102, or room 2102 without a unit — never guessed."""
    rows = [["房屋编号", "建筑面积"], ["1栋2单元101室", 90], ["1栋2102", 90], ["2栋1201", 90], ["1-2103", 90]]
    batch = preview(community, supervisor, rows)
    assert found(batch) == {(3, "房屋编号")}
    text = message(batch, 3)
    assert "两种理解" in text and "1栋2单元102室（1-2-102）" in text and "无单元的1栋2102室（1-2102）" in text
    assert [r["code"] for r in batch.summary["sample"]] == ["1-2-101", "2-1201", "1-2103"]


def test_pr2_entrance_known_from_the_register_makes_a_code_ambiguous(community, supervisor):
    UnitFactory(building__community=community, building__code="7", community=community, code="1")
    batch = preview(community, supervisor, [["楼栋", "单元", "房号", "建筑面积"], ["7", None, "1301", 90]])
    assert found(batch) == {(2, "房号")}
    assert "“单元”列" in message(batch, 2)
    stated = preview(community, supervisor, [["楼栋", "单元", "房号", "建筑面积"], ["7", "无", "1301", 90]])
    assert stated.errors == []
    import_commit(batch=stated, actor=supervisor)
    assert Room.objects.get(code="7-1301").unit is None


def test_pr3_lease_room_resolved_by_the_register_or_refused_when_both_exist(community, supervisor):
    unit = UnitFactory(building__community=community, building__code="1", community=community, code="2")
    RoomFactory(unit=unit, number="102")
    rows = [
        ["楼栋", "单元", "房号", "租户姓名", "起租日期", "到期日期"],
        ["1栋", None, "2102", "李四", "2026-01-01", "2026-12-31"],
    ]
    batch = preview(community, supervisor, rows, kind="leases")
    assert batch.errors == []  # only 1-2-102 is registered: one reading exists
    assert batch.summary["sample"][0]["code"] == "1-2-102"
    services.room_create(community=community, actor=supervisor, building_code="1", number="2102")
    batch = preview(community, supervisor, rows, kind="leases")
    assert found(batch) == {(2, "房号")} and "两种理解" in message(batch, 2)
    assert Lease.objects.count() == 0


def test_pr2_split_template_layout_downloads_and_reimports(client, community, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("estates:import_template", args=["rooms"]), {"layout": "split"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["楼栋*", "单元", "房号*", "类型"]
    sheet.cell(row=3, column=1, value="5")
    sheet.cell(row=3, column=3, value="101")
    sheet.cell(row=3, column=headers.index("建筑面积") + 1, value="88.8㎡")
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    batch = preview(community, supervisor, rows)
    assert batch.errors == [] and batch.total_rows == 1  # the example row is skipped
    assert batch.summary["sample"][0]["code"] == "5-101"


# --- 3. Row checks and normalisation (PR-2) --------------------------------------------------------


def test_pr2_building_area_required_for_dwellings_and_shops_only(community, supervisor):
    rows = [
        ["房屋编号", "类型", "建筑面积"],
        ["1-1-101", "住宅", None],
        ["1-1-102", "商铺", ""],
        ["1-B1-001", "车位", None],
        ["1-1-103", "储藏室", None],
    ]
    batch = preview(community, supervisor, rows)
    assert found(batch) == {(2, "建筑面积"), (3, "建筑面积")}
    assert "住宅必须填写建筑面积" in message(batch, 2) and "商铺必须填写建筑面积" in message(batch, 3)


def test_pr2_usable_area_not_larger_than_building_area(community, supervisor):
    rows = [["房屋编号", "建筑面积", "使用面积"], ["1-1-101", "80㎡", "89.5平方米"], ["1-1-102", 80, 80]]
    batch = preview(community, supervisor, rows)
    assert found(batch) == {(2, "使用面积")}
    assert "使用面积 89.5 大于建筑面积 80" in message(batch, 2)


def test_pr2_negative_area_says_negative(community, supervisor):
    rows = [["房屋编号", "建筑面积", "分摊土地面积"], ["1-1-101", -89.5, None], ["1-1-102", 90, "－3.2平方米"]]
    batch = preview(community, supervisor, rows)
    assert found(batch) == {(2, "建筑面积"), (3, "分摊土地面积")}
    assert "为负数" in message(batch, 2) and "为负数" in message(batch, 3)


def test_pr2_same_room_two_owners_without_shares_is_a_duplicate(community, supervisor):
    rows = [
        ["房屋编号", "建筑面积", "业主姓名", "证件号码", "产权份额"],
        ["1-1-101", 90, "张三", ID_A, None],
        ["1-1-102", 90, "王五", None, 50],
        ["1-1-101", None, "李四", ID_B, None],  # 4: duplicate of row 2
        ["1-1-102", None, "赵六", None, 50],  # 5: co-owner with shares stated: fine
    ]
    batch = preview(community, supervisor, rows)
    assert found(batch) == {(4, "房屋编号"), (2, "")}
    assert "与第 2 行房号重复" in message(batch, 4)
    assert batch.summary["excluded_rows"] == [2, 4]
    assert [r["code"] for r in batch.summary["sample"]] == ["1-1-102"]


def test_pr2_one_row_naming_co_owners_splits_equally(community, supervisor):
    batch = preview(community, supervisor, [["房屋编号", "建筑面积", "业主姓名"], ["1-1-101", 90, "张三、李四"]])
    assert batch.errors == []
    import_commit(batch=batch, actor=supervisor)
    assert sorted(Ownership.objects.values_list("share", flat=True)) == [Decimal("50.00"), Decimal("50.00")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("89.5平方米", Decimal("89.50")),
        ("89.5㎡", Decimal("89.50")),
        ("89.5 m2", Decimal("89.50")),
        ("89.5M²", Decimal("89.50")),
        ("８９．５平米", Decimal("89.50")),
        ("1,089.5", Decimal("1089.50")),
        (89.5, Decimal("89.50")),
        ("", None),
        ("-3", Decimal("-3.00")),
    ],
)
def test_pr2_area_spellings(value, expected):
    assert parse_area(value) == expected


def test_pr2_codes_and_numbers_normalised_names_and_text_kept_as_typed(community, supervisor):
    rows = [
        ["房屋编号", "楼层", "建筑面积", "业主姓名", "手机号码", "附属设施", "备注"],
        [
            "３-２-１２０１",
            "１２",
            "８９．５ m2",
            "Ｌｉ Ｍｉｎｇ　（李明）",
            "138 0013 8000 / 139-0013-9000",
            "阳台，  储藏室",
            " 临街 ",
        ],
    ]
    batch = preview(community, supervisor, rows)
    assert batch.errors == []
    import_commit(batch=batch, actor=supervisor)
    room = Room.objects.get(community=community)
    assert (room.code, room.floor, room.building_area) == ("3-2-1201", 12, Decimal("89.50"))
    assert (room.facilities, room.note) == ("阳台，  储藏室", "临街")
    person = Person.objects.get(community=community)
    assert person.name == "Ｌｉ Ｍｉｎｇ　（李明）"
    assert sorted(person.phones.values_list("number", flat=True)) == ["13800138000", "13900139000"]


def test_lw1_id_numbers_masked_in_every_message(community, supervisor):
    """LW-1: an ID number typed into the wrong column is quoted masked too."""
    rows = [["房屋编号", "建筑面积", "业主姓名", "手机号码"], ["1-1-101", ID_A, "张三", ID_B]]
    batch = preview(community, supervisor, rows)
    text = " ".join(e["message"] for e in batch.errors)
    assert ID_A not in text and ID_B not in text
    assert f"**************{ID_B[-4:]}" in text


# --- 4. ID numbers: check digit and birth date (GB 11643) --------------------------------------------


def test_gb11643_later_district_code_accepted_on_every_path(client, community, supervisor):
    """A 1975 ID whose district code was created in 1999 is genuine: service (forms, API) and import accept it."""
    info = parse_cn_id(ID_1975)
    assert info.birth_date == dt.date(1975, 6, 1) and info.gender == "M"
    person = services.person_create(community=community, actor=supervisor, name="张三", id_number=ID_1975)
    assert person.id_number == ID_1975
    api = APIClient()
    api.force_authenticate(supervisor)
    later = cn_id("110114", dt.date(1976, 1, 2), 5)
    response = api.post("/api/people/", {"community": community.pk, "name": "李四", "id_number": later}, format="json")
    assert response.status_code == 201, response.content
    client.force_login(supervisor)
    page = client.post(
        reverse("estates:person_create"), {"name": "王五", "id_type": "resident_id", "id_number": ID_1975[:-4] + "0000"}
    )
    assert "校验码" in page.content.decode()  # the console form uses the same validator


@pytest.mark.parametrize(
    ("number", "part"),
    [
        ("1101051949123", "长度不对"),
        ("110105491231002", "一代身份证"),
        ("11010519491231002A", "不允许的字符"),
        ("11010519491331002X", "月份"),
        ("110105194902300021", "该月没有这一天"),
        ("110105203001010011", "晚于今天"),
        ("110105194912310021", "校验码"),
    ],
)
def test_gb11643_message_names_the_wrong_part(number, part):
    with clock.frozen(NOW), pytest.raises(ValidationError) as error:
        parse_cn_id(number)
    text = error.value.messages[0]
    assert part in text and "无效" in text
    assert number not in text  # masked (LW-1)


def test_gb11643_import_error_names_the_part(community, supervisor):
    rows = [["房屋编号", "建筑面积", "业主姓名", "证件号码"], ["1-1-101", 90, "张三", "110105194902300021"]]
    batch = preview(community, supervisor, rows)
    assert found(batch) == {(2, "证件号码")} and "出生日期" in message(batch, 2)


# --- 5. Preview, valid-only confirm, atomic ------------------------------------------------------------

MIXED = [
    ["房屋编号", "建筑面积", "业主姓名", "证件号码", "手机号码"],
    ["1-1-101", 90, "张三", ID_A, "1380013"],  # 2: bad phone: not shown as "to be written" without it
    ["1-1-102", 90, "李四", ID_B, "13900139000"],
    ["1-1-103", -1, "王五", None, None],  # 4
]


def test_preview_never_offers_a_bad_row_with_altered_values(community, supervisor):
    batch = preview(community, supervisor, MIXED)
    summary = batch.summary
    assert [r["row"] for r in summary["sample"]] == [3]
    assert summary["counts"]["valid_rows"] == 1 and summary["counts"]["rooms"] == 1
    assert summary["excluded_rows"] == [2, 4]


def test_valid_only_needs_its_own_confirmation(client, community, supervisor):
    batch = preview(community, supervisor, MIXED)
    client.force_login(supervisor)
    url = reverse("core:import_commit", args=[batch.pk])
    # The plain confirm stays all or nothing.
    client.post(url)
    assert Room.objects.count() == 0
    # The valid-only button without its box ticked writes nothing either.
    page = client.post(url, {"mode": "valid_only", "left_out": 2}, follow=True).content.decode()
    assert "请先勾选确认" in page and Room.objects.count() == 0
    # A count that no longer matches what the clerk saw is refused.
    client.post(url, {"mode": "valid_only", "left_out": 1, "confirm": "on"})
    assert Room.objects.count() == 0
    done = client.post(url, {"mode": "valid_only", "left_out": 2, "confirm": "on"}, follow=True).content.decode()
    assert "导入完成" in done and "2 行有问题，未导入" in done
    assert list(Room.objects.values_list("code", flat=True)) == ["1-1-102"]
    entry = ActivityLog.objects.get(verb="core.import.committed")
    assert entry.data["left_out"] == 2 and entry.data["mode"] == "valid_only"
    assert ImportBatch.objects.get().status == "committed"


def test_valid_only_commit_is_atomic(community, supervisor, monkeypatch):
    batch = preview(community, supervisor, MIXED)
    fail_on(monkeypatch, "estates_ownership")
    # Queued, the commit runs at once (ImmediateBackend) and fails: recorded on the batch, nothing written.
    batch = import_queue(batch=batch, actor=supervisor, valid_only=True, left_out=2)
    assert batch.status == "failed" and "磁盘已满" in batch.failure
    assert Room.objects.count() == Person.objects.count() == 0
    assert not ActivityLog.objects.filter(verb="core.import.committed").exists()
    with pytest.raises(ServiceError) as refused:
        import_commit(batch=batch, actor=supervisor, valid_only=True)
    assert refused.value.status == 409


def test_valid_only_refused_when_the_register_changed(community, supervisor):
    batch = preview(community, supervisor, MIXED)
    services.room_create(community=community, actor=supervisor, building_code="1", unit_code="1", number="102")
    with pytest.raises(ServiceError, match="重新检查"):
        import_commit(batch=batch, actor=supervisor, valid_only=True)
    assert Room.objects.count() == 1
    batch.refresh_from_db()
    assert batch.status == "previewed" and any("已在系统中登记" in e["message"] for e in batch.errors)


def test_valid_only_refused_for_a_file_without_header(community, supervisor):
    batch = preview(community, supervisor, [["随便"], ["什么", "都不是"]])
    with pytest.raises(ServiceError, match="文件本身"):
        import_queue(batch=batch, actor=supervisor, valid_only=True)
