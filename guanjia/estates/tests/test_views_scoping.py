"""A user of community A can neither list nor open nor act on a row of community B: it is a 404,
and nothing changes (DESIGN.md §1). The API side is tested in test_api_scoping.py."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from guanjia.core.importing.models import ImportBatch
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.models import HouseholdDocument, Lease, Ownership, Resident
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, PersonFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    a, b = CommunityFactory(name="甲小区"), CommunityFactory(name="乙小区")
    user = staff("office_manager", a)  # every permission, in A only
    client.force_login(user)
    room_a = RoomFactory(community=a, unit__building__community=a, unit__building__code="1")
    room_b = RoomFactory(community=b, unit__building__community=b, unit__building__code="88", number="8801")
    owner_b = OwnershipFactory(room=room_b, person__name="乙业主").person
    lease_b = LeaseFactory(room=room_b, tenant__name="乙租户")
    resident_b = Resident.objects.create(community=b, room=room_b, person=owner_b, relationship="other")
    document_b = HouseholdDocument(community=b, room=room_b, category="contract", title="乙合同")
    document_b.file.save("b.pdf", ContentFile(b"%PDF b"), save=True)
    batch_b = ImportBatch.objects.create(
        community=b,
        kind="estates.rooms",
        file=ContentFile(b"x", name="b.xlsx"),
        filename="b.xlsx",
        created_by=staff("cs_supervisor", b),
    )
    return {
        "a": a,
        "b": b,
        "user": user,
        "room_a": room_a,
        "room_b": room_b,
        "owner_b": owner_b,
        "lease_b": lease_b,
        "resident_b": resident_b,
        "document_b": document_b,
        "batch_b": batch_b,
    }


def b_urls(w):
    room, person = w["room_b"].pk, w["owner_b"].pk
    urls = [
        reverse("estates:household", args=[room]),
        reverse("estates:room_edit", args=[room]),
        reverse("estates:ownership_register", args=[room]),
        reverse("estates:ownership_transfer", args=[room]),
        reverse("estates:lease_create", args=[room]),
        reverse("estates:resident_add", args=[room]),
        reverse("estates:document_upload", args=[room]),
        reverse("estates:lease_end", args=[w["lease_b"].pk]),
        reverse("estates:resident_remove", args=[w["resident_b"].pk]),
        reverse("estates:document", args=[w["document_b"].pk]),
        reverse("estates:person", args=[person]),
        reverse("estates:person_edit", args=[person]),
        reverse("estates:person_reveal_id", args=[person]),
        f"{reverse('estates:person_options')}?community={w['b'].pk}&q=乙",
        # The import wizard's pages (core's importer) of B's batch.
        reverse("core:import_batch", args=[w["batch_b"].pk]),
        reverse("core:import_status", args=[w["batch_b"].pk]),
        reverse("core:import_commit", args=[w["batch_b"].pk]),
    ]
    return urls


def test_rows_of_another_community_are_404_to_open(client, world):
    for url in b_urls(world):
        if url.endswith(("reveal-id/", "commit/")):  # POST-only
            continue
        assert client.get(url).status_code == 404, url


def test_rows_of_another_community_are_404_to_act_on_and_nothing_changes(client, world):
    logged = ActivityLog.objects.count()
    heir = PersonFactory(community=world["a"])
    data = {
        "on": "2030-01-01",
        "since": "2030-01-01",
        "acquisition": "purchase",
        "owners-TOTAL_FORMS": "1",
        "owners-INITIAL_FORMS": "0",
        "owners-0-person": heir.pk,
        "owners-0-new_name": "",
        "kind": "residence",
        "use": "rented",
        "handover": "moved_in",
        "new_name": "某人",
        "start": "2030-01-01",
        "end": "2030-12-31",
        "relationship": "other",
        "category": "contract",
        "name": "改名",
        "id_type": "resident_id",
    }
    read_only = {
        reverse("estates:household", args=[world["room_b"].pk]),
        reverse("estates:person", args=[world["owner_b"].pk]),
        reverse("estates:document", args=[world["document_b"].pk]),
    }
    for url in b_urls(world):
        status = client.post(url, data).status_code
        assert status == 404 or (status == 405 and (url in read_only or "options" in url or "import" in url)), url
    assert ActivityLog.objects.count() == logged
    assert Ownership.objects.get(room=world["room_b"]).until is None
    assert Lease.objects.get(pk=world["lease_b"].pk).ended_on is None
    world["owner_b"].refresh_from_db()
    assert world["owner_b"].name == "乙业主"


def test_lists_never_show_rows_of_another_community(client, world):
    pages = [
        reverse("estates:rooms"),
        f"{reverse('estates:rooms')}?building={world['room_b'].building_id}",
        f"{reverse('estates:rooms')}?code=88",
        reverse("estates:buildings"),
        reverse("estates:people"),
        f"{reverse('estates:people')}?name=乙",
        reverse("estates:leases"),
        reverse("core:dashboard"),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert "乙业主" not in page and "乙租户" not in page and world["room_b"].code not in page, url
    assert world["room_a"].code in client.get(reverse("estates:rooms")).content.decode()


def test_cannot_switch_to_another_community(client, world):
    response = client.post(reverse("core:switch_community"), {"community": world["b"].pk})
    assert response.status_code == 404
    assert "乙小区" not in client.get(reverse("core:dashboard")).content.decode()


def test_company_admin_opens_any_community_household(client, world):
    client.force_login(staff("company_admin"))
    page = client.get(reverse("estates:household", args=[world["room_b"].pk])).content.decode()
    assert "乙业主" in page


def test_dashboard_activity_is_of_the_current_community_only(client, world):
    from guanjia.estates import services

    other = staff("office_manager", world["b"])
    services.room_update(room=world["room_b"], actor=other, note="乙备注", garage="乙车位")
    services.room_update(room=world["room_a"], actor=world["user"], garage="甲车位")
    page = client.get(reverse("core:dashboard")).content.decode()
    recent = page.split('id="recent-activity"')[1]
    assert reverse("estates:household", args=[world["room_a"].pk]) in recent
    assert reverse("estates:household", args=[world["room_b"].pk]) not in recent
