"""The month's billing run (FE-1): who pays, proration by days, rounding once per line, cycles,
bases, the dry run and its differences, idempotent and atomic issue, automatic prepayment draws."""

import datetime as dt
from decimal import Decimal

import pytest

from guanjia.billing.choices import Basis, BillKind, PayerKind, Purse, Rounding, RunStatus
from guanjia.billing.models import Allocation, Bill, BillingRun, BillLine, PrepaymentMovement, TenantPays
from guanjia.billing.services import ledger, runs, runs_bulk
from guanjia.billing.services.charges import Charge
from guanjia.billing.tests.factories import bill_for
from guanjia.core import clock, numbering
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.periods import MONTH, Period
from guanjia.estates.models import Resident
from guanjia.estates.tests.factories import LeaseFactory, PersonFactory

from .bills_setup import NOV, NOW, OCT, Office

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def office():
    return Office()


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def issue(office, period=NOV):
    return runs.run_issue(community=office.community, period=period, actor=office.cashier)


def test_fe1_a_monthly_item_bills_the_owner_by_building_area(office):
    room = office.room("张三")
    office.item("2.50")
    run = issue(office)
    bill = Bill.objects.get()
    line = bill.lines.get()
    assert (bill.payer_kind, bill.payer_name, bill.total, bill.due_on) == (
        "owner",
        "张三",
        D("223.75"),
        dt.date(2026, 11, 10),
    )
    assert bill.number == "ZD-2026-000001" and bill.run_id == run.pk and bill.kind == BillKind.REGULAR
    assert (line.quantity, line.unit_price, line.amount, line.open_amount) == (
        D("89.500"),
        D("2.5"),
        D("223.75"),
        D("223.75"),
    )
    assert (line.covers_from, line.covers_to, line.proration, line.basis_label) == (
        dt.date(2026, 11, 1), dt.date(2026, 11, 30), "", "建筑面积 89.50㎡",
    )  # fmt: skip
    assert (run.status, run.bills, run.lines, run.total) == (RunStatus.ISSUED, 1, 1, D("223.75"))
    stored = BillingRun.objects.get()
    assert (stored.status, stored.bills, stored.total) == (RunStatus.ISSUED, 1, D("223.75"))
    assert ActivityLog.objects.filter(verb="billing.bill.issued", household_id=room.pk).count() == 1
    assert ActivityLog.objects.filter(verb="billing.run.issued").count() == 1


def test_fe1_joint_owners_share_one_bill_named_after_both(office):
    room = office.room("张三")
    from guanjia.estates.tests.factories import OwnershipFactory

    OwnershipFactory(room=room, person=PersonFactory(community=office.community, name="李四"), share=50)
    office.item("2.00")
    issue(office)
    assert Bill.objects.get().payer_name in ("张三、李四", "李四、张三")


def test_fe1_handover_mid_month_the_developer_pays_until_moving_in_then_the_owner(office):
    office.room("张三", moved_in_on=dt.date(2026, 11, 13))
    office.item("2.50")  # 223.75 for the whole month
    issue(office)
    developer = Bill.objects.get(payer_kind=PayerKind.DEVELOPER)
    owner = Bill.objects.get(payer_kind=PayerKind.OWNER)
    d_line, o_line = developer.lines.get(), owner.lines.get()
    assert (d_line.covers_from, d_line.covers_to, d_line.proration, d_line.amount) == (
        dt.date(2026, 11, 1), dt.date(2026, 11, 12), "12/30 天", D("89.50"),
    )  # fmt: skip
    assert (o_line.covers_from, o_line.covers_to, o_line.proration, o_line.amount) == (
        dt.date(2026, 11, 13), dt.date(2026, 11, 30), "18/30 天", D("134.25"),
    )  # fmt: skip
    assert developer.payer_name == "开发建设单位" and developer.payer_id is None and owner.payer_name == "张三"


def test_fe1_an_undelivered_room_is_the_developers_for_the_whole_period(office):
    office.room(None, handover="undelivered")
    office.item("2.50")
    issue(office)
    bill = Bill.objects.get()
    assert (bill.payer_kind, bill.total, bill.lines.get().proration) == (PayerKind.DEVELOPER, D("223.75"), "")


def test_fe1_a_lease_ending_mid_month_the_tenant_pays_his_days_and_the_owner_the_rest(office):
    room = office.room("张三")
    item = office.item("2.50")
    other = office.item("1.00", name="公共能耗费")  # not in the lease's list: the owner's all month
    lease = LeaseFactory(room=room, tenant=PersonFactory(community=office.community, name="王五"),
                         ended_on=dt.date(2026, 11, 20))  # fmt: skip
    TenantPays.objects.create(community=office.community, lease=lease).items.add(item)
    issue(office)
    tenant = Bill.objects.get(payer_kind=PayerKind.TENANT)
    owner = Bill.objects.get(payer_kind=PayerKind.OWNER)
    t_line = tenant.lines.get()
    assert tenant.payer_name == "王五" and tenant.payer_id == lease.tenant_id
    # 223.75 × 20/30 = 149.1666… → 149.17; 223.75 × 10/30 = 74.5833… → 74.58: each line rounded once
    assert (t_line.covers_to, t_line.proration, t_line.amount) == (dt.date(2026, 11, 20), "20/30 天", D("149.17"))
    lines = {(line.item_id, line.proration): line.amount for line in owner.lines.all()}
    assert lines == {(item.pk, "10/30 天"): D("74.58"), (other.pk, ""): D("89.50")}


@pytest.mark.parametrize(
    ("rounding", "decimals", "expected"),
    [
        (Rounding.HALF_UP, 2, "228.23"),
        (Rounding.DOWN, 0, "228.00"),
        (Rounding.UP, 1, "228.30"),
        (Rounding.HALF_UP, 0, "228.00"),
    ],
)
def test_fe1_rounding_is_the_items_mode_applied_once_per_line(office, rounding, decimals, expected):
    office.room()
    office.item("2.55", rounding=rounding, decimals=decimals)  # 89.50 × 2.55 = 228.225
    issue(office)
    assert BillLine.objects.get().amount == D(expected)


def test_fe1_a_quarterly_item_is_billed_in_the_first_month_of_each_quarter_for_the_whole_quarter(office):
    office.room()
    office.item("1.00", cycle_months=3, name="二次供水费")
    months = [
        m.start.month
        for m in Period(MONTH, dt.date(2026, 1, 1)).until(Period(MONTH, dt.date(2026, 12, 1)))
        if runs.plan(office.community, m).bills
    ]
    assert months == [1, 4, 7, 10]
    issue(office, OCT)
    line = BillLine.objects.get()
    assert (line.covers_from, line.covers_to, line.amount) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31), D("268.50"))
    with pytest.raises(ServiceError) as refused:  # November bills nothing of it: no empty run closes the month
        issue(office, NOV)
    assert refused.value.code == "run_empty" and not BillingRun.objects.filter(period=NOV.start).exists()


def test_fe1_a_yearly_item_started_mid_year_is_prorated_from_its_start(office):
    office.room()
    office.item("1.00", cycle_months=12, basis=Basis.PER_ROOM, starts_on=dt.date(2026, 1, 1))
    plan = runs.plan(office.community, Period(MONTH, dt.date(2026, 1, 1)))
    assert plan.bills[0].lines[0].amount == D("12.00")


def test_fe1_per_household_bills_rooms_with_an_owner_or_a_resident_only(office):
    owned = office.room("张三")
    lived_in = office.room(None)
    Resident.objects.create(community=office.community, room=lived_in, relationship="relative",
                            person=PersonFactory(community=office.community, name="赵六"))  # fmt: skip
    office.room(None)  # empty: no owner, no resident
    office.item("15.00", basis=Basis.PER_HOUSEHOLD, name="垃圾处理费")
    issue(office)
    billed = dict(BillLine.objects.values_list("room_id", "amount"))
    assert billed == {owned.pk: D("15.00"), lived_in.pk: D("15.00")}


def test_fe1_parking_space_basis_bills_parking_rooms(office):
    space = office.room("张三", kind="parking", building_area=None)
    office.item("80.00", basis=Basis.PARKING_SPACE, room_kind="parking", name="车位管理费")
    issue(office)
    line = BillLine.objects.get()
    assert (line.room_id, line.amount, line.basis_label) == (space.pk, D("80.00"), "车位 1 个")


def test_fe1_preview_writes_nothing_and_shows_differences_from_last_month(office):
    same, changed, gone = office.room("甲"), office.room("乙"), office.room("丙")
    office.item("2.00")
    issue(office, OCT)
    new = office.room("丁")
    type(changed).objects.filter(pk=changed.pk).update(building_area=D("100.00"))
    type(gone).objects.filter(pk=gone.pk).update(kind="shop")
    before = (Bill.objects.count(), BillLine.objects.count(), BillingRun.objects.count())
    plan = runs.run_preview(community=office.community, period=NOV, actor=office.cashier)
    assert (Bill.objects.count(), BillLine.objects.count(), BillingRun.objects.count()) == before
    changes = {b.room_id: (b.change, b.last_total, b.total) for b in plan.bills}
    assert changes == {
        same.pk: ("same", D("179.00"), D("179.00")),
        changed.pk: ("changed", D("179.00"), D("200.00")),
        new.pk: ("new", None, D("179.00")),
    }
    assert plan.gone == [(gone.code, D("179.00"))]
    assert plan.counts() == {"new": 1, "changed": 1, "same": 1, "gone": 1}
    assert plan.total == D("558.00") and plan.line_count == 3


def test_fe1_an_item_without_a_price_for_the_period_is_warned_not_billed(office):
    office.room()
    from guanjia.billing.tests.factories import FeeItemFactory, applied

    applied(FeeItemFactory(community=office.community, name="无价项目"))
    plan = runs.plan(office.community, NOV)
    assert plan.bills == [] and "无价项目" in plan.warnings[0]


def test_fe1_a_second_run_of_the_month_is_refused(office):
    office.room()
    office.item()
    issue(office)
    with pytest.raises(Conflict) as refused:
        issue(office)
    assert refused.value.code == "run_exists" and "2026年11月" in str(refused.value)
    assert (BillingRun.objects.count(), Bill.objects.count()) == (1, 1)


def test_fe1_two_runs_started_at_once_leave_one_the_loser_fails_on_the_unique_row(office, monkeypatch):
    office.room()
    office.item()
    issue(office)
    monkeypatch.setattr(runs, "issued_already", lambda community, month: False)  # both passed the check
    with pytest.raises(Conflict):
        issue(office)
    assert (BillingRun.objects.count(), Bill.objects.count(), BillLine.objects.count()) == (1, 1, 1)


def test_fe1_lines_once_per_period_even_without_the_run_row(office):
    room = office.room()
    item = office.item()
    bill_for(room, [(item, "223.75")], period=NOV.start)  # billed by other means (an import)
    with pytest.raises(Conflict):
        issue(office)
    assert BillingRun.objects.count() == 0 and Bill.objects.count() == 1


def test_fe1_a_run_killed_midway_leaves_nothing(office, monkeypatch):
    room = office.room()
    office.item()
    ledger.prepayment_move(ledger.prepayment_account(room, Purse.PROPERTY), D("50.00"), note="预存")

    def killed(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(runs_bulk, "log_bills", killed)
    with pytest.raises(RuntimeError):
        issue(office)
    assert (BillingRun.objects.count(), Bill.objects.count(), BillLine.objects.count()) == (0, 0, 0)
    assert Allocation.objects.count() == 0 and PrepaymentMovement.objects.count() == 1  # only the deposit
    assert not ActivityLog.objects.filter(verb__startswith="billing.").exists()
    assert numbering.next_number("ZD", scope=office.community) == "ZD-2026-000001"  # numbers given back


def test_fe1_prepayments_are_drawn_on_issue_oldest_line_first_from_the_right_purse(office):
    room = office.room()
    office.item("2.50", code="wy", due_day=15)  # 223.75, due the 15th
    office.item("1.00", code="ga", due_day=5, name="公共照明费")  # 89.50, due the 5th: drawn first
    water = office.item("3.00", code="water", name="代收水费", collected_on_behalf=True, supplier="自来水公司")
    ledger.prepayment_move(ledger.prepayment_account(room, Purse.PROPERTY), D("100.00"), note="预存")
    ledger.prepayment_move(ledger.prepayment_account(room, Purse.UTILITIES), D("500.00"), note="预存")
    issue(office)
    lines = {line.item_name: line for line in BillLine.objects.all()}
    assert lines["公共照明费"].open_amount == D("0.00")
    assert lines["物业服务费"].open_amount == D("213.25")  # 223.75 − (100 − 89.50)
    assert BillLine.objects.get(item=water).open_amount == D("0.00")  # 268.50 from the utilities purse
    accounts = {a.purse: a.balance for a in type(ledger.prepayment_account(room, Purse.PROPERTY)).objects.all()}
    assert accounts == {Purse.PROPERTY: D("0.00"), Purse.UTILITIES: D("231.50")}
    draws = PrepaymentMovement.objects.filter(amount__lt=0).order_by("account__purse")
    assert [m.amount for m in draws] == [D("-100.00"), D("-268.50")]  # one movement per account
    assert Allocation.objects.filter(prepayment__isnull=False).count() == 3


def test_fe1_metered_charges_come_from_the_meters_part_with_the_rooms_payer(office, monkeypatch):
    """The run's side of metered items: the meters part's charges are billed to the room's payer."""
    from guanjia.billing.services import metered

    room = office.room("张三", moved_in_on=dt.date(2026, 12, 1))  # still the developer's in November
    item = office.item("3.00", kind="metered", basis=Basis.METER_USAGE, meter_kind="water", name="水费")

    def charges(community, period, items):
        assert [i.pk for i in items] == [item.pk]
        return [Charge(room.pk, item, PayerKind.OWNER, D("12.000"), "水表 用量 12 吨", D("3.00"), D("36.00"),
                       period.start, period.last_day)]  # fmt: skip

    monkeypatch.setattr(metered, "metered_charges", charges)
    issue(office)
    bill = Bill.objects.get()
    assert (bill.payer_kind, bill.total, bill.lines.get().basis_label) == (
        PayerKind.DEVELOPER,
        D("36.00"),
        "水表 用量 12 吨",
    )


def test_fe1_only_the_cashier_or_manager_may_run(office):
    office.room()
    office.item()
    with pytest.raises(Forbidden):
        runs.run_issue(community=office.community, period=NOV, actor=office.front_desk)
    with pytest.raises(Forbidden):
        runs.run_preview(community=office.community, period=NOV, actor=office.technician)
    assert runs.run_issue(community=office.community, period=NOV, actor=office.manager).bills == 1


def test_fe1_a_period_that_is_not_a_month_is_refused(office):
    with pytest.raises(ServiceError) as refused:
        issue(office, Period.parse("2026-Q4"))
    assert refused.value.field == "period"


def test_fe1_the_run_reads_a_fixed_number_of_queries_whatever_the_rooms(office, django_assert_max_num_queries):
    office.item("2.50")
    office.item("1.00", code="light", name="公共照明费")
    for n in range(3):
        office.room(f"业主{n}")
    with django_assert_max_num_queries(40) as few:
        issue(office)
    for n in range(20):
        office.room(f"新业主{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        issue(office, Period(MONTH, dt.date(2026, 12, 1)))


def test_fe1_a_partial_prepayment_draw_leaves_exact_cents_for_the_payment_that_settles_the_rest(office):
    """SQLite keeps decimals as floats: 89.50 − 16.29 must be exactly 73.21 afterwards, not 73.210000000000001."""
    room = office.room()
    item = office.item("89.50", basis=Basis.PER_ROOM, code="big", name="装修管理费")
    ledger.prepayment_move(ledger.prepayment_account(room, Purse.PROPERTY), D("16.29"), note="预存")
    issue(office)
    line = BillLine.objects.get(item=item)
    assert line.open_amount == D("73.21")
    from .bills_setup import pay

    pay(line, "73.21", cashier=office.cashier)
    assert not BillLine.objects.filter(open_amount__gt=0).exists()
