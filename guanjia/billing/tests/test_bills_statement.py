"""The household statement (FE-1): opening balance + charges + adjustments − payments = amount due,
rows in date order, per payer kind, in a fixed number of queries however long the history."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from guanjia.billing.choices import AdjustmentKind, PayerKind, Purse
from guanjia.billing.models import BillLine
from guanjia.billing.selectors_bills import statement
from guanjia.billing.services import adjustments, ledger
from guanjia.billing.tests.factories import FeeItemFactory, bill_for
from guanjia.core import approvals, clock
from guanjia.core.tests.factories import at

from .bills_setup import Office, pay

pytestmark = pytest.mark.django_db

D = Decimal
OCT1, OCT31 = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


@pytest.fixture
def office():
    return Office()


def credit(office, bill, amount):
    adjustment = adjustments.adjustment_request(
        bill=bill, kind=AdjustmentKind.CREDIT, amount=amount, reason="空置优惠", actor=office.cashier
    )
    approval = approvals.current_approval(adjustment, adjustments.ADJUSTMENT)
    approvals.approval_decide(approval=approval, actor=office.manager, outcome="approve")
    return adjustment


def history(office):
    room = office.room()
    item = FeeItemFactory(community=office.community)
    with clock.frozen(at(2026, 9, 1, 9, 0)):
        september = bill_for(room, [(item, "100.00")], period=dt.date(2026, 9, 1))
    with clock.frozen(at(2026, 9, 20, 10, 0)):
        pay(september.lines.get(), "40.00", cashier=office.cashier, number="SJ-1")
    with clock.frozen(at(2026, 10, 1, 9, 0)):
        october = bill_for(room, [(item, "120.00")], period=OCT1)
    with clock.frozen(at(2026, 10, 5, 9, 0)):
        credit(office, october, "20.00")
    with clock.frozen(at(2026, 10, 8, 9, 0)):
        pay(october.lines.get(), "50.00", cashier=office.cashier, number="SJ-2")
    with clock.frozen(at(2026, 10, 9, 9, 0)):
        account = ledger.prepayment_account(room, Purse.PROPERTY)
        ledger.prepayment_move(account, D("30.00"), note="预存")
        movement = ledger.prepayment_move(account, D("-10.00"), note="抵扣")
        ledger.allocate(september.lines.get(), D("10.00"), prepayment=movement)
    with clock.frozen(at(2026, 11, 1, 9, 0)):
        bill_for(room, [(item, "120.00")], period=dt.date(2026, 11, 1))  # after the statement's end
    return room, september, october


def test_fe1_statement_arithmetic_opening_plus_charges_plus_adjustments_minus_payments(office):
    room, _september, october = history(office)
    s = statement(room, start=OCT1, end=OCT31)
    assert (s.opening, s.charges, s.adjustments, s.payments) == (D("60.00"), D("120.00"), D("-20.00"), D("60.00"))
    assert s.due == D("100.00")
    open_now = BillLine.objects.filter(room=room, period__lte=OCT1).aggregate(s=Sum("open_amount"))["s"]
    assert s.due == open_now  # what the lines still owe
    kinds = [(r.kind, r.number, r.amount) for r in s.rows]
    assert kinds == [
        ("charge", october.number, D("120.00")),
        ("adjustment", "TZ-2026-000001", D("-20.00")),
        ("payment", "SJ-2", D("-50.00")),
        ("payment", "", D("-10.00")),  # the draw, counted as a payment
        ("prepayment", "", D("30.00")),  # the movements, shown beside
        ("prepayment", "", D("-10.00")),
    ]
    assert [r.at for r in s.rows] == sorted(r.at for r in s.rows)
    assert not [r for r in s.rows if r.kind == "prepayment" and r.counted]


def test_fe1_a_debit_note_is_an_adjustment_on_the_statement(office):
    room, _september, october = history(office)
    with clock.frozen(at(2026, 10, 20, 9, 0)):
        adjustment = adjustments.adjustment_request(
            bill=october, kind=AdjustmentKind.DEBIT, amount="15.00", reason="补收", actor=office.cashier
        )
        approval = approvals.current_approval(adjustment, adjustments.ADJUSTMENT)
        approvals.approval_decide(approval=approval, actor=office.manager, outcome="approve")
    s = statement(room, start=OCT1, end=OCT31)
    assert s.adjustments == D("-5.00") and s.due == D("115.00")


def test_fe1_statement_per_payer_kind(office):
    room, _s, _o = history(office)
    item = FeeItemFactory(community=office.community, name="开发商物业费")
    with clock.frozen(at(2026, 10, 2, 9, 0)):
        bill_for(room, [(item, "33.00")], period=OCT1, payer_kind=PayerKind.DEVELOPER, payer_name="开发建设单位")
    assert statement(room, start=OCT1, end=OCT31).charges == D("153.00")
    developer = statement(room, payer_kind=PayerKind.DEVELOPER, start=OCT1, end=OCT31)
    assert (developer.opening, developer.charges, developer.payments, developer.due) == (0, D("33.00"), 0, D("33.00"))
    assert statement(room, payer_kind=PayerKind.OWNER, start=OCT1, end=OCT31).due == D("100.00")


def test_fe1_statement_reads_a_fixed_number_of_queries_however_long_the_history(office, django_assert_num_queries):
    room = office.room()
    item = FeeItemFactory(community=office.community)
    for n in range(24):
        period = dt.date(2024 + n // 12, n % 12 + 1, 1)
        with clock.frozen(at(period.year, period.month, 1, 9, 0)):
            bill = bill_for(room, [(item, "100.00")], period=period)
            pay(bill.lines.get(), "100.00", cashier=office.cashier, number=f"SJ-{n}")
    with django_assert_num_queries(5):
        s = statement(room, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    assert (s.opening, s.charges, s.payments, s.due) == (0, D("1200.00"), D("1200.00"), 0)
