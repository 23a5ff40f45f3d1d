"""Register writes through the API: each calls its service, and refusals come back as {code, detail, field}."""

import pytest
from rest_framework.test import APIClient

from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import services
from guanjia.estates.models import Ownership, Person, Room

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(supervisor):
    return client_for(supervisor)


@pytest.fixture
def room(community, supervisor):
    return services.room_create(community=community, actor=supervisor, building_code="3", unit_code="2", number="1201")


@pytest.fixture
def person(community, supervisor):
    return services.person_create(
        community=community, actor=supervisor, name="张三", id_number=ID_NUMBER, phones=["13800138000"]
    )


# --- Rooms ----------------------------------------------------------------------------------


def test_room_create_and_update(api, community):
    response = api.post(
        "/api/rooms/",
        {"community": community.pk, "building_code": "５", "unit_code": "1", "number": "502", "building_area": "89.5"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["building_area"], body["display_name"]) == ("5-1-502", "89.50", "5栋1单元502室")
    response = api.patch(f"/api/rooms/{body['id']}/", {"use": "rented"}, format="json")
    assert response.status_code == 200
    assert response.json()["use"] == "rented"
    assert ActivityLog.objects.filter(verb="estates.room.use_changed", household_id=body["id"]).exists()


def test_room_duplicate_is_409_naming_the_room(api, community, room):
    response = api.post(
        "/api/rooms/", {"community": community.pk, "building_code": "3", "unit_code": "2", "number": "1201"}
    )
    assert response.status_code == 409
    assert response.json() == {"code": "room_exists", "detail": "房屋 3-2-1201 已存在。", "field": "number"}


def test_room_bad_choice_is_400_naming_the_field(api, room):
    response = api.patch(f"/api/rooms/{room.pk}/", {"handover": "sold"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid", "handover")
    assert body["detail"].startswith("交付状态：")


def test_room_filters(api, community, supervisor, room):
    other = services.room_create(community=community, actor=supervisor, building_code="4", number="101", kind="shop")
    assert [r["id"] for r in api.get("/api/rooms/", {"kind": "shop"}).json()["results"]] == [other.pk]
    assert [r["id"] for r in api.get("/api/rooms/", {"building": room.building_id}).json()["results"]] == [room.pk]
    assert [r["id"] for r in api.get("/api/rooms/", {"code": "3-2-1201"}).json()["results"]] == [room.pk]


def test_pagination_page_size_capped_at_200(api, community, room):
    Room.objects.bulk_create(
        [Room(community=community, building=room.building, number=str(n), code=f"3-{n}") for n in range(205)]
    )
    body = api.get("/api/rooms/", {"page_size": 1000}).json()
    assert (body["count"], len(body["results"])) == (206, 200)
    assert len(api.get("/api/rooms/").json()["results"]) == 50


# --- People and personal data (LW-1, AR-4) --------------------------------------------------


def test_person_create_bad_id_checksum_is_400_naming_the_field(api, community):
    response = api.post(
        "/api/people/", {"community": community.pk, "name": "李四", "id_number": "110105194912310021"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_id_number", "id_number")
    assert "身份证号" in body["detail"]
    assert not Person.objects.filter(name="李四").exists()


def test_person_create_and_update_keeps_id_number(api, community):
    response = api.post(
        "/api/people/",
        {"community": community.pk, "name": "王五", "id_number": ID_NUMBER, "phones": ["138 0013 8000"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = api.patch(f"/api/people/{pk}/", {"name": "王小五"}, format="json")
    assert response.status_code == 200
    person = Person.objects.get(pk=pk)
    assert (person.name, person.id_number) == ("王小五", ID_NUMBER)
    assert [p["number"] for p in response.json()["phones"]] == ["13800138000"]


def test_id_number_masked_for_front_desk_and_reveal_refused(community, person):
    front_desk = client_for(staff("front_desk", community))
    listed = front_desk.get("/api/people/").json()["results"][0]
    detail = front_desk.get(f"/api/people/{person.pk}/").json()
    assert listed["id_number"] == detail["id_number"] == "**************002X"
    assert ID_NUMBER not in front_desk.get(f"/api/people/{person.pk}/").content.decode()
    response = front_desk.get(f"/api/people/{person.pk}/id-number/")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not ActivityLog.objects.filter(verb="estates.person.id_viewed").exists()


def test_id_number_reveal_is_logged_for_supervisor(api, supervisor, person):
    assert api.get("/api/people/").json()["results"][0]["id_number"] == "**************002X"
    response = api.get(f"/api/people/{person.pk}/id-number/")
    assert response.status_code == 200
    assert response.json() == {"id_number": ID_NUMBER}
    entry = ActivityLog.objects.get(verb="estates.person.id_viewed")
    assert (entry.actor, entry.subject_id) == (supervisor, str(person.pk))


def test_phone_masked_for_roles_that_do_not_need_it(community, person):
    security = client_for(staff("security", community))
    assert security.get(f"/api/people/{person.pk}/").json()["phones"][0]["number"] == "138****8000"
    front_desk = client_for(staff("front_desk", community))
    assert front_desk.get(f"/api/people/{person.pk}/").json()["phones"][0]["number"] == "13800138000"


# --- Ownership (PR-1) -----------------------------------------------------------------------


def test_owners_shares_not_100_is_400_naming_the_field(api, community, supervisor, room, person):
    other = services.person_create(community=community, actor=supervisor, name="李四")
    response = api.post(
        f"/api/rooms/{room.pk}/owners/",
        {"owners": [{"person": person.pk, "share": 50}, {"person": other.pk, "share": 40}], "since": "2020-01-01"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("bad_shares", "owners")
    assert "100%" in body["detail"] and "90" in body["detail"]
    assert not Ownership.objects.exists()


def test_pr1_owners_registered_without_a_date_keep_it_unknown(api, room, person):
    """PR-1: the API validates as the console form does: no acquisition date is unknown, never invented."""
    response = api.post(f"/api/rooms/{room.pk}/owners/", {"owners": [{"person": person.pk}]}, format="json")
    assert response.status_code == 201, response.content
    assert Ownership.objects.get(room=room).since is None


def test_transfer_ends_old_ownership_and_starts_new(api, community, supervisor, room, person):
    response = api.post(
        f"/api/rooms/{room.pk}/owners/", {"owners": [{"person": person.pk}], "since": "2020-01-01"}, format="json"
    )
    assert response.status_code == 201, response.content
    buyer = services.person_create(community=community, actor=supervisor, name="赵六")
    response = api.post(
        f"/api/rooms/{room.pk}/transfer/",
        {"owners": [{"person": buyer.pk, "share": "100"}], "on": "2026-03-01", "acquisition": "purchase"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert [o["person_name"] for o in response.json()] == ["赵六"]
    history = api.get("/api/ownerships/", {"room": room.pk}).json()["results"]
    assert [(o["person_name"], o["since"], o["until"]) for o in history] == [
        ("赵六", "2026-03-01", None),
        ("张三", "2020-01-01", "2026-03-01"),
    ]
    current = api.get("/api/ownerships/", {"room": room.pk, "current": "true"}).json()["results"]
    assert [o["person_name"] for o in current] == ["赵六"]
    assert ActivityLog.objects.filter(verb="estates.ownership.transferred", household_id=room.pk).exists()


def test_transfer_missing_date_is_400_in_chinese(api, room, person):
    response = api.post(f"/api/rooms/{room.pk}/transfer/", {"owners": [{"person": person.pk}]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "on"
    assert body["detail"].startswith("转移日期：")
    assert "on" in body["errors"] and "acquisition" in body["errors"]


# --- Leases and residents (PR-3) ------------------------------------------------------------


def test_lease_create_filter_and_end(api, room, person):
    response = api.post(
        "/api/leases/",
        {"room": room.pk, "tenant": person.pk, "start": "2026-01-01", "end": "2026-12-31"},
        format="json",
    )
    assert response.status_code == 201, response.content
    lease_id = response.json()["id"]
    assert [x["id"] for x in api.get("/api/leases/", {"active_on": "2026-10-01"}).json()["results"]] == [lease_id]
    response = api.post(f"/api/leases/{lease_id}/end/", {"on": "2026-06-30"}, format="json")
    assert response.status_code == 200
    assert response.json()["last_day"] == "2026-06-30"
    assert api.get("/api/leases/", {"active_on": "2026-10-01"}).json()["results"] == []
    assert api.post(f"/api/leases/{lease_id}/end/", {"on": "2026-07-31"}, format="json").status_code == 409


def test_lease_end_before_start_is_400_naming_the_field(api, room, person):
    response = api.post(
        "/api/leases/",
        {"room": room.pk, "tenant": person.pk, "start": "2026-05-01", "end": "2026-04-01"},
        format="json",
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("bad_period", "end")


def test_resident_add_and_end(api, room, person):
    response = api.post(
        "/api/residents/", {"room": room.pk, "person": person.pk, "relationship": "spouse"}, format="json"
    )
    assert response.status_code == 201, response.content
    resident_id = response.json()["id"]
    assert [r["id"] for r in api.get("/api/residents/", {"current": "true"}).json()["results"]] == [resident_id]
    response = api.post(f"/api/residents/{resident_id}/end/", {"until": "2026-08-01"}, format="json")
    assert response.status_code == 200
    assert response.json()["until"] == "2026-08-01"
    assert api.get("/api/residents/", {"current": "true"}).json()["results"] == []


def test_timeline_lists_the_household_entries(api, room, person):
    api.post(f"/api/rooms/{room.pk}/owners/", {"owners": [{"person": person.pk}], "since": "2020-01-01"}, format="json")
    verbs = [e["verb"] for e in api.get(f"/api/rooms/{room.pk}/timeline/").json()["results"]]
    assert verbs == ["estates.ownership.registered", "estates.room.created"]


def test_timeline_refused_to_front_desk(community, room):
    response = client_for(staff("front_desk", community)).get(f"/api/rooms/{room.pk}/timeline/")
    assert response.status_code == 403


def test_document_metadata_has_scoped_download_url(api, community, supervisor, room):
    from guanjia.core.tests.uploads import png

    document = services.document_upload(
        room=room, actor=supervisor, category="id_copy", title="身份证复印件", file=png("id.png")
    )
    row = api.get("/api/documents/", {"room": room.pk}).json()["results"][0]
    assert row["download_url"] == f"http://testserver/api/documents/{document.pk}/download/"
    assert row["filename"] == "id.png"
    front_desk = client_for(staff("front_desk", community))
    assert front_desk.get(row["download_url"]).status_code == 403  # ID copies: LW-1
    assert api.get(row["download_url"]).status_code == 200
    assert ActivityLog.objects.filter(verb="estates.document.viewed", subject_id=str(document.pk)).exists()


def test_room_create_requires_edit_permission(community):
    response = client_for(staff("front_desk", community)).post(
        "/api/rooms/", {"community": community.pk, "building_code": "1", "number": "101"}, format="json"
    )
    assert response.status_code == 403
    assert not Room.objects.exists()
