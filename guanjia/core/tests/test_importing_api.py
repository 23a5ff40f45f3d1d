"""core's importer through the API (api/imports/): upload → state with counts → problems paginated →
all-or-nothing or valid-only commit, committing twice commits once; the kind's permission (403),
another community's or someone else's private batch (404), an unknown kind (400 naming the field),
and a query budget for the problems constant in the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.importing import kinds
from guanjia.core.importing.models import ImportBatch
from guanjia.core.models import ActivityLog, Holiday
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.test_importing import GOOD, MIXED, NOW, TOY, toy, xlsx

pytestmark = pytest.mark.django_db

URL = "/api/imports/"


@pytest.fixture(autouse=True)
def toy_kind():
    kinds.register(toy())
    yield
    kinds.unregister(TOY)


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post_file(client, community, rows, kind=TOY, **extra):
    return client.post(URL, {"kind": kind, "community": community.pk, "file": xlsx(rows)}, format="multipart", **extra)


def test_upload_shows_counts_and_commit_writes_once(community, manager):
    client = api(manager)
    response = post_file(client, community, GOOD)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["state"], data["progress"], data["rows"], data["valid"], data["bad"]) == ("previewed", 100, 2, 2, 0)
    assert data["kind"] == TOY and data["kind_title"] == "节假日" and data["counts"] == {"days": 2}
    assert not Holiday.objects.exists()  # nothing before the confirmation
    status = client.get(f"{URL}{data['id']}/").json()
    assert status["state"] == "previewed" and status["problems"] == 0
    done = client.post(f"{URL}{data['id']}/commit/", {"mode": "all"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["state"] == "committed" and done.json()["result"] == {"days": 2}
    again = client.post(f"{URL}{data['id']}/commit/", {}, format="json")  # a retry: the same answer
    assert again.status_code == 200 and again.json()["state"] == "committed"
    assert Holiday.objects.count() == 2
    assert ActivityLog.objects.filter(verb="core.import.committed").count() == 1


def test_problems_are_paginated_and_valid_only_is_an_explicit_choice(community, manager):
    client = api(manager)
    batch = post_file(client, community, MIXED).json()
    assert (batch["rows"], batch["valid"], batch["bad"], batch["problems"]) == (4, 1, 3, 3)
    page = client.get(f"{URL}{batch['id']}/bad-rows/", {"page_size": 2}).json()
    assert page["count"] == 3 and page["results"][0] == {"row": 3, "column": "日期", "reason": "日期：“明天”不是日期"}
    assert "110105194912310021" not in str(client.get(f"{URL}{batch['id']}/bad-rows/").json())  # LW-1
    refused = client.post(f"{URL}{batch['id']}/commit/", {"mode": "all"}, format="json")
    assert (
        refused.status_code == 400 and refused.json()["code"] == "has_errors" and "3 处问题" in refused.json()["detail"]
    )
    changed = client.post(f"{URL}{batch['id']}/commit/", {"mode": "valid_only", "left_out": 2}, format="json")
    assert changed.status_code == 409 and not Holiday.objects.exists()
    done = client.post(f"{URL}{batch['id']}/commit/", {"mode": "valid_only", "left_out": 3}, format="json")
    assert done.status_code == 200 and done.json()["result"]["left_out"] == 3 and done.json()["mode"] == "valid_only"
    assert list(Holiday.objects.values_list("name", flat=True)) == ["元旦"]
    other_mode = client.post(f"{URL}{batch['id']}/commit/", {"mode": "all"}, format="json")
    assert other_mode.status_code == 409 and Holiday.objects.count() == 1


def test_commit_with_an_idempotency_key_replays(community, manager):
    client = api(manager)
    batch = post_file(client, community, GOOD).json()
    first = client.post(f"{URL}{batch['id']}/commit/", {"mode": "all"}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    second = client.post(f"{URL}{batch['id']}/commit/", {"mode": "all"}, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert first.status_code == second.status_code == 200 and second["Idempotent-Replayed"] == "true"
    assert Holiday.objects.count() == 2


def test_unknown_kind_bad_file_and_validation_name_the_field(community, manager):
    client = api(manager)
    unknown = post_file(client, community, GOOD, kind="nope.nothing")
    assert unknown.status_code == 400 and unknown.json()["field"] == "kind"
    assert unknown.json()["detail"].startswith("导入内容：没有这种导入类型")
    missing = client.post(URL, {"kind": TOY, "community": community.pk}, format="multipart")
    assert (
        missing.status_code == 400
        and missing.json()["field"] == "file"
        and missing.json()["detail"].startswith("文件：")
    )
    book = client.post(
        URL, {"kind": TOY, "community": community.pk, "file": xlsx(GOOD, name="a.xls")}, format="multipart"
    )
    assert book.status_code == 400 and book.json()["field"] == "file" and book.json()["detail"].startswith("文件：")
    bad_mode = client.post(f"{URL}{post_file(client, community, GOOD).json()['id']}/commit/", {"mode": "x"})
    assert bad_mode.status_code == 400 and bad_mode.json()["detail"].startswith("导入方式：")
    assert not ImportBatch.objects.filter(status="committed").exists()


def test_a_kind_imported_into_an_object_is_uploaded_from_its_page(community, manager):
    kinds.register(toy(allow=lambda subject, actor: None))
    refused = post_file(api(manager), community, GOOD)
    assert refused.status_code == 400 and refused.json()["field"] == "kind"


def test_permission_of_the_kind_and_scope(community, manager):
    batch = post_file(api(manager), community, GOOD).json()
    urls = [f"{URL}{batch['id']}/", f"{URL}{batch['id']}/bad-rows/"]
    desk = api(staff("front_desk", community))  # staff of the community, may not edit the calendar
    assert {desk.get(url).status_code for url in urls} == {403}
    assert desk.post(f"{URL}{batch['id']}/commit/", {}, format="json").status_code == 403
    assert post_file(desk, community, GOOD).status_code == 403
    other = CommunityFactory()
    elsewhere = api(staff("office_manager", other))
    assert {elsewhere.get(url).status_code for url in urls} == {404}
    assert elsewhere.post(f"{URL}{batch['id']}/commit/", {}, format="json").status_code == 404
    upload_there = post_file(elsewhere, community, GOOD)  # a community outside his scope: not found
    assert upload_there.status_code == 404
    assert not Holiday.objects.exists()
    assert APIClient().get(urls[0]).status_code == 401


def test_a_private_kinds_batch_is_not_found_by_anyone_else(community, manager):
    kinds.register(toy(private=True))
    batch = post_file(api(manager), community, GOOD).json()
    colleague = api(staff("office_manager", community))
    assert colleague.get(f"{URL}{batch['id']}/").status_code == 404
    assert colleague.post(f"{URL}{batch['id']}/commit/", {}, format="json").status_code == 404
    assert api(manager).get(f"{URL}{batch['id']}/").status_code == 200


def test_problems_page_query_budget_is_constant_in_page_size(community, manager):
    client = api(manager)
    rows = [["日期", "节日"]] + [[f"x{i}", "坏"] for i in range(30)]
    batch = post_file(client, community, rows).json()
    counts = []
    for size in (2, 25):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"{URL}{batch['id']}/bad-rows/", {"page_size": size})
        assert len(page.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[0] <= 8, counts
