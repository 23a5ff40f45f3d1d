"""Meter readings from Excel (FE-1) on core's importer: the same rules as a reading typed in, every
bad row reported with its row number, all-or-nothing or valid-only, a file checked again when a meter
was read after the check, and the import page (template, upload, another role's 403)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing.services import import_commit, import_upload
from guanjia.core.tests.factories import at, login, staff
from guanjia.estates.tests.factories import RoomFactory

from ..choices import ReadingSource, ReadingStatus, RunStatus
from ..models import BillingRun, MeterReading
from ..services import meters_import
from ..services.meters import reading_record
from .factories import MeterFactory, read

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 28, 10, 0)
HEAD = ["表号", "表计类型", "抄表日期", "读数", "换表", "备注"]


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def meter():
    meter = MeterFactory(number="W-101", room=RoomFactory(use="self"))
    read(meter, dt.date(2026, 10, 25), "100")
    return meter


@pytest.fixture
def reader(meter):
    return staff("cashier", meter.community)


def xlsx(rows, head=HEAD) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年11月抄表"])  # a title row above the header
    ws.append(head)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("读数.xlsx", buffer.getvalue())


def upload(meter, actor, rows, **kw):
    return import_upload(kind=meters_import.KIND, community=meter.community, actor=actor, file=xlsx(rows, **kw))


def errors_of(batch) -> list[tuple]:
    return sorted((e.row, e.column, e.message) for e in batch.row_errors.filter(warning=False))


def test_fe1_an_import_writes_readings_with_the_rules_of_a_typed_one(meter, reader):
    other = MeterFactory(community=meter.community, number="W-102", room=RoomFactory(community=meter.community))
    read(other, dt.date(2026, 10, 25), "9990")
    batch = upload(
        meter,
        reader,
        [
            ["W-101", "水表", dt.date(2026, 11, 25), 107.5, None, "正常"],
            ["W-102", "水表", "2026-11-25", "12", "翻转", ""],
        ],
    )
    assert batch.status == "previewed" and batch.error_count == 0 and batch.valid_rows == 2
    import_commit(batch=batch, actor=reader)
    batch.refresh_from_db()
    assert batch.status == "committed" and batch.result["readings"] == 2
    mine = MeterReading.objects.get(meter=meter, read_on=dt.date(2026, 11, 25))
    assert mine.usage == Decimal("7.500") and mine.source == ReadingSource.IMPORT and mine.reader == reader
    rolled = MeterReading.objects.get(meter=other, read_on=dt.date(2026, 11, 25))
    assert rolled.rollover and rolled.usage == Decimal("22.000")  # 10000 − 9990 + 12


def test_fe1_every_bad_row_is_reported_with_its_row_number(meter, reader):
    BillingRun.objects.create(
        community=meter.community, period=dt.date(2026, 10, 1), status=RunStatus.ISSUED, started_by=reader
    )
    rows = [
        ["W-101", "水表", "2026-11-25", "90", "", ""],  # row 3: lower
        ["W-999", "水表", "2026-11-25", "90", "", ""],  # row 4: no such meter
        ["W-101", "煤气", "2026-11-25", "90", "", ""],  # row 5: no such kind
        ["W-101", "水表", "2026-12-25", "190", "", ""],  # row 6: future
        ["W-101", "水表", "2026-10-30", "190", "", ""],  # row 7: billed month
        ["W-101", "水表", "明天", "190", "", ""],  # row 8: not a date
        ["W-101", "水表", "2026-11-26", "abc", "", ""],  # row 9: not a number
        ["W-101", "水表", "2026-11-26", "110", "坏了", ""],  # row 10: 换表 unreadable
        ["W-101", "水表", "2026-11-27", "111", "", ""],  # row 11: good
        ["W-101", "水表", "2026-11-27", "112", "", ""],  # row 12: twice a day
    ]
    batch = upload(meter, reader, rows)
    found = errors_of(batch)
    assert [r for r, _c, _m in found] == [3, 4, 5, 6, 7, 8, 9, 10, 12]
    messages = {r: m for r, _c, m in found}
    assert "低于上次读数 100.000" in messages[3] and "W-999" in messages[4] and "煤气" in messages[5]
    assert "不能晚于今天" in messages[6] and "已开具账单" in messages[7] and "抄表日期" in messages[8]
    assert "数字" in messages[9] and "翻转" in messages[10] and "已有读数" in messages[12]
    assert batch.excluded_rows == [3, 4, 5, 6, 7, 8, 9, 10, 12] and batch.valid_rows == 1
    with pytest.raises(ServiceError):
        import_commit(batch=batch, actor=reader)  # all or nothing by default
    assert MeterReading.objects.count() == 1
    import_commit(batch=batch, actor=reader, valid_only=True)
    assert list(MeterReading.objects.filter(meter=meter).values_list("value", flat=True)) == [
        Decimal("111.000"),
        Decimal("100.000"),
    ]


def test_fe1_rows_of_one_meter_are_taken_in_date_order_and_the_check_list_applies(meter, reader):
    batch = upload(
        meter,
        reader,
        [
            ["W-101", "水表", "2026-11-20", "100", "", ""],  # zero in an occupied home → check
            ["W-101", "水表", "2026-11-10", "100", "", ""],  # earlier: taken first, also zero
            ["W-101", "水表", "2026-11-25", "3", "是", ""],  # replaced: usage = 3
        ],
    )
    assert batch.error_count == 0
    assert batch.summary["counts"] == {"readings": 3, "check": 2, "replaced": 1}
    import_commit(batch=batch, actor=reader)
    statuses = dict(MeterReading.objects.filter(meter=meter).values_list("read_on", "status"))
    assert statuses[dt.date(2026, 11, 10)] == ReadingStatus.CHECK
    assert statuses[dt.date(2026, 11, 25)] == ReadingStatus.OK
    meter.refresh_from_db()
    assert meter.installed_on == dt.date(2026, 11, 25)


def test_fe1_a_meter_read_after_the_check_makes_the_file_be_checked_again(meter, reader):
    batch = upload(meter, reader, [["W-101", "水表", "2026-11-25", "107", "", ""]])
    reading_record(meter=meter, read_on=dt.date(2026, 11, 26), value="108", source="staff", actor=reader)
    with pytest.raises(ServiceError):
        import_commit(batch=batch, actor=reader)
    batch.refresh_from_db()
    assert batch.error_count == 1 and "不能录入更早的读数" in errors_of(batch)[0][2]
    assert MeterReading.objects.filter(source=ReadingSource.IMPORT).count() == 0


def test_fe1_a_file_without_the_header_or_its_columns_is_refused(meter, reader):
    batch = upload(meter, reader, [["x", "y"]], head=["房号", "金额"])
    assert batch.summary["fatal"] and errors_of(batch)[0][0] is None and "没有找到表头" in errors_of(batch)[0][2]
    batch = upload(meter, reader, [["W-101", "9"]], head=["表号", "金额"])
    assert batch.summary["fatal"] and errors_of(batch) == [(2, "", "缺少列：表计类型、抄表日期、读数")]
    with pytest.raises(ServiceError):
        import_commit(batch=batch, actor=reader, valid_only=True)
    assert not MeterReading.objects.filter(source=ReadingSource.IMPORT).exists()


def test_fe1_the_import_page_template_and_permission(client, meter, reader):
    login(client, reader, meter.community)
    page = client.get(reverse("billing:readings_import"))
    assert page.status_code == 200 and "抄表读数" in page.content.decode()
    template = client.get(reverse("billing:readings_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    response = client.post(reverse("billing:readings_import"), {"file": xlsx([["W-101", "水表", "2026-11-25", "107"]])})
    assert response.status_code == 302 and "/imports/" in response.url
    guard = staff("front_desk", meter.community)  # sees fees, reads no meters
    login(client, guard, meter.community)
    assert client.get(reverse("billing:readings_import")).status_code == 403
