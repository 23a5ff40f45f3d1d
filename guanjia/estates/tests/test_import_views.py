"""The import wizard in the console: template, upload, preview, confirm, result; scoping."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from guanjia.core.importing.models import ImportBatch
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.models import Room
from guanjia.estates.tests.test_import import MESSY_ROOMS, import_preview, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


def test_template_has_headers_example_and_instructions(client, community, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("estates:import_template", args=["rooms"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["房屋编号*", "类型", "楼层", "建筑面积"]
    assert "证件号码" in headers and "产权份额" in headers
    assert sheet["A1"].font.bold
    assert sheet["A2"].value == "3-2-1201"
    notes = workbook["填写说明"]
    allowed = {row[0].value: row[3].value for row in notes.iter_rows(min_row=2) if row[0].value}
    assert "已入伙" in allowed["交付状态"]
    # The unmodified template imports nothing and reports nothing: the example row is skipped.
    batch = import_preview(
        community=community,
        actor=supervisor,
        kind="rooms",
        file=xlsx([[c.value for c in row] for row in sheet.iter_rows()]),
    )
    assert batch.errors == [] and batch.total_rows == 0


def test_wizard_upload_preview_confirm(client, community, supervisor):
    client.force_login(supervisor)
    start = client.get(reverse("estates:import_start"))
    assert start.status_code == 200
    assert "下载“房屋及业主”模板" in start.content.decode()

    response = client.post(reverse("estates:import_start"), {"kind": "rooms", "file": xlsx(MESSY_ROOMS)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("core:import_batch", args=[batch.pk])

    page = client.get(response.url).content.decode()
    assert "3-2-1201" in page and "张三" in page and "confirm-import" in page
    assert "import-errors" not in page
    assert Room.objects.count() == 0

    done = client.post(reverse("core:import_commit", args=[batch.pk]), follow=True)
    assert "导入完成" in done.content.decode()
    assert Room.objects.filter(community=community).count() == 4
    batch.refresh_from_db()
    assert batch.status == "committed"
    # Confirming again changes nothing.
    again = client.post(reverse("core:import_commit", args=[batch.pk]), follow=True)
    assert "不能" in again.content.decode()
    assert Room.objects.filter(community=community).count() == 4


def test_preview_lists_bad_rows_without_confirm_button(client, supervisor):
    client.force_login(supervisor)
    rows = [["标题"], ["房屋编号", "建筑面积", "业主姓名", "取得日期"], ["1-1-101", "很大", "张三", "2020-1-1"]]
    client.post(reverse("estates:import_start"), {"kind": "rooms", "file": xlsx(rows)})
    batch = ImportBatch.objects.get()
    page = client.get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    assert "import-errors" in page
    assert '<td class="num">3</td><td class="nowrap">建筑面积</td>' in page
    assert "confirm-import" not in page
    client.post(reverse("core:import_commit", args=[batch.pk]))
    assert Room.objects.count() == 0


def test_upload_error_shown_beside_form(client, supervisor):
    client.force_login(supervisor)
    response = client.post(reverse("estates:import_start"), {"kind": "rooms", "file": xlsx([["a"]], name="a.csv")})
    assert response.status_code == 400
    assert "xlsx" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_front_desk_refused(client, community):
    client.force_login(staff("front_desk", community))
    assert client.get(reverse("estates:import_start")).status_code == 403
    assert client.get(reverse("estates:import_template", args=["rooms"])).status_code == 403


def test_other_community_batch_is_not_found(client, community, supervisor):
    other = CommunityFactory()
    theirs = import_preview(community=other, actor=staff("cs_supervisor", other), kind="rooms", file=xlsx(MESSY_ROOMS))
    client.force_login(supervisor)
    assert client.get(reverse("core:import_batch", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("core:import_commit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("core:import_status", args=[theirs.pk])).status_code == 404
    assert Room.objects.count() == 0


def test_queued_batch_polls_until_done(client, community, supervisor):
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(MESSY_ROOMS))
    ImportBatch.objects.filter(pk=batch.pk).update(status="queued")
    client.force_login(supervisor)
    page = client.get(reverse("core:import_batch", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'id="confirm-import"' not in page
    poll = client.get(reverse("core:import_status", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert "导入中" in poll.content.decode() and "import-progress-bar" in poll.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(status="committed")
    done = client.get(reverse("core:import_status", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_batch_list_query_budget(client, community, supervisor, django_assert_max_num_queries):
    for _ in range(5):
        import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(MESSY_ROOMS))
    client.force_login(supervisor)
    client.get(reverse("estates:import_start"))  # warm the session and content types
    with django_assert_max_num_queries(12):
        response = client.get(reverse("estates:import_start"))
    assert response.content.decode().count("register.xlsx") == 5


def test_bad_rows_download_view_scoped_and_only_when_there_are_bad_rows(client, community, supervisor):
    """DESIGN §15 / LW-1: the bad rows of one's own batch only; another community's batch is not found."""
    rows = [["标题"], ["房屋编号", "建筑面积", "业主姓名"], ["1-1-101", "很大", "张三"], ["1-1-102", 90, "李四"]]
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(rows))
    clean = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(MESSY_ROOMS))
    other = CommunityFactory()
    theirs = import_preview(
        community=other, actor=staff("cs_supervisor", other), kind="rooms", file=xlsx(rows, name="theirs.xlsx")
    )
    client.force_login(supervisor)
    response = client.get(reverse("core:import_bad_rows", args=[batch.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("房屋编号", "建筑面积", "业主姓名", "行号", "原因")
    assert values[1][:4] == ("1-1-101", "很大", "张三", 3) and "不是有效的面积" in values[1][4]
    assert len(values) == 2
    assert client.get(reverse("core:import_bad_rows", args=[clean.pk])).status_code == 404
    assert client.get(reverse("core:import_bad_rows", args=[theirs.pk])).status_code == 404


def test_start_page_offers_both_template_layouts(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("estates:import_start")).content.decode()
    assert "?layout=split" in page and "楼栋、单元、房号分列" in page
