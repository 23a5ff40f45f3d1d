"""The equipment ledger from Excel (FM-1) on core's importer: good rows become devices with their FM-1
inspection deadlines; every bad row is reported with its row number and column (type, building and
contractor must exist, a code not twice in the file nor already in the ledger, the console's rules);
all-or-nothing or valid-only; a code taken after the check makes the file be checked again; the check
reads in a fixed number of queries whatever the file's length; the import page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing.services import import_commit, import_upload
from guanjia.core.models import Deadline
from guanjia.core.tests.factories import CommunityFactory, at, login, staff
from guanjia.estates.tests.factories import BuildingFactory

from .. import importing, services
from ..models import Device
from .factories import make_device

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
HEAD = list(importing.COLUMNS)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def community():
    community = CommunityFactory()
    BuildingFactory(community=community, code="1", name="1幢")
    return community


@pytest.fixture
def supervisor(community):
    return staff("equipment_supervisor", community)


@pytest.fixture
def contractor(community, supervisor):
    return services.contractor_create(community=community, actor=supervisor, name="通达电梯", licence_no="TS-1")


def row(code, name="生活水泵", kind="生活水泵", building="", place="水泵房", **cells):
    values = dict.fromkeys(importing.COLUMNS.values(), "")
    values.update(code=code, name=name, type=kind, building=building, place=place, **cells)
    return [values[key] for key in importing.COLUMNS.values()]


def xlsx(rows, head=HEAD) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["设备台账（2026年）"])  # a title row above the header
    ws.append(head)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("设备台账.xlsx", buffer.getvalue())


def upload(community, actor, rows, **kw):
    return import_upload(kind=importing.KIND, community=community, actor=actor, file=xlsx(rows, **kw))


def errors_of(batch) -> list[tuple]:
    return sorted((e.row, e.column, e.message) for e in batch.row_errors.filter(warning=False))


def test_fm1_import_writes_devices_and_their_inspection_deadlines(community, supervisor, contractor):
    rows = [
        row(
            "DT-01",
            "1号客梯",
            "客梯",
            "1幢",
            "1号电梯井",
            contractor="通达电梯",
            importance="A",
            registration_no="梯11沪A01",
            next_inspection_on="2027-03-01",
            value="380000",
        ),
        row("SB-01", building="1", floor="B1", commissioned_on="2020-05-01"),
    ]
    batch = upload(community, supervisor, rows)
    assert batch.status == "previewed" and batch.error_count == 0 and batch.valid_rows == 2
    import_commit(batch=batch, actor=supervisor)
    batch.refresh_from_db()
    assert batch.status == "committed" and batch.result == {"devices": 2, "inspections": 1}
    lift = Device.objects.get(community=community, code="DT-01")
    assert lift.type.name == "客梯" and lift.contractor == contractor and lift.maintainer == "contractor"
    assert lift.building.code == "1" and str(lift.value) == "380000.00" and lift.importance == "A"
    pump = Device.objects.get(code="SB-01")
    assert pump.maintainer == "in_house" and pump.importance == "B" and pump.floor == "B1"
    [deadline] = Deadline.objects.filter(rule="FM-1").pending()
    assert deadline.subject == lift and deadline.due_at == at(2027, 3, 2, 0, 0)


def test_fm1_every_bad_row_with_its_row_number_and_column(community, supervisor, contractor):
    make_device(community, supervisor, code="OLD-1")
    rows = [
        row("A-1"),  # row 3: good
        row("A-1"),  # row 4: twice in the file
        row("OLD-1"),  # row 5: in the ledger already
        row("A-3", kind="飞船"),  # row 6: no such type
        row("A-4", building="9幢"),  # row 7: no such building
        row("A-5", contractor="无名公司"),  # row 8: no such contractor
        row("A-6", importance="D"),  # row 9
        row("A-7", commissioned_on="明天"),  # row 10: not a date
        row("A-8", commissioned_on="2027-01-01"),  # row 11: the console's rule
        row("A-9", kind="客梯"),  # row 12: special equipment without registration
        row("A-10", place=""),  # row 13: required
        row("A-11", value="-5"),  # row 14
    ]
    batch = upload(community, supervisor, rows)
    found = errors_of(batch)
    assert [r for r, _c, _m in found] == list(range(4, 15))
    columns = {r: c for r, c, _m in found}
    assert columns == {
        4: "设备编号",
        5: "设备编号",
        6: "设备类型",
        7: "楼栋",
        8: "维保单位",
        9: "重要程度",
        10: "启用日期",
        11: "启用日期",
        12: "使用登记证号",
        13: "位置",
        14: "原值",
    }
    messages = {r: m for r, _c, m in found}
    assert "第 3 行重复" in messages[4] and "OLD-1" in messages[5] and "飞船" in messages[6]
    assert "9幢" in messages[7] and "无名公司" in messages[8] and "不能晚于今天" in messages[11]
    assert batch.valid_rows == 1
    with pytest.raises(ServiceError):
        import_commit(batch=batch, actor=supervisor)  # all or nothing by default
    assert not Device.objects.filter(code="A-1").exists()
    import_commit(batch=batch, actor=supervisor, valid_only=True)
    assert Device.objects.filter(code="A-1").exists()


def test_fm1_a_code_taken_after_the_check_makes_the_file_be_checked_again(community, supervisor):
    batch = upload(community, supervisor, [row("X-1")])
    make_device(community, supervisor, code="X-1")
    with pytest.raises(ServiceError):
        import_commit(batch=batch, actor=supervisor)
    assert Device.objects.filter(code="X-1").count() == 1


def test_fm1_the_check_reads_in_a_fixed_number_of_queries(community, supervisor, contractor):
    def queries(n):
        rows = [row(f"Q{n}-{i}", contractor="通达电梯", building="1幢") for i in range(n)]
        file = xlsx(rows)
        with CaptureQueriesContext(connection) as captured:
            import_upload(kind=importing.KIND, community=community, actor=supervisor, file=file)
        return len(captured.captured_queries)

    assert queries(5) == queries(60)


def test_fm1_a_file_without_the_header_is_refused(community, supervisor):
    batch = upload(community, supervisor, [["x", "y"]], head=["甲", "乙"])
    assert batch.row_errors.filter(row__isnull=True).exists()
    batch = upload(community, supervisor, [["A", "B"]], head=["设备编号", "设备名称"])
    assert "缺少列" in batch.row_errors.first().message


def test_fm1_the_import_page_template_and_permission(client, community, supervisor):
    login(client, supervisor, community)
    page = client.get(reverse("facilities:import"))
    assert page.status_code == 200 and "导入设备台账" in page.content.decode()
    template = client.get(reverse("facilities:import_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    response = client.post(reverse("facilities:import"), {"file": xlsx([row("P-1")])})
    assert response.status_code == 302 and "/imports/" in response.url
    batch_page = client.get(response.url)
    assert batch_page.status_code == 200 and "P-1" in batch_page.content.decode()
    login(client, staff("technician", community), community)
    assert client.get(reverse("facilities:import")).status_code == 403
