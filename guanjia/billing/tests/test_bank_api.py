"""The bank statement lines through the API (FE-1): the list by state with a query budget constant in
the page size, match / ignore / reopen through the console's services with the same messages, an
Idempotency-Key retry booked once, another community's line a 404, a role that takes no money a 403;
and the new `statement_line_reopen_ignored` with its console button."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import at, login
from guanjia.estates.models import Room

from ..choices import StatementLineStatus
from ..models import BankStatementLine, Payment
from ..services import bank as svc
from .factories import Window

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
URL = "/api/billing/bank-lines/"
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


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def waiting(w, n: int, start: int = 0, amount="12.34"):
    rows = [
        {
            "transaction_id": f"BK{start + i:04d}",
            "booked_on": dt.date(2026, 11, 19),
            "amount": Decimal(amount),
            "memo": "转账",
            "counterparty_name": "李四",
            "counterparty_account": f"62220212345{start + i:05d}",
        }
        for i in range(n)
    ]
    svc.statement_lines_record(community=w.community, rows=rows, actor=w.cashier)
    return list(BankStatementLine.objects.filter(community=w.community).order_by("transaction_id"))


def test_fe1_list_filters_by_state_masks_the_account_and_has_a_constant_budget(w):
    lines = waiting(w, 3)
    svc.statement_line_ignore(line=lines[2], reason="退款", actor=w.cashier)
    client = api(w.cashier)
    data = client.get(URL, {"status": "waiting"}).json()
    assert data["count"] == 2 and {r["transaction_id"] for r in data["results"]} == {"BK0000", "BK0001"}
    row = data["results"][0]
    assert row["counterparty_account"].startswith("****") and "62220212345" not in str(data)  # LW-1
    assert client.get(URL, {"status": "ignored"}).json()["results"][0]["reason"] == "退款"
    assert client.get(URL).json()["count"] == 3
    bad = client.get(URL, {"status": "maybe"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("状态：")
    svc.statement_line_match(line=lines[0], room_code="3-2-1201", actor=w.cashier, purse="property")
    counts = []
    for extra in (0, 20):
        waiting(w, extra, start=100) if extra else None
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"page_size": 50})
        assert response.status_code == 200 and response.json()["count"] == 3 + extra
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_fe1_match_by_hand_with_the_console_messages_and_a_retry_booked_once(w):
    line = waiting(w, 1)[0]
    client = api(w.cashier)
    unknown = client.post(f"{URL}{line.pk}/match/", {"room_code": "8-8-808"}, format="json")
    assert unknown.status_code == 400 and unknown.json()["field"] == "room_code"
    assert unknown.json()["detail"] == "房屋编号：本小区没有房屋 8-8-808。"
    body = {"room_code": "3-2-1201", "purse": "property"}
    done = client.post(f"{URL}{line.pk}/match/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    assert done.status_code == 200, done.json()
    assert (
        done.json()["status"] == "matched" and done.json()["payment_number"] and done.json()["room_code"] == "3-2-1201"
    )
    retry = client.post(f"{URL}{line.pk}/match/", body, format="json", HTTP_IDEMPOTENCY_KEY="m-1")
    assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true"
    again = client.post(f"{URL}{line.pk}/match/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_waiting"
    assert Payment.objects.count() == 1 and Payment.objects.get().amount == Decimal("12.34")


def test_fe1_ignore_needs_a_reason_and_reopen_puts_it_back(w):
    line = waiting(w, 1)[0]
    client = api(w.cashier)
    blank = client.post(f"{URL}{line.pk}/ignore/", {"reason": "  "}, format="json")
    assert blank.status_code == 400 and blank.json()["field"] == "reason"
    assert blank.json()["detail"] == "忽略原因：请填写。"
    not_yet = client.post(f"{URL}{line.pk}/reopen/", format="json")
    assert not_yet.status_code == 409 and not_yet.json()["code"] == "not_ignored"
    assert not_yet.json()["detail"].startswith("状态：")
    ignored = client.post(f"{URL}{line.pk}/ignore/", {"reason": "供应商退款"}, format="json")
    assert ignored.status_code == 200 and ignored.json()["status"] == "ignored"
    reopened = client.post(f"{URL}{line.pk}/reopen/", format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "waiting"
    assert "供应商退款" in reopened.json()["reason"]
    entry = ActivityLog.objects.filter(verb="billing.statement_line.reopened").get()
    assert entry.actor == w.cashier and entry.data["ignored_reason"] == "供应商退款"
    matched = client.post(f"{URL}{line.pk}/match/", {"room_code": "3-2-1201", "purse": "property"}, format="json")
    assert matched.status_code == 200  # it waits again: the cashier may book it now


def test_fe1_reopen_service_only_ignored_lines_and_only_the_cashier(w):
    line = waiting(w, 1)[0]
    with pytest.raises(ServiceError) as waiting_line:
        svc.statement_line_reopen_ignored(line=line, actor=w.cashier)
    assert waiting_line.value.status == 409
    svc.statement_line_ignore(line=line, reason="内部转账", actor=w.cashier)
    with pytest.raises(ServiceError) as desk:
        svc.statement_line_reopen_ignored(line=line, actor=w.desk)
    assert desk.value.status == 403
    line = svc.statement_line_reopen_ignored(line=line, actor=w.cashier)
    line.refresh_from_db()
    assert line.status == StatementLineStatus.WAITING and line.handled_by == w.cashier and line.payment is None


def test_fe1_another_communitys_line_is_404_and_roles_without_the_window_403(w):
    line = waiting(w, 1)[0]
    other = Window(bills=False)
    elsewhere = api(other.cashier)
    assert elsewhere.get(URL).json()["count"] == 0
    assert elsewhere.get(f"{URL}{line.pk}/").status_code == 404
    for action in ("match", "ignore", "reopen"):
        body = {"room_code": "3-2-1201", "reason": "x"}
        assert elsewhere.post(f"{URL}{line.pk}/{action}/", body, format="json").status_code == 404
    desk = api(w.desk)  # sees the fee office's accounts, takes no money
    assert desk.get(URL).json()["count"] == 0  # a list is narrowed to where one works the window
    assert desk.get(f"{URL}{line.pk}/").status_code == 403
    assert desk.post(f"{URL}{line.pk}/ignore/", {"reason": "x"}, format="json").status_code == 403
    line.refresh_from_db()
    assert line.status == StatementLineStatus.WAITING and not Payment.objects.exists()
    assert APIClient().get(URL).status_code == 401


def test_fe1_the_console_offers_reopen_on_an_ignored_line(client, w):
    first, second = waiting(w, 2)
    svc.statement_line_ignore(line=second, reason="退款", actor=w.cashier)
    login(client, w.cashier, w.community)
    text = client.get(LIST + "?status=").content.decode()
    assert f"/bank/{second.pk}/reopen/" in text and f"/bank/{first.pk}/reopen/" not in text
    refused = client.get(f"{LIST}{first.pk}/reopen/").content.decode()
    assert "只有已忽略的流水才能恢复待处理" in refused and 'id="action-form"' not in refused
    assert client.post(f"{LIST}{first.pk}/reopen/").status_code == 409
    page = client.get(f"{LIST}{second.pk}/reopen/")
    assert page.status_code == 200 and 'id="action-form"' in page.content.decode()
    done = client.post(f"{LIST}{second.pk}/reopen/")
    assert done.status_code == 302 and done["Location"] == LIST
    second.refresh_from_db()
    assert second.status == StatementLineStatus.WAITING
    login(client, w.desk, w.community)
    assert client.get(f"{LIST}{second.pk}/reopen/").status_code == 403


def test_fe1_a_statement_goes_through_the_importer_api_and_lands_as_lines(w):
    book = Workbook()
    book.active.append(["交易日期", "贷方金额", "借方金额", "对方户名", "对方账号", "摘要", "交易流水号"])
    book.active.append([dt.date(2026, 11, 19), 260, None, "张三", "6222021234567890", "3-2-1201", "API-1"])
    buffer = io.BytesIO()
    book.save(buffer)
    client = api(w.cashier)
    body = {
        "kind": "billing.bank_statement",
        "community": w.community.pk,
        "file": SimpleUploadedFile("流水.xlsx", buffer.getvalue()),
    }
    uploaded = client.post("/api/imports/", body, format="multipart")
    assert uploaded.status_code == 201, uploaded.json()
    batch = uploaded.json()
    assert (batch["state"], batch["rows"], batch["valid"], batch["bad"]) == ("previewed", 1, 1, 0)
    assert not BankStatementLine.objects.exists()
    assert api(w.desk).post(f"/api/imports/{batch['id']}/commit/", {}, format="json").status_code == 403
    done = client.post(f"/api/imports/{batch['id']}/commit/", {"mode": "all"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "committed", done.json()
    line = BankStatementLine.objects.get()
    assert line.transaction_id == "API-1" and line.status == StatementLineStatus.MATCHED  # 260 = what the room owes
    assert client.get(URL, {"status": "matched"}).json()["results"][0]["transaction_id"] == "API-1"


def test_fe1_a_gbk_csv_statement_through_the_importer_api_is_converted_by_the_kinds_hook(w):
    text = (
        "中国工商银行账户明细\r\n"
        "记账日期,流水号,收入金额,支出金额,对方名称,对方账户,用途\r\n"
        '2026-11-19 09:10:00,CSV-1,"260.00",,张三,="6222021234567890",物业费 3-2-1201\r\n'
        "2026-11-19,CSV-2,abc,,李四,,x\r\n"
    )
    client = api(w.cashier)
    body = {
        "kind": "billing.bank_statement",
        "community": w.community.pk,
        "file": SimpleUploadedFile("流水.csv", text.encode("gbk")),
    }
    uploaded = client.post("/api/imports/", body, format="multipart")
    assert uploaded.status_code == 201, uploaded.json()
    batch = uploaded.json()
    assert (batch["state"], batch["rows"], batch["valid"], batch["bad"]) == ("previewed", 2, 1, 1)
    problems = client.get(f"/api/imports/{batch['id']}/bad-rows/").json()["results"]
    assert [(p["row"], p["column"]) for p in problems] == [(4, "收入金额")]  # the Chinese header read from GBK
    done = client.post(f"/api/imports/{batch['id']}/commit/", {"mode": "valid_only"}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "committed", done.json()
    line = BankStatementLine.objects.get()
    assert (line.transaction_id, line.counterparty_name, line.row) == ("CSV-1", "张三", 3)
    assert line.counterparty_account == "6222021234567890" and line.status == StatementLineStatus.MATCHED


def test_fe1_the_importer_api_refuses_a_file_no_converter_takes_naming_what_it_accepts(w):
    body = {
        "kind": "billing.bank_statement",
        "community": w.community.pk,
        "file": SimpleUploadedFile("流水.xls", b"\xd0\xcf\x11\xe0"),
    }
    refused = api(w.cashier).post("/api/imports/", body, format="multipart")
    assert refused.status_code == 400 and "CSV" in str(refused.json()), refused.json()
    rooms = dict(body, kind="estates.rooms", file=SimpleUploadedFile("rooms.csv", b"a,b"))
    refused = api(w.cashier).post("/api/imports/", rooms, format="multipart")
    assert refused.status_code in (400, 403) and not BankStatementLine.objects.exists()
