"""Household search (issue #2): every search form, current links only, community scope, query budget."""

import datetime as dt

import pytest
from django.urls import reverse
from stdnum.cn import ric

from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import services
from guanjia.estates.choices import Relationship
from guanjia.estates.search import search_households

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def id_number(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "?")  # stdnum wants the check position filled


ZHANG_ID = id_number("33010619850101123")  # 西湖区 codes exist since 1983
ZHANG_PHONE = "13812345678"


class World:
    """Two communities; the first has owners, a tenant, a resident and ended links."""

    def __init__(self):
        self.a = CommunityFactory(name="翠苑花园")
        self.b = CommunityFactory(name="锦绣华庭")
        self.admin = staff("company_admin")
        self.desk = staff("front_desk", self.a)
        self.desk_b = staff("front_desk", self.b)
        a, admin = self.a, self.admin
        room = lambda c, b, u, n: services.room_create(  # noqa: E731
            community=c, actor=admin, building_code=b, unit_code=u, number=n
        )
        person = lambda c, name, **kw: services.person_create(community=c, actor=admin, name=name, **kw)  # noqa: E731

        self.r1201 = room(a, "3", "2", "1201")
        self.r1202 = room(a, "3", "2", "1202")
        self.r501 = room(a, "3", "1", "501")
        self.r101 = room(a, "5", "1", "101")
        self.shop = room(a, "S1", "", "1201")  # a shop numbered like a flat, in a building without entrances

        self.zhang = person(a, "张三", id_number=ZHANG_ID, phones=[ZHANG_PHONE])
        services.ownership_register(room=self.r1201, actor=admin, owners=[(self.zhang, 100)], since=dt.date(2015, 5, 1))
        self.li = person(a, "李四", phones=["13900001111"])
        services.ownership_register(room=self.r1202, actor=admin, owners=[(self.li, 100)], since=dt.date(2016, 1, 1))
        # A tenant of 3-2-1202, living there now.
        self.wang = person(a, "王小明", phones=["13700002222"])
        services.lease_create(
            room=self.r1202,
            tenant=self.wang,
            actor=admin,
            start=TODAY - dt.timedelta(days=30),
            end=TODAY + dt.timedelta(days=300),
        )
        # The owner's wife, a resident of 3-2-1201.
        self.chen = person(a, "陈美丽")
        services.resident_add(room=self.r1201, person=self.chen, actor=admin, relationship=Relationship.SPOUSE)

        # Ended links: a former owner (sold 5-1-101), a former tenant, an expired lease, a resident who left.
        self.zhao = person(a, "赵老板", phones=["13600003333"])
        self.qian = person(a, "钱买家")
        services.ownership_register(room=self.r101, actor=admin, owners=[(self.zhao, 100)], since=dt.date(2012, 1, 1))
        services.ownership_transfer(
            room=self.r101, actor=admin, owners=[(self.qian, 100)], on=dt.date(2020, 1, 1), acquisition="purchase"
        )
        self.sun = person(a, "孙前租户")
        lease = services.lease_create(
            room=self.r501, tenant=self.sun, actor=admin, start=dt.date(2022, 1, 1), end=TODAY + dt.timedelta(days=100)
        )
        services.lease_end(lease=lease, actor=admin, on=dt.date(2023, 1, 1))
        self.zhou = person(a, "周过期")
        services.lease_create(
            room=self.r501, tenant=self.zhou, actor=admin, start=dt.date(2023, 2, 1), end=TODAY - dt.timedelta(days=1)
        )
        self.wu = person(a, "吴搬走")
        resident = services.resident_add(room=self.r501, person=self.wu, actor=admin, relationship=Relationship.CHILD)
        services.resident_remove(resident=resident, actor=admin, until=dt.date(2024, 6, 1))

        # The other community: same room code, same name, same phone number, same ID number.
        self.b_room = room(self.b, "3", "2", "1201")
        self.b_zhang = person(self.b, "张三", id_number=ZHANG_ID, phones=[ZHANG_PHONE])
        services.ownership_register(
            room=self.b_room, actor=admin, owners=[(self.b_zhang, 100)], since=dt.date(2018, 1, 1)
        )

    def codes(self, query, user=None, community=None, **kw):
        hits = search_households(user=user or self.desk, community=community or self.a, query=query, **kw)
        return [h.room.code for h in hits]

    def hit(self, query, code, user=None):
        hits = search_households(user=user or self.desk, community=self.a, query=query)
        return next(h for h in hits if h.room.code == code)


@pytest.fixture
def world():
    return World()


@pytest.mark.parametrize(
    "query", ["3-2-1201", "3栋2单元1201室", "３-２-１２０１", "３栋２单元１２０１", " 3 - 2 - 1201 "]
)
def test_room_code_in_either_form(world, query):
    assert world.codes(query) == ["3-2-1201"]
    hit = world.hit(query, "3-2-1201")
    assert hit.owners == ["张三"]
    assert hit.reasons == ["房号 3-2-1201"]


@pytest.mark.parametrize("query", ["3-2", "3栋2单元", "3-2-"])
def test_entrance_prefix_lists_that_entrance(world, query):
    assert world.codes(query) == ["3-2-1201", "3-2-1202"]


def test_building_prefix(world):
    assert world.codes("3栋") == ["3-1-501", "3-2-1201", "3-2-1202"]


def test_owner_name_and_name_prefix(world):
    hit = world.hit("张三", "3-2-1201")
    assert hit.reasons == ["业主 张三"]
    assert world.codes("张") == ["3-2-1201"]


@pytest.mark.parametrize("query", ["zhangsan", "ZhangSan", "zhang", "zs"])
def test_pinyin_full_and_initials(world, query):
    assert "3-2-1201" in world.codes(query)
    assert world.hit(query, "3-2-1201").reasons == ["业主 张三"]


def test_mobile_number_exact(world):
    assert world.codes(ZHANG_PHONE) == ["3-2-1201"]
    assert world.hit(ZHANG_PHONE, "3-2-1201").reasons == ["业主 张三 · 手机 138****5678"]
    assert world.codes("13812345679") == []


def test_last_four_of_mobile(world):
    assert world.codes("5678") == ["3-2-1201"]
    assert world.hit("5678", "3-2-1201").reasons == ["业主 张三 · 手机尾号 5678"]


def test_last_four_of_id_number(world):
    last4 = ZHANG_ID[-4:]
    assert world.codes(last4) == ["3-2-1201"]
    assert world.hit(last4, "3-2-1201").reasons == [f"业主 张三 · 证件尾号 {last4}"]


def test_full_id_number(world):
    assert world.codes(ZHANG_ID) == ["3-2-1201"]


def test_four_digits_also_find_the_room_number(world):
    assert world.codes("1201") == ["3-2-1201", "S1-1201"]


def test_tenant_name(world):
    hit = world.hit("王小明", "3-2-1202")
    assert hit.reasons == ["租户 王小明"]
    assert hit.owners == ["李四"]  # the owners of the household, not the tenant
    assert world.codes("wxm") == ["3-2-1202"]
    assert world.codes("2222") == ["3-2-1202"]


def test_resident_name(world):
    assert world.codes("陈美丽") == ["3-2-1201"]
    assert world.hit("陈美丽", "3-2-1201").reasons == ["住户 陈美丽（配偶）"]


def test_ended_ownerships_and_leases_do_not_match(world):
    assert world.codes("赵老板") == []  # sold in 2020 (PR-1 history stays, but he is no longer the owner)
    assert world.codes("3333") == []
    assert world.codes("钱买家") == ["5-1-101"]
    assert world.codes("孙前租户") == []  # lease ended
    assert world.codes("周过期") == []  # lease expired yesterday
    assert world.codes("吴搬走") == []  # resident moved out


def test_other_communities_never_appear(world):
    for query in ["3-2-1201", "张三", "zhangsan", "zs", ZHANG_PHONE, "5678", ZHANG_ID[-4:], ZHANG_ID, "1201"]:
        hits = search_households(user=world.admin, community=world.a, query=query)
        assert hits, query
        assert {h.room.community_id for h in hits} == {world.a.pk}, query


def test_a_community_outside_the_users_scope_gives_nothing(world):
    # Community A's clerk asking about community B, and the other way round.
    assert world.codes("3-2-1201", user=world.desk, community=world.b) == []
    assert world.codes("张三", user=world.desk_b, community=world.a) == []
    assert world.codes("张三", user=world.desk_b, community=world.b) == ["3-2-1201"]
    hits = search_households(user=world.desk_b, community=world.b, query="张三")
    assert hits[0].room.pk == world.b_room.pk


def test_limit_and_junk(world):
    assert len(world.codes("3", limit=2)) == 2
    assert world.codes("") == []
    assert world.codes("!!") == []
    assert search_households(user=world.desk, community=None, query="3-2-1201") == []


def test_query_budget(world, django_assert_max_num_queries):
    desk = world.desk
    search_households(user=desk, community=world.a, query="x")  # memberships are cached per user
    for query in ["3-2-1201", "3-2", "张", "zs", ZHANG_PHONE, "5678"]:
        with django_assert_max_num_queries(6):
            search_households(user=desk, community=world.a, query=query)


# -- console ----------------------------------------------------------------------------------


def test_search_page_links_to_the_household_file(client, world):
    client.force_login(world.desk)
    response = client.get(reverse("estates:search"), {"q": "zs"})
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("estates:household", args=[world.r1201.pk]) in body
    assert "业主 张三" in body
    assert reverse("estates:household", args=[world.b_room.pk]) not in body


def test_search_dropdown_for_htmx(client, world, django_assert_max_num_queries):
    client.force_login(world.desk)
    client.get(reverse("estates:search"), {"q": "x"}, headers={"HX-Request": "true"})
    with django_assert_max_num_queries(12):
        response = client.get(reverse("estates:search"), {"q": "王小明"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body  # a fragment for the dropdown
    assert reverse("estates:household", args=[world.r1202.pk]) in body
    assert "租户 王小明" in body


def test_search_box_in_the_top_bar(client, world):
    client.force_login(world.desk)
    body = client.get(reverse("core:dashboard")).content.decode()
    assert 'id="household-search"' in body
    assert 'hx-trigger="keyup changed delay:250ms' in body


def test_search_needs_sign_in(client, world):
    response = client.get(reverse("estates:search"), {"q": "张三"})
    assert response.status_code == 302
