"""What a file may hold (issue 10): rows, columns, cells and its unpacked size are capped, each
refused with the limit named; and the upload never reads the rows in the web request."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing import kinds
from guanjia.core.importing.models import ImportBatch
from guanjia.core.importing.services import import_queue, import_upload
from guanjia.core.importing.xlsx import open_workbook
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.test_importing import GOOD, NOW, TOY, toy, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def toy_kind():
    kinds.register(toy())
    yield
    kinds.unregister(TOY)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


def workbook_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refused_file(batch) -> str:
    """The one file-level problem of a checked batch (nothing of it can be committed)."""
    assert batch.status == "previewed" and batch.fatal and batch.error_count == 1
    (error,) = batch.errors
    assert error["row"] is None
    return error["message"]


def test_rows_over_the_limit_are_refused_naming_it(community, manager, settings):
    settings.IMPORT_LIMITS = {"rows": 3}
    assert upload(community, manager, GOOD).status == "previewed"  # 3 rows: at the limit
    batch = upload(community, manager, GOOD + [GOOD[1]])
    assert refused_file(batch) == "文件：超过 3 行的上限，请分成几个文件上传。"
    with pytest.raises(ServiceError):
        import_queue(batch=batch, actor=manager)


def test_columns_over_the_limit_are_refused_naming_the_row(community, manager, settings):
    settings.IMPORT_LIMITS = {"columns": 4}
    wide = [GOOD[0], GOOD[1], [*GOOD[2], None, None, "第五列"]]
    assert refused_file(upload(community, manager, wide)) == "文件：第 3 行超过 4 列的上限，请删去多余的列后重新上传。"
    assert upload(community, manager, [GOOD[0], GOOD[1], [*GOOD[2], None, "第四列"]]).status == "previewed"


def test_cells_over_the_limit_are_refused(community, manager, settings):
    settings.IMPORT_LIMITS = {"cells": 5}
    assert (
        refused_file(upload(community, manager, GOOD + [GOOD[1]]))
        == "文件：超过 5 个单元格的上限，请分成几个文件上传。"
    )


def test_a_zip_bomb_is_refused_at_the_upload_before_anything_is_unpacked(community, manager, settings, monkeypatch):
    settings.IMPORT_LIMITS = {"unpacked_bytes": 2 * 2**20}
    buffer = io.BytesIO(workbook_bytes(GOOD))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/media/padding.bin", b"\0" * (3 * 2**20))  # 3 MB of zeros: a few KB packed
    content = buffer.getvalue()
    assert len(content) < 50_000

    def never(*args, **kwargs):
        raise AssertionError("a part was unpacked")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    with pytest.raises(ServiceError) as refused, clock.frozen(NOW):
        import_upload(kind=TOY, community=community, actor=manager, file=SimpleUploadedFile("炸弹.xlsx", content))
    assert refused.value.code == "too_large" and refused.value.field == "file"
    assert str(refused.value.message) == "文件：解压后超过 2MB 的上限（.xlsx 是压缩文件），请分成几个文件上传。"
    assert not ImportBatch.objects.exists()


def test_a_sheet_that_unpacks_past_the_limit_is_refused(settings):
    settings.IMPORT_LIMITS = {"unpacked_bytes": 20_000}
    rows = [["日期", "节日"]] + [["2031-01-01", "一个很长的节日名称" * 5]] * 200
    with pytest.raises(ServiceError, match="解压后超过 19KB 的上限"):
        open_workbook(io.BytesIO(workbook_bytes(rows)))


def test_the_upload_only_stores_the_file_and_queues_the_check(client, community, manager, settings):
    """Issue 10: a web worker never reads the rows; the page then shows the check's progress."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    read = []

    def counting(check):
        read.append(check.batch.pk)
        return toy().check(check)

    kinds.register(toy(check=counting))
    batch = upload(community, manager, GOOD)
    assert batch.status == "checking" and batch.progress == 0 and not read and not batch.row_errors.exists()
    client.force_login(manager)
    html = client.get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    assert 'id="import-progress-bar"' in html and 'hx-trigger="every 1s"' in html
    # The worker picks the job up and reports its progress; the polled fragment follows it.
    ImportBatch.objects.filter(pk=batch.pk).update(progress=42)
    poll = client.get(reverse("core:import_status", args=[batch.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'value="42"' in poll and 'hx-trigger="every 1s"' in poll
    from guanjia.core.importing.tasks import check_batch

    with clock.frozen(NOW):
        check_batch.call(batch.pk)
    assert read == [batch.pk] and ImportBatch.objects.get(pk=batch.pk).status == "previewed"
    done = client.get(reverse("core:import_status", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
