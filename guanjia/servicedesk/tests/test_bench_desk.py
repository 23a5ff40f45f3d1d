"""`manage.py bench_desk` builds consistent data and measures through the real code paths (small N)."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from guanjia.core.models import Deadline
from guanjia.servicedesk.choices import Kind, Status
from guanjia.servicedesk.models import Callback, Ticket

pytestmark = pytest.mark.django_db


def test_bench_desk_small_run():
    out = io.StringIO()
    call_command("bench_desk", tickets=600, runs=2, creates=2, stdout=out)
    text = out.getvalue()
    assert "ticket_create (service)" in text and "API list desk overdue=true" in text
    assert Ticket.objects.count() == 600 + 2 + 1  # generated, timed runs, warm-up
    per_community = Ticket.objects.values("community").annotate(n=Count("id"))
    assert sorted(row["n"] for row in per_community) == [200, 200, 203]
    repairs = Ticket.objects.filter(kind=Kind.REPAIR).exclude(number__startswith="GD-")
    # Every repair has its RC-8 response clock; every callback its RC-4/RC-9 deadline.
    assert Deadline.objects.filter(rule="RC-8.response").count() >= repairs.count()
    assert Deadline.objects.filter(rule__in=["RC-4", "RC-9"]).count() == Callback.objects.count() > 0
    closed = Ticket.objects.filter(status=Status.CLOSED)
    assert closed.count() > 300 and not closed.filter(closed_at__isnull=True).exists()
