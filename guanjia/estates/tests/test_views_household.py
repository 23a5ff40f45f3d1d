"""The household file 一户一档 (AR-1) and the actions on it, as a member of staff uses them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.uploads import jpeg_bytes
from guanjia.estates import services
from guanjia.estates.models import HouseholdDocument, Lease, Ownership, Person, Resident
from guanjia.estates.tests.factories import LeaseFactory, PersonFactory, RoomFactory

ID_A = "110105199003071239"
ID_B = "440304198510204565"

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(name="翠苑一期")


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community, username="kefu")


@pytest.fixture
def desk(community):
    return staff("front_desk", community, username="qiantai")


@pytest.fixture
def room(community):
    return RoomFactory(community=community, unit__building__community=community, unit__building__code="3")


@pytest.fixture
def owner(room, supervisor):
    person = services.person_create(
        community=room.community, actor=supervisor, name="张三", id_number=ID_A, phones=["13800001111"]
    )
    services.ownership_register(room=room, actor=supervisor, owners=[(person, 100)], since=dt.date(2020, 5, 1))
    return person


def signed_in(client, user):
    client.force_login(user)
    return client


def household(room):
    return reverse("estates:household", args=[room.pk])


# --- The page -----------------------------------------------------------------------------


def test_household_shows_particulars_owners_history_tenants_residents(client, supervisor, room, owner):
    buyer = PersonFactory(community=room.community, name="李四")
    services.ownership_transfer(
        room=room, actor=supervisor, owners=[(buyer, 100)], on=dt.date(2024, 3, 1), acquisition="gift"
    )
    tenant = PersonFactory(community=room.community, name="王五")
    LeaseFactory(room=room, tenant=tenant, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31))
    Resident.objects.create(community=room.community, room=room, person=buyer, relationship="spouse")
    room.facilities = "阳台封闭"
    room.save()

    page = signed_in(client, supervisor).get(household(room)).content.decode()

    assert "阳台封闭" in page  # PR-2 particulars
    owners = page.split('id="owners"')[1].split("</section>")[0]
    assert "李四" in owners and "张三" not in owners
    history = page.split('id="owner-history"')[1].split("</section>")[0]
    assert "张三" in history and "2024-03-01" in history  # PR-1: the former owner stays, with the end date
    assert "王五" in page.split('id="leases"')[1].split("</section>")[0]
    assert "配偶" in page.split('id="residents"')[1].split("</section>")[0]
    timeline = page.split('id="timeline"')[1]
    assert timeline.index("赠与") < timeline.index("购买")  # newest first


def test_household_phone_masked_for_roles_without_phone_permission(client, room, owner):
    archivist = staff("archivist", room.community)
    page = signed_in(client, archivist).get(household(room)).content.decode()
    assert "138****1111" in page
    assert "13800001111" not in page
    assert ID_A not in page and "1239" in page  # only the last four of the ID number


def test_household_phone_in_full_for_front_desk(client, desk, room, owner):
    page = signed_in(client, desk).get(household(room)).content.decode()
    assert "13800001111" in page


def test_household_query_count_is_bounded(client, supervisor, room, owner, django_assert_max_num_queries):
    for i in range(5):
        tenant = PersonFactory(community=room.community)
        LeaseFactory(room=room, tenant=tenant, start=dt.date(2010 + i, 1, 1), end=dt.date(2010 + i, 12, 31))
        Resident.objects.create(community=room.community, room=room, person=tenant, relationship="other")
    signed_in(client, supervisor)
    # 25 for the register's own parts and the desk's, visits' and quality's sections; 6 for the fee
    # office's three (account, receipts, arrears and deposits); none grows with the history
    with django_assert_max_num_queries(31):
        response = client.get(household(room))
    assert response.status_code == 200


def test_front_desk_sees_no_transfer_button(client, desk, room, owner):
    page = signed_in(client, desk).get(household(room)).content.decode()
    assert reverse("estates:ownership_transfer", args=[room.pk]) not in page


# --- Transfer (PR-1) ----------------------------------------------------------------------


def transfer_data(on="2025-06-01", acquisition="inheritance", **rows):
    data = {
        "on": on,
        "acquisition": acquisition,
        "certificate_no": "粤(2025)深圳市不动产权第0001号",
        "owners-TOTAL_FORMS": "3",
        "owners-INITIAL_FORMS": "0",
        "owners-MIN_NUM_FORMS": "0",
        "owners-MAX_NUM_FORMS": "10",
    }
    data.update(rows)
    return data


def test_transfer_to_existing_person_keeps_history(client, supervisor, room, owner):
    heir = PersonFactory(community=room.community, name="张小三")
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_transfer", args=[room.pk]),
        transfer_data(**{"owners-0-person": heir.pk, "owners-0-share": "100"}),
    )
    assert response.status_code == 302
    current = Ownership.objects.get(room=room, until__isnull=True)
    assert current.person == heir and current.acquisition == "inheritance"
    assert current.since == dt.date(2025, 6, 1)
    assert Ownership.objects.get(room=room, person=owner).until == dt.date(2025, 6, 1)
    page = client.get(response.url).content.decode()
    assert "已办理产权转移" in page
    assert "张三" in page.split('id="owner-history"')[1].split("</section>")[0]


def test_transfer_to_two_new_people_created_on_the_spot(client, supervisor, room, owner):
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_transfer", args=[room.pk]),
        transfer_data(
            acquisition="purchase",
            **{
                "owners-0-new_name": "刘一",
                "owners-0-new_id_number": ID_B,
                "owners-0-new_phones": "13900002222/13900003333",
                "owners-0-share": "60",
                "owners-1-new_name": "刘二",
                "owners-1-share": "40",
            },
        ),
    )
    assert response.status_code == 302
    shares = dict(Ownership.objects.filter(room=room, until__isnull=True).values_list("person__name", "share"))
    assert shares == {"刘一": 60, "刘二": 40}
    assert Person.objects.get(name="刘一").phones.count() == 2


def test_transfer_shares_not_100_shows_message_and_changes_nothing(client, supervisor, room, owner):
    before = Person.objects.count()
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_transfer", args=[room.pk]),
        transfer_data(
            **{"owners-0-new_name": "刘一", "owners-0-share": "60", "owners-1-new_name": "刘二", "owners-1-share": "30"}
        ),
    )
    assert response.status_code == 400  # core.console.ActionView: an invalid form comes back at 400
    assert "份额之和应为100%" in response.content.decode()
    assert Person.objects.count() == before  # the new people are rolled back too
    assert Ownership.objects.get(room=room, until__isnull=True).person == owner


def test_transfer_bad_id_number_shown_beside_the_row(client, supervisor, room, owner):
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_transfer", args=[room.pk]),
        transfer_data(**{"owners-0-new_name": "刘一", "owners-0-new_id_number": "110105199003071238"}),
    )
    page = response.content.decode()
    assert response.status_code == 400
    row = page.split('id="owner-row-0"')[1].split("</fieldset>")[0]
    assert "身份证号" in row and "无效" in row
    assert "110105199003071238" not in page.split("<form")[1].split('class="errorlist"')[0]
    assert not Person.objects.filter(name="刘一").exists()


def test_transfer_date_before_current_ownership_is_refused_beside_the_date(client, supervisor, room, owner):
    heir = PersonFactory(community=room.community)
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_transfer", args=[room.pk]),
        transfer_data(on="2019-01-01", **{"owners-0-person": heir.pk}),
    )
    page = response.content.decode()
    assert 'id="id_on_error"' in page and "转移日期须晚于现业主取得日期" in page
    assert Ownership.objects.filter(room=room).count() == 1


def test_front_desk_cannot_transfer(client, desk, room, owner):
    heir = PersonFactory(community=room.community)
    signed_in(client, desk)
    url = reverse("estates:ownership_transfer", args=[room.pk])
    response = client.post(url, transfer_data(**{"owners-0-person": heir.pk}), follow=True)
    assert "您没有权限执行此操作" in response.content.decode()
    assert Ownership.objects.get(room=room, until__isnull=True).person == owner
    assert not ActivityLog.objects.filter(verb="estates.ownership.transferred").exists()
    assert client.get(url).status_code == 403  # the page says why instead of the form


def test_transfer_cannot_pick_a_person_of_another_community(client, supervisor, room, owner):
    stranger = PersonFactory(community=CommunityFactory())
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_transfer", args=[room.pk]),
        transfer_data(**{"owners-0-person": stranger.pk}),
    )
    assert response.status_code == 400
    assert Ownership.objects.get(room=room, until__isnull=True).person == owner


def test_register_first_owners(client, supervisor, room):
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_register", args=[room.pk]),
        {
            "since": "2021-01-15",
            "acquisition": "purchase",
            "owners-TOTAL_FORMS": "3",
            "owners-INITIAL_FORMS": "0",
            "owners-0-new_name": "陈晓梅",
        },
    )
    assert response.status_code == 302
    ownership = Ownership.objects.get(room=room)
    assert ownership.person.name == "陈晓梅" and ownership.share == 100  # a sole owner: 100%


def test_pr1_register_first_owners_without_a_date_records_it_unknown(client, supervisor, room):
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_register", args=[room.pk]),
        {
            "since": "",
            "acquisition": "purchase",
            "owners-TOTAL_FORMS": "3",
            "owners-INITIAL_FORMS": "0",
            "owners-0-new_name": "陈晓梅",
        },
    )
    assert response.status_code == 302
    assert Ownership.objects.get(room=room).since is None
    assert (
        "取得日期不详"
        in signed_in(client, supervisor).get(reverse("estates:household", args=[room.pk])).content.decode()
    )


def test_register_with_no_owner_asks_for_one(client, supervisor, room):
    response = signed_in(client, supervisor).post(
        reverse("estates:ownership_register", args=[room.pk]),
        {"since": "2021-01-15", "acquisition": "purchase", "owners-TOTAL_FORMS": "3", "owners-INITIAL_FORMS": "0"},
    )
    assert "请至少填写一位业主" in response.content.decode()
    assert not Ownership.objects.exists()


# --- Room, leases, residents ----------------------------------------------------------


def test_edit_room_change_of_use_is_logged(client, supervisor, room):
    data = {
        "kind": "residence",
        "use": "rented",
        "handover": "moved_in",
        "building_area": "92.30",
        "facilities": "",
        "garage": "B2-018",
        "note": "",
    }
    response = signed_in(client, supervisor).post(reverse("estates:room_edit", args=[room.pk]), data)
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.use == "rented" and room.garage == "B2-018" and str(room.building_area) == "92.30"
    assert ActivityLog.objects.filter(household_id=room.pk, verb="estates.room.use_changed").exists()


def test_edit_room_bad_area_shown_beside_field(client, supervisor, room):
    response = signed_in(client, supervisor).post(
        reverse("estates:room_edit", args=[room.pk]),
        {"kind": "residence", "use": "self", "handover": "moved_in", "building_area": "九十"},
    )
    page = response.content.decode()
    assert 'id="id_building_area_error"' in page
    room.refresh_from_db()
    assert str(room.building_area) == "89.50"


def test_add_lease_with_new_tenant_and_end_it(client, supervisor, room, owner):
    signed_in(client, supervisor)
    response = client.post(
        reverse("estates:lease_create", args=[room.pk]),
        {
            "new_name": "赵六",
            "new_phones": "13700001111",
            "start": "2025-01-01",
            "end": "2025-12-31",
            "decoration": "简装",
        },
    )
    assert response.status_code == 302
    lease = Lease.objects.get(room=room)
    assert lease.tenant.name == "赵六" and lease.decoration == "简装"
    response = client.post(reverse("estates:lease_end", args=[lease.pk]), {"on": "2025-09-30"})
    assert response.status_code == 302
    lease.refresh_from_db()
    assert lease.ended_on == dt.date(2025, 9, 30)


def test_overlapping_lease_refused_beside_start(client, supervisor, room):
    tenant = PersonFactory(community=room.community)
    LeaseFactory(room=room, tenant=tenant, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    response = signed_in(client, supervisor).post(
        reverse("estates:lease_create", args=[room.pk]),
        {"person": tenant.pk, "start": "2025-06-01", "end": "2026-05-31"},
    )
    page = response.content.decode()
    assert 'id="id_start_error"' in page and "已有租赁" in page
    assert Lease.objects.filter(room=room).count() == 1


def test_lease_without_tenant_asks_for_one(client, supervisor, room):
    response = signed_in(client, supervisor).post(
        reverse("estates:lease_create", args=[room.pk]), {"start": "2025-06-01", "end": "2026-05-31"}
    )
    assert "请选择租户或填写新租户姓名" in response.content.decode()
    assert not Lease.objects.exists()


def test_add_and_remove_resident(client, supervisor, room, owner):
    signed_in(client, supervisor)
    response = client.post(
        reverse("estates:resident_add", args=[room.pk]),
        {"new_name": "张小明", "relationship": "child", "since": "2024-09-01"},
    )
    assert response.status_code == 302
    resident = Resident.objects.get(room=room)
    response = client.post(reverse("estates:resident_remove", args=[resident.pk]), {"on": "2025-07-01"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.until == dt.date(2025, 7, 1)
    page = client.get(household(room)).content.decode()
    assert "2025-07-01" in page.split('id="residents"')[1].split("</section>")[0]


def test_person_options_search_by_pinyin(client, supervisor, room, owner):
    response = signed_in(client, supervisor).get(
        reverse("estates:person_options"), {"community": room.community_id, "q": "zhangs"}
    )
    assert f'value="{owner.pk}"' in response.content.decode()


def test_person_options_of_another_community_is_404(client, supervisor):
    other = CommunityFactory()
    PersonFactory(community=other, name="张三")
    response = signed_in(client, supervisor).get(reverse("estates:person_options"), {"community": other.pk, "q": "张"})
    assert response.status_code == 404


# --- Documents and ID numbers (AR-1, LW-1) --------------------------------------------


def upload(client, room, category="contract", name="合同.pdf", content=b"%PDF-1.4 test"):
    return client.post(
        reverse("estates:document_upload", args=[room.pk]),
        {"category": category, "title": "", "file": SimpleUploadedFile(name, content)},
    )


def test_upload_and_download_document(client, desk, room):
    signed_in(client, desk)
    assert upload(client, room).status_code == 302
    document = HouseholdDocument.objects.get(room=room)
    page = client.get(household(room)).content.decode()
    assert "合同.pdf" in page.split('id="documents"')[1]
    response = client.get(reverse("estates:document", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"


def test_upload_bad_file_type_shown_beside_file(client, desk, room):
    response = upload(signed_in(client, desk), room, name="virus.pdf", content=b"MZ\x90\x00 a Windows program")
    page = response.content.decode()
    assert 'id="id_file_error"' in page and "按文件内容判断" in page  # issue 10: content, not the name
    assert not HouseholdDocument.objects.exists()


def test_id_copy_only_for_roles_with_view_id_and_logged(client, supervisor, desk, room):
    signed_in(client, supervisor)
    upload(client, room, category="id_copy", name="身份证.jpg", content=jpeg_bytes())
    document = HouseholdDocument.objects.get()
    url = reverse("estates:document", args=[document.pk])

    signed_in(client, desk)
    assert client.get(url).status_code == 403
    assert url not in client.get(household(room)).content.decode()

    signed_in(client, supervisor)
    assert client.get(url).status_code == 200
    assert ActivityLog.objects.filter(verb="estates.document.viewed", actor=supervisor).count() == 1


def test_reveal_id_for_supervisor_is_logged(client, supervisor, room, owner):
    signed_in(client, supervisor)
    page = client.get(household(room)).content.decode()
    url = reverse("estates:person_reveal_id", args=[owner.pk])
    assert url in page and ID_A not in page
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert ID_A in response.content.decode()
    assert ActivityLog.objects.filter(verb="estates.person.id_viewed", actor=supervisor).count() == 1


def test_reveal_id_refused_for_front_desk(client, desk, room, owner):
    signed_in(client, desk)
    url = reverse("estates:person_reveal_id", args=[owner.pk])
    assert url not in client.get(household(room)).content.decode()
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and ID_A not in response.content.decode()
    assert not ActivityLog.objects.filter(verb="estates.person.id_viewed").exists()


# --- People ---------------------------------------------------------------------------


def test_create_person_with_phones_one_per_line(client, supervisor, community):
    response = signed_in(client, supervisor).post(
        reverse("estates:person_create"),
        {
            "name": "欧阳娜娜",
            "id_type": "resident_id",
            "id_number": ID_B,
            "phones": "13900001111\n13900002222",
            "note": "",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(name="欧阳娜娜")
    assert person.id_last4 == "4565" and person.phones.count() == 2


def test_edit_person_never_echoes_the_id_and_blank_keeps_it(client, supervisor, owner):
    signed_in(client, supervisor)
    url = reverse("estates:person_edit", args=[owner.pk])
    page = client.get(url).content.decode()
    assert ID_A not in page and "13800001111" in page
    response = client.post(url, {"name": "张叁", "id_type": "resident_id", "id_number": "", "phones": "13800001111"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.name == "张叁" and owner.id_number == ID_A


def test_edit_person_bad_phone_shown_beside_phones(client, supervisor, owner):
    response = signed_in(client, supervisor).post(
        reverse("estates:person_edit", args=[owner.pk]),
        {"name": "张三", "id_type": "resident_id", "id_number": "", "phones": "12345"},
    )
    page = response.content.decode()
    assert 'id="id_phones_error"' in page and "格式不正确" in page
    assert list(owner.phones.values_list("number", flat=True)) == ["13800001111"]


def test_duplicate_id_number_refused_beside_id(client, supervisor, owner):
    response = signed_in(client, supervisor).post(
        reverse("estates:person_create"), {"name": "冒名", "id_type": "resident_id", "id_number": ID_A, "phones": ""}
    )
    page = response.content.decode()
    assert 'id="id_id_number_error"' in page and "已登记" in page
    assert not Person.objects.filter(name="冒名").exists()


def test_front_desk_cannot_create_person(client, desk):
    response = signed_in(client, desk).post(
        reverse("estates:person_create"), {"name": "某人", "id_type": "resident_id"}
    )
    assert response.status_code == 403
    assert not Person.objects.filter(name="某人").exists()


def test_person_page_links_the_households_and_masks_the_id(client, desk, room, owner):
    page = signed_in(client, desk).get(reverse("estates:person", args=[owner.pk])).content.decode()
    assert reverse("estates:household", args=[room.pk]) in page
    assert ID_A not in page and "*" * 14 + ID_A[-4:] in page
    assert reverse("estates:person_edit", args=[owner.pk]) not in page  # front desk does not edit the register


def test_action_forms_render(client, supervisor, room, owner):
    signed_in(client, supervisor)
    lease = LeaseFactory(room=room, tenant=owner)
    resident = Resident.objects.create(community=room.community, room=room, person=owner, relationship="other")
    for url in (
        reverse("estates:room_edit", args=[room.pk]),
        reverse("estates:ownership_transfer", args=[room.pk]),
        reverse("estates:lease_create", args=[room.pk]),
        reverse("estates:resident_add", args=[room.pk]),
        reverse("estates:lease_end", args=[lease.pk]),
        reverse("estates:resident_remove", args=[resident.pk]),
        reverse("estates:person_create"),
    ):
        response = client.get(url)
        assert response.status_code == 200 and 'type="submit"' in response.content.decode(), url
