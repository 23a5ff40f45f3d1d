"""Policies: every rulebook number is a per-community setting seeded from the defaults (DESIGN.md §3)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.policies import DEFAULTS, format_value, parse_value, policy, policy_set
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db


def test_every_default_cites_a_rule_and_round_trips_through_the_editor():
    for key, spec in DEFAULTS.items():
        assert re.fullmatch(r"[A-Z]{2}-\d+\.[a-z_]+", key), key
        assert str(spec.label)
        assert parse_value(spec, format_value(spec, spec.default)) == spec.default or spec.kind == "decimal"


def test_rulebook_defaults():
    community = CommunityFactory()
    assert policy(community, "RC-3.reply_hours") == 72  # RC-3
    assert policy(community, "RC-4.leak_days") == 3  # RC-4
    assert policy(community, "RN-3.review_days") == 2  # RN-3
    assert policy(community, "SV-2.min_return_pct") == Decimal("60")  # SV-2
    assert policy(community, "VS-1.tiers") == [[300, 4], [500, 5], [800, 6], [None, 7]]  # VS-1


def test_manager_changes_one_community_only_and_it_is_logged():
    a, b = CommunityFactory(), CommunityFactory()
    manager = staff("office_manager", a)
    assert policy_set(community=a, key="RC-4.leak_days", raw_value="２", actor=manager) == 2
    assert policy(a, "RC-4.leak_days") == 2
    assert policy(b, "RC-4.leak_days") == 3
    entry = ActivityLog.objects.get(verb="core.policy.changed")
    assert entry.community == a
    assert entry.data == {"key": "RC-4.leak_days", "old": "3", "new": "2"}


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("RC-3.reply_hours", "abc", "取值无效"),
        ("RC-3.reply_hours", "0", "之间"),
        ("SV-2.min_return_pct", "120", "之间"),
        ("RC-2.weekday_open", "25:00", "取值无效"),
        ("SV-2.months", "6,13", "取值无效"),
        ("VS-1.tiers", "300:4, 200:5, *:7", "取值无效"),
    ],
)
def test_bad_values_are_refused_with_the_label(key, raw, message):
    community = CommunityFactory()
    manager = staff("office_manager", community)
    with pytest.raises(ServiceError) as err:
        policy_set(community=community, key=key, raw_value=raw, actor=manager)
    assert message in str(err.value)
    assert str(DEFAULTS[key].label) in str(err.value)
    assert err.value.field == key
    assert not ActivityLog.objects.exists()


def test_tiers_and_months_round_trip():
    community = CommunityFactory()
    manager = staff("office_manager", community)
    policy_set(community=community, key="VS-1.tiers", raw_value="300:4，500:5, 800:6, *:7.5", actor=manager)
    assert policy(community, "VS-1.tiers") == [[300, 4], [500, 5], [800, 6], [None, 7.5]]
    policy_set(community=community, key="SV-2.months", raw_value="12,6", actor=manager)
    assert policy(community, "SV-2.months") == [6, 12]


def test_only_managers_may_change_policies():
    community = CommunityFactory()
    supervisor = staff("cs_supervisor", community)
    with pytest.raises(ServiceError) as err:
        policy_set(community=community, key="RC-4.leak_days", raw_value="2", actor=supervisor)
    assert err.value.status == 403
    other_manager = staff("office_manager", CommunityFactory())
    with pytest.raises(ServiceError):
        policy_set(community=community, key="RC-4.leak_days", raw_value="2", actor=other_manager)


def test_policy_page_edit_and_error(client):
    community = CommunityFactory()
    manager = staff("office_manager", community)
    client.force_login(manager)
    page = client.get(reverse("core:policies"))
    assert page.status_code == 200
    assert "渗漏水维修回访时限" in page.content.decode()
    bad = client.post(reverse("core:policies"), {"key": "RC-4.leak_days", "value": "三天"})
    assert bad.status_code == 400
    assert "取值无效" in bad.content.decode()
    ok = client.post(reverse("core:policies"), {"key": "RC-4.leak_days", "value": "4"}, follow=True)
    assert "已更新" in ok.content.decode()
    assert policy(community, "RC-4.leak_days") == 4


def test_policy_page_read_only_for_front_desk(client):
    community = CommunityFactory()
    client.force_login(staff("front_desk", community))
    page = client.get(reverse("core:policies"))
    assert page.status_code == 200
    assert 'name="value"' not in page.content.decode()
    client.post(reverse("core:policies"), {"key": "RC-4.leak_days", "value": "4"})
    assert policy(community, "RC-4.leak_days") == 3
