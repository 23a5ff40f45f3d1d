"""Policies: every rulebook number is a per-community setting with a registered default (DESIGN.md §3);
each app declares its own, core keeps the mechanism."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from guanjia.core import policies
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.policies import DAYS, DEFAULTS, Policy, format_value, parse_value, policy, policy_set
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db

# Every rule number and its default as they stood in the one table before each app declared its own;
# stored PolicySetting rows and every app's code name these keys.
RULEBOOK = {
    "RC-2.weekday_open": "09:00", "RC-2.weekday_close": "21:00", "RC-2.weekend_open": "09:00",
    "RC-2.weekend_close": "17:00", "RC-3.reply_hours": 72, "RC-4.safety_days": 2, "RC-4.leak_days": 3,
    "RC-4.other_days": 7, "RC-4.spot_checks": 5, "RC-4.spot_check_day": 10, "RC-5.hours": 24, "RC-5.fix_days": 3,
    "RC-8.response_hours": 2, "RC-8.civil_days": 3, "RC-8.timeliness_pct": "95", "RC-8.pass_pct": "98",
    "RC-8.visit_minutes": 30, "RC-9.complaint_callback_pct": "100", "RC-9.special_callback_pct": "90",
    "RC-10.summary_day": 5, "PR-4.review_day": 5, "AR-2.handover_day": 5, "RN-3.review_days": 2,
    "RN-8.patrols_per_day": 2, "RN-8.complaint_rate_pct": "0.5", "RN-9.spot_checks": 4,
    "RN-12.report_hours": 24, "MI-5.batch_checks": 4, "MI-5.normal_checks": 1, "SV-1.sample_pct": "20",
    "SV-1.issue_day": 15, "SV-1.collect_days": 15, "SV-1.summary_day": 5, "SV-2.months": [6, 12],
    "SV-2.collect_workdays": 15, "SV-2.min_return_pct": "60", "SV-3.penalty_points": "5",
    "SV-4.key_cumulative_pct": "80", "SV-6.analysis_workdays": 30, "SV-6.measures_workdays": 30,
    "VS-1.tiers": [[300, 4], [500, 5], [800, 6], [None, 7]], "VS-1.count_shops": False,
    "VS-2.latest_home_visit": "22:00", "VS-5.summary_day": 5, "CM-2.activity_months": 6,
    "CM-5.notice_days": 20, "CM-5.input_days": 10, "CM-6.service_day": 10, "CM-6.finance_day": 15,
    "CM-6.publish_day": 20, "CM-7.forum_months": 6, "FE-2.collection_pct": "90", "FM-7.intact_pct": "90",
    "QA-1.pass_score": 80,
}  # fmt: skip

TOY = Policy("XX-9.toy_days", "玩具时限", "int", 4, DAYS, 1)


@pytest.fixture
def toy_policy():
    """A rule number of an app core has never heard of, registered for one test only."""
    policies.register(TOY)
    yield TOY
    policies.unregister(TOY.key)


@pytest.fixture
def restore_unclaimed():
    """Put core's unclaimed declarations back after a test has let an app claim them."""
    before = {key: spec for key, spec in DEFAULTS.items() if key in policies._UNCLAIMED}  # noqa: SLF001
    yield
    policies.unregister(*before)
    policies.register(*before.values(), unclaimed=True)


def test_every_default_cites_a_rule_and_round_trips_through_the_editor():
    for key, spec in DEFAULTS.items():
        assert re.fullmatch(r"[A-Z]{2}-\d+\.[a-z_]+", key), key
        assert str(spec.label)
        assert parse_value(spec, format_value(spec, spec.default)) == spec.default or spec.kind == "decimal"


def test_the_apps_declare_every_rule_number_of_the_rulebook_with_its_default():
    assert {key: DEFAULTS[key].default for key in RULEBOOK} == RULEBOOK
    # whatever an app adds beyond these is its own declaration, registered by it
    assert set(RULEBOOK) <= set(DEFAULTS)


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


def test_a_new_app_adds_its_rule_number_without_editing_core(client, toy_policy):
    community = CommunityFactory()
    manager = staff("office_manager", community)
    assert policy(community, "XX-9.toy_days") == 4
    assert policy_set(community=community, key="XX-9.toy_days", raw_value="6", actor=manager) == 6
    assert policy(community, "XX-9.toy_days") == 6
    client.force_login(manager)
    page = client.get(reverse("core:policies")).content.decode()
    assert 'id="policy-xx-9toy_days"' in page and "玩具时限" in page


def test_unknown_rule_number_says_where_to_declare_it():
    with pytest.raises(KeyError, match="policies.py"):
        policy(CommunityFactory(), "XX-9.nothing")


def test_one_rule_number_declared_twice_differently_is_refused(toy_policy):
    policies.register(TOY)  # the same declaration again (a second ready()) changes nothing
    with pytest.raises(ValueError, match="declared twice"):
        policies.register(Policy("XX-9.toy_days", "玩具时限", "int", 5, DAYS, 1))
    assert DEFAULTS["XX-9.toy_days"].default == 4


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (Policy("toy_days", "无规则号", "int", 1), "rule ID"),
        (Policy("XX-9.Toy", "大写", "int", 1), "rule ID"),
        (Policy("XX-9.toy_ratio", "未知类型", "float", 1), "unknown kind"),
    ],
)
def test_a_declaration_must_name_its_rule_and_a_known_kind(spec, message):
    with pytest.raises(ValueError, match=message):
        policies.register(spec)
    assert spec.key not in DEFAULTS


def test_an_app_claims_a_rule_number_core_held_unclaimed(restore_unclaimed):
    """RN-3 has no app yet: core lists it; the renovation app declares it and its declaration stands."""
    core_spec = DEFAULTS["RN-3.review_days"]
    claimed = Policy("RN-3.review_days", "装修申请审批时限", "int", 2, DAYS, 1)
    policies.register(claimed)
    assert DEFAULTS["RN-3.review_days"] == claimed
    policies.register(core_spec, unclaimed=True)  # core registering again does not take it back
    assert DEFAULTS["RN-3.review_days"] == claimed
    with pytest.raises(ValueError, match="declared twice"):  # claimed now: a second app is refused
        policies.register(Policy("RN-3.review_days", "另一个", "int", 3, DAYS, 1))


def test_the_page_lists_rule_numbers_in_rulebook_order(client):
    community = CommunityFactory()
    client.force_login(staff("office_manager", community))
    page = client.get(reverse("core:policies")).content.decode()
    ids = re.findall(r'id="policy-([a-z0-9_-]+)"', page)
    assert ids.index("rc-2weekday_open") < ids.index("rc-3reply_hours") < ids.index("rc-10summary_day")
    assert ids.index("ar-2handover_day") < ids.index("pr-4review_day") < ids.index("vs-5summary_day")
    assert len(ids) == len(DEFAULTS)
