"""LW-1: no page shown to a role without `people.view_id` narrows an ID number below 10,000 candidates.

Every page, API answer and export that shows a person is rendered for every such role, and the
candidates consistent with what it shows are counted (id_candidates: GB 11643 with stdnum's check
rule and address codes)."""

import datetime as dt
import io
import itertools

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from stdnum.cn import ric

from guanjia.core import clock
from guanjia.core.masking import mask_id
from guanjia.core.roles import Role, roles_for
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.estates import services
from guanjia.estates.exporting import register_export
from guanjia.estates.tests import id_candidates
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, RoomFactory

pytestmark = pytest.mark.django_db

OWNER_ID = "330106198503122146"  # 杭州西湖区, 1985-03-12, female
TENANT_ID = "11010519491231002X"  # 北京朝阳区, 1949-12-31, female
NOW = at(2026, 11, 20, 10, 0)
WITHOUT_ID = sorted(set(Role.values) - roles_for("people.view_id"))
COMPANY_ROLES = {Role.QUALITY, Role.COMPANY_ADMIN}


def _valid(number: str) -> bool:
    try:
        return ric.is_valid(number)
    except (KeyError, ValueError):  # stdnum trips over a few province-only address codes
        return False


# --- The counter itself ---------------------------------------------------------------------


def test_counter_agrees_with_stdnum_by_brute_force():
    born = dt.date(1985, 3, 12)
    county_hidden = "3301**19850312214" + OWNER_ID[-1]
    brute = sum(_valid(f"3301{a}{b}19850312214{OWNER_ID[-1]}") for a, b in itertools.product("0123456789", repeat=2))
    assert id_candidates.count(county_hidden, birth_dates=[born]) == brute
    city_hidden = "33****19850312214" + OWNER_ID[-1]
    brute = sum(
        _valid("33" + "".join(d) + "19850312214" + OWNER_ID[-1]) for d in itertools.product("0123456789", repeat=4)
    )
    assert id_candidates.count(city_hidden, birth_dates=[born]) == brute


def test_the_old_mask_with_the_birth_date_left_a_handful():
    """The attack of issue 10: `3301**********2146` beside 1985-03-12 and 女."""
    page = "<td>3301**********2146</td><td>1985-03-12</td><td>女</td>"
    assert id_candidates.candidates(page, OWNER_ID, today=dt.date(2026, 11, 20)) < 10
    # and the last four beside the birth date still leave only a few hundred: hence people.view_birth_date
    page = f"<td>{mask_id(OWNER_ID)}</td><td>1985年3月12日</td>"
    assert id_candidates.candidates(page, OWNER_ID, today=dt.date(2026, 11, 20)) < 1000


def test_the_new_mask_alone_or_with_an_age_leaves_enough():
    assert mask_id(OWNER_ID) == "**************2146"
    today = dt.date(2026, 11, 20)
    assert id_candidates.candidates(f"<td>{mask_id(OWNER_ID)}</td>", OWNER_ID, today=today) > 10_000_000
    assert id_candidates.candidates(f"{mask_id(OWNER_ID)} 41岁", OWNER_ID, today=today) >= 100_000


# --- Every page that shows a person, for every role without the ID permission -----------------


@pytest.fixture
def household():
    community = CommunityFactory(name="翠苑一期")
    keeper = staff("office_manager", community)
    with clock.frozen(NOW):
        owner = services.person_create(
            community=community, actor=keeper, name="陈晓梅", id_number=OWNER_ID, phones=["13800001111"]
        )
        tenant = services.person_create(community=community, actor=keeper, name="赵六", id_number=TENANT_ID)
    room = RoomFactory(community=community, unit__community=community, unit__building__community=community)
    OwnershipFactory(room=room, person=owner)
    LeaseFactory(room=room, tenant=tenant, start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31))
    assert (owner.birth_date, owner.gender) == (dt.date(1985, 3, 12), "F")
    return community, room, owner, tenant


def _pages(client, community, room, owner):
    pages = {
        "household file": reverse("estates:household", args=[room.pk]),
        "person page": reverse("estates:person", args=[owner.pk]),
        "people list": reverse("estates:people"),
        "lease list": reverse("estates:leases"),
        "room list": reverse("estates:rooms"),
        "search by name": reverse("estates:search") + "?q=陈晓梅",
        "search by ID tail": reverse("estates:search") + "?q=2146",
        "person picker": reverse("estates:person_options") + f"?community={community.pk}&q=陈",
        "API people": "/api/people/",
        "API person": f"/api/people/{owner.pk}/",
        "API ownerships": "/api/ownerships/",
        "API leases": "/api/leases/",
        "API residents": "/api/residents/",
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (where, response.status_code)
        yield where, response.content.decode()


def _export_text(community, user, kind) -> str:
    _name, handle = register_export(community=community, actor=user, kind=kind)
    book = load_workbook(io.BytesIO(handle.read()), read_only=True)
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


@pytest.mark.parametrize("role", WITHOUT_ID)
def test_no_page_narrows_an_id_below_ten_thousand(client, household, role):
    community, room, owner, tenant = household
    user = staff(role, None if role in COMPANY_ROLES else community)
    client.force_login(user)
    with clock.frozen(NOW):
        today = clock.today()
        seen = 0
        for where, page in _pages(client, community, room, owner):
            for number in (OWNER_ID, TENANT_ID):
                id_candidates.assert_enough(page, number, today=today, where=f"{role} · {where}")
            seen += bool(id_candidates.visible(page, OWNER_ID, today=today)["masked"])
        if role in roles_for("estates.export"):
            for kind in ("rooms", "leases"):
                text = _export_text(community, user, kind)
                for number in (OWNER_ID, TENANT_ID):
                    id_candidates.assert_enough(text, number, today=today, where=f"{role} · export {kind}")
    if role in roles_for("estates.view"):
        assert seen >= 3, "the masked ID should be on the household file, the person page and the API"


def test_register_keepers_see_the_birth_date(client, household):
    """people.view_birth_date is a real permission, not a blanket removal: the register's keepers see it."""
    community, _room, owner, _tenant = household
    for role in sorted(roles_for("people.view_birth_date")):
        client.force_login(staff(role, None if role in COMPANY_ROLES else community))
        body = client.get(f"/api/people/{owner.pk}/").json()
        assert body["birth_date"] == "1985-03-12" and body["gender"] == "F"
        assert "1985-03-12" in client.get(reverse("estates:person", args=[owner.pk])).content.decode()
    assert roles_for("people.view_birth_date") <= roles_for("people.view_id")


def test_desk_sees_no_birth_date(client, household):
    community, _room, owner, _tenant = household
    client.force_login(staff(Role.FRONT_DESK, community))
    body = client.get(f"/api/people/{owner.pk}/").json()
    assert body["birth_date"] is None and body["id_number"] == "**************2146"
    assert "1985" not in client.get(reverse("estates:person", args=[owner.pk])).content.decode()
