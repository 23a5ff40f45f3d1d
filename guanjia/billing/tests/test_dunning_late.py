"""Late charges 违约金 (FE-3): only with a recorded, active clause; open × daily rate ‰ × days after the
grace period, capped at cap_pct % of the line, rounded once; one bill per household and month
(idempotent), continued the next month from where it stopped; no surcharge on utilities collected on
behalf (LW-4); waived only through the corrections chain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from guanjia.core import clock
from guanjia.core.errors import Forbidden
from guanjia.core.tests.factories import at, login

from ..choices import AdjustmentStatus, BillKind
from ..models import Adjustment, Bill, BillLine, LateChargeClause
from ..services.late_charges import late_charges_compute
from .arrears_setup import NOW, TODAY, Office

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def clause(office, *, rate="0.5", grace=10, cap="10", since=dt.date(2026, 1, 1), active=True):
    return LateChargeClause.objects.create(
        community=office.community,
        contract_ref="物业服务合同第十二条",
        daily_rate=Decimal(rate),
        grace_days=grace,
        cap_pct=Decimal(cap),
        since=since,
        active=active,
        recorded_by=office.manager,
    )


def test_fe3_no_late_charge_without_a_recorded_active_clause(office):
    office.owe(office.room(), "1000.00", days=100)
    assert late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier) == []
    clause(office, active=False)
    assert late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier) == []
    assert not Bill.objects.filter(kind=BillKind.LATE_CHARGE).exists()


def test_fe3_the_late_charge_is_rate_times_days_after_grace_rounded_once(office):
    clause(office, rate="0.5", grace=10, cap="50")
    line = office.owe(office.room(), "333.33", days=40).lines.get()
    [bill] = late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier)
    late = bill.lines.get()
    # 40 days overdue, 10 of grace: 30 days × 333.33 × 0.5‰ = 4.99995 → 5.00 (rounded once)
    assert (late.quantity, late.amount, bill.total) == (Decimal("30"), Decimal("5.00"), Decimal("5.00"))
    assert (late.item_id, late.period, late.covers_to) == (line.item_id, line.period, TODAY)
    assert bill.kind == BillKind.LATE_CHARGE and bill.period == dt.date(2026, 12, 1)
    assert "0.5‰" in late.basis_label and "物业服务合同第十二条" in late.basis_label


def test_fe3_the_late_charge_is_capped(office):
    clause(office, rate="1", grace=0, cap="5")
    office.owe(office.room(), "100.00", days=300)
    [bill] = late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier)
    assert bill.total == Decimal("5.00")  # 300 days × 0.1 = 30.00, capped at 5% of 100.00


def test_fe3_one_bill_per_household_and_month_and_the_next_month_carries_on(office):
    clause(office, rate="1", grace=0, cap="100")
    room = office.room()
    office.owe(room, "100.00", days=10)
    office.owe(room, "50.00", days=5, item=office.item, period=dt.date(2026, 9, 1))
    [bill] = late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier)
    assert bill.lines.count() == 2 and bill.total == Decimal("1.25")  # 10 × 0.10 + 5 × 0.05
    assert late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier) == []
    later = TODAY + dt.timedelta(days=31)
    with clock.frozen(at(2027, 1, 1, 10, 0)):
        [january] = late_charges_compute(community=office.community, as_of=later, actor=office.cashier)
    # carried on from the day after December's charge: 31 more days each, never twice
    assert january.total == Decimal("4.65")  # 31 × 0.10 + 31 × 0.05
    assert BillLine.objects.filter(bill__kind=BillKind.LATE_CHARGE).count() == 4


def test_lw4_fe3_no_late_charge_on_utilities_collected_on_behalf_or_developer_debts(office):
    clause(office, grace=0)
    office.owe(office.room(), "100.00", days=50, item=office.water)
    office.owe(office.room(), "100.00", days=50, payer_kind="developer")
    assert late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier) == []


def test_fe3_only_who_may_bill_computes_late_charges(office):
    clause(office)
    with pytest.raises(Forbidden):
        late_charges_compute(community=office.community, as_of=TODAY, actor=office.supervisor)


def test_fe3_a_late_charge_is_waived_through_the_corrections_chain(client, office):
    clause(office, rate="1", grace=0)
    room = office.owe(office.room(), "100.00", days=10).room
    [bill] = late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier)
    login(client, office.cashier, office.community)
    page = client.get(f"/console/billing/arrears/rooms/{room.pk}/").content.decode()
    assert f"/console/billing/arrears/late-charges/{bill.pk}/waive/" in page
    response = client.post(
        f"/console/billing/arrears/late-charges/{bill.pk}/waive/", {"amount": "1.00", "reason": "首次逾期"}
    )
    assert response.status_code == 302
    waiver = Adjustment.objects.get(bill=bill)
    assert (waiver.kind, waiver.status, waiver.amount) == ("waiver", AdjustmentStatus.PENDING, Decimal("1.00"))
    regular = Bill.objects.exclude(kind=BillKind.LATE_CHARGE).get()
    assert client.get(f"/console/billing/arrears/late-charges/{regular.pk}/waive/").status_code == 404


def test_fe3_late_charges_page(client, office):
    login(client, office.cashier, office.community)
    assert "未登记" in client.get("/console/billing/arrears/late-charges/").content.decode()
    clause(office, grace=0)
    office.owe(office.room(), "100.00", days=10)
    response = client.post("/console/billing/arrears/late-charges/", {"as_of": "2026-12-01"})
    assert response.status_code == 302 and Bill.objects.filter(kind=BillKind.LATE_CHARGE).count() == 1
