"""Permissions are data each app declares (core.roles registry); core.access checks them (DESIGN.md §2)."""

import pytest

from guanjia.core import roles
from guanjia.core.access import community_ids, forget, has_perm, require
from guanjia.core.errors import Forbidden
from guanjia.core.models import Membership
from guanjia.core.roles import PERMISSIONS, Role
from guanjia.core.tests.factories import CommunityFactory, UserFactory, staff

pytestmark = pytest.mark.django_db

TOY = {"toy.inspect": {Role.SITE_SUPERVISOR, Role.QUALITY}, "toy.sign": {Role.SECURITY}}


@pytest.fixture
def toy_actions():
    """Actions of an app core has never heard of, registered for one test only."""
    roles.register(TOY, in_person={"toy.sign"})
    yield
    roles.unregister(*TOY)


def test_every_app_registers_its_own_actions():
    for action in ("core.view", "core.edit_policy", "estates.view", "servicedesk.dispatch", "engagement.view"):
        assert PERMISSIONS[action], action
    assert PERMISSIONS["estates.submit_lists"] == {"cs_supervisor", "office_manager", "company_admin"}  # PR-4
    assert PERMISSIONS["estates.receive_lists"] == {"archivist"}  # AR-2


def test_a_new_apps_action_is_checked_like_any_other(toy_actions):
    community, other = CommunityFactory(), CommunityFactory()
    site = staff("site_supervisor", community)
    assert has_perm(site, "toy.inspect", community) and not has_perm(site, "toy.inspect", other)
    assert community_ids(staff("quality"), "toy.inspect") is None  # a company role: every community
    with pytest.raises(Forbidden):
        require(staff("front_desk", community), "toy.inspect", community)


def test_an_unknown_action_says_where_to_declare_it():
    with pytest.raises(KeyError, match="permissions.py"):
        has_perm(UserFactory(), "toy.nothing", None)


def test_an_action_declared_twice_differently_is_refused(toy_actions):
    roles.register({"toy.inspect": {Role.QUALITY, Role.SITE_SUPERVISOR}})  # the same again: nothing changes
    with pytest.raises(ValueError, match="declared twice"):
        roles.register({"toy.inspect": {Role.FRONT_DESK}})
    with pytest.raises(ValueError, match="declared twice"):
        roles.register({"toy.inspect": TOY["toy.inspect"]}, in_person={"toy.inspect"})
    assert PERMISSIONS["toy.inspect"] == {"site_supervisor", "quality"}


def test_a_declaration_names_known_roles_only():
    with pytest.raises(ValueError, match="unknown roles"):
        roles.register({"toy.bad": {"janitor"}})
    with pytest.raises(ValueError, match="not declared"):
        roles.register({"toy.bad": {Role.SECURITY}}, in_person={"toy.other"})
    assert "toy.bad" not in PERMISSIONS


def test_an_in_person_action_is_only_for_who_holds_the_role_there(toy_actions):
    """A signature is the person's own: neither a company-wide role nor a superuser gives it."""
    community, other = CommunityFactory(), CommunityFactory()
    guard = staff("security", community)
    assert has_perm(guard, "toy.sign", community) and not has_perm(guard, "toy.sign", other)
    admin = staff("company_admin")
    admin.is_superuser = True
    admin.save()
    assert has_perm(admin, "estates.view", other)  # everywhere otherwise
    assert not has_perm(admin, "toy.sign", community) and community_ids(admin, "toy.sign") == set()
    Membership.objects.create(user=admin, community=community, role="security")
    forget(admin)
    assert has_perm(admin, "toy.sign", community)  # holding the role in the community, he may


def test_only_the_archivist_signs_for_the_months_lists_not_the_company_admin():
    """AR-2: estates.receive_lists is in person (estates.permissions.IN_PERSON)."""
    community = CommunityFactory()
    admin = staff("company_admin")
    admin.is_superuser = True
    admin.save()
    assert not has_perm(admin, "estates.receive_lists", community)
    assert has_perm(staff("archivist", community), "estates.receive_lists", community)
