"""/admin/ is no way around the services (issue 10, LW-1): the activity log cannot be changed or
deleted there, rule numbers are read-only there, and roles given or taken there are checked and logged."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from guanjia.core.activity import log
from guanjia.core.models import ActivityLog, Membership, PolicySetting
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import CommunityFactory, UserFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory(name="翠苑一期")


@pytest.fixture
def root(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-Секрет-123")
    client.force_login(user)
    return user


def _url(model, view, *args):
    return reverse(f"admin:core_{model}_{view}", args=args)


# --- The activity log ---------------------------------------------------------------------


def test_activity_log_cannot_be_changed_or_deleted_even_by_a_superuser(client, root, community):
    entry = log(root, "core.policy.changed", None, community=community, summary="RC-4.leak_days: 3 → 5")
    assert client.get(_url("activitylog", "changelist")).status_code == 200
    page = client.get(_url("activitylog", "change", entry.pk))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # a view page, no form
    client.post(_url("activitylog", "change", entry.pk), {"verb": "core.tampered", "summary": "x"})
    assert client.get(_url("activitylog", "delete", entry.pk)).status_code == 403
    assert client.post(_url("activitylog", "delete", entry.pk), {"post": "yes"}).status_code == 403
    bulk = client.post(
        _url("activitylog", "changelist"), {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert bulk.status_code in (200, 302)
    assert client.get(_url("activitylog", "add")).status_code == 403
    entry.refresh_from_db()
    assert (entry.verb, entry.summary) == ("core.policy.changed", "RC-4.leak_days: 3 → 5")
    assert ActivityLog.objects.filter(pk=entry.pk).exists()


def test_activity_log_admin_offers_no_actions(client, root, community):
    log(root, "core.policy.changed", None, community=community)
    page = client.get(_url("activitylog", "changelist")).content.decode()
    assert "delete_selected" not in page


# --- Rule numbers: the console's page only --------------------------------------------------


def test_policy_settings_are_read_only_in_admin(client, root, community):
    manager = staff("office_manager", community)
    policy_set(community=community, key="RC-4.leak_days", raw_value="5", actor=manager)
    setting = PolicySetting.objects.get(community=community, key="RC-4.leak_days")
    before = ActivityLog.objects.count()
    assert client.get(_url("policysetting", "add")).status_code == 403
    client.post(
        _url("policysetting", "change", setting.pk), {"community": community.pk, "key": setting.key, "value": "1"}
    )
    assert client.post(_url("policysetting", "delete", setting.pk), {"post": "yes"}).status_code == 403
    setting.refresh_from_db()
    assert setting.value == 5 and ActivityLog.objects.count() == before
    listing = client.get(_url("policysetting", "changelist")).content.decode()
    assert reverse("core:policies") in listing  # pointed to the console page that checks and logs


# --- Roles: through core.memberships ----------------------------------------------------------


def test_membership_added_in_admin_is_logged(client, root, community):
    user = UserFactory(username="xiaowang")
    response = client.post(
        _url("membership", "add"), {"user": user.pk, "community": community.pk, "role": "front_desk"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=user)
    entry = ActivityLog.objects.get(verb="core.membership.granted")
    assert (entry.actor, entry.community, entry.subject_id) == (root, community, str(membership.pk))
    assert entry.data == {"user": "xiaowang", "role": "front_desk"}


def test_membership_changed_in_admin_is_logged(client, root, community):
    user = UserFactory(username="xiaoli")
    membership = Membership.objects.create(user=user, community=community, role="front_desk")
    response = client.post(
        _url("membership", "change", membership.pk), {"user": user.pk, "community": community.pk, "role": "cashier"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "cashier"
    entry = ActivityLog.objects.get(verb="core.membership.changed")
    assert entry.actor == root and entry.data["role"] == "cashier"


def test_membership_deleted_in_admin_is_logged_first(client, root, community):
    membership = Membership.objects.create(user=UserFactory(username="xiaozhao"), community=community, role="security")
    response = client.post(_url("membership", "delete", membership.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    entry = ActivityLog.objects.get(verb="core.membership.revoked")
    assert (entry.actor, entry.community, entry.data) == (root, community, {"user": "xiaozhao", "role": "security"})


def test_bulk_revoke_logs_each_and_django_bulk_delete_is_gone(client, root, community):
    rows = [Membership.objects.create(user=UserFactory(), community=community, role="security") for _ in range(2)]
    page = client.get(_url("membership", "changelist")).content.decode()
    assert "delete_selected" not in page and "revoke_selected" in page
    response = client.post(
        _url("membership", "changelist"), {"action": "revoke_selected", "_selected_action": [m.pk for m in rows]}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk__in=[m.pk for m in rows]).exists()
    assert ActivityLog.objects.filter(verb="core.membership.revoked").count() == 2


def test_staff_admin_without_the_permission_is_refused_on_the_form(client, community):
    """An admin-site staff user who is only the front desk cannot hand out roles there."""
    desk = staff("front_desk", community)
    desk.is_staff = True
    desk.save()
    from django.contrib.auth.models import Permission

    desk.user_permissions.add(*Permission.objects.filter(codename__in=["add_membership", "view_membership"]))
    client.force_login(desk)
    target = UserFactory()
    response = client.post(
        _url("membership", "add"), {"user": target.pk, "community": community.pk, "role": "office_manager"}
    )
    assert response.status_code == 200 and "您没有权限执行此操作。" in response.content.decode()
    assert not Membership.objects.filter(user=target).exists()
    assert not ActivityLog.objects.filter(verb__startswith="core.membership").exists()


def test_company_roles_need_a_company_wide_grant(community):
    from guanjia.core import memberships
    from guanjia.core.errors import Forbidden

    manager = staff("office_manager", community)
    with pytest.raises(Forbidden):
        memberships.membership_grant(user=UserFactory(), community=None, role="company_admin", actor=manager)
    granted = memberships.membership_grant(user=UserFactory(), community=community, role="security", actor=manager)
    assert ActivityLog.objects.get(verb="core.membership.granted").subject_id == str(granted.pk)
