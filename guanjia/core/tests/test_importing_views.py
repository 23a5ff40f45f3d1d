"""The batch pages of core's importer: progress while checked, the preview, confirm, bad rows;
the permission of the batch's kind, another community's or someone else's private batch a 404,
and a query budget constant in the number of problems."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanjia.core.importing import kinds
from guanjia.core.importing.models import ImportBatch
from guanjia.core.models import Holiday
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.test_importing import GOOD, MIXED, TOY, toy, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def toy_kind():
    kinds.register(toy(start_url=lambda batch: reverse("core:calendar")))
    yield
    kinds.unregister(TOY)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


def page(client, batch, **params):
    return client.get(reverse("core:import_batch", args=[batch.pk]), params).content.decode()


def test_a_batch_being_checked_shows_progress_and_polls_until_done(client, community, manager):
    batch = upload(community, manager, GOOD)
    ImportBatch.objects.filter(pk=batch.pk).update(status="checking", progress=37)
    client.force_login(manager)
    html = page(client, batch)
    assert 'id="import-progress-bar"' in html and 'value="37"' in html and 'hx-trigger="every 1s"' in html
    assert 'id="confirm-import"' not in html and 'id="import-counts"' not in html
    poll = client.get(reverse("core:import_status", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "37%" in poll.content.decode()
    ImportBatch.objects.filter(pk=batch.pk).update(status="previewed", progress=100)
    done = client.get(reverse("core:import_status", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_preview_confirm_and_result(client, community, manager):
    batch = upload(community, manager, GOOD)
    client.force_login(manager)
    html = page(client, batch)
    assert 'id="confirm-import"' in html and "确认导入（2 行）" in html and 'id="import-errors"' not in html
    assert reverse("core:calendar") in html  # the kind's page to upload again
    done = client.post(reverse("core:import_commit", args=[batch.pk]), follow=True).content.decode()
    assert "导入完成" in done and 'id="import-result"' in done and Holiday.objects.count() == 2
    again = client.post(reverse("core:import_commit", args=[batch.pk]), follow=True).content.decode()
    assert "不能导入" in again and Holiday.objects.count() == 2


def test_problems_listed_with_row_and_column_and_the_valid_only_choice(client, community, manager):
    batch = upload(community, manager, MIXED)
    client.force_login(manager)
    html = page(client, batch)
    assert '<td class="num">3</td><td class="nowrap">日期</td>' in html
    assert 'id="download-bad-rows"' in html and 'id="confirm-valid-only"' in html and 'id="confirm-import"' not in html
    url = reverse("core:import_commit", args=[batch.pk])
    client.post(url)  # the plain confirm: all or nothing
    unticked = client.post(url, {"mode": "valid_only", "left_out": 3}, follow=True).content.decode()
    assert "请先勾选确认" in unticked and not Holiday.objects.exists()
    done = client.post(url, {"mode": "valid_only", "left_out": 3, "confirm": "on"}, follow=True).content.decode()
    assert 'id="import-left-out"' in done and "3 行有问题，未导入" in done
    assert list(Holiday.objects.values_list("name", flat=True)) == ["元旦"]
    download = client.get(reverse("core:import_bad_rows", args=[batch.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]


def test_the_page_needs_the_kinds_permission_and_the_batch_in_scope(client, community, manager):
    batch = upload(community, manager, GOOD)
    urls = [
        reverse("core:import_batch", args=[batch.pk]),
        reverse("core:import_status", args=[batch.pk]),
        reverse("core:import_bad_rows", args=[batch.pk]),
    ]
    client.force_login(staff("front_desk", community))  # may not edit the calendar
    assert {client.get(url).status_code for url in urls} == {403}
    assert client.post(reverse("core:import_commit", args=[batch.pk])).status_code == 403
    other = CommunityFactory()
    client.force_login(staff("office_manager", other))
    assert {client.get(url).status_code for url in urls} == {404}
    assert client.post(reverse("core:import_commit", args=[batch.pk])).status_code == 404
    assert client.get(reverse("core:import_batch", args=[batch.pk + 1000])).status_code == 404
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the sign-in page
    assert not Holiday.objects.exists()


def test_a_private_kinds_batch_is_not_found_by_anyone_else(client, community, manager):
    kinds.register(toy(private=True))
    batch = upload(community, manager, GOOD)
    client.force_login(staff("office_manager", community))
    assert client.get(reverse("core:import_batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("core:import_commit", args=[batch.pk])).status_code == 404
    client.force_login(manager)
    assert client.get(reverse("core:import_batch", args=[batch.pk])).status_code == 200


def test_a_link_from_the_inbox_opens_the_batch_in_its_community(client, community, manager):
    batch = upload(community, manager, GOOD)
    elsewhere = CommunityFactory()
    company_admin = staff("company_admin")
    client.force_login(company_admin)
    client.post(reverse("core:switch_community"), {"community": elsewhere.pk, "next": "/console/"})
    assert client.get(reverse("core:import_batch", args=[batch.pk])).status_code == 404
    linked = client.get(reverse("core:import_batch", args=[batch.pk]), {"community": community.pk})
    assert linked.status_code == 200


def test_batch_page_queries_do_not_grow_with_problems(client, community, manager):
    def rows(n):
        return [["日期", "节日"]] + [[f"第{i}天", "日"] for i in range(n)]

    few, many = upload(community, manager, rows(3)), upload(community, manager, rows(250))
    assert many.error_count == 250
    client.force_login(manager)
    page(client, few)  # warm the session and content types
    counted = []
    for batch in (few, many):
        with CaptureQueriesContext(connection) as queries:
            html = page(client, batch)
        counted.append(len(queries))
    assert counted[0] == counted[1]
    assert html.count('<span class="badge red">不导入</span>') == 100  # one page of problems
    assert "第 1 / 3 页" in html
