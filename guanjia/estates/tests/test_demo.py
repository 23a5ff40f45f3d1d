"""`manage.py demo` (issue #2): communities, households, people, transfers and a login per role."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from guanjia.core.models import ActivityLog, Community, Membership
from guanjia.core.roles import COMPANY_ROLES, Role
from guanjia.core.validators import parse_cn_id
from guanjia.estates import demo
from guanjia.estates.models import Lease, Ownership, Person, Phone, Resident, Room
from guanjia.estates.search import search_households

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(settings):
    # A fast hasher so that signing in as every demo user stays quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = io.StringIO()
    call_command("demo", "--scale", "0.05", stdout=out)
    return out.getvalue()


def test_three_communities_with_proportional_households(built):
    counts = {c.name: Room.objects.filter(community=c).count() for c in Community.objects.all()}
    assert counts == {"翠苑花园": 15, "锦绣华庭": 32, "江畔壹号": 60}
    assert Community.objects.filter(company__name="示范物业服务有限公司").count() == 3
    assert "翠苑花园 15 户" in built


def test_owners_tenants_residents_with_valid_ids_and_phones(built):
    for community in Community.objects.all():
        rooms = Room.objects.filter(community=community)
        sold = rooms.exclude(handover="undelivered")
        owned = Ownership.objects.filter(room__in=sold, until__isnull=True).values("room").distinct().count()
        assert owned == sold.count(), community
        assert Lease.objects.filter(community=community, ended_on__isnull=True).exists(), community
        assert Resident.objects.filter(community=community).exists(), community
    people = list(Person.objects.all())
    assert len({p.id_hash for p in people}) == len(people)
    for person in people[:50]:
        info = parse_cn_id(person.id_number)  # GB 11643: checksum, birth date and region all valid
        assert (info.gender, info.birth_date) == (person.gender, person.birth_date)
        assert person.id_last4 == person.id_number[-4:]
        assert person.name_pinyin and person.name_initials
    phone = Phone.objects.first()
    assert len(phone.number) == 11 and phone.last4 == phone.number[-4:]


def test_transfers_keep_their_history_and_timeline(built):
    ended = Ownership.objects.filter(until__isnull=False)
    assert {o.community.name for o in ended} >= {"翠苑花园", "锦绣华庭"}
    for old in ended:
        successors = Ownership.objects.filter(room=old.room, since=old.until, until__isnull=True)
        assert successors.exists()
        assert {s.acquisition for s in successors} <= {"purchase", "inheritance", "gift"}
        entry = ActivityLog.objects.get(verb="estates.ownership.transferred", household_id=old.room_id)
        assert entry.data["since"] == old.until.isoformat()
        assert entry.at.date() == old.until


def test_every_role_has_a_user_who_can_sign_in(built, client):
    for role in Role:
        memberships = Membership.objects.filter(role=role)
        assert memberships.count() == (1 if role in COMPANY_ROLES else 3), role
        for membership in memberships:
            assert client.login(username=membership.user.username, password=demo.PASSWORD), membership.user
            client.logout()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert get_user_model().objects.get(username="cuiyuan_desk").get_full_name()
    client.login(username="jiangpan_desk", password=demo.PASSWORD)
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert "江畔壹号" in response.content.decode()


def test_logins_table_and_idempotence(built):
    assert "cuiyuan_desk" in built and "guanjia-demo" in built
    rooms, people = Room.objects.count(), Person.objects.count()
    out = io.StringIO()
    call_command("demo", stdout=out)  # full scale asked for, but the demo company exists: nothing changes
    assert (Room.objects.count(), Person.objects.count()) == (rooms, people)
    assert "已存在" in out.getvalue()
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[2].split()[:3] == ["admin", "公司管理员", "全公司"]
    assert any(line.split()[:3] == ["jinxiu_manager", "管理处经理", "锦绣华庭"] for line in lines)


def test_demo_households_are_searchable(built):
    user = get_user_model().objects.get(username="cuiyuan_desk")
    community = Community.objects.get(code="cuiyuan")
    ownership = (
        Ownership.objects.filter(community=community, until__isnull=True).select_related("person", "room").first()
    )
    hits = search_households(user=user, community=community, query=ownership.person.name)
    assert ownership.room in [h.room for h in hits]
    hits = search_households(user=user, community=community, query=ownership.person.name_initials)
    assert ownership.room in [h.room for h in hits]


def test_same_seed_same_data():
    def people(seed):
        gen = demo.Generator(seed, today=dt.date(2026, 6, 1))
        plan = demo.COMMUNITIES[0]
        draft = demo.Draft(community=Community(code="x", name="x"), delivered=plan.delivered)
        gen.layout(draft, plan, 40)
        gen.people_and_tenure(draft, plan)
        return [(p.name, p.id_hash, p.birth_date) for p in draft.people]

    assert people(7) == people(7)
    assert people(7) != people(8)
