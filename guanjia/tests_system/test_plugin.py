"""Issue 9's proof: CM-1 "the contact box is opened daily at a fixed time" as a toy app
(tests_system/contactbox) reaches the policy page, the recurring duties, the menu, the dashboard and
the KPI page through the registries alone, and goes away again when it is unregistered."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from guanjia.core import clock, duties, policies, registry
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.tests_system.contactbox import registrations

pytestmark = [pytest.mark.django_db, pytest.mark.urls("guanjia.tests_system.contactbox.urls")]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)


def december(day, hour, minute=0):
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def contactbox():
    registrations.register()
    yield
    registrations.unregister()


@pytest.fixture
def office():
    community = CommunityFactory()
    return community, staff("front_desk", community), staff("technician", community)


def test_the_policy_is_declared_and_each_community_may_change_it(contactbox, office):
    community, _desk, _tech = office
    assert policies.spec_of("CM-1.open_time").default == "10:00"
    manager = staff("office_manager", community)
    policies.policy_set(community=community, key="CM-1.open_time", raw_value="09:30", actor=manager)
    with clock.frozen(MORNING):
        duties.duties_open([community], keys=["CM-1.daily"])
    assert Deadline.objects.get(duty="CM-1.daily").due_at == december(2, 9, 30)


def test_each_day_owes_an_opening_by_the_policy_time_and_opening_meets_it(contactbox, office, client):
    community, desk, _tech = office
    with clock.frozen(MORNING):
        assert duties.duties_open([community], keys=["CM-1.daily"]) == 1
        assert duties.duties_open([community], keys=["CM-1.daily"]) == 0  # idempotent
    row = Deadline.objects.get(duty="CM-1.daily", community=community)
    assert (row.rule, row.due_at, row.period) == ("CM-1", december(2, 10), "2026-12-02")
    client.force_login(desk)
    with clock.frozen(december(2, 9, 50), all_threads=True):
        page = client.get(reverse("core:dashboard")).content.decode()
        assert 'id="contactbox-panel"' in page and "2026-12-02 10:00" in page
        assert client.post(reverse("contactbox:box"), {"letters": "3"}).status_code == 302
    row.refresh_from_db()
    assert row.met_at == december(2, 9, 50) and row.met_by == desk
    assert ActivityLog.objects.filter(verb="contactbox.box.opened", data__letters=3).exists()
    with clock.frozen(december(3, 11)):  # the next day owes its own opening, already late
        duties.duties_open([community], keys=["CM-1.daily"])
        assert Deadline.objects.filter(duty="CM-1.daily").overdue().get().period == "2026-12-03"


def test_the_menu_shows_the_box_only_to_roles_that_may_open_the_page(contactbox, office, client):
    community, desk, tech = office
    client.force_login(desk)
    assert reverse("contactbox:box") in client.get(reverse("core:dashboard")).content.decode()
    client.force_login(tech)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert reverse("contactbox:box") not in page and 'id="contactbox-panel"' not in page
    assert client.get(reverse("contactbox:box")).status_code == 403


def test_the_kpi_page_computes_the_indicator_from_the_days_owed(contactbox, office, client):
    community, desk, _tech = office
    for day, opened in ((1, december(1, 9, 55)), (2, december(2, 10, 20))):  # on time, then 20 minutes late
        with clock.frozen(december(day, 8)):
            duties.duties_open([community], keys=["CM-1.daily"])
        with clock.frozen(opened):
            from guanjia.tests_system.contactbox.services import box_open

            box_open(community=community, actor=desk, letters=0)
    client.force_login(staff("office_manager", community))
    with clock.frozen(december(2, 18)):
        page = client.get(reverse("core:kpis"), {"month": "2026-12"}).content.decode()
    row = page.split('id="kpi-CM-1.opened"')[1].split("</tr>")[0]
    assert "意见箱按时开箱率" in row and "1 / 2 = 50.0%" in row


def test_unregistered_it_leaves_no_trace(office, client):
    registrations.register()
    registrations.unregister()
    community, desk, _tech = office
    assert "CM-1.daily" not in {d.key for d in duties.registered()}
    assert "CM-1.opened" not in {i.key for i in registry.indicators()}
    client.force_login(desk)
    assert reverse("contactbox:box") not in client.get(reverse("core:dashboard")).content.decode()
