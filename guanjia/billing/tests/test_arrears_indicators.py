"""The collection indicators (FE-1, FE-2, FE-3, QA-4) from the ledger, with known figures: received for the
period's bills net of reversals ÷ (billed − credits), developer's share apart; utilities on their own;
arrears recovery against the month's opening arrears; a fixed number of queries whatever the number of
communities; shown on the KPI page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core import clock
from guanjia.core.periods import MONTH, Period
from guanjia.core.registry import indicators
from guanjia.core.tests.factories import at

from .. import indicators_arrears as ind
from ..choices import AdjustmentKind, AdjustmentStatus, PayerKind, Purse
from ..models import Adjustment, BillLine, Payment
from ..services import ledger
from .arrears_setup import Office
from .factories import bill_for

pytestmark = pytest.mark.django_db

OCT, NOV, DEC = (Period(MONTH, dt.date(2026, m, 1)) for m in (10, 11, 12))
_n = iter(range(1, 10**6))


def pay(office, line, amount, when):
    with clock.frozen(when):
        payment = Payment.objects.create(
            community=office.community,
            number=f"SJ-T-{next(_n)}",
            room=line.room,
            payer_name="张三",
            method="cash",
            amount=Decimal(amount),
            cashier=office.cashier,
        )
        return ledger.allocate(line, Decimal(amount), payment=payment)


def ledger_month(office):
    """October: property 600 + 400, developer 300, water 200; then payments, a draw, a credit, a reversal."""
    with clock.frozen(at(2026, 10, 1, 9, 0)):
        a, b = office.room(), office.room()
        big = bill_for(a, [(office.item, "600.00"), (office.water, "200.00")], period=OCT.start).lines.all()
        small = bill_for(b, [(office.item, "400.00")], period=OCT.start).lines.get()
        bill_for(office.room(), [(office.item, "300.00")], period=OCT.start, payer_kind=PayerKind.DEVELOPER)
    big_line = big.get(item=office.item)
    water = big.get(item=office.water)
    wrong = pay(office, big_line, "50.00", at(2026, 10, 12, 9, 0))
    pay(office, big_line, "450.00", at(2026, 10, 15, 9, 0))
    with clock.frozen(at(2026, 10, 20, 9, 0)):
        ledger.reverse([wrong])  # a voided receipt
        account = ledger.prepayment_account(b, Purse.PROPERTY)
        ledger.prepayment_move(account, Decimal("100.00"), note="预存")
        draw = ledger.prepayment_move(account, Decimal("-100.00"), note="抵扣")
        ledger.allocate(small, Decimal("100.00"), prepayment=draw)
        credit = Adjustment.objects.create(
            community=office.community,
            number=f"CJ-T-{next(_n)}",
            kind=AdjustmentKind.CREDIT,
            bill=small.bill,
            line=small,
            amount=Decimal("50.00"),
            reason="面积更正",
            status=AdjustmentStatus.APPROVED,
            requested_by=office.cashier,
        )
        ledger.allocate(small, Decimal("50.00"), adjustment=credit)
    pay(office, water, "180.00", at(2026, 10, 25, 9, 0))
    pay(office, BillLine.objects.get(pk=big_line.pk), "47.00", at(2026, 12, 5, 9, 0))  # arrears, in December
    return office


def test_fe1_collection_rate_from_the_ledger_with_its_arithmetic():
    office = ledger_month(Office())
    cid = office.community.pk
    figure = ind.collection([cid], [OCT], at(2026, 12, 10, 0, 0))[(cid, OCT)]
    # received 450 + 100 (draw) + 47 − 0 (the 50 paid and reversed) ÷ (1000 − 50 credit) = 597 / 950
    assert figure.rate == Decimal("62.8")
    assert "597.00" in figure.arithmetic and "1000.00" in figure.arithmetic and "50.00" in figure.arithmetic
    assert "开发建设单位应缴 300.00" in figure.arithmetic
    assert ind.collection([cid], [NOV], at(2026, 12, 10, 0, 0))[(cid, NOV)].rate is None


def test_fe2_utilities_collection_rate_on_its_own():
    office = ledger_month(Office())
    cid = office.community.pk
    figure = ind.utilities([cid], [OCT], at(2026, 12, 10, 0, 0))[(cid, OCT)]
    assert figure.rate == Decimal("90.0")
    assert "180.00" in figure.arithmetic and "200.00" in figure.arithmetic


def test_fe3_recovery_is_received_against_the_opening_arrears():
    office = ledger_month(Office())
    cid = office.community.pk
    figure = ind.recovery([cid], [DEC], at(2026, 12, 10, 0, 0))[(cid, DEC)]
    # open on 1 Dec (developer apart): 1200 − (50 − 50 + 450 + 100 + 50 + 180) = 420; 47 received in December
    assert "420.00" in figure.arithmetic and "47.00" in figure.arithmetic
    assert figure.rate == Decimal("11.2")
    # October's arrears at its start: nothing was due yet
    assert ind.recovery([cid], [OCT], at(2026, 12, 10, 0, 0))[(cid, OCT)].rate is None


def test_qa4_the_indicators_cost_the_same_queries_for_one_community_or_three():
    offices = [ledger_month(Office()) for _ in range(3)]
    ids = [o.community.pk for o in offices]
    now = at(2026, 12, 10, 0, 0)
    # issue 11: the collection rates and the recovery are one aggregate query each
    for compute, queries in ((ind.collection, 1), (ind.utilities, 1), (ind.recovery, 1)):
        with CaptureQueriesContext(connection) as one:
            compute(ids[:1], [OCT, NOV, DEC], now)
        with CaptureQueriesContext(connection) as three:
            figures = compute(ids, [OCT, NOV, DEC], now)
        assert len(one) == len(three) == queries
        assert figures[(ids[2], OCT)] == compute(ids[:1], [OCT], now)[(ids[0], OCT)]


def test_qa4_the_indicators_are_registered_for_the_kpi_page():
    keys = {i.key: i for i in indicators()}
    assert keys["FE-1.collection"].target_policy == "FE-1.collection_pct"
    assert keys["FE-2.utilities"].target_policy == "FE-2.collection_pct"
    assert keys["FE-3.recovery"].rule == "FE-3"
    for key in ("FE-1.collection", "FE-2.utilities", "FE-3.recovery"):
        assert keys[key].permission == "billing.kpi" and "开发建设单位" in str(keys[key].definition)


def test_qa4_company_roles_compare_the_collection_rate_across_communities(client):
    from guanjia.core.roles import Role
    from guanjia.core.tests.factories import login, staff

    first, second = ledger_month(Office()), Office()
    admin = staff(Role.COMPANY_ADMIN)
    with clock.frozen(at(2026, 12, 10, 9, 0)):
        login(client, admin, first.community)
        response = client.get("/console/kpis/?month=2026-10")
    text = response.content.decode()
    assert response.status_code == 200
    assert "物业费当期收缴率" in text and "代收费收缴率" in text and "欠费清收率" in text
    assert first.community.name in text and second.community.name in text
    assert "62.8%" in text
