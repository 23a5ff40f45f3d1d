"""The cashier's window services (FE-1): payments allocated oldest first or as chosen, overpayment to a
prepayment purse, the refusals, gap-free receipt numbers, voids and refunds through the office
manager's approval, the day sheet and its sign-off, and the amount in Chinese capitals."""

import datetime as dt
from decimal import Decimal

import pytest

from guanjia.billing.choices import Method, PaymentStatus, Purse, RefundStatus
from guanjia.billing.models import Allocation, BillLine, CashierDay, Payment, PrepaymentAccount, Refund
from guanjia.billing.services import ledger
from guanjia.billing.services import payments as svc
from guanjia.billing.tests.factories import Window, bill_for
from guanjia.billing.words import amount_in_words
from guanjia.core import approvals, clock
from guanjia.core.activity import ActivityLog
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import Membership
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.estates.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
D = Decimal


@pytest.fixture
def w():
    with clock.frozen(NOW):
        yield Window()


def take(w, amount, method=Method.CASH, **kw):
    return svc.payment_take(room=w.room, amount=D(amount), method=method, actor=w.cashier, **kw)


def decide(subject, key, actor, outcome="approve", comment=""):
    approval = approvals.current_approval(subject, key)
    return approvals.approval_decide(approval=approval, actor=actor, outcome=outcome, comment=comment)


def opens(w):
    return [line.open_amount for line in w.lines()]


# --- allocation -------------------------------------------------------------------------------------


def test_fe1_payment_settles_the_oldest_lines_first(w):
    payment = take(w, "180.00")
    assert opens(w) == [D("0.00"), D("0.00"), D("50.00"), D("30.00")]  # Sept both, then Oct property part
    assert payment.number == "SJ-2026-000001" and payment.to_prepayment == 0
    assert payment.payer_name == "张三"  # the bill's payer when none is named
    assert [a.amount for a in payment.allocations.order_by("id")] == [D("100.00"), D("30.00"), D("50.00")]
    assert Allocation.objects.filter(payment=payment, period=dt.date(2026, 9, 1)).count() == 2
    entry = ActivityLog.objects.get(verb="billing.payment.taken")
    assert entry.household_id == w.room.pk and "SJ-2026-000001" in entry.summary


def test_fe1_the_cashier_may_choose_lines_and_amounts(w):
    sept_fee, sept_water, oct_fee, oct_water = w.lines()
    payment = take(w, "40.00", lines=[(oct_water, "30.00"), (sept_fee.pk, "10.00")])
    assert opens(w) == [D("90.00"), D("30.00"), D("100.00"), D("0.00")]
    assert payment.allocations.count() == 2


def test_fe1_overpayment_goes_to_the_named_purse(w):
    payment = take(w, "300.00", to_prepayment_purse=Purse.PROPERTY)
    assert opens(w) == [D("0.00")] * 4
    assert payment.to_prepayment == D("40.00")
    account = PrepaymentAccount.objects.get(room=w.room, purse=Purse.PROPERTY)
    assert account.balance == D("40.00") and account.movements.get().payment == payment


def test_fe1_prepayment_deposit_settles_nothing(w):
    payment = svc.prepayment_deposit(
        room=w.room, amount="500.00", purse=Purse.UTILITIES, method="cash", actor=w.cashier
    )
    assert payment.allocations.count() == 0 and payment.to_prepayment == D("500.00")
    assert PrepaymentAccount.objects.get(room=w.room, purse=Purse.UTILITIES).balance == D("500.00")


# --- refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"amount": "100.00", "method": Method.TRANSFER}, "reference", "银行转账须填写交易流水号。"),
        (
            {"amount": "100.00", "method": Method.WECHAT, "reference": " "},
            "reference",
            "微信（收款账户）须填写交易流水号。",
        ),
        ({"amount": "0.00"}, "amount", "金额须大于零。"),
        ({"amount": "-5"}, "amount", "金额须大于零。"),
        ({"amount": "1.005"}, "amount", "金额最多两位小数。"),
        ({"amount": "abc"}, "amount", "金额格式不正确。"),
        ({"amount": "261.00"}, "to_prepayment_purse", "收款金额超出所缴账单 1.00 元，请选择转入的预收款账户。"),
        ({"amount": "10.00", "method": "online"}, "method", "请选择付款方式。"),
    ],
)
def test_fe1_refusals_name_the_field(w, kwargs, field, message):
    kwargs.setdefault("method", Method.CASH)
    with pytest.raises(ServiceError) as error:
        svc.payment_take(room=w.room, actor=w.cashier, **kwargs)
    assert error.value.field == field and str(error.value.message) == message
    assert not Payment.objects.exists()


def test_fe1_a_line_of_another_room_or_more_than_owed_is_refused(w):
    other = RoomFactory(community=w.community, unit__building__community=w.community, unit__community=w.community)
    foreign = bill_for(other, [(w.fee, "100.00")]).lines.get()
    with pytest.raises(ServiceError, match="所选账单明细不属于房屋") as error:
        take(w, "100.00", lines=[(foreign, "100.00")])
    assert error.value.field == "lines"
    with pytest.raises(ServiceError, match="核销金额不能超过未缴金额"):
        take(w, "120.00", lines=[(w.lines()[0], "120.00")])
    with pytest.raises(ServiceError, match="核销合计 130.00 元超过收款金额"):
        take(w, "50.00", lines=[(w.lines()[0], "100.00"), (w.lines()[1], "30.00")])
    assert not Payment.objects.exists()


def test_fe1_the_same_transaction_number_twice_is_a_conflict(w):
    take(w, "100.00", Method.TRANSFER, reference="TX 001")
    with pytest.raises(Conflict, match="交易流水号 TX 001 已登记过收款（收据 SJ-2026-000001）") as error:
        take(w, "30.00", Method.TRANSFER, reference="TX  001")
    assert error.value.status == 409 and error.value.field == "reference"
    assert Payment.objects.count() == 1


def test_fe1_only_the_cashier_takes_money(w):
    with pytest.raises(Forbidden):
        svc.payment_take(room=w.room, amount=D("10.00"), method="cash", actor=w.desk)
    other = staff("cashier", CommunityFactory())  # another community's cashier
    with pytest.raises(Forbidden):
        svc.payment_take(room=w.room, amount=D("10.00"), method="cash", actor=other)


# --- receipt numbers --------------------------------------------------------------------------------


def test_fe1_receipt_numbers_run_per_community_without_gaps(w):
    other = Window()
    assert [take(w, "10.00").number for _ in range(3)] == ["SJ-2026-000001", "SJ-2026-000002", "SJ-2026-000003"]
    theirs = svc.payment_take(room=other.room, amount=D("10.00"), method="cash", actor=other.cashier)
    assert theirs.number == "SJ-2026-000001"


def test_fe1_a_payment_that_fails_after_numbering_gives_its_number_back(w, monkeypatch):
    assert take(w, "10.00").number == "SJ-2026-000001"

    def broken(*args, **kwargs):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(svc, "log", broken)  # fails inside the transaction, after the number was taken
    with pytest.raises(RuntimeError):
        take(w, "10.00")
    monkeypatch.undo()
    assert Payment.objects.count() == 1 and opens(w)[0] == D("90.00")  # nothing half-written
    assert take(w, "10.00").number == "SJ-2026-000002"


# --- voids ------------------------------------------------------------------------------------------


def test_fe1_void_through_approval_reopens_the_lines_and_keeps_the_number(w):
    payment = take(w, "300.00", to_prepayment_purse=Purse.PROPERTY)  # 260.00 settled, 40.00 prepaid
    with pytest.raises(ServiceError, match="请填写作废原因。"):
        svc.receipt_void_request(payment=payment, reason=" ", actor=w.cashier)
    svc.receipt_void_request(payment=payment, reason="收错房号", actor=w.cashier)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VOID_PENDING
    with pytest.raises(Conflict):
        svc.receipt_void_request(payment=payment, reason="again", actor=w.cashier)
    with pytest.raises(Forbidden):  # the cashier does not decide her own void
        decide(payment, svc.VOID, w.cashier)
    decide(payment, svc.VOID, w.manager)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VOIDED and payment.voided_at == NOW
    assert payment.number == "SJ-2026-000001"
    assert opens(w) == [D("100.00"), D("30.00"), D("100.00"), D("30.00")]  # open again
    assert sum(a.amount for a in payment.allocations.all()) == 0  # reversals, history kept
    assert PrepaymentAccount.objects.get(room=w.room, purse=Purse.PROPERTY).balance == 0
    assert take(w, "10.00").number == "SJ-2026-000002"  # the voided number stays used


def test_fe1_a_returned_void_leaves_the_receipt_valid(w):
    payment = take(w, "100.00")
    svc.receipt_void_request(payment=payment, reason="误操作", actor=w.cashier)
    decide(payment, svc.VOID, w.manager, outcome="return", comment="款项无误")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VALID and opens(w)[0] == 0


def test_fe1_a_void_is_refused_when_its_prepayment_was_spent(w):
    payment = take(w, "300.00", to_prepayment_purse=Purse.PROPERTY)  # 40.00 prepaid
    account = PrepaymentAccount.objects.get(room=w.room)
    ledger.prepayment_move(account, D("-15.00"), note="drawn")
    with pytest.raises(Conflict, match="账户现仅余 25.00 元"):
        svc.receipt_void_request(payment=payment, reason="收错", actor=w.cashier)


# --- refunds ----------------------------------------------------------------------------------------


def test_fe1_refund_through_approval_pays_out_the_prepayment(w):
    svc.prepayment_deposit(room=w.room, amount="200.00", purse=Purse.PROPERTY, method="cash", actor=w.cashier)
    refund = svc.refund_request(
        room=w.room, purse=Purse.PROPERTY, amount="120.00", method="transfer", reason="业主搬离", actor=w.cashier
    )
    assert refund.number == "TK-2026-000001" and refund.payee_name == "张三" and refund.status == RefundStatus.PENDING
    with pytest.raises(ServiceError, match="可退余额 80.00 元") as error:  # the pending refund is reserved
        svc.refund_request(
            room=w.room, purse=Purse.PROPERTY, amount="100.00", method="transfer", reason="x", actor=w.cashier
        )
    assert error.value.field == "amount"
    decide(refund, svc.REFUND, w.manager)
    refund.refresh_from_db()
    account = PrepaymentAccount.objects.get(room=w.room)
    assert refund.status == RefundStatus.APPROVED and refund.paid_at == NOW and account.balance == D("80.00")
    assert account.movements.get(refund=refund).amount == D("-120.00")


def test_fe1_refund_returned_and_refusals(w):
    with pytest.raises(ServiceError, match="可退余额 0.00 元"):
        svc.refund_request(room=w.room, purse=Purse.PROPERTY, amount="1", method="cash", reason="x", actor=w.cashier)
    svc.prepayment_deposit(room=w.room, amount="50.00", purse=Purse.UTILITIES, method="cash", actor=w.cashier)
    with pytest.raises(ServiceError, match="请填写退款原因") as error:
        svc.refund_request(room=w.room, purse=Purse.UTILITIES, amount="1", method="cash", reason="", actor=w.cashier)
    assert error.value.field == "reason"
    refund = svc.refund_request(
        room=w.room, purse=Purse.UTILITIES, amount="50.00", method="cash", reason="退", actor=w.cashier
    )
    decide(refund, svc.REFUND, w.manager, outcome="return", comment="请附身份证明")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.RETURNED
    assert PrepaymentAccount.objects.get(room=w.room).balance == D("50.00")
    assert Refund.objects.count() == 1


# --- the day sheet ----------------------------------------------------------------------------------


def test_fe1_day_sheet_totals_by_method_and_voided_apart(w):
    with clock.frozen(at(2026, 11, 20, 9, 0)):
        take(w, "100.00")
        take(w, "30.00", Method.WECHAT, reference="WX1")
        voided = take(w, "50.00", Method.TRANSFER, reference="B1")
    with clock.frozen(at(2026, 11, 19, 23, 59)):
        take(w, "7.00")  # the day before
    svc.receipt_void_request(payment=voided, reason="重复", actor=w.cashier)
    decide(voided, svc.VOID, w.manager)
    with clock.frozen(at(2026, 11, 20, 18, 0)):
        sheet = svc.cashier_day_close(
            community=w.community, cashier=w.cashier, day=dt.date(2026, 11, 20), actor=w.cashier
        )
    assert sheet.count == 2 and sheet.total == D("130.00")
    assert sheet.totals == {
        "methods": {"cash": {"count": 1, "amount": "100.00"}, "wechat": {"count": 1, "amount": "30.00"}},
        "voided": {"count": 1, "amount": "50.00"},
    }


def test_fe1_day_sheet_sign_off_by_someone_else_and_no_reclose_after(w):
    take(w, "100.00")
    day = dt.date(2026, 11, 20)
    with pytest.raises(ServiceError, match="不能日结未来的日期"):
        svc.cashier_day_close(community=w.community, cashier=w.cashier, day=day + dt.timedelta(days=1), actor=w.cashier)
    with pytest.raises(Forbidden):  # the front desk closes nobody's day
        svc.cashier_day_close(community=w.community, cashier=w.cashier, day=day, actor=w.desk)
    sheet = svc.cashier_day_close(community=w.community, cashier=w.cashier, day=day, actor=w.cashier)
    take(w, "30.00")
    with pytest.raises(Conflict, match="日结后收款有变化"):
        svc.cashier_day_sign_off(sheet=sheet, actor=w.manager)
    sheet = svc.cashier_day_close(community=w.community, cashier=w.cashier, day=day, actor=w.cashier)  # re-close
    assert CashierDay.objects.count() == 1 and sheet.total == D("130.00")
    with pytest.raises(Forbidden):
        svc.cashier_day_sign_off(sheet=sheet, actor=w.cashier)
    svc.cashier_day_sign_off(sheet=sheet, actor=w.manager)
    sheet.refresh_from_db()
    assert sheet.signed_off_by == w.manager and sheet.signed_off_at == NOW
    with pytest.raises(Conflict, match="已审核，不能重新日结"):
        svc.cashier_day_close(community=w.community, cashier=w.cashier, day=day, actor=w.cashier)
    with pytest.raises(Conflict, match="已审核，不能再收款"):
        take(w, "1.00")


def test_fe1_the_manager_closes_a_cashiers_day_but_never_signs_his_own(w):
    sheet = svc.cashier_day_close(community=w.community, cashier=w.cashier, day=dt.date(2026, 11, 20), actor=w.manager)
    assert sheet.cashier == w.cashier and sheet.count == 0
    Membership.objects.create(user=w.manager, community=w.community, role="cashier")  # he also takes money
    manager = type(w.manager).objects.get(pk=w.manager.pk)  # memberships are cached on the user object
    svc.payment_take(room=w.room, amount=D("5.00"), method="cash", actor=manager)
    own = svc.cashier_day_close(community=w.community, cashier=manager, day=dt.date(2026, 11, 20), actor=manager)
    with pytest.raises(Forbidden, match="须由出纳以外的人员审核"):
        svc.cashier_day_sign_off(sheet=own, actor=manager)


def test_fe1_sign_off_waits_for_a_pending_void(w):
    payment = take(w, "100.00")
    svc.receipt_void_request(payment=payment, reason="错", actor=w.cashier)
    sheet = svc.cashier_day_close(community=w.community, cashier=w.cashier, day=dt.date(2026, 11, 20), actor=w.cashier)
    with pytest.raises(Conflict, match="作废审批中"):
        svc.cashier_day_sign_off(sheet=sheet, actor=w.manager)


# --- amounts in words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("123.45", "壹佰贰拾叁元肆角伍分"),
        ("100", "壹佰元整"),
        ("0", "零元整"),
        ("0.50", "伍角"),
        ("0.05", "伍分"),
        ("1.05", "壹元零伍分"),
        ("10.50", "壹拾元伍角"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("101000", "壹拾万壹仟元整"),
        ("100010000", "壹亿零壹万元整"),
        ("10000001", "壹仟万零壹元整"),
        ("100001000", "壹亿零壹仟元整"),
        ("-3.20", "负叁元贰角"),
    ],
)
def test_fe1_amount_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_amount_in_words_takes_only_decimals():
    with pytest.raises(TypeError):
        amount_in_words(1.5)


def test_open_amount_always_equals_amount_less_allocations(w):
    payment = take(w, "175.00")
    svc.receipt_void_request(payment=payment, reason="x", actor=w.cashier)
    decide(payment, svc.VOID, w.manager)
    take(w, "60.00")
    for line in BillLine.objects.all():
        assert line.open_amount == line.amount - sum(a.amount for a in line.allocations.all())
