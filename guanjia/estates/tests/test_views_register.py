"""The register lists of the console: rooms, buildings, people, leases — filtered, paginated, masked."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.models import Phone
from guanjia.estates.tests.factories import (
    BuildingFactory,
    LeaseFactory,
    OwnershipFactory,
    PersonFactory,
    RoomFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(name="翠苑一期")


@pytest.fixture
def desk(client, community):
    user = staff("front_desk", community)
    client.force_login(user)
    return user


def rows(response, table_id):
    page = response.content.decode()
    return page.split(f'id="{table_id}"')[1].split("</table>")[0]


def rooms_in(community, count, building_code="1", **kwargs):
    unit = UnitFactory(building=BuildingFactory(community=community, code=building_code), community=community)
    return [RoomFactory(unit=unit, number=f"{i + 1:02d}01", **kwargs) for i in range(count)]


# --- Rooms --------------------------------------------------------------------------------


def test_rooms_list_shows_current_owners_only(client, desk, community):
    room = rooms_in(community, 1)[0]
    OwnershipFactory(room=room, person__name="张三", since=dt.date(2015, 1, 1), until=dt.date(2020, 1, 1))
    OwnershipFactory(room=room, person__name="李四", since=dt.date(2020, 1, 1))
    table = rows(client.get(reverse("estates:rooms")), "room-list")
    assert room.code in table and "李四" in table
    assert "张三" not in table
    assert reverse("estates:household", args=[room.pk]) in table


def test_rooms_filter_by_building_and_handover(client, desk, community):
    [a] = rooms_in(community, 1, building_code="1", handover="moved_in")
    [b] = rooms_in(community, 1, building_code="2", handover="awaiting")
    b2 = b.building
    table = rows(client.get(reverse("estates:rooms"), {"building": b2.pk}), "room-list")
    assert b.code in table and a.code not in table
    table = rows(client.get(reverse("estates:rooms"), {"handover": "moved_in"}), "room-list")
    assert a.code in table and b.code not in table
    table = rows(client.get(reverse("estates:rooms"), {"code": "2-"}), "room-list")
    assert b.code in table and a.code not in table


def test_rooms_building_filter_offers_only_this_community(client, desk, community):
    BuildingFactory(community=community, code="1")
    BuildingFactory(community=CommunityFactory(), code="99")
    page = client.get(reverse("estates:rooms")).content.decode()
    select = page.split('name="building"')[1].split("</select>")[0]
    assert ">1栋<" in select and ">99栋<" not in select


def test_rooms_paginated_by_50(client, desk, community):
    rooms_in(community, 55)
    first = client.get(reverse("estates:rooms"))
    assert rows(first, "room-list").count("<tr>") == 50 + 1  # header row + 50
    second = client.get(reverse("estates:rooms"), {"page": 2})
    assert rows(second, "room-list").count("<tr>") == 5 + 1
    assert "共 55 条" in first.content.decode()


def test_rooms_query_budget(client, desk, community, django_assert_max_num_queries):
    for room in rooms_in(community, 30):
        OwnershipFactory(room=room)
        OwnershipFactory(room=room, share=50)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("estates:rooms"))
    assert response.status_code == 200


# --- Buildings ----------------------------------------------------------------------------


def test_buildings_list_counts_rooms(client, desk, community):
    rooms_in(community, 3, building_code="7")
    BuildingFactory(community=community, code="8")
    table = rows(client.get(reverse("estates:buildings")), "building-list")
    first, second = table.split("<tr>")[2:4]
    assert ">7<" in first and '<td class="num">3</td>' in first
    assert ">8<" in second and '<td class="num">0</td>' in second


def test_buildings_query_budget(client, desk, community, django_assert_max_num_queries):
    for code in range(20):
        rooms_in(community, 2, building_code=str(code + 1))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("estates:buildings")).status_code == 200


# --- People -------------------------------------------------------------------------------


def person_with_phone(community, name, number="13800001111", id_last4="123X"):
    person = PersonFactory(community=community, name=name, id_last4=id_last4)
    Phone.objects.create(community=community, person=person, number=number)
    return person


def test_people_filter_by_name_pinyin_and_initials(client, desk, community):
    person_with_phone(community, "张三")
    person_with_phone(community, "李四", "13900002222")
    for q in ("张", "zhangsan", "zs"):
        table = rows(client.get(reverse("estates:people"), {"name": q}), "person-list")
        assert "张三" in table and "李四" not in table, q


def test_people_phone_in_full_for_front_desk_id_always_masked(client, desk, community):
    person_with_phone(community, "张三")
    table = rows(client.get(reverse("estates:people")), "person-list")
    assert "13800001111" in table
    assert "**************123X" in table


def test_people_phone_masked_for_archivist(client, community):
    client.force_login(staff("archivist", community))
    person_with_phone(community, "张三")
    table = rows(client.get(reverse("estates:people")), "person-list")
    assert "138****1111" in table and "13800001111" not in table


def test_people_query_budget(client, desk, community, django_assert_max_num_queries):
    for i in range(30):
        person_with_phone(community, f"王{i}", f"1380000{i:04d}")
    with django_assert_max_num_queries(10):
        assert client.get(reverse("estates:people")).status_code == 200


# --- Leases -------------------------------------------------------------------------------


def test_leases_filter_active_and_ended(client, desk, community):
    today = dt.date.today()
    [room_a, room_b, room_c] = rooms_in(community, 3)
    LeaseFactory(
        room=room_a, tenant__name="在租甲", start=today - dt.timedelta(days=30), end=today + dt.timedelta(days=300)
    )
    LeaseFactory(
        room=room_b, tenant__name="到期乙", start=today - dt.timedelta(days=400), end=today - dt.timedelta(days=35)
    )
    LeaseFactory(
        room=room_c,
        tenant__name="退租丙",
        start=today - dt.timedelta(days=100),
        end=today + dt.timedelta(days=200),
        ended_on=today - dt.timedelta(days=1),
    )
    active = rows(client.get(reverse("estates:leases"), {"status": "active"}), "lease-list")
    assert "在租甲" in active and "到期乙" not in active and "退租丙" not in active
    ended = rows(client.get(reverse("estates:leases"), {"status": "ended"}), "lease-list")
    assert "在租甲" not in ended and "到期乙" in ended and "退租丙" in ended
    assert "已退租" in ended and "已到期" in ended


def test_leases_query_budget(client, desk, community, django_assert_max_num_queries):
    for room in rooms_in(community, 30):
        LeaseFactory(room=room)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("estates:leases")).status_code == 200


# --- Navigation ---------------------------------------------------------------------------


def test_nav_links_to_every_list(client, desk):
    page = client.get(reverse("core:dashboard")).content.decode()
    for name in ("rooms", "buildings", "people", "leases"):
        assert reverse(f"estates:{name}") in page
