"""The demo's dunning (FE-3): whatever the database hands out as keys and whatever day it is built, every
community has a household in long arrears, reminded, with a written demand issued to it."""

import io

import pytest
from django.core.management import call_command
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from guanjia.core import clock, demo
from guanjia.core.tests.factories import CommunityFactory, at

from ..choices import DunningStep
from ..models import Allocation, BillLine, DemandLetter, DunningContact
from ..selectors_arrears import step_thresholds

pytestmark = pytest.mark.django_db
PARTS = ("estates.register", "billing.items", "billing.meters", "billing.bills", "billing.payments", "billing.arrears")


# the keys and the day on which the demo before this fix left a community without one (CI, PostgreSQL)
@pytest.mark.parametrize(("now", "shift"), [(at(2026, 12, 3, 10, 0), 3)])
def test_fe3_demo_has_a_written_demand_in_every_community(monkeypatch, settings, now, shift):
    for _n in range(shift):  # keys as another database (or another test before) would hand them out
        community = CommunityFactory()
        community.delete()
        community.company.delete()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    keep = {key: part for key, part in demo._PARTS.items() if key in PARTS}
    assert set(keep) == set(PARTS)
    monkeypatch.setattr(demo, "_PARTS", keep)
    with clock.frozen(now):
        call_command("demo", "--scale", "0.05", stdout=io.StringIO())
    communities = list(demo.demo_company().communities.order_by("pk"))
    assert len(communities) >= 2
    for community in communities:
        letters = DemandLetter.objects.filter(community=community)
        assert letters.count() == 1, community.code
        letter = letters.get()
        overdue = (timezone.localdate(now) - letter.owed_since).days
        assert overdue >= step_thresholds(community)[DunningStep.DEMAND]
        assert DunningContact.objects.filter(room=letter.room).exists()

    # What the collection rates read from a line alone (indicators_arrears) stays its bill's and its
    # allocations': kind and issue time copied, open = amount − Σ allocations, credited = Σ credit notes';
    # an allocation carries its line's period and due date (the recovery reads them).
    assert BillLine.objects.exists() and BillLine.objects.filter(credited__gt=0).exists()
    money = DecimalField(max_digits=14, decimal_places=2)

    def total(condition=None):
        rows = Allocation.objects.filter(condition or Q(), line=OuterRef("pk")).order_by().values("line")
        return Coalesce(Subquery(rows.annotate(s=Sum("amount")).values("s")), Value(0), output_field=money)

    drifted = BillLine.objects.annotate(allocated=total(), credits=total(Q(adjustment__isnull=False))).exclude(
        bill_kind=F("bill__kind"),
        issued_at=F("bill__issued_at"),
        open_amount=F("amount") - F("allocated"),
        credited=F("credits"),
    )
    assert not list(drifted.values_list("pk", flat=True))
    assert not Allocation.objects.exclude(period=F("line__period"), due_on=F("line__due_on")).exists()
