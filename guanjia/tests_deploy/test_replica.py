"""The read replica (issue 10, scale-out): the KPI page, the reports and the exports read from the
`replica` alias; every write, and every other read, goes to `default`.

The router and the mixin are guanjia/core/replica.py. The replica here is the suite's test mirror
(settings.py): a second connection to the test database, enabled per test by naming it in
READ_REPLICA. Each connection logs its own queries, so a test sees which connection ran what.
Transactional tests: the mirror's connection sees only committed rows.
"""

import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guanjia.core import clock, replica
from guanjia.core.models import ActivityLog, Community
from guanjia.core.tests.factories import CommunityFactory, at, login, staff
from guanjia.estates.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

NOW = at(2026, 11, 20, 10, 0)
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\b", re.IGNORECASE)


@pytest.fixture
def routed(settings):
    settings.READ_REPLICA = replica.REPLICA


class Captured:
    """The queries each connection ran inside the block."""

    def __enter__(self):
        self._default = CaptureQueriesContext(connections["default"]).__enter__()
        self._replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self._replica.__exit__(*exc)
        self._default.__exit__(*exc)

    @property
    def default(self) -> list[str]:
        return [q["sql"] for q in self._default.captured_queries]

    @property
    def replica(self) -> list[str]:
        return [q["sql"] for q in self._replica.captured_queries]


def touching(queries: list[str], table: str) -> list[str]:
    return [q for q in queries if f'"{table}"' in q]


def test_reads_inside_the_block_go_to_the_replica_and_writes_to_default(routed):
    community = CommunityFactory()
    with Captured() as seen:
        with replica.reads():
            names = list(Community.objects.values_list("name", flat=True))
            again = CommunityFactory()  # a write inside the block
        after = Community.objects.get(pk=again.pk)  # outside: default
    assert names == [community.name]
    assert touching(seen.replica, "core_community") and all(not WRITE.match(q) for q in seen.replica)
    assert [q for q in touching(seen.default, "core_community") if q.startswith("INSERT")]
    assert after._state.db == "default"
    assert len(touching(seen.default, "core_community")) == 2  # the INSERT and the read after the block


def test_an_object_read_from_the_replica_is_saved_to_default(routed):
    community = CommunityFactory(name="翠苑")
    with replica.reads():
        loaded = Community.objects.get(pk=community.pk)
    assert loaded._state.db == "replica"
    loaded.name = "翠苑花园"
    with Captured() as seen:
        loaded.save()
    assert seen.replica == [] and [q for q in seen.default if q.startswith("UPDATE")]
    assert Community.objects.get(pk=community.pk).name == "翠苑花园"


def test_without_a_replica_everything_stays_on_default(settings):
    settings.READ_REPLICA = None  # no DATABASE_REPLICA_URL
    CommunityFactory()
    with Captured() as seen, replica.reads():
        assert Community.objects.count() == 1
    assert seen.replica == [] and touching(seen.default, "core_community")


def test_the_kpi_page_reads_its_figures_from_the_replica(routed, client):
    community = CommunityFactory()
    login(client, staff("office_manager", community), community)
    with clock.frozen(NOW), Captured() as seen:
        response = client.get(reverse("core:kpis"), {"month": "2026-11"})
    assert response.status_code == 200 and 'id="kpi-table"' in response.content.decode()
    # The indicators read the deadlines and the tickets (QA-4) on the replica, never on default …
    for table in ("core_deadline", "servicedesk_ticket"):
        assert touching(seen.replica, table), table
        assert not touching(seen.default, table), table
    # … while the session and the user are read before the view, on default, and nothing is written on the replica.
    assert touching(seen.default, "django_session") and touching(seen.default, "auth_user")
    assert all(not WRITE.match(q) for q in seen.replica)


@pytest.mark.parametrize(
    "name", ["servicedesk:kpi_technicians", "servicedesk:complaints_weekly", "engagement:complaints_pareto"]
)
def test_the_reports_read_from_the_replica(routed, client, name):
    community = CommunityFactory()
    login(client, staff("office_manager", community), community)
    with clock.frozen(NOW), Captured() as seen:
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert touching(seen.replica, "servicedesk_ticket") and not touching(seen.default, "servicedesk_ticket")
    assert all(not WRITE.match(q) for q in seen.replica)


def test_the_register_export_reads_the_replica_and_logs_on_default(routed, client):
    community = CommunityFactory()
    RoomFactory(community=community)
    supervisor = staff("cs_supervisor", community)
    login(client, supervisor, community)
    with Captured() as seen:
        response = client.get(reverse("estates:register_export_download", args=["rooms"]))
        b"".join(response.streaming_content)
    assert response.status_code == 200
    assert touching(seen.replica, "estates_room") and not touching(seen.default, "estates_room")
    assert all(not WRITE.match(q) for q in seen.replica)
    assert [q for q in touching(seen.default, "core_activitylog") if q.startswith("INSERT")]  # AR-4: the export logged
    assert ActivityLog.objects.filter(verb="estates.register.exported", actor=supervisor).count() == 1


def test_a_form_post_under_the_mixin_is_not_routed(routed, rf):
    """Only GET and HEAD read from the replica: a POST handler's reads must see the primary."""
    from django.http import HttpResponse
    from django.views import View

    class Probe(replica.ReplicaReadsMixin, View):
        def get(self, request):
            return HttpResponse(_db())

        def post(self, request):
            return HttpResponse(_db())

    def _db():
        return Community.objects.all().db

    view = Probe.as_view()
    assert view(rf.get("/")).content == b"replica"
    assert view(rf.post("/")).content == b"default"


def test_the_router_never_migrates_the_replica():
    router = replica.ReplicaRouter()
    assert router.allow_migrate("replica", "core") is False
    assert router.allow_migrate("default", "core") is True
