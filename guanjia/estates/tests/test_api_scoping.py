"""Through the API a user of community A can neither list, open, fetch nor write a row of
community B: it is a 404, as if it did not exist (DESIGN.md §1). Company roles see both."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from guanjia.core.activity import log
from guanjia.core.models import ActivityLog, Community
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.models import (
    Building,
    HouseholdDocument,
    Lease,
    Ownership,
    Person,
    Phone,
    Resident,
    Room,
    Unit,
)
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, PersonFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Side:
    community: Community
    room: Room
    person: Person
    phone: Phone
    ownership: Ownership
    lease: Lease
    resident: Resident
    document: HouseholdDocument
    entry: ActivityLog


def make_side(phone_number: str) -> Side:
    community = CommunityFactory()
    actor = staff("cs_supervisor", community)
    room = RoomFactory(unit__building__community=community)
    person = PersonFactory(community=community)
    phone = Phone.objects.create(community=community, person=person, number=phone_number)
    ownership = OwnershipFactory(room=room, person=person)
    tenant = PersonFactory(community=community)
    lease = LeaseFactory(room=room, tenant=tenant)
    resident = Resident.objects.create(community=community, room=room, person=tenant, relationship="spouse")
    document = HouseholdDocument.objects.create(
        community=community,
        room=room,
        category="contract",
        title="购房合同",
        file=SimpleUploadedFile("contract.pdf", b"%PDF-1.4 test"),
    )
    entry = log(actor, "estates.room.updated", room, household=room, summary=f"修改 {room.code}")
    return Side(community, room, person, phone, ownership, lease, resident, document, entry)


@pytest.fixture
def a():
    return make_side("13800000001")


@pytest.fixture
def b():
    return make_side("13900000002")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def supervisor_a(a):
    return client_for(staff("cs_supervisor", a.community))


# endpoint → how to find the side's row of that model
LISTS = {
    "buildings": lambda s: s.room.building_id,
    "units": lambda s: s.room.unit_id,
    "rooms": lambda s: s.room.pk,
    "people": lambda s: s.person.pk,
    "ownerships": lambda s: s.ownership.pk,
    "leases": lambda s: s.lease.pk,
    "residents": lambda s: s.resident.pk,
    "documents": lambda s: s.document.pk,
    "communities": lambda s: s.community.pk,
}


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", LISTS)
def test_list_shows_own_community_only(endpoint, a, b, supervisor_a):
    found = ids(supervisor_a.get(f"/api/{endpoint}/", {"page_size": 200}))
    assert LISTS[endpoint](a) in found
    assert LISTS[endpoint](b) not in found


@pytest.mark.parametrize("endpoint", [e for e in LISTS if e != "communities"])  # communities have no such filter
def test_community_filter_cannot_reach_another_community(endpoint, a, b, supervisor_a):
    assert ids(supervisor_a.get(f"/api/{endpoint}/", {"community": b.community.pk})) == set()
    assert LISTS[endpoint](a) in ids(supervisor_a.get(f"/api/{endpoint}/", {"community": a.community.pk}))


@pytest.mark.parametrize("endpoint", LISTS)
def test_detail_of_another_community_is_404(endpoint, a, b, supervisor_a):
    assert supervisor_a.get(f"/api/{endpoint}/{LISTS[endpoint](a)}/").status_code == 200
    response = supervisor_a.get(f"/api/{endpoint}/{LISTS[endpoint](b)}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"]


@pytest.mark.parametrize("endpoint", LISTS)
def test_company_role_sees_both_communities(endpoint, a, b):
    quality = client_for(staff("quality"))
    found = ids(quality.get(f"/api/{endpoint}/", {"page_size": 200}))
    assert {LISTS[endpoint](a), LISTS[endpoint](b)} <= found


def test_phones_of_another_community_never_listed(a, b, supervisor_a):
    body = supervisor_a.get("/api/people/", {"page_size": 200}).content.decode()
    assert a.phone.number in body
    assert b.phone.number not in body


def test_timeline_of_another_community_is_404(a, b, supervisor_a):
    response = supervisor_a.get(f"/api/rooms/{a.room.pk}/timeline/")
    assert [row["id"] for row in response.json()["results"]] == [a.entry.pk]
    assert supervisor_a.get(f"/api/rooms/{b.room.pk}/timeline/").status_code == 404


def test_document_download_of_another_community_is_404(a, b, supervisor_a):
    response = supervisor_a.get(f"/api/documents/{a.document.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert supervisor_a.get(f"/api/documents/{b.document.pk}/download/").status_code == 404


def test_policies_of_another_community_are_404(a, b):
    manager = client_for(staff("office_manager", a.community))
    assert manager.get(f"/api/communities/{a.community.pk}/policies/").status_code == 200
    assert manager.get(f"/api/communities/{b.community.pk}/policies/").status_code == 404
    response = manager.patch(f"/api/communities/{b.community.pk}/policies/", {"key": "RC-4.leak_days", "value": "5"})
    assert response.status_code == 404
    assert not b.community.policysetting_set.exists()


def _writes(a: Side, b: Side):
    """(method, url, payload) of every write that targets a row of B, or names one in its payload."""
    day = "2026-06-01"
    return [
        ("post", "/api/rooms/", {"community": b.community.pk, "building_code": "9", "number": "901"}),
        ("patch", f"/api/rooms/{b.room.pk}/", {"note": "x"}),
        ("post", f"/api/rooms/{b.room.pk}/owners/", {"owners": [{"person": b.person.pk, "share": 100}], "since": day}),
        (
            "post",
            f"/api/rooms/{b.room.pk}/transfer/",
            {"owners": [{"person": b.person.pk, "share": 100}], "on": day, "acquisition": "purchase"},
        ),
        (
            "post",
            f"/api/rooms/{a.room.pk}/transfer/",
            {"owners": [{"person": b.person.pk, "share": 100}], "on": day, "acquisition": "purchase"},
        ),
        ("post", "/api/people/", {"community": b.community.pk, "name": "外人"}),
        ("patch", f"/api/people/{b.person.pk}/", {"note": "x"}),
        ("get", f"/api/people/{b.person.pk}/id-number/", None),
        ("post", "/api/leases/", {"room": b.room.pk, "tenant": b.person.pk, "start": day, "end": "2027-05-31"}),
        ("post", "/api/leases/", {"room": a.room.pk, "tenant": b.person.pk, "start": day, "end": "2027-05-31"}),
        ("post", f"/api/leases/{b.lease.pk}/end/", {"on": day}),
        ("post", "/api/residents/", {"room": b.room.pk, "person": b.person.pk, "relationship": "child"}),
        ("post", "/api/residents/", {"room": a.room.pk, "person": b.person.pk, "relationship": "child"}),
        ("post", f"/api/residents/{b.resident.pk}/end/", {"until": day}),
    ]


def test_writes_to_another_community_are_404_and_change_nothing(a, b, supervisor_a):
    before = (
        Room.objects.count(),
        Person.objects.count(),
        Ownership.objects.count(),
        Lease.objects.count(),
        Resident.objects.count(),
        ActivityLog.objects.count(),
    )
    for method, url, payload in _writes(a, b):
        response = getattr(supervisor_a, method)(url, payload, format="json")
        assert response.status_code == 404, (method, url, response.content)
        assert set(response.json()) >= {"code", "detail"}
    after = (
        Room.objects.count(),
        Person.objects.count(),
        Ownership.objects.count(),
        Lease.objects.count(),
        Resident.objects.count(),
        ActivityLog.objects.count(),
    )
    assert after == before
    b.lease.refresh_from_db()
    b.resident.refresh_from_db()
    b.ownership.refresh_from_db()
    assert (b.lease.ended_on, b.resident.until, b.ownership.until) == (None, None, None)


def test_front_desk_of_a_cannot_write_even_in_a(a, b):
    """In scope but not permitted is a 403 (the row's existence is no secret to its own office)."""
    front_desk = client_for(staff("front_desk", a.community))
    response = front_desk.patch(f"/api/rooms/{a.room.pk}/", {"note": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert front_desk.patch(f"/api/rooms/{b.room.pk}/", {"note": "x"}, format="json").status_code == 404


def test_company_role_reads_other_community_rows_by_id(a, b):
    quality = client_for(staff("quality"))
    assert quality.get(f"/api/rooms/{b.room.pk}/").status_code == 200
    assert quality.get(f"/api/rooms/{b.room.pk}/timeline/").status_code == 200


@pytest.fixture
def crowded(a):
    """35+ rows of every register model in community A, for query budgets."""
    community, room = a.community, a.room
    unit = room.unit
    rooms = [RoomFactory(unit=unit) for _ in range(35)]
    for i in range(35):
        Building.objects.create(community=community, code=f"B{i}")
        Unit.objects.create(community=community, building=room.building, code=f"U{i}")
    people = PersonFactory.create_batch(35, community=community)
    for i, person in enumerate(people):
        Phone.objects.create(community=community, person=person, number=f"1370000{i:04d}")
        Phone.objects.create(community=community, person=person, number=f"1360000{i:04d}")
    for i, (r, person) in enumerate(zip(rooms, people, strict=True)):
        OwnershipFactory(room=r, person=person)
        LeaseFactory(room=r, tenant=person, start=dt.date(2025, 1, 1) + dt.timedelta(days=i))
        Resident.objects.create(community=community, room=r, person=person, relationship="child")
        HouseholdDocument.objects.create(
            community=community,
            room=r,
            category="other",
            title=f"文件{i}",
            file=SimpleUploadedFile(f"f{i}.pdf", b"%PDF"),
        )
        log(None, "estates.room.updated", room, household=room, summary=f"记录{i}")
    return a


@pytest.mark.parametrize(
    "url",
    [
        "/api/buildings/",
        "/api/units/",
        "/api/rooms/",
        "/api/people/",
        "/api/ownerships/",
        "/api/leases/",
        "/api/residents/",
        "/api/documents/",
        "timeline",
    ],
)
def test_list_query_budget(url, crowded, supervisor_a, django_assert_max_num_queries):
    if url == "timeline":
        url = f"/api/rooms/{crowded.room.pk}/timeline/"
    with django_assert_max_num_queries(6):
        response = supervisor_a.get(url, {"page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 30
