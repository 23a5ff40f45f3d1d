"""Arrears ageing (FE-3, CM-9, LW-1): buckets at their boundaries, one grouped query per reading, the
developer's share apart, the console pages within a constant query budget, the anonymised summary
owners see, the API, and another community's household a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.models import PolicySetting
from guanjia.core.tests.factories import UserFactory, login

from .. import selectors_arrears as arrears
from ..choices import DunningStep, PayerKind
from .arrears_setup import NOW, TODAY, Office

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def test_fe3_age_buckets_at_their_boundaries(office):
    # 0 days overdue is not arrears yet; 1 and 30 are 0–30; 31 is 31–90; 90/91; 180/181; 365/366.
    for days in (0, 1, 30, 31, 90, 91, 180, 181, 365, 366):
        office.owe(office.room(), "10.00", days=days)
    totals = arrears.by_bucket(office.community, TODAY)
    assert totals["d30"] == Decimal("20.00")
    assert totals["d90"] == Decimal("20.00")
    assert totals["d180"] == Decimal("20.00")
    assert totals["d365"] == Decimal("20.00")
    assert totals["over"] == Decimal("10.00")
    assert totals["total"] == Decimal("90.00")
    assert totals["households"] == 9
    assert [arrears.bucket_of(d) for d in (1, 30, 31, 366)] == ["d30", "d30", "d90", "over"]


def test_fe3_each_reading_is_one_grouped_query(office):
    for n in range(6):
        office.owe(office.room(1 + n % 2), "10.00", days=10 + 50 * n)
    with CaptureQueriesContext(connection) as queries:
        arrears.by_bucket(office.community, TODAY)
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        rows = arrears.by_building(office.community, TODAY)
    assert len(queries) == 1 and len(rows) == 2
    with CaptureQueriesContext(connection) as queries:
        rows = list(arrears.households(office.community, TODAY))
    assert len(queries) == 1 and len(rows) == 6
    sql = queries[0]["sql"].upper()
    assert "GROUP BY" in sql and ("CASE WHEN" in sql or "FILTER (WHERE" in sql)  # conditional sums in SQL


def test_fe2_developer_payable_amounts_are_shown_apart(office):
    office.owe(office.room(), "100.00", days=40)
    office.owe(office.room(), "70.00", days=40, payer_kind=PayerKind.DEVELOPER)
    totals = arrears.by_bucket(office.community, TODAY)
    assert totals["total"] == Decimal("100.00")
    assert totals["developer"] == Decimal("70.00")
    assert totals["households"] == 1
    assert len(list(arrears.households(office.community, TODAY))) == 1


def test_fe3_company_ageing_by_community_is_one_grouped_query(office):
    other = Office()
    office.owe(office.room(), "100.00", days=40)
    office.owe(office.room(), "70.00", days=400, payer_kind=PayerKind.DEVELOPER)
    other.owe(other.room(), "30.00", days=5)
    other.owe(other.room(), "20.00", days=200)
    ids = [office.community.pk, other.community.pk]
    with CaptureQueriesContext(connection) as queries:
        rows = arrears.by_community(ids, TODAY)
    assert len(queries) == 1
    for o in (office, other):
        one = arrears.by_bucket(o.community, TODAY)
        assert {k: rows[o.community.pk][k] for k in one} == one
    assert rows[other.community.pk]["d30"] == Decimal("30.00") and rows[other.community.pk]["d365"] == Decimal("20.00")
    assert rows[office.community.pk]["developer"] == Decimal("70.00")
    assert set(arrears.by_community(ids[:1], TODAY)) == {office.community.pk}


def test_fe3_paid_lines_are_not_arrears(office):
    bill = office.owe(office.room(), "100.00", days=40)
    bill.lines.update(open_amount=0)
    assert list(arrears.households(office.community, TODAY)) == []


def test_fe3_household_rows_filter_by_building_bucket_and_step(office):
    a = office.owe(office.room(1), "10.00", days=20).room
    b = office.owe(office.room(2), "20.00", days=100).room
    assert [r["room_id"] for r in arrears.households(office.community, TODAY, building=a.building_id)] == [a.pk]
    assert [r["room_id"] for r in arrears.households(office.community, TODAY, bucket="d180")] == [b.pk]
    # FE-3.reminder_days 15, demand_days 60: a is at the reminder, b at the demand
    assert [r["room_id"] for r in arrears.households(office.community, TODAY, step=DunningStep.REMINDER)] == [a.pk]
    assert [r["room_id"] for r in arrears.households(office.community, TODAY, step=DunningStep.DEMAND)] == [b.pk]


def test_fe3_the_step_due_follows_the_policy(office):
    room = office.owe(office.room(), "10.00", days=20).room
    rows = list(arrears.households(office.community, TODAY))
    assert arrears.ladders(office.community, rows, TODAY)[room.pk].next_step == DunningStep.REMINDER
    PolicySetting.objects.create(community=office.community, key="FE-3.reminder_days", value=30)
    assert arrears.ladders(office.community, rows, TODAY)[room.pk].next_step is None


def test_cm9_lw1_the_published_summary_has_no_names_or_room_numbers(office):
    room = office.owned(1, name="欧阳娜娜")
    office.owe(room, "123.45", days=50)
    rows = arrears.published_summary(office.community, TODAY)
    assert rows == [
        {
            "room__building__code": room.building.code,
            "d30": 0,
            "d90": Decimal("123.45"),
            "d180": 0,
            "d365": 0,
            "over": 0,
            "total": Decimal("123.45"),
            "developer": 0,
            "households": 1,
        }
    ]


def test_cm9_lw1_the_owners_arrears_page_is_anonymised(client, office):
    owner = UserFactory()
    mine = office.owned(1, user=owner, name="陈晓梅")
    other = office.owned(1, name="欧阳娜娜")
    office.owe(other, "300.00", days=200)
    office.owe(mine, "50.00", days=20)
    response = login(client, owner).get("/m/fees/arrears/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "350.00" in text
    for leak in ("欧阳娜娜", "陈晓梅", other.code, mine.code, other.number):
        assert leak not in text


def test_fe3_arrears_list_page_with_a_constant_query_budget(client, office, django_assert_max_num_queries):
    for n in range(3):
        office.owe(office.room(), "10.00", days=20 + n)
    login(client, office.supervisor, office.community)
    with django_assert_max_num_queries(16) as small:
        response = client.get("/console/billing/arrears/")
    assert response.status_code == 200
    for n in range(12):
        office.owe(office.room(2), "10.00", days=40 + n)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/console/billing/arrears/?bucket=d90")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("/console/billing/arrears/rooms/") == 12 and "提醒" in text


def test_fe3_arrears_pages_render_and_refuse_outsiders(client, office):
    room = office.owe(office.room(), "10.00", days=20).room
    login(client, office.front, office.community)
    for url in (
        "/console/billing/arrears/",
        "/console/billing/arrears/buildings/",
        "/console/billing/arrears/late-charges/",
        f"/console/billing/arrears/rooms/{room.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    login(client, office.technician, office.community)
    assert client.get("/console/billing/arrears/").status_code == 403  # AR-4: no fees for technicians
    stranger = Office()
    login(client, stranger.supervisor, stranger.community)
    assert client.get(f"/console/billing/arrears/rooms/{room.pk}/").status_code == 404


def test_fe3_api_reads_arrears_and_hides_other_communities(office):
    room = office.owe(office.room(), "10.00", days=70).room
    api = APIClient()
    api.force_authenticate(office.supervisor)
    response = api.get("/api/billing/arrears/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["room"] == room.pk and row["d90"] == "10.00" and row["next_step"] == "reminder"
    assert api.get(f"/api/billing/arrears/{room.pk}/").json()["days"] == 70
    stranger = Office()
    api.force_authenticate(stranger.supervisor)
    assert api.get(f"/api/billing/arrears/{room.pk}/").status_code == 404
    assert api.get(f"/api/billing/arrears/?community={office.community.pk}").status_code == 404


def test_fe3_dashboard_panel_counts_households_whose_step_is_due(client, office):
    office.owe(office.room(), "10.00", days=20)
    office.owe(office.room(), "10.00", days=5)
    assert arrears.due_steps_count(office.community, TODAY) == 1
    login(client, office.supervisor, office.community)
    response = client.get("/console/")
    assert response.status_code == 200
    assert 'id="billing-arrears-panel"' in response.content.decode()


def test_dates_are_pinned():
    assert clock.today() == TODAY and TODAY - dt.timedelta(days=1) < TODAY


def test_ar1_fe3_the_household_file_shows_arrears_and_deposits(client, office):
    from django.urls import reverse

    room = office.owe(office.room(), "66.00", days=20).room
    login(client, office.supervisor, office.community)
    response = client.get(reverse("estates:household", args=[room.pk]))
    text = response.content.decode()
    assert response.status_code == 200 and 'id="arrears-section"' in text and "66.00" in text
