"""Console, portal and API pages of meters (FE-1): the meters list (filters, query budget constant in
the page size), one meter, the meter form, verification, the phone reading round (errors per meter),
the check list, the dashboard panel, the owner's portal page (his own meters, the window) and the
API (the same rules as the console); another community's meter is a 404, a role without the
permission a 403."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.models import Deadline
from guanjia.core.tests.factories import CommunityFactory, UserFactory, at, login, staff
from guanjia.estates.tests.factories import (
    BuildingFactory,
    OwnershipFactory,
    PersonFactory,
    RoomFactory,
    UnitFactory,
)

from ..choices import ReadingStatus
from ..models import Meter, MeterReading
from .factories import MeterFactory, read

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 22, 10, 0)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def building(community):
    return BuildingFactory(community=community, code="3")


@pytest.fixture
def supervisor(community):
    return staff("equipment_supervisor", community)


@pytest.fixture
def technician(community):
    return staff("technician", community)


_units = iter(range(1, 10**6))


def meters_in(building, n, **fields):
    unit = UnitFactory(building=building, code=str(next(_units)))
    made = []
    for i in range(n):
        meter = MeterFactory(room=RoomFactory(unit=unit, floor=i + 1), **fields)
        read(meter, dt.date(2026, 10, 22), "100")
        made.append(meter)
    return made


def test_fe1_meters_list_filters_and_query_budget(
    client, community, building, supervisor, django_assert_max_num_queries
):
    meters_in(building, 3)
    common = MeterFactory(room=None, community=community, number="GS-01", place="泵房", verify_by=dt.date(2026, 12, 1))
    login(client, supervisor, community)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("billing:meters")).content.decode()
    assert "GS-01" in page and "泵房" in page and "即将到期检定" in page and "100.000" in page
    meters_in(building, 40)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("billing:meters")).status_code == 200
    only_common = client.get(reverse("billing:meters"), {"scope": "common"}).content.decode()
    assert "GS-01" in only_common and "W-" not in only_common.split('id="meter-list"')[1]
    due = client.get(reverse("billing:meters"), {"due": "1"}).context["meters"]
    assert [m.pk for m in due] == [common.pk]
    assert list(client.get(reverse("billing:meters"), {"kind": "gas"}).context["meters"]) == []


def test_fe1_meter_detail_and_another_communitys_meter(
    client, community, building, supervisor, django_assert_max_num_queries
):
    [meter] = meters_in(building, 1)
    for month in range(1, 10):
        read(meter, dt.date(2026, month, 5), str(month), reader=supervisor)
    read(
        meter,
        dt.date(2026, 11, 20),
        "100",
        usage=Decimal(0),
        status=ReadingStatus.CHECK,
        check_reason="房屋有人使用，但用量为零",
    )
    login(client, supervisor, community)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("billing:meter", args=[meter.pk])).content.decode()
    assert meter.number in page and "待复核" in page and "房屋有人使用，但用量为零" in page
    elsewhere = MeterFactory()
    for name in ("billing:meter", "billing:meter_edit", "billing:meter_verified"):
        assert client.get(reverse(name, args=[elsewhere.pk])).status_code == 404


def test_fe1_meter_form_creates_a_common_meter_and_shows_refusals(client, community, supervisor, technician):
    login(client, supervisor, community)
    data = {"kind": "water", "number": "GS-02", "room": "", "place": "", "multiplier": "1", "active": "on"}
    refused = client.post(reverse("billing:meter_new"), data)
    assert refused.status_code == 400 and "公共表须填写安装位置" in refused.content.decode()
    response = client.post(reverse("billing:meter_new"), {**data, "place": "地下泵房", "verify_by": "2027-01-31"})
    meter = Meter.objects.get(number="GS-02")
    assert response.status_code == 302 and response.url == reverse("billing:meter", args=[meter.pk])
    assert Deadline.objects.filter(rule="FE-1", subject_id=str(meter.pk)).exists()
    login(client, technician, community)
    assert client.get(reverse("billing:meter_new")).status_code == 403


def test_fe1_verification_recorded_from_the_console(client, community, supervisor):
    meter = MeterFactory(room=None, community=community, place="泵房", verify_by=dt.date(2026, 11, 30))
    login(client, supervisor, community)
    response = client.post(
        reverse("billing:meter_verified", args=[meter.pk]),
        {"verified_on": "2026-11-21", "next_verify_by": "2032-11-21"},
    )
    assert response.status_code == 302
    meter.refresh_from_db()
    assert meter.verify_by == dt.date(2032, 11, 21)


def test_fe1_reading_round_in_walking_order_saves_the_good_and_shows_each_error(
    client, community, building, technician, django_assert_max_num_queries
):
    first, second, third = meters_in(building, 3)
    login(client, technician, community)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("billing:meters_round"), {"building": building.pk}).content.decode()
    assert page.index(first.number) < page.index(second.number) < page.index(third.number)
    assert "上次读数 100.000（2026-10-22）" in page
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "JPEG")
    response = client.post(
        reverse("billing:meters_round"),
        {
            "building": building.pk,
            f"value_{first.pk}": "106",
            f"photo_{first.pk}": SimpleUploadedFile("a.jpg", buffer.getvalue()),
            f"value_{second.pk}": "90",  # lower
            f"value_{third.pk}": "",  # not read today
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "低于上次读数 100.000" in body and 'value="90"' in body
    saved = MeterReading.objects.get(meter=first, read_on=dt.date(2026, 11, 22))
    assert saved.usage == Decimal("6.000") and saved.photo and saved.reader == technician
    assert not MeterReading.objects.filter(meter__in=[second, third], read_on=dt.date(2026, 11, 22)).exists()
    ok = client.post(reverse("billing:meters_round"), {"building": building.pk, f"value_{second.pk}": "101"})
    assert ok.status_code == 302
    other = BuildingFactory()
    assert client.get(reverse("billing:meters_round"), {"building": other.pk}).status_code == 404


def test_fe1_check_list_confirm_and_correct(
    client, community, building, supervisor, technician, django_assert_max_num_queries
):
    meters = meters_in(building, 3)
    readings = [
        read(
            m,
            dt.date(2026, 11, 20),
            "100",
            usage=Decimal(0),
            status=ReadingStatus.CHECK,
            check_reason="房屋有人使用，但用量为零",
        )
        for m in meters
    ]
    login(client, supervisor, community)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("billing:readings_check")).content.decode()
    assert all(m.number in page for m in meters) and "房屋有人使用，但用量为零" in page
    url = reverse("billing:reading_confirm", args=[readings[0].pk])
    response = client.post(url, {"value": "", "next": reverse("billing:readings_check")})
    assert response.status_code == 302
    readings[0].refresh_from_db()
    assert readings[0].status == ReadingStatus.CONFIRMED
    client.post(reverse("billing:reading_confirm", args=[readings[1].pk]), {"value": "104.5"})
    readings[1].refresh_from_db()
    assert readings[1].value == Decimal("104.500") and readings[1].usage == Decimal("4.500")
    assert client.get(url).status_code == 409  # no longer on the list
    login(client, technician, community)
    assert client.get(reverse("billing:readings_check")).status_code == 200
    assert client.post(reverse("billing:reading_confirm", args=[readings[2].pk]), {}).status_code == 403
    foreign = read(MeterFactory(), dt.date(2026, 11, 1), "1", status=ReadingStatus.CHECK)
    login(client, supervisor, community)
    assert client.get(reverse("billing:reading_confirm", args=[foreign.pk])).status_code == 404


def test_fe1_dashboard_panel_lists_meters_due_for_verification(client, community, supervisor):
    MeterFactory(room=None, community=community, number="GS-09", place="泵房", verify_by=dt.date(2026, 11, 1))
    MeterFactory(room=None, community=community, number="GS-10", place="泵房", verify_by=dt.date(2027, 6, 1))
    login(client, supervisor, community)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "meters-verify-panel" in page and "GS-09" in page and "GS-10" not in page


# --- Portal ---------------------------------------------------------------------------------------


@pytest.fixture
def owner_meter(community, building):
    [meter] = meters_in(building, 1)
    user = UserFactory()
    OwnershipFactory(room=meter.room, person=PersonFactory(community=community, user=user))
    return user, meter


def test_fe1_portal_owner_sees_his_meters_and_submits_inside_the_window(
    client, owner_meter, building, django_assert_max_num_queries
):
    user, meter = owner_meter
    [stranger] = meters_in(building, 1)
    MeterFactory(room=meter.room, kind="electricity")  # a second meter of his: the same queries
    client.force_login(user)
    with django_assert_max_num_queries(12):
        client.get(reverse("portal:fees_readings"))
    assert reverse("portal:fees_readings") in client.get(reverse("portal:home")).content.decode()
    page = client.get(reverse("portal:fees_readings")).content.decode()
    assert meter.number in page and stranger.number not in page and "上次读数 100.000" in page
    assert f'name="m{meter.pk}-value"' in page
    refused = client.post(reverse("portal:fees_readings"), {"meter": meter.pk, f"m{meter.pk}-value": "90"})
    assert refused.status_code == 400 and "低于上次读数" in refused.content.decode()
    response = client.post(reverse("portal:fees_readings"), {"meter": meter.pk, f"m{meter.pk}-value": "103"})
    assert response.status_code == 302
    reading = MeterReading.objects.get(meter=meter, read_on=dt.date(2026, 11, 22))
    assert reading.source == "owner" and reading.usage == Decimal("3.000")
    assert "今天的读数已提交" in client.get(reverse("portal:fees_readings")).content.decode()
    client.post(reverse("portal:fees_readings"), {"meter": stranger.pk, f"m{stranger.pk}-value": "103"})
    assert not MeterReading.objects.filter(meter=stranger, read_on=dt.date(2026, 11, 22)).exists()


def test_fe1_portal_outside_the_window_offers_no_form(client, owner_meter):
    user, meter = owner_meter
    client.force_login(user)
    with clock.frozen(at(2026, 11, 27, 10, 0)):
        page = client.get(reverse("portal:fees_readings")).content.decode()
        assert "每月 20 日至 25 日可自报读数" in page and f'name="m{meter.pk}-value"' not in page
        refused = client.post(reverse("portal:fees_readings"), {"meter": meter.pk, f"m{meter.pk}-value": "103"})
    assert refused.status_code == 400 and "每月 20 日至 25 日" in refused.content.decode()


# --- API ------------------------------------------------------------------------------------------


def test_fe1_api_readings_follow_the_same_rules(community, building, technician):
    [meter] = meters_in(building, 1)
    api = APIClient()
    api.force_authenticate(technician)
    created = api.post("/api/billing/readings/", {"meter": meter.pk, "read_on": "2026-11-22", "value": "104.2"})
    assert created.status_code == 201 and created.data["usage"] == "4.200"
    lower = api.post("/api/billing/readings/", {"meter": meter.pk, "read_on": "2026-11-22", "value": "1"})
    assert lower.status_code == 409 and lower.data["field"] == "read_on"
    future = api.post("/api/billing/readings/", {"meter": meter.pk, "read_on": "2026-11-23", "value": "110"})
    assert future.status_code == 400 and future.data["field"] == "read_on"
    elsewhere = MeterFactory()
    assert (
        api.post("/api/billing/readings/", {"meter": elsewhere.pk, "read_on": "2026-11-22", "value": "1"}).status_code
        == 404
    )
    listed = api.get("/api/billing/meters/")
    assert listed.status_code == 200 and [m["id"] for m in listed.data["results"]] == [meter.pk]
    assert api.get(f"/api/billing/meters/{elsewhere.pk}/").status_code == 404
    assert api.get("/api/billing/readings/", {"meter": meter.pk}).data["count"] == 2


def test_fe1_api_meter_create_needs_the_permission(community, technician, supervisor):
    api = APIClient()
    api.force_authenticate(technician)
    data = {"community": community.pk, "kind": "electricity", "number": "GD-01", "place": "配电房"}
    assert api.post("/api/billing/meters/", data).status_code == 404  # not a community he manages meters in
    api.force_authenticate(supervisor)
    created = api.post("/api/billing/meters/", data)
    assert created.status_code == 201 and created.data["room"] is None
    no_place = api.post("/api/billing/meters/", {**data, "number": "GD-02", "place": ""})
    assert no_place.status_code == 400 and no_place.data["field"] == "place"
