"""Bills and runs through the API (FE-1): the list with its filters, a bill with its lines, the dry
run and the issue (once: 409 the second time), another community's bill a 404, no permission 403."""

import pytest
from rest_framework.test import APIClient

from guanjia.billing.models import Bill, BillingRun
from guanjia.billing.tests.factories import FeeItemFactory, bill_for
from guanjia.core import clock

from .bills_setup import NOW, OCT, Office, pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_fe1_bills_list_filters_and_detail(office):
    item = FeeItemFactory(community=office.community)
    paid = bill_for(office.room(), [(item, "100.00")], period=OCT.start)
    pay(paid.lines.get(), "100.00", cashier=office.cashier)
    open_ = bill_for(office.room(), [(item, "80.00")], period=OCT.start)
    client = api(office.cashier)
    rows = client.get("/api/billing/bills/").json()["results"]
    assert {r["number"]: r["open"] for r in rows} == {paid.number: "0.00", open_.number: "80.00"}
    assert [r["number"] for r in client.get("/api/billing/bills/", {"open": "true"}).json()["results"]] == [
        open_.number
    ]
    assert client.get("/api/billing/bills/", {"period": "2026-09"}).json()["count"] == 0
    bad = client.get("/api/billing/bills/", {"period": "2026-13"})
    assert bad.status_code == 400 and bad.json()["field"] == "period"
    detail = client.get(f"/api/billing/bills/{open_.pk}/").json()
    assert detail["lines"][0]["amount"] == "80.00" and detail["room_code"] == open_.room.code


def test_fe1_another_communitys_bill_is_a_404_and_a_technician_is_refused(office):
    other = Office()
    bill = bill_for(other.room(), [(FeeItemFactory(community=other.community), "10.00")])
    assert api(office.cashier).get(f"/api/billing/bills/{bill.pk}/").status_code == 404
    assert api(office.technician).get("/api/billing/bills/").json()["count"] == 0
    run = {"period": "2026-11", "community": office.community.pk}
    assert api(office.technician).post("/api/billing/runs/", run, format="json").status_code == 404
    assert (
        api(office.cashier)
        .post("/api/billing/runs/", run | {"community": other.community.pk}, format="json")
        .status_code
        == 404
    )


def test_fe1_runs_preview_then_issue_once(office):
    office.room("张三")
    office.item("2.50")
    client = api(office.cashier)
    preview = client.get("/api/billing/runs/preview/", {"period": "2026-11"})
    body = preview.json()
    assert preview.status_code == 200 and body["total"] == "223.75" and body["results"][0]["payer_name"] == "张三"
    assert body["results"][0]["lines"][0]["amount"] == "223.75" and not Bill.objects.exists()
    issued = client.post("/api/billing/runs/", {"period": "2026-11"}, format="json")
    assert issued.status_code == 201 and issued.json()["bills"] == 1
    again = client.post("/api/billing/runs/", {"period": "2026-11"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "run_exists"
    assert BillingRun.objects.count() == 1
    assert client.get("/api/billing/runs/").json()["count"] == 1
    assert client.get("/api/billing/runs/preview/", {"period": "nope"}).status_code == 400
    assert api(office.front_desk).post("/api/billing/runs/", {"period": "2026-12"}, format="json").status_code == 403
