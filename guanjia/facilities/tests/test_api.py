"""The ledger's API (FM-1): list with filters (query budget constant in the page size), detail, create
and update through the services (their refusals as 400/409 with the field), records sub-list and add
(an inspection moves the FM-1 deadline); another community's device is a 404, a technician reads but
cannot write; the OpenAPI schema lists the endpoints."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.models import Deadline
from guanjia.core.tests.factories import CommunityFactory, at, staff

from ..models import Device
from .factories import device_type, make_device, make_lift

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
URL = "/api/facilities/devices/"


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("equipment_supervisor", community)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_fm1_api_list_filters_and_query_budget(community, supervisor, django_assert_max_num_queries):
    lift = make_lift(community, supervisor, next_inspection_on=dt.date(2026, 12, 1))
    pump = make_device(community, supervisor, importance="C")
    make_device(CommunityFactory())  # another office's
    client = api(staff("technician", community))
    with django_assert_max_num_queries(20) as few:
        listed = client.get(URL)
    assert listed.status_code == 200 and {d["id"] for d in listed.data["results"]} == {lift.pk, pump.pk}
    for _i in range(20):
        make_device(community, supervisor)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).data["count"] == 22
    assert [d["id"] for d in client.get(URL, {"due": "true"}).data["results"]] == [lift.pk]
    assert [d["id"] for d in client.get(URL, {"type": device_type("lift").pk}).data["results"]] == [lift.pk]
    assert [d["id"] for d in client.get(URL, {"importance": "C"}).data["results"]] == [pump.pk]
    assert client.get(URL, {"importance": "Z"}).status_code == 400
    detail = client.get(f"{URL}{lift.pk}/")
    assert detail.data["type_name"] == "客梯" and detail.data["next_inspection_on"] == "2026-12-01"


def test_fm1_api_create_update_and_scoping(community, supervisor):
    client = api(supervisor)
    data = {
        "community": community.pk,
        "code": "XF-01",
        "name": "消防水泵",
        "type": device_type("fire-pump").pk,
        "place": "消防泵房",
        "value": "48000.00",
    }
    created = client.post(URL, data, format="json")
    assert created.status_code == 201 and created.data["value"] == "48000.00"
    again = client.post(URL, data, format="json")
    assert again.status_code == 409 and again.data["field"] == "code"
    lift = client.post(URL, {**data, "code": "DT-1", "type": device_type("lift-passenger").pk}, format="json")
    assert lift.status_code == 400 and lift.data["field"] == "registration_no"
    pk = created.data["id"]
    changed = client.patch(f"{URL}{pk}/", {"next_inspection_on": "2027-05-01", "brand": "连成"}, format="json")
    assert changed.status_code == 200 and changed.data["brand"] == "连成"
    assert Deadline.objects.filter(subject_id=str(pk), rule="FM-1").pending().count() == 1
    elsewhere = make_device(CommunityFactory())
    assert client.get(f"{URL}{elsewhere.pk}/").status_code == 404
    assert client.patch(f"{URL}{elsewhere.pk}/", {"brand": "x"}, format="json").status_code == 404
    technician = api(staff("technician", community))
    assert technician.patch(f"{URL}{pk}/", {"brand": "x"}, format="json").status_code == 403
    assert technician.post(URL, {**data, "code": "T-1"}, format="json").status_code == 404  # not his to manage
    assert Device.objects.get(pk=pk).brand == "连成"


def test_fm1_api_records_list_and_add(community, supervisor):
    lift = make_lift(community, supervisor, next_inspection_on=dt.date(2026, 12, 1))
    client = api(supervisor)
    url = f"{URL}{lift.pk}/records/"
    bad = client.post(url, {"kind": "inspection", "done_on": "2026-11-19", "done_by": "特检院", "content": "定检"})
    assert bad.status_code == 400 and bad.data["field"] == "next_due_on"
    added = client.post(
        url,
        {
            "kind": "inspection",
            "done_on": "2026-11-19",
            "done_by": "特检院",
            "content": "定检",
            "next_due_on": "2027-11-18",
        },
    )
    assert added.status_code == 201 and added.data["next_due_on"] == "2027-11-18"
    [pending] = Deadline.objects.filter(subject_id=str(lift.pk), rule="FM-1").pending()
    assert pending.due_at == at(2027, 11, 19, 0, 0)
    listed = api(staff("technician", community)).get(url)
    assert listed.status_code == 200 and listed.data["count"] == 1
    maintenance = {"kind": "maintenance", "done_on": "2026-11-19", "done_by": "我", "content": "保养"}
    assert api(staff("technician", community)).post(url, maintenance).status_code == 403


def test_fm1_api_schema_lists_the_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/facilities/devices/" in paths and "/api/facilities/devices/{id}/records/" in paths
    assert {"get", "post"} <= set(paths["/api/facilities/devices/{id}/records/"])
