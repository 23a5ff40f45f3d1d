"""The register import in Chromium (issues 8 and 9): upload a real office's register, read the
preview's errors; a batch still being checked shows its progress and turns into the preview.

Saves var/screenshots/import_preview_errors.png and import_preview_progress.png.
"""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.importing.models import ImportBatch
from guanjia.core.importing.services import import_check
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.importing import ROOMS
from guanjia.estates.models import Room
from guanjia.estates.tests.test_import_office import BAD_ROWS, GOOD_ROWS, ID_1975, ID_WU_BAD, OFFICE_ROWS, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"
NOW = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def supervisor():
    community = CommunityFactory(name="翠苑小区")
    user = staff("cs_supervisor", community, username="kefu")
    user.first_name = "李客服"
    user.save()
    return user


def sign_in(page, live_server):
    page.goto(live_server.url + reverse("core:login"))
    page.fill("#id_username", "kefu")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def test_import_preview_with_errors(page, live_server, supervisor, shot, tmp_path):
    """PR-2/LW-1: every bad row listed with its reason and 不导入, IDs masked; the download and the
    separate valid-only confirm offered; the plain confirm withheld; nothing written."""
    path = tmp_path / "翠苑小区权籍清册.xlsx"
    path.write_bytes(workbook(OFFICE_ROWS).read())
    with clock.frozen(NOW, all_threads=True):
        sign_in(page, live_server)
        page.goto(live_server.url + reverse("estates:import_start"))
        page.check("input[name=kind][value=rooms]")
        page.set_input_files("input[name=file]", str(path))
        page.click("button[type=submit].primary")
        page.wait_for_selector("#import-errors")

        batch = ImportBatch.objects.get()
        assert page.url.endswith(reverse("core:import_batch", args=[batch.pk]))
        rows = page.locator("#import-errors tbody tr")
        numbers = sorted({int(rows.nth(i).locator("td").first.inner_text()) for i in range(rows.count())})
        assert numbers == BAD_ROWS
        table = page.locator("#import-errors").inner_text()
        assert "为负数" in table and "与第 9 行房号重复" in table and "校验码" in table and "两种理解" in table
        badges = page.locator("#import-errors tbody .badge.red")
        assert badges.count() == rows.count() and set(badges.all_inner_texts()) == {"不导入"}
        body = page.locator("main, body").first.inner_text()
        assert ID_WU_BAD not in body and ID_1975 not in body
        assert "表头在第 3 行" in body
        sample = page.locator("#import-sample tbody tr")
        assert [int(sample.nth(i).locator("td").first.inner_text()) for i in range(sample.count())] == GOOD_ROWS
        assert page.locator("#download-bad-rows").is_visible()
        assert page.locator("#confirm-valid-only").is_visible()
        assert page.locator("#confirm-import").count() == 0
        shot(page, "import_preview_errors")
    assert Room.objects.count() == 0


def test_a_batch_being_checked_shows_its_progress_then_its_preview(page, live_server, supervisor, shot):
    """DESIGN §15: the check runs in the background (here: not yet run); the page shows a progress
    bar, polls the status endpoint, and shows the preview by itself once the check is done."""
    community = supervisor.memberships.get().community
    batch = ImportBatch(community=community, kind=ROOMS, filename="翠苑小区权籍清册.xlsx", created_by=supervisor)
    batch.file.save("waiting.xlsx", workbook(OFFICE_ROWS), save=False)
    batch.progress = 40
    batch.save()
    with clock.frozen(NOW, all_threads=True):
        sign_in(page, live_server)
        page.goto(live_server.url + reverse("core:import_batch", args=[batch.pk]))
        bar = page.locator("#import-progress-bar")
        assert bar.get_attribute("value") == "40"
        assert page.locator("#confirm-import").count() == 0 and page.locator("#import-errors").count() == 0
        shot(page, "import_preview_progress")
        import_check(batch=batch)  # what the worker does
        page.wait_for_selector("#import-errors")  # the poll saw it done and reloaded the page
        assert page.locator("#import-progress").count() == 0
        assert page.locator("#confirm-valid-only").is_visible()
    assert Room.objects.count() == 0
