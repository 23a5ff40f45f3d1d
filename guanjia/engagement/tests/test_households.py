"""One definition of "moved-in households" (VS-1, SV-1, SV-2): dwellings 住宅 that have moved in.
Parking spaces, garages and storage rooms never count; shops only where the VS-1.count_shops
policy says so. The visit quota, its proposals, the comparison of communities, the survey draws,
the coverage per entrance and the dashboard panel all use it, and say what they count."""

import random

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.policies import DEFAULTS, parse_value, policy, policy_set
from guanjia.engagement import indicators, surveys, visits
from guanjia.engagement.choices import SurveyKind
from guanjia.engagement.tests.factories import add_rooms, new_survey, survey_office
from guanjia.estates.households import households, households_of_many, households_text
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db

NOV = at(2026, 11, 1).date()
NOT_HOUSEHOLDS = ("parking", "garage", "storage")


def non_households(office, unit=None, handover="moved_in"):
    """One moved-in parking space, garage, storage room and shop: an entrance of their own by default."""
    c = office.community
    unit = unit or UnitFactory(community=c, building__community=c)
    made = {
        kind: RoomFactory(community=c, unit=unit, building=unit.building, kind=kind, handover=handover)
        for kind in (*NOT_HOUSEHOLDS, "shop")
    }
    return unit, made


@pytest.fixture
def office():
    office = survey_office(households=10)  # ten moved-in dwellings on two entrances
    RoomFactory(community=office.community, handover="awaiting")  # not moved in: never a household
    return office


def test_vs1_sv1_sv2_households_are_moved_in_dwellings_only(office):
    _unit, made = non_households(office)
    found = set(households(office.community).values_list("kind", flat=True))
    assert found == {"residence"}
    assert households(office.community).count() == 10
    assert not households(office.community).filter(pk__in=[r.pk for r in made.values()]).exists()


def test_vs1_shops_count_only_where_the_policy_says_so(office):
    _unit, made = non_households(office)
    assert DEFAULTS["VS-1.count_shops"].default is False  # rulebook default: shops are not households
    assert policy(office.community, "VS-1.count_shops") is False
    policy_set(community=office.community, key="VS-1.count_shops", raw_value="是", actor=office.manager)
    assert policy(office.community, "VS-1.count_shops") is True
    kinds = set(households(office.community).values_list("kind", flat=True))
    assert kinds == {"residence", "shop"} and households(office.community).count() == 11
    policy_set(community=office.community, key="VS-1.count_shops", raw_value="否", actor=office.manager)
    assert households(office.community).count() == 10
    assert made["parking"].pk not in households(office.community).values_list("pk", flat=True)


def test_bool_policy_parses_what_a_clerk_types():
    spec = DEFAULTS["VS-1.count_shops"]
    assert [parse_value(spec, v) for v in ("是", "否", "1", "0", "计入", "不计入", "on", "OFF")] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
    ]


def test_vs1_quota_and_proposals_ignore_parking_garages_storage_and_shops(office):
    non_households(office)
    progress = visits.progress(office.community, NOV)
    assert (progress.households, progress.pct, progress.quota) == (10, 4, 1)  # 10 × 4% → 1
    assert progress.households_text == "已入住住宅 10 户（不含车位、车库、储藏室、商铺）"
    proposed = {r.kind for r in visits.proposals(office.community, NOV, limit=50)}
    assert proposed == {"residence"}


def test_vs1_comparison_counts_each_community_by_its_own_policy(office):
    other = survey_office(households=3)
    non_households(office)
    non_households(other)
    policy_set(community=other.community, key="VS-1.count_shops", raw_value="1", actor=other.manager)
    quotas = indicators.visit_quotas([office.community, other.community], NOV)
    assert quotas[office.community.pk].progress.households == 10
    assert quotas[other.community.pk].progress.households == 4  # three dwellings and the shop
    assert quotas[other.community.pk].progress.households_text == "已入住住宅及商铺 4 户（不含车位、车库、储藏室）"
    assert "已入住住宅 10 户（不含车位、车库、储藏室、商铺） × 4% = 1 户" in quotas[office.community.pk].arithmetic
    assert households_of_many([office.community, other.community]).count() == 14


def test_sv2_questionnaire_goes_to_every_dwelling_and_covers_only_their_entrances(office):
    unit, _made = non_households(office)  # an entrance holding only a car park, garage, storage and a shop
    s = new_survey(office)
    assert surveys.survey_draw(survey=s, actor=office.supervisor) == 10
    assert set(s.sheets.values_list("room__kind", flat=True)) == {"residence"}
    coverage = surveys.coverage(s)
    assert all(row["issued"] for row in coverage)  # the non-household entrance is not "uncovered"
    assert (unit.building.code, unit.code) not in {(r["building"], r["unit"]) for r in coverage}


def test_sv1_sample_is_20pct_of_dwellings_not_of_rooms(office):
    add_rooms(office, 90, units=3)  # 100 dwellings
    for _ in range(30):  # thirty moved-in parking spaces would raise a room-based sample to 26
        RoomFactory(community=office.community, kind="parking", handover="moved_in")
    s = new_survey(office, SurveyKind.EVALUATION, period=4)
    assert surveys.survey_draw(survey=s, actor=office.supervisor, rng=random.Random(5)) == 20
    assert set(s.sheets.values_list("room__kind", flat=True)) == {"residence"}


def test_survey_page_and_dashboard_say_what_they_count(client, office):
    non_households(office)
    s = new_survey(office, SurveyKind.EVALUATION, period=4)
    client.force_login(office.supervisor)
    page = client.get(reverse("engagement:survey", args=[s.pk])).content.decode()
    assert "已入住住宅 10 户（不含车位、车库、储藏室、商铺） × 20% = 至少 2 户" in page
    with clock.frozen(at(2026, 11, 20, 10, 0)):
        panel = client.get(reverse("engagement:dashboard_panel")).content.decode()
    assert "已入住住宅 10 户（不含车位、车库、储藏室、商铺）；本月应访 1 户（4%，VS-1）" in panel


def test_households_text_names_shops_when_they_count():
    assert households_text(412, False) == "已入住住宅 412 户（不含车位、车库、储藏室、商铺）"
    assert households_text(412, True) == "已入住住宅及商铺 412 户（不含车位、车库、储藏室）"


def test_vs1_a_visit_to_a_shop_or_garage_does_not_count_towards_the_quota(office):
    from guanjia.engagement.services import visit_record

    _unit, made = non_households(office)
    for room in (made["shop"], made["garage"], office.room):
        visit_record(
            community=office.community,
            actor=office.supervisor,
            room=room,
            form="office",
            visited_at=at(2026, 11, 5, 10, 0),
        )
    assert visits.progress(office.community, NOV).visited == 1
    assert indicators.visit_quotas([office.community], NOV)[office.community.pk].visited == 1
    policy_set(community=office.community, key="VS-1.count_shops", raw_value="是", actor=office.manager)
    assert visits.progress(office.community, NOV).visited == 2  # the shop now is a household
