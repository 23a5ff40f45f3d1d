"""QA-4 indicators through the registry: rates, targets, the KPI page built from whatever apps
registered, and query budgets of the KPI page and the dashboard that do not grow with the number
of communities or of indicators."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanjia.core import clock, indicators, registry
from guanjia.core.indicators import Figure, percent, ratio
from guanjia.core.periods import Period
from guanjia.core.policies import policy_set
from guanjia.core.registry import Indicator
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db

SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SH)
NOV = Period.parse("2026-11")


def _toy_compute(community_ids, periods, now):
    """Figures without a query: what the page costs is then the page's own doing."""
    return {(cid, p): ratio(p.start.month, 12) for cid in community_ids for p in periods}


@pytest.fixture
def toys():
    """Register toy indicators on demand (CM-1, the contact box, read by anyone on the staff); gone afterwards."""
    keys: list[str] = []

    def add(n: int, **kw) -> list[Indicator]:
        made = []
        for _i in range(n):
            key = f"toy.box_{len(keys)}"
            keys.append(key)
            fields = {
                "key": key,
                "label": f"意见箱开箱率{len(keys)}",
                "rule": "CM-1",
                "target_policy": "RC-8.pass_pct" if len(keys) % 2 else None,
                "compute": _toy_compute,
                "permission": "estates.view",
                "definition": "每日开箱次数 ÷ 应开箱次数",
                "order": 900 + len(keys),
            }
            made.append(registry.indicator(Indicator(**{**fields, **kw})))
        return made

    yield add
    for key in keys:
        registry.unregister_indicator(key)


# --- arithmetic ----------------------------------------------------------------------------


def test_percent_is_one_decimal_half_up_and_none_without_denominator():
    assert percent(47, 49) == Decimal("95.9")
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 3) == Decimal("33.3")
    assert percent(2, 3) == Decimal("66.7")
    assert percent(0, 0) is None
    assert ratio(47, 49).arithmetic == "47 / 49 = 95.9%" and ratio(47, 49).shown == "95.9%"
    assert ratio(0, 0).arithmetic == "0 / 0" and ratio(0, 0).shown == "—"


def test_a_reading_compares_the_shown_rate_with_the_target():
    ind = Indicator("toy", "玩具", "CM-1", None, _toy_compute, "estates.view")
    assert indicators.Reading(ind, ratio(95, 100), Decimal(95)).met is True
    assert indicators.Reading(ind, ratio(1899, 2000), Decimal(95)).met is True  # 94.95 shows as 95.0
    assert indicators.Reading(ind, ratio(94, 100), Decimal(95)).met is False
    assert indicators.Reading(ind, ratio(0, 0), Decimal(95)).met is None
    assert indicators.Reading(ind, ratio(3, 4), None).met is None  # no target: shown only
    assert indicators.Reading(ind, ratio(3, 4), Decimal(95)).target_label == "≥95%"
    own = Figure(Decimal("100.0"), "1999 / 2000", met=False, target_label="≥2000 户")
    assert indicators.Reading(ind, own, Decimal(100)).met is False  # the figure's own target decides
    assert indicators.Reading(ind, own, Decimal(100)).target_label == "≥2000 户"


def test_targets_are_each_communitys_policy_in_one_query(django_assert_num_queries):
    a, b = CommunityFactory(), CommunityFactory()
    policy_set(community=b, key="RC-8.pass_pct", raw_value="90", actor=staff("office_manager", b))
    with django_assert_num_queries(1):
        found = indicators.targets(["RC-8.pass_pct", "RC-8.timeliness_pct"], [a.pk, b.pk])
    assert found[a.pk] == {"RC-8.pass_pct": Decimal(98), "RC-8.timeliness_pct": Decimal(95)}
    assert found[b.pk]["RC-8.pass_pct"] == Decimal(90)


def test_read_computes_each_indicator_once_for_every_community_and_period(toys):
    calls = []

    def counted(community_ids, periods, now):
        calls.append((list(community_ids), list(periods)))
        return {(community_ids[0], periods[0]): ratio(1, 2)}

    a, b = CommunityFactory(), CommunityFactory()
    (toy,) = toys(1, compute=counted, target_policy=None, target=Decimal(100))
    months = NOV.shift(-1).until(NOV)
    readings = indicators.read([toy], [a.pk, b.pk], months, now=NOW)
    assert calls == [([a.pk, b.pk], months)]
    assert readings[(a.pk, months[0])][toy.key].arithmetic == "1 / 2 = 50.0%"
    assert readings[(a.pk, months[0])][toy.key].met is False  # against the fixed target of 100
    assert readings[(b.pk, NOV)][toy.key].figure is indicators.NOTHING  # nothing computed: shown as "—"


# --- the KPI page ------------------------------------------------------------------------------


def _page(client, **params):
    with clock.frozen(NOW):
        return client.get(reverse("core:kpis"), params)


def test_the_kpi_page_lists_the_registered_indicators_in_order(client, toys):
    community = CommunityFactory()
    toys(2)
    client.force_login(staff("office_manager", community))
    page = _page(client, month="2026-11").content.decode()
    table = page.split('id="kpi-table"')[1].split("</table>")[0]
    shown = [key for key in (i.key for i in registry.indicators()) if f'id="kpi-{key}"' in table]
    assert shown == [i.key for i in registry.indicators_for(staff("office_manager", community), community)]
    assert shown[-2:] == ["toy.box_0", "toy.box_1"]  # order 901, 902: after the apps' own
    row = table.split('id="kpi-toy.box_0"')[1].split("</tr>")[0]
    assert "意见箱开箱率1" in row and "11 / 12 = 91.7%" in row and "≥98%" in row and "未达标" in row
    assert "不设目标" in table.split('id="kpi-toy.box_1"')[1].split("</tr>")[0]
    assert 'id="chart-toy.box_0"' in page and "每日开箱次数 ÷ 应开箱次数" in page


def test_a_role_sees_only_the_indicators_it_may_and_none_is_refused(client, toys):
    community = CommunityFactory()
    toys(1, permission="people.view_id")  # CS supervisor, office manager, company admin
    desk = staff("front_desk", community)
    client.force_login(desk)
    assert _page(client).status_code == 403  # nothing the front desk may see
    client.force_login(staff("cs_supervisor", community))
    assert 'id="kpi-toy.box_0"' in _page(client).content.decode()
    registry.unregister_indicator("toy.box_0")
    toys(1, permission="estates.view")
    client.force_login(desk)
    response = _page(client)
    assert response.status_code == 200
    assert [r.indicator.key for r in response.context["rows"]] == ["toy.box_1"]


def test_the_chosen_month_is_never_one_still_to_come(client, toys):
    community = CommunityFactory()
    toys(1)
    client.force_login(staff("office_manager", community))
    assert _page(client, month="2026-09").context["month"] == Period.parse("2026-09")
    assert _page(client, month="2027-01").context["month"] == NOV
    assert _page(client, month="junk").context["month"] == NOV
    trend = _page(client, month="2026-09").context["charts"][0]
    assert [b["title"].split()[0] for b in trend["bars"]] == [
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
    ]


def test_another_communitys_figures_never_show(client, toys):
    mine, other = CommunityFactory(name="翠苑花园"), CommunityFactory(name="锦绣华庭")
    toys(1)
    client.force_login(staff("office_manager", mine))
    page = _page(client).content.decode()
    assert other.name not in page and 'id="kpi-communities"' not in page


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        response = _page(client, month="2026-11")
    assert response.status_code == 200
    return len(context)


def test_kpi_page_queries_do_not_grow_with_communities_or_indicators(client, toys):
    """Every registered indicator (the service desk's, engagement's, the toys) is computed once for
    all communities: the quality department's comparison of 1 or 4 communities, with 1 or 5 toys,
    costs the same queries."""
    first = CommunityFactory()
    quality = staff("quality", None)
    client.force_login(quality)
    session = client.session
    session["community_id"] = first.pk
    session.save()
    toys(1)
    _queries(client)  # warm the per-process caches (content types)
    baseline = _queries(client)
    for _i in range(3):
        CommunityFactory()
    toys(4)
    page = _page(client, month="2026-11").content.decode()
    assert page.count("<tr>") > 4 and 'id="kpi-communities"' in page
    assert _queries(client) == baseline


def test_dashboard_queries_do_not_grow_with_communities(client):
    """core.registry.panels_for: every app's panels for a company-wide role, whatever the number of communities."""
    first = CommunityFactory()
    quality = staff("quality", None)
    client.force_login(quality)
    session = client.session
    session["community_id"] = first.pk
    session.save()

    def count() -> int:
        with clock.frozen(NOW), CaptureQueriesContext(connection) as context:
            assert client.get(reverse("core:dashboard")).status_code == 200
        return len(context)

    count()
    baseline = count()
    for _i in range(4):
        CommunityFactory()
    assert count() == baseline
