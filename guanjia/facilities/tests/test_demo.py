"""The demo's equipment ledger (FM-1): made through the services for every community after the register
and the desk; a year of history; lift 1's statutory inspection coming due within FM-1.inspection_warn_days
(an open FM-1 deadline, not overdue), nothing else left overdue; desk faults linked to their devices."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from guanjia.core import clock, demo
from guanjia.core.deadlines import deadlines_of
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.tests.factories import at
from guanjia.servicedesk.models import Ticket

from ..models import Contractor, Device, DeviceRecord, DeviceTicket

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)


@pytest.fixture
def ledger(monkeypatch, settings):
    """The register's, the desk's and this part (the other parts have their own tests)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    keep = {key: part for key, part in demo._PARTS.items() if key in ("estates.register", "servicedesk", "facilities")}
    monkeypatch.setattr(demo, "_PARTS", keep)
    with clock.frozen(NOW):
        call_command("demo", "--scale", "0.05", stdout=io.StringIO())
    return list(demo.demo_company().communities.order_by("pk"))


def test_fm1_demo_ledger_with_history_and_one_inspection_coming_due(ledger):
    assert demo._PARTS["facilities"].order > demo._PARTS["servicedesk"].order
    for community in ledger:
        codes = set(Device.objects.filter(community=community).values_list("code", flat=True))
        assert {"DT-01", "DT-02", "SB-01", "XF-01", "XF-02", "SX-01", "FD-01", "PD-01"} <= codes
        assert Contractor.objects.filter(community=community).count() == 2
        lift = Device.objects.get(community=community, code="DT-01")
        assert lift.next_inspection_on == dt.date(2026, 12, 10) and lift.last_inspection_on is not None
        kinds = set(DeviceRecord.objects.filter(device__community=community).values_list("kind", flat=True))
        assert kinds == {"maintenance", "inspection", "repair"}
        assert DeviceRecord.objects.filter(device=lift).count() >= 12
        with clock.frozen(NOW):
            due = list(deadlines_of(lift).pending())
            assert len(due) == 1 and due[0].due_at > NOW
            fire = Contractor.objects.get(community=community, name__startswith="安消")
            assert [d.due_at for d in deadlines_of(fire).pending()] == [at(2026, 12, 16, 0, 0)]  # licence in 25 days
            assert not Deadline.objects.filter(community=community, rule="FM-1").overdue(NOW).exists()
        assert DeviceRecord.objects.filter(recorded_at__gt=NOW).count() == 0  # nothing after the demo's now
    assert ActivityLog.objects.filter(verb="facilities.device.created").count() == Device.objects.count()
    lobby = Ticket.objects.filter(kind="repair", area__contains="电梯")
    linked = DeviceTicket.objects.filter(ticket__in=lobby)
    assert linked.count() == min(lobby.count(), 3 * len(ledger)) and all(t.device.code == "DT-01" for t in linked)
