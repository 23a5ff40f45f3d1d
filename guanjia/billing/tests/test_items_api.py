"""Fee items through the API (FE-1): read with the current and next published price in a fixed number
of queries; a price published through the same service as the console, with the same refusals;
another community's item is a 404; a role without fees gets a 403."""

import datetime as dt

import pytest

from guanjia.core import clock

from ..models import FeePrice
from ..services import items as services
from .items_setup import EARLIER, NOW, Office, api_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


@pytest.mark.parametrize("count", [2, 20])
def test_fe1_items_list_with_current_and_next_price_in_a_fixed_budget(office, count, django_assert_max_num_queries):
    for n in range(count):
        item = office.item(f"i{n:02d}", when=EARLIER, starts_on=dt.date(2025, 12, 1))
        services.application_add(item=item, actor=office.manager, since=item.starts_on, room_kind="residence")
        services.price_publish(item=item, unit_price="2.80", effective_from=dt.date(2027, 1, 1), actor=office.manager)
    with django_assert_max_num_queries(8):
        response = api_client(office.cashier).get("/api/billing/items/")
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    first = rows[0]
    assert (first["code"], first["current_price"], first["current_from"]) == ("i00", "2.5000", "2025-12-01")
    assert (first["next_price"], first["next_from"]) == ("2.8000", "2027-01-01")
    assert first["applications"][0]["room_kind"] == "residence"


def test_fe1_publish_a_price_through_the_api_with_the_services_rule(office):
    item = office.item()
    client = api_client(office.manager)
    url = f"/api/billing/items/{item.pk}/prices/"
    refused = client.post(url, {"unit_price": "2.80", "effective_from": "2026-12-10"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "notice" and "须提前 30 天公示" in refused.json()["detail"]
    assert refused.json().get("field") == "effective_from"
    done = client.post(url, {"unit_price": "2.80", "effective_from": "2026-12-20", "note": "调价"}, format="json")
    assert done.status_code == 201, done.content
    assert (done.json()["unit_price"], done.json()["effective_from"]) == ("2.8000", "2026-12-20")
    assert FeePrice.objects.filter(item=item).count() == 2
    again = client.post(url, {"unit_price": "2.90", "effective_from": "2026-12-20"}, format="json")
    assert again.status_code == 409
    detail = client.get(f"/api/billing/items/{item.pk}/").json()
    assert (detail["next_price"], detail["next_from"]) == ("2.5000", "2026-12-01")


def test_fe1_items_api_is_scoped_and_permissioned(office):
    item = office.item()
    other = Office()
    assert api_client(other.manager).get(f"/api/billing/items/{item.pk}/").status_code == 404
    assert (
        api_client(other.manager)
        .post(
            f"/api/billing/items/{item.pk}/prices/", {"unit_price": "3", "effective_from": "2027-01-01"}, format="json"
        )
        .status_code
        == 404
    )
    cashier = api_client(office.cashier)
    assert cashier.get(f"/api/billing/items/{item.pk}/").status_code == 200
    posted = cashier.post(
        f"/api/billing/items/{item.pk}/prices/", {"unit_price": "3", "effective_from": "2027-01-01"}, format="json"
    )
    assert posted.status_code == 403
    listed = api_client(office.technician).get("/api/billing/items/")
    assert listed.status_code == 200 and listed.json()["results"] == []  # a technician sees no fees (AR-4)
    assert api_client(office.technician).get(f"/api/billing/items/{item.pk}/").status_code == 404
