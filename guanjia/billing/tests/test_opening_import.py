"""Opening balances from the former system (FE-1) on core's importer: good rows become opening bills
that the ageing, the statement and payments (oldest first) read as any bill, and prepaid balances
ledger movements; every bad row is reported with its row number and column; all or nothing;
re-import refused; a run does not bill the months carried over; another community's rooms and items
are unknown; the recovery indicator counts imported arrears as opening arrears; the import page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing.services import import_commit, import_upload
from guanjia.core.models import ActivityLog
from guanjia.core.periods import MONTH, Period
from guanjia.core.roles import Role
from guanjia.core.tests.factories import CommunityFactory, at, login, staff
from guanjia.estates.tests.factories import OwnershipFactory, PersonFactory, RoomFactory, UnitFactory

from .. import indicators_arrears as ind
from .. import selectors_arrears, selectors_bills
from ..choices import BillKind, PayerKind, Purse, RunStatus
from ..models import Bill, BillingRun, BillLine, PrepaymentAccount, PrepaymentMovement
from ..services import opening_import, payments, runs
from ..services.opening_import import Refused, parse_amount, parse_month
from .factories import FeeItemFactory, applied, bill_for, priced

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 3, 10, 0)
HEAD = ["房屋编号", "收费项目", "所属期间", "应收金额", "欠费金额", "缴费期限", "预存余额", "预存账户", "备注"]


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


class Office:
    """Building 1 entrance 1, rooms 101 (张三) and 102 (李四), property fee wy and water sf."""

    def __init__(self):
        self.unit = UnitFactory(building__code="1", code="1")
        self.community = self.unit.community
        self.cashier = staff(Role.CASHIER, self.community)
        self.front = staff(Role.FRONT_DESK, self.community)
        self.a = self.room("101", "张三")
        self.b = self.room("102", "李四")
        self.fee = FeeItemFactory(community=self.community, code="wy", name="物业服务费", due_day=15)
        self.water = FeeItemFactory(
            community=self.community, code="sf", name="水费", collected_on_behalf=True, supplier="自来水公司"
        )

    def room(self, number, owner):
        room = RoomFactory(unit=self.unit, number=number)
        OwnershipFactory(room=room, person=PersonFactory(community=self.community, name=owner))
        return room


@pytest.fixture
def office():
    return Office()


def xlsx(rows, head=HEAD) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["原系统欠费明细（截至2026年11月）"])  # a title row above the header
    ws.append(head)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("期初.xlsx", buffer.getvalue())


def upload(office, rows, actor=None, **kw):
    return import_upload(
        kind=opening_import.KIND, community=office.community, actor=actor or office.cashier, file=xlsx(rows, **kw)
    )


def errors_of(batch) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list] = {}
    for e in batch.row_errors.filter(warning=False).order_by("id"):
        found.setdefault(e.row, []).append((e.column, e.message))
    return found


GOOD = [
    ["1-1-101", "物业服务费", "2026-09", 300, 300, None, None, None, "原系统"],
    ["1-1-101", "wy", "2026年10月", "300.00", "120.50", "2026-10-20", None, None, ""],
    ["1-1-101", "水费", "202610", None, 45.5, None, 20, None, ""],  # arrears and a utilities balance
    ["1-1-102", None, None, None, None, None, "88.80", "物业", "预存"],  # a property balance only
]


def test_fe1_good_rows_become_opening_bills_and_prepaid_movements(office):
    batch = upload(office, GOOD)
    assert batch.status == "previewed" and batch.error_count == 0, errors_of(batch)
    assert batch.summary["counts"] == {
        "bills": 2, "lines": 3, "arrears": "466.00", "prepaid": 2, "prepaid_total": "108.80", "rooms": 2,
    }  # fmt: skip
    import_commit(batch=batch, actor=office.cashier)
    batch.refresh_from_db()
    assert batch.status == "committed" and batch.result["bills"] == 2 and batch.result["arrears"] == "466.00"
    bills = list(Bill.objects.filter(room=office.a).order_by("period"))
    assert [(b.kind, b.period, b.total, b.batch_id) for b in bills] == [
        (BillKind.OPENING, dt.date(2026, 9, 1), Decimal("300.00"), batch.pk),
        (BillKind.OPENING, dt.date(2026, 10, 1), Decimal("166.00"), batch.pk),
    ]
    assert bills[0].payer_kind == PayerKind.OWNER and bills[0].payer_name == "张三" and bills[0].run_id is None
    sept = bills[0].lines.get()
    assert (sept.due_on, sept.covers_to, sept.open_amount) == (
        dt.date(2026, 9, 15),
        dt.date(2026, 9, 30),
        Decimal("300.00"),
    )  # the item's due day of its month
    assert "原系统应收 300" in sept.basis_label and "原系统" in sept.basis_label
    octo = {ln.item.code: ln for ln in bills[1].lines.all()}
    assert octo["wy"].due_on == dt.date(2026, 10, 20) and octo["sf"].on_behalf
    assert bills[1].due_on == dt.date(2026, 10, 10)  # the earliest of its lines (water: due on the 10th)
    # prepaid balances through the ledger's movements, marked with the import
    utilities = PrepaymentAccount.objects.get(room=office.a, purse=Purse.UTILITIES)
    property_ = PrepaymentAccount.objects.get(room=office.b, purse=Purse.PROPERTY)
    assert (utilities.balance, property_.balance) == (Decimal("20.00"), Decimal("88.80"))
    moves = PrepaymentMovement.objects.filter(batch=batch)
    assert sorted((m.amount, m.balance_after) for m in moves) == [
        (Decimal("20.00"), Decimal("20.00")),
        (Decimal("88.80"), Decimal("88.80")),
    ]
    verbs = ActivityLog.objects.filter(community=office.community, verb__endswith=".opening")
    assert sorted(verbs.values_list("verb", "household_id")) == sorted(
        [("billing.bill.opening", office.a.pk)] * 2
        + [("billing.prepayment.opening", office.a.pk), ("billing.prepayment.opening", office.b.pk)]
    )


def test_fe1_opening_arrears_show_in_ageing_and_statement_and_are_paid_oldest_first(office):
    with clock.frozen(at(2026, 11, 1, 9, 0)):
        newer = bill_for(office.a, [(office.fee, "200.00")], period=dt.date(2026, 11, 1))  # Guanjia's own bill
    batch = upload(office, GOOD[:2])
    import_commit(batch=batch, actor=office.cashier)
    buckets = selectors_arrears.by_bucket(office.community, dt.date(2026, 12, 3))
    # Sept due 15 Sept (79 days), Oct due 20 Oct (44 days), Nov due 10 Nov (23 days)
    assert (buckets["d90"], buckets["d30"], buckets["total"]) == (
        Decimal("420.50"),
        Decimal("200.00"),
        Decimal("620.50"),
    )
    row = selectors_arrears.households(office.community, dt.date(2026, 12, 3)).get()
    assert row["oldest"] == dt.date(2026, 9, 15) and row["lines"] == 3
    statement = selectors_bills.statement(office.a, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31))
    charges = [r for r in statement.rows if r.kind == "charge"]
    assert [r.label for r in charges] == ["期初欠费（2026年9月）", "期初欠费（2026年10月）"]
    assert statement.opening == Decimal("200.00") and statement.charges == Decimal("420.50")
    payment = payments.payment_take(room=office.a, amount=Decimal("350.00"), method="cash", actor=office.cashier)
    settled = {a.line.bill.period: a.amount for a in payment.allocations.select_related("line__bill")}
    assert settled == {dt.date(2026, 9, 1): Decimal("300.00"), dt.date(2026, 10, 1): Decimal("50.00")}
    assert BillLine.objects.get(bill=newer).open_amount == Decimal("200.00")


def test_fe1_every_bad_row_is_reported_and_nothing_is_written(office):
    run = BillingRun.objects.create(
        community=office.community, period=dt.date(2026, 11, 1), status=RunStatus.ISSUED, started_by=office.cashier
    )
    billed = bill_for(office.b, [(office.fee, "100.00")], period=dt.date(2026, 11, 1))
    Bill.objects.filter(pk=billed.pk).update(run=run)  # as the November run wrote it
    rows = [
        ["1-1-101", "物业服务费", "2026-08", None, "100", None, None, None, ""],  # 3: good
        ["9-9-909", "物业服务费", "2026-08", None, "100", None, None, None, ""],  # 4: no such room
        ["1-1-102", "停车费", "2026-08", None, "100", None, None, None, ""],  # 5: no such item
        ["1-1-102", "物业服务费", "2026-11", None, "100", None, None, None, ""],  # 6: billed by the run
        ["1-1-102", "物业服务费", "2026-08", None, "12.345", None, None, None, ""],  # 7: three decimals
        ["1-1-102", "物业服务费", "2026-08", None, "-5", None, None, None, ""],  # 8: negative
        ["1-1-102", "物业服务费", "2026-08", None, "许多", None, None, None, ""],  # 9: not a number
        ["1-1-101", "wy", "2026-08", None, "50", None, None, None, ""],  # 10: same as row 3
        ["1-1-102", "物业服务费", "2027-01", None, "100", None, None, None, ""],  # 11: the future
        ["1-1-102", "物业服务费", "八月", None, "100", None, None, None, ""],  # 12: no month
        ["1-1-102", "物业服务费", "2026-07", None, None, None, None, None, ""],  # 13: nothing owed
        ["1-1-102", "物业服务费", "2026-07", "50", "80", None, None, None, ""],  # 14: billed < owed
        ["1-1-102", None, None, None, None, None, "10", "燃气", ""],  # 15: no such purse
        ["1-1-102", None, None, None, None, None, "10", None, ""],  # 16: good prepaid
        ["1-1-102", None, None, None, None, None, "5", "物业服务费等", ""],  # 17: same purse as 16
    ]
    batch = upload(office, rows)
    found = errors_of(batch)
    assert sorted(found) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17]
    first = {row: problems[0] for row, problems in found.items()}
    assert first[4][0] == "房屋编号" and "9-9-909 未在本小区登记" in first[4][1]
    assert first[5][0] == "收费项目" and "停车费" in first[5][1]
    assert first[6][0] == "所属期间" and "2026年11月起已由计费批次开具" in first[6][1]
    assert first[7][0] == "欠费金额" and "两位小数" in first[7][1]
    assert "须大于 0" in first[8][1] and "不是金额" in first[9][1]
    assert first[10][0] == "所属期间" and "与第 3 行重复" in first[10][1]
    assert "晚于本月" in first[11][1] and first[12][0] == "所属期间"
    assert "请填写欠费金额或预存余额" in first[13][1]
    assert first[14][0] == "应收金额" and first[15][0] == "预存账户"
    assert first[17][0] == "预存余额" and "与第 16 行重复" in first[17][1]
    with pytest.raises(ServiceError):
        import_commit(batch=batch, actor=office.cashier)
    with pytest.raises(ServiceError):
        import_commit(batch=batch, actor=office.cashier, valid_only=True)  # all or nothing, always
    assert not Bill.objects.filter(kind=BillKind.OPENING).exists()
    assert not PrepaymentMovement.objects.exists()


def test_fe1_a_file_without_its_header_or_columns_is_refused(office):
    batch = upload(office, [["x", "y"]], head=["名称", "金额"])
    assert batch.summary["fatal"] and "没有找到表头" in errors_of(batch)[None][0][1]
    batch = upload(office, [["1-1-101", "100"]], head=["房屋编号", "欠费金额"])
    assert batch.summary["fatal"] and errors_of(batch) == {2: [("", "缺少列：收费项目、所属期间")]}


def test_fe1_the_room_in_split_columns_and_a_code_with_two_readings(office):
    other = UnitFactory(building=office.unit.building, community=office.community, code="2")
    RoomFactory(unit=other, number="101")  # 1-2-101
    three = UnitFactory(building__community=office.community, building__code="3", code="2")
    RoomFactory(unit=three, number="101")  # 3-2-101
    RoomFactory(unit=None, building=three.building, community=office.community, number="2101", code="3-2101")
    head = ["楼栋", "单元", "房号", "收费项目", "所属期间", "欠费金额"]
    batch = upload(
        office,
        [
            ["1栋", "1单元", "101室", "wy", "2026-08", "10"],
            ["1", "2", "101", "wy", "2026-08", "10"],
            ["3", None, "2101", "wy", "2026-08", "10"],
        ],  # fmt: skip
        head=head,
    )
    found = errors_of(batch)
    assert list(found) == [5] and "有两种理解" in found[5][0][1] and found[5][0][0] == "房号"
    assert batch.summary["counts"]["lines"] == 2


def test_fe1_re_import_is_refused_and_a_batch_committed_meanwhile_makes_the_file_be_checked_again(office):
    import_commit(batch=upload(office, GOOD), actor=office.cashier)
    again = upload(office, GOOD)
    found = errors_of(again)
    assert sorted(found) == [3, 4, 5, 6]
    assert "已导入过期初欠费" in found[3][0][1] and "预存余额已于 2026-12-03 导入" in found[6][0][1]
    # two clerks with the same new rows: the second commit finds the first's and writes nothing
    rows = [["1-1-102", "wy", "2026-08", None, "10", None, None, None, ""]]
    first, second = upload(office, rows), upload(office, rows)
    import_commit(batch=first, actor=office.cashier)
    with pytest.raises(ServiceError):
        import_commit(batch=second, actor=office.cashier)
    second.refresh_from_db()
    assert second.status != "committed" and "已导入过期初欠费" in errors_of(second)[3][0][1]
    assert BillLine.objects.filter(room=office.b, bill__kind=BillKind.OPENING).count() == 1


def test_fe1_another_communitys_rooms_and_items_are_unknown(office):
    elsewhere = CommunityFactory()
    unit = UnitFactory(building__community=elsewhere, building__code="8", code="1")
    RoomFactory(unit=unit, number="801")
    FeeItemFactory(community=elsewhere, code="tc", name="停车费")
    batch = upload(
        office,
        [
            ["8-1-801", "wy", "2026-08", None, "10", None, None, None, ""],
            ["1-1-101", "tc", "2026-08", None, "10", None, None, None, ""],
        ],  # fmt: skip
    )
    found = errors_of(batch)
    assert "未在本小区登记" in found[3][0][1] and "本小区没有收费项目“tc”" in found[4][0][1]
    outsider = staff(Role.CASHIER, elsewhere)
    with pytest.raises(ServiceError):
        import_commit(batch=batch, actor=outsider)  # another office's clerk cannot confirm it


def test_fe1_a_run_does_not_bill_an_item_for_the_months_carried_over(office):
    priced(office.fee, "2.00")
    applied(office.fee)
    import_commit(
        batch=upload(office, [["1-1-101", "wy", "2026-11", None, "179", None, None, None, ""]]), actor=office.cashier
    )
    nov = runs.run_preview(community=office.community, period=Period(MONTH, dt.date(2026, 11, 1)), actor=office.cashier)
    assert nov.bills == [] and any("已作为期初欠费从原系统结转" in w for w in nov.warnings)
    dec = runs.run_preview(community=office.community, period=Period(MONTH, dt.date(2026, 12, 1)), actor=office.cashier)
    assert {b.room_id for b in dec.bills} == {office.a.pk, office.b.pk}


def test_fe3_recovery_counts_imported_arrears_as_opening_arrears(office):
    import_commit(batch=upload(office, GOOD[:2]), actor=office.cashier)  # 420.50 owed, imported 3 December
    with clock.frozen(at(2026, 12, 10, 9, 0)):
        payments.payment_take(room=office.a, amount=Decimal("105.10"), method="cash", actor=office.cashier)
    dec, nov = Period(MONTH, dt.date(2026, 12, 1)), Period(MONTH, dt.date(2026, 11, 1))
    with clock.frozen(at(2026, 12, 20, 9, 0)):
        figures = ind.recovery([office.community.pk], [nov, dec], clock.now())
    assert figures[(office.community.pk, dec)].rate == Decimal("25.0")  # 105.10 of 420.50
    assert "月初欠费 420.50" in figures[(office.community.pk, dec)].arithmetic
    assert figures[(office.community.pk, nov)].rate is None  # not yet in Guanjia in November
    january = Period(MONTH, dt.date(2027, 1, 1))
    with clock.frozen(at(2027, 1, 5, 9, 0)):
        later = ind.recovery([office.community.pk], [january], clock.now())
    assert "月初欠费 315.40" in later[(office.community.pk, january)].arithmetic
    # the months the former system billed are not in its period collection rate
    collection = ind.collection([office.community.pk], [Period(MONTH, dt.date(2026, 9, 1))], clock.now())
    assert collection[(office.community.pk, Period(MONTH, dt.date(2026, 9, 1)))].rate is None


@pytest.mark.parametrize(
    "value, month",
    [("2025-03", (2025, 3)), ("2025年3月", (2025, 3)), ("2025/3", (2025, 3)), (202503, (2025, 3)),
     ("2025.11", (2025, 11)), (dt.datetime(2025, 3, 9), (2025, 3)), ("2025-03-01", (2025, 3))],
)  # fmt: skip
def test_fe1_periods_are_read_in_the_forms_offices_write(value, month):
    assert parse_month(value).start == dt.date(*month, 1)


@pytest.mark.parametrize("value", ["2025-13", "三月", 2025.1, "", None])
def test_fe1_a_period_that_is_no_month_is_refused(value):
    with pytest.raises(Refused):
        parse_month(value)


def test_fe1_amounts_are_decimal_with_two_places():
    assert parse_amount("1,234.50元", "owed") == Decimal("1234.50")
    assert parse_amount(88.1, "owed") == Decimal("88.10")
    assert parse_amount(0, "prepaid", zero_is_empty=True) is None
    for bad in ("0", "1.005", "abc", True, "NaN"):
        with pytest.raises(Refused):
            parse_amount(bad, "owed")


def test_fe1_the_import_page_template_menu_and_permission(client, office):
    login(client, office.cashier, office.community)
    page = client.get(reverse("billing:opening_import"))
    assert page.status_code == 200 and "导入期初欠费与预存余额" in page.content.decode()
    assert reverse("billing:opening_import") in client.get(reverse("billing:runs")).content.decode()
    template = client.get(reverse("billing:opening_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    response = client.post(reverse("billing:opening_import"), {"file": xlsx(GOOD)})
    assert response.status_code == 302 and "/imports/" in response.url
    batch = response.url.split("/imports/")[1].split("/")[0]
    preview = client.get(response.url)
    assert preview.status_code == 200 and "期初欠费账单" in preview.content.decode()
    import_commit(batch=office.community.importbatch_set.get(pk=batch), actor=office.cashier)
    bill = Bill.objects.filter(kind=BillKind.OPENING).first()
    detail = client.get(reverse("billing:bill", args=[bill.pk]))
    assert detail.status_code == 200 and "原系统结转的期初欠费" in detail.content.decode()
    login(client, office.front, office.community)  # sees fees, imports none
    assert client.get(reverse("billing:opening_import")).status_code == 403
    assert client.get(reverse("billing:opening_template")).status_code == 403


def test_fe1_the_check_reads_a_fixed_number_of_queries_whatever_the_rows(office):
    rooms = [office.room(f"{n}01", f"业主{n}") for n in range(2, 12)]

    def rows(count):
        return [[r.code, "wy", "2026-08", None, "10", None, "5", None, ""] for r in rooms[:count]]

    upload(office, rows(1))  # the permission and content types are read once, then cached
    with CaptureQueriesContext(connection) as two:
        assert upload(office, rows(2)).error_count == 0
    with CaptureQueriesContext(connection) as ten:
        assert upload(office, rows(10)).error_count == 0
    assert len(ten.captured_queries) == len(two.captured_queries)


def test_fe1_the_commit_writes_in_bulk_whatever_the_rows(office):
    rooms = [office.room(f"{n}01", f"业主{n}") for n in range(2, 22)]

    def committed(chosen, month):
        rows = [[r.code, "wy", month, None, "10", None, "5", None, ""] for r in chosen]
        batch = upload(office, rows)
        assert batch.error_count == 0
        with CaptureQueriesContext(connection) as queries:
            import_commit(batch=batch, actor=office.cashier)
        return len(queries.captured_queries)

    committed(rooms[:1], "2026-06")  # the permission and content types are read once, then cached
    assert committed(rooms[1:3], "2026-07") == committed(rooms[3:20], "2026-08")
    accounts = PrepaymentAccount.objects.filter(room__in=rooms, purse=Purse.PROPERTY)
    assert accounts.count() == 20 and {a.balance for a in accounts} == {Decimal("5.00")}
    assert PrepaymentMovement.objects.filter(account__in=accounts, balance_after=Decimal("5.00")).count() == 20
