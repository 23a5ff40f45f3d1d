"""Corrections of issued bills (FE-1): credit and debit notes through the approval chain
"FE-1.adjustment"; the original bill is never touched."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from guanjia.billing.choices import AdjustmentKind, AdjustmentStatus, BillKind
from guanjia.billing.models import Adjustment, Allocation, Bill, BillLine
from guanjia.billing.services import adjustments
from guanjia.billing.tests.factories import FeeItemFactory, bill_for
from guanjia.core import approvals, clock
from guanjia.core.approval_models import ApprovalStatus
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline

from ..policies import APPROVAL_HOURS
from .bills_setup import NOW, Office, pay

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def office():
    return Office()


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def bill(office):
    room = office.room()
    item = FeeItemFactory(community=office.community)
    light = FeeItemFactory(community=office.community, name="公共照明费")
    return bill_for(room, [(item, "100.00"), (light, "20.00")])


def snapshot(bill, *, skip_open=False):
    stored = Bill.objects.get(pk=bill.pk)
    lines = [model_to_dict(line) for line in BillLine.objects.filter(bill=bill).order_by("id")]
    if skip_open:  # what settlement moves: the open amount, and what credit notes took off (`credited`)
        for line in lines:
            line.pop("open_amount")
            line.pop("credited")
    return model_to_dict(stored) | {"issued_at": stored.issued_at}, lines


def request(office, bill, kind=AdjustmentKind.CREDIT, amount="30.00", line=None, actor=None):
    return adjustments.adjustment_request(
        bill=bill, kind=kind, amount=amount, reason="面积登记有误", actor=actor or office.cashier, line=line
    )


def decide(office, adjustment, outcome="approve", comment=""):
    approval = approvals.current_approval(adjustment, adjustments.ADJUSTMENT)
    return approvals.approval_decide(approval=approval, actor=office.manager, outcome=outcome, comment=comment)


def test_fe1_a_credit_note_waits_for_the_office_manager_then_settles_the_line(office, bill):
    before = snapshot(bill, skip_open=True)
    line = bill.lines.get(item_name="物业服务费")
    adjustment = request(office, bill, line=line)
    assert (adjustment.number, adjustment.status) == ("TZ-2026-000001", AdjustmentStatus.PENDING)
    assert not Allocation.objects.exists()  # nothing moves before the decision
    waiting = list(approvals.waiting_for(office.manager))
    assert len(waiting) == 1 and waiting[0].approval.kind == "FE-1.adjustment"
    deadline = Deadline.objects.get(rule="FE-1")
    assert (
        (deadline.due_at - NOW).total_seconds() == APPROVAL_HOURS * 3600 == 48 * 3600
    )  # FE-1: the chain's default step
    decide(office, adjustment)
    adjustment.refresh_from_db()
    line.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.APPROVED and adjustment.decided_at == NOW
    assert line.open_amount == D("70.00")
    allocation = Allocation.objects.get()
    assert (allocation.adjustment_id, allocation.amount, allocation.payment_id) == (adjustment.pk, D("30.00"), None)
    assert snapshot(bill, skip_open=True) == before  # the original bill is never touched
    assert ActivityLog.objects.filter(verb="billing.adjustment.approved", household_id=bill.room_id).exists()


def test_fe1_a_credit_on_the_whole_bill_settles_its_lines_oldest_first(office, bill):
    adjustment = request(office, bill, amount="110.00")
    decide(office, adjustment)
    assert sorted(bill.lines.values_list("open_amount", flat=True)) == [D("0.00"), D("10.00")]
    assert Allocation.objects.filter(adjustment=adjustment).count() == 2


def test_fe1_a_credit_cannot_exceed_what_is_still_open_counting_pending_credits(office, bill):
    line = bill.lines.get(item_name="物业服务费")
    pay(line, "80.00", cashier=office.cashier)
    with pytest.raises(ServiceError) as refused:
        request(office, bill, line=line, amount="20.01")
    assert refused.value.field == "amount" and "20.00" in str(refused.value)
    request(office, bill, line=line, amount="15.00")
    with pytest.raises(ServiceError):
        request(office, bill, line=line, amount="5.01")  # 15.00 is already asked for
    assert Adjustment.objects.count() == 1


def test_fe1_a_credit_paid_meanwhile_is_refused_at_the_decision_and_nothing_applies(office, bill):
    line = bill.lines.get(item_name="物业服务费")
    adjustment = request(office, bill, line=line, amount="50.00")
    pay(line, "80.00", cashier=office.cashier)
    with pytest.raises(Conflict):
        decide(office, adjustment)
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.PENDING and not Allocation.objects.filter(adjustment=adjustment)


def test_fe1_a_debit_note_is_a_new_bill_referring_to_the_first(office, bill):
    before = snapshot(bill)
    line = bill.lines.get(item_name="物业服务费")
    adjustment = request(office, bill, kind=AdjustmentKind.DEBIT, amount="45.50", line=line)
    decide(office, adjustment)
    adjustment.refresh_from_db()
    note = adjustment.debit_bill
    assert (note.kind, note.corrects_id, note.total, note.room_id, note.payer_name) == (
        BillKind.DEBIT_NOTE, bill.pk, D("45.50"), bill.room_id, bill.payer_name,
    )  # fmt: skip
    note_line = note.lines.get()
    assert note_line.correction and note_line.covers_from == line.covers_from and note_line.item_id == line.item_id
    assert (note_line.amount, note_line.open_amount) == (D("45.50"), D("45.50"))
    assert "面积登记有误" in note_line.basis_label
    assert snapshot(bill) == before  # byte-identical, open amounts too


def test_fe1_a_returned_correction_changes_nothing(office, bill):
    adjustment = request(office, bill)
    decide(office, adjustment, outcome="return", comment="请附面积测绘报告")
    adjustment.refresh_from_db()
    assert adjustment.status == AdjustmentStatus.RETURNED and not Allocation.objects.exists()
    assert approvals.current_approval(adjustment, adjustments.ADJUSTMENT).status == ApprovalStatus.RETURNED
    request(office, bill)  # a returned credit no longer holds the open amount


@pytest.mark.parametrize(
    ("kind", "amount", "reason", "field"),
    [("refund", "1", "x", "kind"), ("credit", "0", "x", "amount"), ("credit", "abc", "x", "amount"),
     ("credit", "1", "  ", "reason"), ("waiver", "1", "x", "kind")],
)  # fmt: skip
def test_fe1_what_a_correction_request_refuses(office, bill, kind, amount, reason, field):
    with pytest.raises(ServiceError) as refused:
        adjustments.adjustment_request(bill=bill, kind=kind, amount=amount, reason=reason, actor=office.cashier)
    assert refused.value.field == field


def test_fe1_a_line_of_another_bill_is_refused(office, bill):
    other = bill_for(
        bill.room, [(FeeItemFactory(community=office.community), "10.00")], period=bill.period.replace(month=9)
    )
    with pytest.raises(ServiceError) as refused:
        request(office, bill, line=other.lines.get())
    assert refused.value.field == "line"


def test_fe1_only_the_cashier_or_manager_may_ask_and_only_the_manager_decides(office, bill):
    with pytest.raises(Forbidden):
        request(office, bill, actor=office.front_desk)
    adjustment = request(office, bill)
    approval = approvals.current_approval(adjustment, adjustments.ADJUSTMENT)
    with pytest.raises(Forbidden):
        approvals.approval_decide(approval=approval, actor=office.cashier, outcome="approve")
