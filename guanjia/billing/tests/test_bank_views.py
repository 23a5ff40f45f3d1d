"""The cashier's bank statement pages (FE-1): the list of what waits (a constant query budget), matching
by hand and ignoring, the import page (xlsx or CSV to core's importer), another community's lines a
404, roles that take no money a 403."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanjia.core import clock
from guanjia.core.importing.models import ImportBatch
from guanjia.core.tests.factories import UserFactory, at, login
from guanjia.estates.models import Person, Room

from ..choices import StatementLineStatus
from ..models import BankStatementLine, Payment
from ..services import bank as svc
from .factories import Window

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
LIST = "/console/billing/bank/"


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def w():
    window = Window()
    Room.objects.filter(pk=window.room.pk).update(code="3-2-1201")
    window.room.refresh_from_db()
    return window


def waiting(w, n: int, start: int = 0):
    rows = [
        {
            "transaction_id": f"BK{start + i:04d}",
            "booked_on": dt.date(2026, 11, 19),
            "amount": Decimal("12.34"),
            "memo": "转账",
            "counterparty_name": "李四",
            "counterparty_account": f"62220212345{start + i:05d}",
        }
        for i in range(n)
    ]
    svc.statement_lines_record(community=w.community, rows=rows, actor=w.cashier)


def test_fe1_the_waiting_list_has_a_constant_query_budget(client, w, django_assert_max_num_queries):
    waiting(w, 2)
    svc.statement_line_match(
        line=BankStatementLine.objects.get(transaction_id="BK0000"),
        room_code="3-2-1201",
        actor=w.cashier,
        purse="property",
    )
    login(client, w.cashier, w.community)
    with django_assert_max_num_queries(30) as small:
        response = client.get(LIST + "?status=")
    assert response.status_code == 200
    waiting(w, 20, start=10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(LIST + "?status=")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("/match/") == 21 and "BK0029" in text
    assert "6222021234500010" not in text and "****0010" in text  # the payer's account masked (LW-1)


def test_fe1_the_list_opens_on_what_waits(client, w):
    waiting(w, 2)
    svc.statement_line_ignore(
        line=BankStatementLine.objects.get(transaction_id="BK0001"), reason="退款", actor=w.cashier
    )
    login(client, w.cashier, w.community)
    text = client.get(LIST).content.decode()
    assert "BK0000" in text and "BK0001" not in text and "待处理 1 笔，合计 12.34 元" in text
    assert "BK0001" in client.get(LIST + "?status=ignored").content.decode()


def test_fe1_the_cashier_matches_and_ignores_on_the_pages(client, w):
    waiting(w, 2)
    first, second = BankStatementLine.objects.order_by("transaction_id")
    login(client, w.cashier, w.community)
    page = client.get(f"{LIST}{first.pk}/match/")
    assert page.status_code == 200 and "12.34" in page.content.decode()
    refused = client.post(f"{LIST}{first.pk}/match/", {"room_code": "8-8-808", "purse": "property"})
    assert refused.status_code == 400 and "本小区没有房屋 8-8-808" in refused.content.decode()
    response = client.post(f"{LIST}{first.pk}/match/", {"room_code": "3-2-1201", "purse": ""})
    assert response.status_code == 302 and response["Location"] == LIST
    first.refresh_from_db()
    assert first.status == StatementLineStatus.MATCHED and first.payment.amount == Decimal("12.34")
    again = client.get(f"{LIST}{first.pk}/match/")
    assert "不能再处理" in again.content.decode()
    response = client.post(f"{LIST}{second.pk}/ignore/", {"reason": "内部转账"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == StatementLineStatus.IGNORED and second.reason == "内部转账"


def test_fe1_another_communitys_lines_are_404_and_roles_without_the_window_403(client, w):
    waiting(w, 1)
    line = BankStatementLine.objects.get()
    other = Window(bills=False)
    login(client, other.cashier, other.community)
    assert "BK0000" not in client.get(LIST + "?status=").content.decode()
    for action in ("match", "ignore"):
        assert client.get(f"{LIST}{line.pk}/{action}/").status_code == 404
        assert client.post(f"{LIST}{line.pk}/{action}/", {"room_code": "3-2-1201", "reason": "x"}).status_code == 404
    line.refresh_from_db()
    assert line.status == StatementLineStatus.WAITING and not Payment.objects.exists()
    login(client, w.desk, w.community)
    for url in (LIST, f"{LIST}{line.pk}/match/", f"{LIST}import/"):
        assert client.get(url).status_code == 403, url


def test_fe1_the_import_page_takes_a_csv_and_opens_the_preview(client, w):
    login(client, w.cashier, w.community)
    assert client.get(f"{LIST}import/").status_code == 200
    template = client.get(f"{LIST}import/template/")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    csv = "交易日期,交易流水号,贷方金额,对方户名,附言\n2026-11-19,C1,260.00,张三,3-2-1201\n".encode()
    response = client.post(f"{LIST}import/", {"file": SimpleUploadedFile("流水.csv", csv)})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert response["Location"].startswith(f"/console/imports/{batch.pk}/")
    assert batch.kind == "billing.bank_statement" and batch.valid_rows == 1
    bad = client.post(f"{LIST}import/", {"file": SimpleUploadedFile("流水.txt", b"x")})
    assert bad.status_code == 400 and "CSV" in bad.content.decode()


def test_fe1_the_statement_and_the_portal_bill_say_what_to_quote_in_a_transfer(client, w):
    login(client, w.cashier, w.community)
    page = client.get(f"/console/billing/rooms/{w.room.pk}/statement/").content.decode()
    assert "银行转账缴费请在附言（用途）中注明房屋编号 3-2-1201 或账单号" in page
    owner = UserFactory()
    Person.objects.filter(ownerships__room=w.room).update(user=owner)  # the owner's portal account
    bill = w.bills[1]
    client.force_login(owner)
    response = client.get(f"/m/fees/bills/{bill.pk}/")
    assert response.status_code == 200
    assert f"附言（用途）请填写账单号 {bill.number}，金额 130.00 元" in response.content.decode()
