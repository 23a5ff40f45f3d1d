"""The household file 一户一档 (AR-1) is built from the registered sections (core.registry): each
app's, in order, only those the role may read, in a number of queries that does not grow with the
household's history; a printed form about the household is on its timeline (DESIGN §14)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanjia.core import clock, documents, registry
from guanjia.core.registry import HouseholdSection
from guanjia.core.tests.factories import staff
from guanjia.engagement.models import Survey, SurveySheet
from guanjia.engagement.services import visit_record
from guanjia.estates.models import HouseholdDocument, Resident
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, PersonFactory
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 10, 0)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


@pytest.fixture
def kpi_only():
    """A section only roles with servicedesk.kpi may read (the front desk may not)."""
    section = registry.household_section(
        HouseholdSection(
            "test.kpi_only", "仅限指标岗位", "estates/household_owner_history.html", _kpi_only, "servicedesk.kpi", 15
        )
    )
    yield section
    registry.unregister_household_section(section.key)


def _kpi_only(request, room):
    return {"former_owners": []}


def household(client, user, room):
    client.force_login(user)
    return client.get(reverse("estates:household", args=[room.pk]))


def grow(office, n: int, start: int = 0) -> None:
    """n more of everything the household file shows: requests, visits, forms handed out, owners
    before, tenants, residents, papers, and so timeline entries."""
    c, room = office.community, office.room
    for i in range(start, start + n):
        sd.ticket_create(
            community=c,
            actor=office.desk,
            kind="repair",
            channel="window",
            category="other",
            room=room,
            reporter=office.owner,
            description=f"第{i}次报修",
            received_at=NOW - dt.timedelta(hours=i + 1),
        )
        visit_record(
            community=c, actor=office.supervisor, room=room, form="office", visited_at=NOW - dt.timedelta(days=i + 1)
        )
        survey = Survey.objects.create(
            community=c,
            kind="questionnaire",
            year=2000 + i,
            period=1,
            title=f"{2000 + i}年上半年问卷",
            status="published",
            created_by=office.supervisor,
        )
        SurveySheet.objects.create(community=c, survey=survey, room=room, number=1, returned_at=NOW)
        tenant = PersonFactory(community=c)
        LeaseFactory(room=room, tenant=tenant, start=dt.date(1990 + i, 1, 1), end=dt.date(1990 + i, 12, 31))
        Resident.objects.create(community=c, room=room, person=tenant, relationship="other")
        OwnershipFactory(
            room=room, community=c, person__community=c, since=dt.date(1980 + i, 1, 1), until=dt.date(1980 + i, 6, 1)
        )
        HouseholdDocument.objects.create(
            community=c, room=room, category="contract", title=f"合同{i}", file=f"x/{i}.pdf", uploaded_by=office.desk
        )


def queries_of(client, user, room) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("estates:household", args=[room.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_page_is_the_registered_sections_in_order(client, office):
    grow(office, 1)
    page = household(client, office.supervisor, office.room).content.decode()
    ids = ["particulars", "owners", "owner-history", "leases", "residents", "documents"]
    ids += ["tickets", "visits", "surveys", "timeline"]
    positions = [page.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)
    tickets = page.split('id="tickets"')[1].split("</section>")[0]
    assert "第0次报修" in tickets and reverse("servicedesk:ticket", args=[office.room.tickets.get().pk]) in tickets
    assert "2000年上半年问卷" in page.split('id="surveys"')[1].split("</section>")[0]
    assert "共 1 次" in page.split('id="visits"')[1].split("</section>")[0]


def test_a_section_the_role_may_not_read_is_absent(client, office, kpi_only):
    assert "仅限指标岗位" in household(client, office.supervisor, office.room).content.decode()
    page = household(client, office.desk, office.room).content.decode()
    assert "仅限指标岗位" not in page and 'id="owners"' in page
    assert [s.key for s in registry.household_sections(office.desk, office.community)].count("test.kpi_only") == 0


def test_query_count_does_not_grow_with_the_households_history(client, office, kpi_only):
    grow(office, 1)
    few = queries_of(client, office.supervisor, office.room)
    grow(office, 14, start=1)  # more than any section shows
    many = queries_of(client, office.supervisor, office.room)
    assert few == many, (few, many)
    assert many <= 31, many  # the fee office's three sections included
    page = client.get(reverse("estates:household", args=[office.room.pk])).content.decode()
    assert "共 15 件" in page and "共 15 次" in page and "共 15 份" in page


def test_a_form_printed_for_the_household_is_on_its_timeline(client, office):
    ticket = sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind="repair",
        channel="window",
        category="other",
        room=office.room,
        description="厨房漏水",
    )
    client.force_login(office.desk)
    assert client.get(documents.document_url("RC-8.work_order", ticket.pk)).status_code == 200
    timeline = household(client, office.desk, office.room).content.decode().split('id="timeline"')[1]
    assert f"开具派工单 {ticket.number}" in timeline


def test_another_communitys_household_is_404(client, office):
    other = Office()
    assert household(client, staff("front_desk", other.community), office.room).status_code == 404
