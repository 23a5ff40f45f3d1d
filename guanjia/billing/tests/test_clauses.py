"""The late-charge clause (FE-3): off by default (no clause, no late charge); the office manager records
the contract's clause (article, daily rate ‰, grace days, cap, effective date) with messages naming the
field; a new clause supersedes the current one from its date, ending one stops it at once and the one
it superseded does not come back; the history stays; reading is for whoever reads the arrears pages;
another community's clause is a 404; the history page reads a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import login

from ..choices import BillKind
from ..models import Bill, LateChargeClause
from ..services import clauses
from ..services.late_charges import active_clause, late_charges_compute
from .arrears_setup import NOW, TODAY, Office

pytestmark = pytest.mark.django_db

TERMS = {"contract_ref": "物业服务合同第十二条", "daily_rate": "0.5", "grace_days": "10", "cap_pct": "10",
         "since": "2026-01-01"}  # fmt: skip


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def record(office, **changes):
    terms = {**TERMS, **changes}
    terms["since"] = dt.date.fromisoformat(terms["since"])
    return clauses.clause_record(community=office.community, actor=office.manager, **terms)


def test_fe3_no_clause_no_late_charge_until_the_manager_records_one_on_the_page(client, office):
    office.owe(office.owned(), "100.00", days=40)
    login(client, office.manager, office.community)
    assert reverse("billing:arrears_clauses") in client.get(reverse("billing:arrears")).content.decode()
    page = client.get(reverse("billing:arrears_clauses")).content.decode()
    assert 'id="clause-none"' in page and "不计收违约金" in page
    assert late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier) == []

    response = client.post(reverse("billing:arrears_clause_new"), TERMS)
    assert response.status_code == 302 and response["Location"] == reverse("billing:arrears_clauses")
    clause = LateChargeClause.objects.get()
    assert (clause.contract_ref, clause.daily_rate, clause.grace_days, clause.cap_pct, clause.since) == (
        "物业服务合同第十二条", Decimal("0.5"), 10, Decimal("10"), dt.date(2026, 1, 1),
    )  # fmt: skip
    assert (clause.active, clause.until, clause.recorded_by, clause.recorded_at) == (True, None, office.manager, NOW)
    assert ActivityLog.objects.get(verb="billing.clause.recorded").subject_id == str(clause.pk)
    page = client.get(reverse("billing:arrears_clauses")).content.decode()
    assert 'id="clause-current"' in page and "生效中" in page
    # 40 days overdue, 10 of grace: 100 × 0.5‰ × 30 days = 1.50
    [bill] = late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier)
    assert bill.total == Decimal("1.50") and "物业服务合同第十二条" in bill.lines.get().basis_label


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contract_ref", "  ", "合同条款：请填写约定违约金的合同条款"),
        ("daily_rate", "", "日费率（‰）：请填写。"),
        ("daily_rate", "0", "日费率（‰）：须大于 0 且小于 1000‰。"),
        ("daily_rate", "0.0005", "日费率（‰）：最多保留 3 位小数。"),
        ("grace_days", "400", "宽限天数：须在 0 至 365 天之间。"),
        ("cap_pct", "150", "上限（欠费的%）：须大于 0 且不超过 100%。"),
        ("cap_pct", "", "上限（欠费的%）：请填写。"),
        ("since", "", "生效日期：请填写条款生效的日期。"),
    ],
)
def test_fe3_each_term_is_checked_with_a_message_naming_it(client, office, field, value, message):
    login(client, office.manager, office.community)
    response = client.post(reverse("billing:arrears_clause_new"), {**TERMS, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LateChargeClause.objects.exists()
    terms = {**TERMS, field: value}
    terms["since"] = dt.date.fromisoformat(terms["since"]) if terms["since"] else None
    with pytest.raises(ServiceError) as refused:  # the service says the same to any caller
        clauses.clause_record(community=office.community, actor=office.manager, **terms)
    assert refused.value.field == field and message in str(refused.value.message)


def test_fe3_recording_and_ending_need_the_office_manager_reading_the_arrears_readers(client, office):
    clause = record(office)
    for reader in (office.cashier, office.supervisor, office.front):
        login(client, reader, office.community)
        page = client.get(reverse("billing:arrears_clauses"))
        assert page.status_code == 200 and "物业服务合同第十二条" in page.content.decode()
        assert 'id="clause-new"' not in page.content.decode()
        assert client.get(reverse("billing:arrears_clause_new")).status_code == 403
        assert client.post(reverse("billing:arrears_clause_new"), TERMS).status_code == 403
        assert (
            client.post(reverse("billing:arrears_clause_end", args=[clause.pk]), {"end_reason": "x"}).status_code == 403
        )
    login(client, office.technician, office.community)
    assert client.get(reverse("billing:arrears_clauses")).status_code == 403
    with pytest.raises(Forbidden):
        clauses.clause_record(
            community=office.community, actor=office.cashier, **{**TERMS, "since": dt.date(2026, 6, 1)}
        )
    with pytest.raises(Forbidden):
        clauses.clause_end(clause=clause, actor=office.cashier, reason="x")
    assert LateChargeClause.objects.count() == 1


def test_fe3_a_new_clause_supersedes_and_ending_stops_it_without_reviving_the_old(client, office):
    first = record(office, since="2026-01-01")
    second = record(office, contract_ref="补充协议第三条", daily_rate="0.3", since="2026-07-01")
    first.refresh_from_db()
    assert (first.active, first.until) == (True, dt.date(2026, 6, 30))
    assert ActivityLog.objects.filter(verb="billing.clause.superseded", subject_id=str(first.pk)).exists()
    assert active_clause(office.community, dt.date(2026, 3, 1)) == first
    assert active_clause(office.community, dt.date(2026, 8, 1)) == second
    with pytest.raises(Conflict) as overlap:
        record(office, since="2026-05-01")
    assert overlap.value.field == "since" and "补充协议第三条" in str(overlap.value.message)

    login(client, office.manager, office.community)
    url = reverse("billing:arrears_clause_end", args=[second.pk])
    response = client.post(url, {"end_reason": ""})
    assert response.status_code == 400 and "终止原因：请写明终止的原因" in response.content.decode()
    response = client.post(url, {"end_reason": "续签的合同不再约定违约金"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.active, second.until, second.ended_by, second.ended_at) == (False, TODAY, office.manager, NOW)
    assert active_clause(office.community, TODAY) is None  # the superseded one does not come back
    office.owe(office.owned(), "100.00", days=40)
    assert late_charges_compute(community=office.community, as_of=TODAY, actor=office.cashier) == []
    assert not Bill.objects.filter(kind=BillKind.LATE_CHARGE).exists()
    assert client.get(url).status_code == 409  # ended once
    assert client.post(url, {"end_reason": "再次"}).status_code == 409
    page = client.get(reverse("billing:arrears_clauses")).content.decode()
    assert "已终止" in page and "已被取代" in page and "续签的合同不再约定违约金" in page


def test_fe3_ending_a_clause_not_yet_in_force_means_it_never_applies(office):
    later = record(office, since="2027-01-01")
    clauses.clause_end(clause=later, actor=office.manager, reason="合同未续签")
    later.refresh_from_db()
    assert later.until == dt.date(2026, 12, 31) and active_clause(office.community, dt.date(2027, 2, 1)) is None


def test_fe3_another_communitys_clause_is_a_404(client, office):
    other = Office()
    theirs = clauses.clause_record(
        community=other.community, actor=other.manager, **{**TERMS, "since": dt.date(2026, 1, 1)}
    )
    login(client, office.manager, office.community)
    url = reverse("billing:arrears_clause_end", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"end_reason": "x"}).status_code == 404
    assert "物业服务合同第十二条" not in client.get(reverse("billing:arrears_clauses")).content.decode()
    theirs.refresh_from_db()
    assert theirs.active


def test_fe3_the_clause_history_reads_a_fixed_number_of_queries(client, office, django_assert_max_num_queries):
    record(office, since="2020-01-01")
    login(client, office.manager, office.community)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("billing:arrears_clauses")).status_code == 200
    for year in range(2021, 2027):
        record(office, contract_ref=f"{year} 年合同第十二条", since=f"{year}-01-01")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("billing:arrears_clauses")).content.decode()
    assert page.count("已被取代") == 6 and page.count("生效中") == 1
