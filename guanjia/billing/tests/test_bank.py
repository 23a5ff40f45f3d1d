"""Bank statements (FE-1): the import through core's importer (xlsx and CSV, the banks' own headers,
every bad row with its row number and column, all or nothing, a second import changing nothing), the
matching by a reference the household quotes and the amount, what waits, matching by hand and ignoring."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from guanjia.core import clock
from guanjia.core.activity import ActivityLog
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.importing.models import ImportStatus
from guanjia.core.importing.services import import_commit
from guanjia.core.tests.factories import at, staff
from guanjia.estates.models import Room

from ..choices import Method, Purse, StatementLineStatus
from ..models import BankStatementLine, Bill, Payment, PrepaymentAccount
from ..services import bank as svc
from ..services import bank_import as imp
from .factories import Window

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
D = Decimal
HEAD = ["交易日期", "交易流水号", "贷方金额", "借方金额", "对方户名", "对方账号", "摘要", "附言"]


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def w():
    window = Window()  # Sept and Oct bills of 100.00 + 30.00 each: 260.00 open
    Room.objects.filter(pk=window.room.pk).update(code="3-2-1201")
    window.room.refresh_from_db()
    Bill.objects.filter(pk=window.bills[0].pk).update(number="ZD-2026-000101")
    Bill.objects.filter(pk=window.bills[1].pk).update(number="ZD-2026-000102")
    return window


def xlsx(rows, head=HEAD, title=True) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append(["账号：6222 0000 1111", None, "币种：人民币"])  # the bank's lines above the header
    ws.append(head)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("流水.xlsx", buffer.getvalue())


def csv_file(text: str, encoding="utf-8-sig", name="流水.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def upload(w, file, actor=None):
    return imp.statement_upload(community=w.community, actor=actor or w.cashier, file=file)


def errors_of(batch) -> list[tuple]:
    return sorted((e.row, e.column, e.message) for e in batch.row_errors.filter(warning=False))


def opens(w):
    return [line.open_amount for line in w.lines()]


def line_of(txn: str) -> BankStatementLine:
    return BankStatementLine.objects.get(transaction_id=txn)


def record(w, txn="T1", amount="260.00", memo="物业费 3-2-1201", **kw):
    row = dict(transaction_id=txn, booked_on=dt.date(2026, 11, 19), amount=D(amount), memo=memo, **kw)
    return svc.statement_lines_record(community=w.community, rows=[row], actor=w.cashier)


# --- the import ------------------------------------------------------------------------------------


def test_fe1_an_xlsx_statement_is_imported_and_matched_by_reference_and_amount(w):
    batch = upload(
        w,
        xlsx(
            [
                [
                    dt.datetime(2026, 11, 18, 9, 12),
                    "B20261118001",
                    260,
                    None,
                    "张三",
                    "6222021234567890",
                    "物业费",
                    "3-2-1201",
                ],
                ["2026-11-18", "B20261118002", "1,000.00", None, "李四", "", "货款", ""],
                ["2026/11/19", "B20261119003", None, "88.00", "电费代扣", "", "支出", ""],
                ["合计", None, "1260.00", "88.00"],
            ]
        ),
    )
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0
    assert batch.summary["counts"] == {"credits": 2, "amount": "1260.00", "debits": 1, "duplicates": 0}
    batch = import_commit(batch=batch, actor=w.cashier)
    assert batch.result["matched"] == 1 and batch.result["waiting"] == 1
    paid = line_of("B20261118001")
    assert paid.status == StatementLineStatus.MATCHED and paid.auto and paid.batch_id == batch.pk and paid.row == 3
    assert paid.memo == "物业费；3-2-1201" and paid.booked_on == dt.date(2026, 11, 18)
    payment = paid.payment
    assert payment.method == Method.TRANSFER and payment.reference == "B20261118001"
    assert payment.source_key == "bank:B20261118001" and payment.amount == D("260.00")
    assert payment.number == "SJ-2026-000001" and payment.payer_name == "张三"  # the community's next receipt
    assert opens(w) == [D("0.00")] * 4
    waiting = line_of("B20261118002")
    assert waiting.status == StatementLineStatus.WAITING and waiting.payment is None
    assert "附言中没有本小区的账单号或房屋编号" in waiting.reason
    assert not BankStatementLine.objects.filter(transaction_id="B20261119003").exists()  # a debit: not a receipt
    assert ActivityLog.objects.filter(verb="billing.statement_line.matched", household_id=w.room.pk).count() == 1


def test_fe1_bad_rows_are_reported_with_row_and_column_and_nothing_is_written(w):
    batch = upload(
        w,
        xlsx(
            [
                ["2026-11-18", "B1", "260.00", None, "张三", "", "3-2-1201", ""],
                ["2026-11-18", "", "10.00", None, "", "", "", ""],
                ["2026-13-45", "B3", "10.00", None, "", "", "", ""],
                ["2026-11-18", "B4", "十元", None, "", "", "", ""],
                ["2026-11-18", "B1", "10.00", None, "", "", "", ""],
                ["2026-11-21", "B6", "10.00", None, "", "", "", ""],
                ["2026-11-18", "B7", "10.005", None, "", "", "", ""],
                ["2026-11-18", "B8", None, None, "王五", "", "", ""],
            ]
        ),
    )
    assert errors_of(batch) == [
        (4, "交易流水号", "请填写交易流水号。"),
        (5, "交易日期", "请填写有效的交易日期（如 2026-11-03）。"),
        (6, "贷方金额", "“十元”不是金额（如 1280.50，最多两位小数）。"),
        (7, "交易流水号", "交易流水号 B1 与第 3 行重复。"),
        (8, "交易日期", "交易日期 2026-11-21 晚于今天。"),
        (9, "贷方金额", "“10.005”不是金额（如 1280.50，最多两位小数）。"),
        (10, "贷方金额", "请填写贷方金额（收入）。"),
    ]
    with pytest.raises(ServiceError, match="7 处问题"):  # all or nothing by default
        import_commit(batch=batch, actor=w.cashier, valid_only=False)
    assert not BankStatementLine.objects.exists() and not Payment.objects.exists()
    batch = import_commit(batch=batch, actor=w.cashier, valid_only=True)  # the cashier's explicit choice
    assert batch.result["lines"] == 1 and line_of("B1").status == StatementLineStatus.MATCHED


def test_fe1_the_date_column_is_preferred_to_a_time_of_day_column_before_it(w):
    head = ["交易时间", "交易日期", "交易流水号", "贷方金额", "摘要"]
    batch = upload(w, xlsx([["10:22:11", "20261118", "B1", "260.00", "3-2-1201"]], head=head))
    assert batch.error_count == 0
    import_commit(batch=batch, actor=w.cashier)
    assert line_of("B1").booked_on == dt.date(2026, 11, 18)


def test_fe1_a_file_without_the_required_columns_is_refused_at_its_header(w):
    batch = upload(w, xlsx([["2026-11-18", "260.00", "3-2-1201"]], head=["交易日期", "收入金额", "用途"]))
    assert batch.summary["fatal"]
    assert errors_of(batch) == [(2, "", "缺少列：交易流水号")]


def test_fe1_a_csv_statement_in_gbk_with_other_header_names_is_read_row_for_row(w):
    text = (
        "中国工商银行账户明细\r\n"
        "记账日期,流水号,收入金额,支出金额,对方名称,对方账户,用途\r\n"
        '2026-11-18 10:22:11,C001,"130.00",,张三,="6222021234567890",ZD2026000101\r\n'
        "2026-11-18,C002,abc,,李四,,x\r\n"
    )
    batch = upload(w, csv_file(text, encoding="gbk", name="statement.CSV"))
    assert batch.filename == "statement.xlsx"
    assert errors_of(batch) == [(4, "收入金额", "“abc”不是金额（如 1280.50，最多两位小数）。")]
    batch = import_commit(batch=batch, actor=w.cashier, valid_only=True)
    line = line_of("C001")
    assert line.counterparty_account == "6222021234567890" and line.row == 3
    # the bill number without its hyphens, for exactly that bill's open amount: that bill, not the oldest first
    assert line.status == StatementLineStatus.MATCHED
    assert opens(w) == [D("0.00"), D("0.00"), D("100.00"), D("30.00")]


def test_fe1_a_statement_imported_twice_changes_nothing_the_second_time(w):
    rows = [
        ["2026-11-18", "B1", "260.00", None, "张三", "", "3-2-1201", ""],
        ["2026-11-18", "B2", "55.00", None, "李四", "", "", ""],
    ]
    import_commit(batch=upload(w, xlsx(rows)), actor=w.cashier)
    again = upload(w, xlsx(rows + [["2026-11-19", "B3", "20.00", None, "王五", "", "", ""]]))
    assert again.error_count == 0 and again.summary["counts"]["duplicates"] == 2
    assert sorted(e.row for e in again.row_errors.filter(warning=True)) == [3, 4]
    again = import_commit(batch=again, actor=w.cashier)
    assert again.result["lines"] == 1 and again.result["duplicates"] == 2
    assert BankStatementLine.objects.count() == 3 and Payment.objects.count() == 1
    # recorded twice by any other way (two overlapping imports racing): still once
    assert record(w, txn="B1")["duplicates"] == 1 and Payment.objects.count() == 1


def test_fe1_a_file_that_is_neither_xlsx_nor_csv_is_refused(w):
    with pytest.raises(ServiceError, match="CSV"):
        upload(w, SimpleUploadedFile("流水.xls", b"\xd0\xcf\x11\xe0"))


# --- matching --------------------------------------------------------------------------------------


def test_fe1_a_room_code_written_the_chinese_way_matches_the_rooms_open_total(w):
    record(w, memo="3栋2单元1201室 张三缴费")
    assert line_of("T1").status == StatementLineStatus.MATCHED
    assert opens(w) == [D("0.00")] * 4


def test_fe1_a_bill_number_matches_that_bills_open_lines(w):
    record(w, amount="130.00", memo="缴 ZD-2026-000102")
    payment = line_of("T1").payment
    assert opens(w) == [D("100.00"), D("30.00"), D("0.00"), D("0.00")]  # October's, as the owner said
    assert sorted(a.line.bill.number for a in payment.allocations.all()) == ["ZD-2026-000102"] * 2


def test_fe1_an_amount_that_differs_from_what_is_open_waits_with_the_reason(w):
    record(w, amount="250.00", memo="3-2-1201")
    line = line_of("T1")
    assert line.status == StatementLineStatus.WAITING and line.room == w.room  # the room, for the cashier
    assert line.reason == "金额 250.00 元与房屋 3-2-1201 未缴合计 260.00 元不符。"
    assert not Payment.objects.exists() and opens(w) == [D("100.00"), D("30.00")] * 2


def test_fe1_a_memo_naming_two_rooms_or_another_communitys_room_waits(w):
    other = Window()
    Room.objects.filter(pk=other.room.pk).update(code="9-9-999")
    Room.objects.create(
        community=w.community, building=w.room.building, unit=w.room.unit, number="1202", code="3-2-1202"
    )
    record(w, txn="T1", memo="3-2-1201 3-2-1202")
    record(w, txn="T2", amount="260.00", memo="9-9-999")  # a room of another community is not found here
    assert line_of("T1").reason == "附言中有多个房屋的账单号或房屋编号，请人工核对。"
    assert line_of("T2").status == StatementLineStatus.WAITING and line_of("T2").room is None


def test_fe1_a_transfer_already_taken_at_the_window_waits_rather_than_pays_twice(w):
    from ..services.payments import payment_take

    payment_take(room=w.room, amount=D("130.00"), method=Method.TRANSFER, reference="T1", actor=w.cashier)
    record(w, txn="T1", amount="130.00", memo="3-2-1201")
    line = line_of("T1")
    assert line.status == StatementLineStatus.WAITING and "已登记过收款" in line.reason
    assert Payment.objects.count() == 1


# --- the cashier's hand ----------------------------------------------------------------------------


def test_fe1_the_cashier_matches_a_waiting_line_oldest_first_and_the_rest_is_prepaid(w):
    record(w, amount="300.00", memo="张三 转账")
    line = svc.statement_line_match(line=line_of("T1"), room_code="3-2-1201", actor=w.cashier, purse=Purse.PROPERTY)
    assert line.status == StatementLineStatus.MATCHED and not line.auto and line.handled_by == w.cashier
    assert line.payment.amount == D("300.00") and line.payment.to_prepayment == D("40.00")
    assert opens(w) == [D("0.00")] * 4
    assert PrepaymentAccount.objects.get(room=w.room, purse=Purse.PROPERTY).balance == D("40.00")
    with pytest.raises(Conflict, match="已入账"):
        svc.statement_line_match(line=line, room_code="3-2-1201", actor=w.cashier)
    assert ActivityLog.objects.filter(verb="billing.statement_line.matched").count() == 1


def test_fe1_a_line_whose_receipt_is_voided_waits_again_and_is_matched_anew(w):
    from guanjia.core import approvals

    from ..services import payments

    record(w, amount="260.00", memo="物业费 3-2-1201")
    first = line_of("T1").payment
    payments.receipt_void_request(payment=first, reason="入错房屋", actor=w.cashier)
    approval = approvals.current_approval(first, payments.VOID)
    approvals.approval_decide(approval=approval, actor=w.manager, outcome="approve", comment="")
    line = line_of("T1")
    assert line.status == StatementLineStatus.WAITING and line.payment is None and first.number in line.reason
    assert opens(w) == [D("100.00"), D("30.00"), D("100.00"), D("30.00")]
    assert ActivityLog.objects.filter(verb="billing.statement_line.reopened").count() == 1
    again = svc.statement_line_match(line=line, room_code="3-2-1201", actor=w.cashier).payment
    assert again.pk != first.pk and again.number != first.number and again.reference == "T1"
    assert opens(w) == [D("0.00")] * 4
    assert Payment.objects.filter(reference="T1").count() == 2  # the voided receipt keeps its number


def test_fe1_matching_by_hand_refuses_an_overpayment_without_a_purse_and_an_unknown_room(w):
    record(w, amount="300.00", memo="转账")
    with pytest.raises(ServiceError) as refused:
        svc.statement_line_match(line=line_of("T1"), room_code="3-2-1201", actor=w.cashier)
    assert refused.value.field == "purse"
    with pytest.raises(ServiceError, match="本小区没有房屋 8-8-808") as unknown:
        svc.statement_line_match(line=line_of("T1"), room_code="8-8-808", actor=w.cashier)
    assert unknown.value.field == "room_code"
    assert line_of("T1").status == StatementLineStatus.WAITING and not Payment.objects.exists()


def test_fe1_the_cashier_ignores_a_line_with_a_reason(w):
    record(w, amount="86.40", memo="水费退款")
    with pytest.raises(ServiceError, match="忽略原因"):
        svc.statement_line_ignore(line=line_of("T1"), reason="  ", actor=w.cashier)
    line = svc.statement_line_ignore(line=line_of("T1"), reason="供应商退款", actor=w.cashier)
    assert line.status == StatementLineStatus.IGNORED and line.reason == "供应商退款"
    assert ActivityLog.objects.filter(verb="billing.statement_line.ignored").exists()
    with pytest.raises(Conflict):
        svc.statement_line_match(line=line, room_code="3-2-1201", actor=w.cashier)


def test_fe1_only_the_cashier_handles_lines(w):
    record(w, amount="5.00", memo="x")
    for actor in (w.manager, w.desk, staff("cashier", Window(bills=False).community)):
        with pytest.raises(Forbidden):
            svc.statement_line_ignore(line=line_of("T1"), reason="x", actor=actor)
        with pytest.raises(Forbidden):
            svc.statement_line_match(line=line_of("T1"), room_code="3-2-1201", actor=actor)
    assert line_of("T1").status == StatementLineStatus.WAITING
