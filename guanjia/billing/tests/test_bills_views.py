"""Console pages of runs, bills, corrections and the statement (FE-1): status, content, query budgets
constant in the page size, another community's bill or room a 404, a role without the permission 403."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from guanjia.billing.models import Adjustment, Bill, BillingRun
from guanjia.billing.services import runs
from guanjia.billing.tests.factories import FeeItemFactory, bill_for
from guanjia.core import clock
from guanjia.core.document_models import IssuedDocument
from guanjia.core.documents import document_url
from guanjia.core.tests.factories import login
from guanjia.core.tests.pdf import pdf_text

from .bills_setup import NOV, NOW, OCT, Office, pay

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def office():
    return Office()


@pytest.fixture
def other():
    return Office()


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def test_fe1_the_new_run_page_shows_the_dry_run_and_issues_on_post(client, office):
    office.room("张三")
    office.item("2.50")
    login(client, office.cashier, office.community)
    url = reverse("billing:run_new")
    page = client.get(url, {"period": "2026-11"})
    text = page.content.decode()
    assert page.status_code == 200 and "223.75" in text and "张三" in text and "新增" in text
    assert not Bill.objects.exists()  # the dry run writes nothing
    response = client.post(url, {"period": "2026-11"})
    assert response.status_code == 302 and response.url == reverse("billing:bills") + "?period=2026-11"
    assert Bill.objects.count() == 1
    again = client.post(url, {"period": "2026-11"}, follow=True)  # refused, said so
    assert "不能重复计费" in again.content.decode() and BillingRun.objects.count() == 1
    assert "已开具" in client.get(reverse("billing:runs")).content.decode()


def test_fe1_the_run_pages_need_their_permission(client, office):
    login(client, office.front_desk, office.community)
    assert client.get(reverse("billing:runs")).status_code == 200  # reading: billing.view
    assert client.get(reverse("billing:run_new"), {"period": "2026-11"}).status_code == 403
    login(client, office.technician, office.community)
    assert client.get(reverse("billing:runs")).status_code == 403


def make_bills(office, n):
    item = FeeItemFactory(community=office.community)
    for k in range(n):
        room = office.room(f"业主{k}")
        bill = bill_for(room, [(item, "100.00")], period=OCT.start)
        if k % 2:
            pay(bill.lines.get(), "100.00", cashier=office.cashier)


def test_fe1_the_bills_list_filters_and_its_queries_do_not_grow_with_the_page(
    client, office, django_assert_max_num_queries
):
    make_bills(office, 4)
    login(client, office.cashier, office.community)
    url = reverse("billing:bills")
    with django_assert_max_num_queries(20) as few:
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("ZD-T-") == 4
    make_bills(office, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("ZD-T-") == 16
    assert client.get(url, {"state": "open"}).content.decode().count("ZD-T-") == 8
    assert client.get(url, {"state": "settled", "period": "2026-10"}).content.decode().count("ZD-T-") == 8
    assert client.get(url, {"period": "2026-09"}).content.decode().count("ZD-T-") == 0
    assert client.get(url, {"payer_kind": "developer"}).content.decode().count("ZD-T-") == 0


def test_fe1_a_bill_page_shows_lines_allocations_and_the_correction_form(client, office, other):
    room = office.room()
    bill = bill_for(room, [(FeeItemFactory(community=office.community), "100.00")])
    pay(bill.lines.get(), "30.00", cashier=office.cashier, number="SJ-9")
    login(client, office.cashier, office.community)
    page = client.get(reverse("billing:bill", args=[bill.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and bill.number in text and "SJ-9" in text and 'id="adjust-form"' in text
    response = client.post(
        reverse("billing:bill_adjust", args=[bill.pk]), {"kind": "credit", "amount": "80.00", "reason": "错收"}
    )
    assert response.status_code == 400 and "不能超过未缴金额" in response.content.decode()
    response = client.post(
        reverse("billing:bill_adjust", args=[bill.pk]), {"kind": "credit", "amount": "20.00", "reason": "错收"}
    )
    assert response.status_code == 302 and Adjustment.objects.get().amount == D("20.00")
    login(client, office.manager, office.community)
    page = client.get(reverse("billing:bill", args=[bill.pk])).content.decode()
    assert 'id="approval-form"' in page  # the manager decides it on the bill's page
    login(client, other.cashier, other.community)
    assert client.get(reverse("billing:bill", args=[bill.pk])).status_code == 404
    assert client.post(reverse("billing:bill_adjust", args=[bill.pk]), {"kind": "credit"}).status_code == 404


def test_fe1_the_front_desk_reads_bills_but_asks_for_no_correction(client, office):
    bill = bill_for(office.room(), [(FeeItemFactory(community=office.community), "100.00")])
    login(client, office.front_desk, office.community)
    page = client.get(reverse("billing:bill", args=[bill.pk]))
    assert page.status_code == 200 and 'id="adjust-form"' not in page.content.decode()
    assert client.get(reverse("billing:bill_adjust", args=[bill.pk])).status_code == 403


def test_fe1_the_statement_page_prints_the_arithmetic_and_its_pdf(client, office, other):
    room = office.room()
    item = FeeItemFactory(community=office.community)
    with clock.frozen(dt.datetime(2026, 10, 1, 9, tzinfo=NOW.tzinfo)):
        bill = bill_for(room, [(item, "120.00")], period=OCT.start)
        pay(bill.lines.get(), "50.00", cashier=office.cashier, number="SJ-5")
    login(client, office.cashier, office.community)
    url = reverse("billing:statement", args=[room.pk])
    page = client.get(url, {"start": "2026-10-01", "end": "2026-10-31"})
    text = page.content.decode()
    assert page.status_code == 200 and "0.00 ＋ 120.00 ＋ （0.00） － 50.00 ＝ 70.00 元" in text and "SJ-5" in text
    assert "-50.00" in text  # a row's amount to the cent, whatever the database sums with
    pdf_url = document_url("FE-1.statement", f"{room.pk}-20261001-20261031")
    assert pdf_url in text
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    printed = pdf_text(response.content)
    assert "业户对账单" in printed and "70.00" in printed and room.code in printed
    copy = IssuedDocument.objects.get(kind="FE-1.statement")
    assert copy.household_id == room.pk and copy.number.startswith("DZ-")
    assert client.get(document_url("FE-1.statement", f"{room.pk}-20261301-20261031")).status_code == 404
    login(client, other.cashier, other.community)
    assert client.get(url).status_code == 404
    assert client.get(pdf_url).status_code == 404


def test_fe1_the_household_file_shows_the_account(client, office):
    room = office.room()
    bill_for(room, [(FeeItemFactory(community=office.community), "88.00")])
    login(client, office.cashier, office.community)
    page = client.get(reverse("estates:household", args=[room.pk])).content.decode()
    assert 'id="billing-account"' in page and "88.00" in page


def test_fe1_the_run_preview_page_is_paginated_with_constant_queries(client, office, django_assert_max_num_queries):
    office.item("2.50")
    for k in range(3):
        office.room(f"业主{k}")
    login(client, office.cashier, office.community)
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("billing:run_new"), {"period": "2026-11"}).status_code == 200
    for k in range(15):
        office.room(f"新{k}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("billing:run_new"), {"period": "2026-11"})
    assert "18" in page.content.decode()
    runs.run_issue(community=office.community, period=NOV, actor=office.cashier)
    assert 'id="run-exists"' in client.get(reverse("billing:run_new"), {"period": "2026-11"}).content.decode()
