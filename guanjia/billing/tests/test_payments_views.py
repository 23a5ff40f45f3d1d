"""The cashier's window pages (FE-1): find the room, take the payment with the open lines ticked (some
unticked), the receipt page and its PDF, the receipts list with filters, the void request, a refund,
the day sheet closed, signed off and printed, the cashier's dashboard panel, the owner's receipts in
the portal. Another community's rows are 404s; roles without the action get 403."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from guanjia.billing.choices import Method, PaymentStatus, Purse
from guanjia.billing.models import CashierDay, Payment, Refund
from guanjia.billing.services import payments as svc
from guanjia.billing.tests.factories import Window, bill_for
from guanjia.core import clock
from guanjia.core.document_models import IssuedDocument
from guanjia.core.documents import document_url
from guanjia.core.tests.factories import at, login
from guanjia.core.tests.pdf import pdf_text
from guanjia.estates.tests.factories import RoomFactory
from guanjia.portal.tests.factories import portal_user

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
D = Decimal


@pytest.fixture
def w():
    with clock.frozen(NOW):
        yield Window()


@pytest.fixture
def other():
    return Window(bills=False)


def take(w, amount="130.00", **kw):
    kw.setdefault("method", Method.CASH)
    return svc.payment_take(room=w.room, amount=D(amount), actor=w.cashier, **kw)


def test_fe1_find_the_room_and_see_its_open_lines_oldest_first_with_ages(client, w):
    login(client, w.cashier, w.community)
    response = client.get(reverse("billing:collect"), {"q": w.room.code})
    assert response.status_code == 302 and response.url == reverse("billing:collect_room", args=[w.room.pk])
    page = client.get(response.url).content.decode()
    assert page.index("2026-09") < page.index("2026-10")  # oldest first
    assert ">71<" in page and ">41<" in page  # days past due on 20 Nov: Sept (due 9-10), Oct (due 10-10)
    assert page.count('name="lines"') == 4 and page.count(" checked") == 4
    assert 'value="260.00"' in page  # the amount defaults to what is owed


def test_fe1_take_a_payment_with_a_line_unticked_then_print_the_receipt(client, w):
    login(client, w.cashier, w.community)
    sept_fee, sept_water, oct_fee, oct_water = w.lines()
    url = reverse("billing:collect_room", args=[w.room.pk])
    data = {"lines": [sept_fee.pk, oct_fee.pk, oct_water.pk], "amount": "150.00", "method": "cash"}
    response = client.post(url, data)
    payment = Payment.objects.get()
    assert response.status_code == 302 and response.url == reverse("billing:payment", args=[payment.pk])
    assert [line.open_amount for line in w.lines()] == [D("0.00"), D("30.00"), D("50.00"), D("30.00")]
    page = client.get(response.url).content.decode()
    assert payment.number in page and "壹佰伍拾元整" in page and document_url("FE-1.receipt", payment.pk) in page
    pdf = client.get(document_url("FE-1.receipt", payment.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert payment.number in text and "壹佰伍拾元整" in text and "物业服务费" in text and "张三" in text
    assert IssuedDocument.objects.get(kind="FE-1.receipt").household_id == w.room.pk


def test_fe1_the_window_refuses_beside_the_field(client, w):
    login(client, w.cashier, w.community)
    url = reverse("billing:collect_room", args=[w.room.pk])
    response = client.post(url, {"lines": [line.pk for line in w.lines()], "amount": "100.00", "method": "transfer"})
    assert response.status_code == 400 and "银行转账须填写交易流水号。" in response.content.decode()
    response = client.post(url, {"lines": [], "amount": "10.00", "method": "cash"})
    assert response.status_code == 400 and "请选择转入的预收款账户" in response.content.decode()
    assert not Payment.objects.exists()


def test_fe1_prepay_from_the_window(client, w):
    login(client, w.cashier, w.community)
    response = client.post(
        reverse("billing:collect_prepay", args=[w.room.pk]),
        {"amount": "88.00", "purse": Purse.UTILITIES, "method": "cash"},
    )
    payment = Payment.objects.get()
    assert response.status_code == 302 and payment.to_prepayment == D("88.00")
    assert "代收水电气费" in client.get(reverse("billing:payment", args=[payment.pk])).content.decode()


def test_fe1_void_request_from_the_receipt_page_and_approval_there(client, w):
    payment = take(w)
    login(client, w.cashier, w.community)
    page = client.get(reverse("billing:payment", args=[payment.pk])).content.decode()
    assert 'id="void-form"' in page
    response = client.post(reverse("billing:payment_void", args=[payment.pk]), {"reason": ""})
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    response = client.post(reverse("billing:payment_void", args=[payment.pk]), {"reason": "收错房号"})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VOID_PENDING
    assert client.get(reverse("billing:payment_void", args=[payment.pk])).status_code == 409
    login(client, w.manager, w.community)
    page = client.get(reverse("billing:payment", args=[payment.pk])).content.decode()
    assert "收据作废" in page and "收错房号" in page


def test_fe1_receipts_list_filters_and_query_budget(client, w, django_assert_max_num_queries):
    for n in range(3):
        take(w, "10.00", method=Method.WECHAT, reference=f"WX{n}")
    take(w, "5.00")
    login(client, w.manager, w.community)
    url = reverse("billing:payments")
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert page.count("SJ-2026-") == 4
    for n in range(40):
        take(w, "1.00", method=Method.WECHAT, reference=f"MORE{n}")
    with django_assert_max_num_queries(12):  # as many for 44 receipts as for 4
        client.get(url)
    page = client.get(url, {"method": "cash"}).content.decode()
    assert page.count("SJ-2026-") == 1
    assert client.get(url, {"day": "2026-11-19"}).content.decode().count("SJ-2026-") == 0
    assert client.get(url, {"cashier": w.cashier.pk, "status": "valid"}).status_code == 200


def test_fe1_refund_request_page(client, w):
    svc.prepayment_deposit(room=w.room, amount="100.00", purse=Purse.PROPERTY, method="cash", actor=w.cashier)
    login(client, w.cashier, w.community)
    url = reverse("billing:refund_new", args=[w.room.pk])
    assert "100.00" in client.get(url).content.decode()
    response = client.post(url, {"purse": "property", "amount": "150.00", "method": "cash", "reason": "搬离"})
    assert response.status_code == 400 and "可退余额 100.00 元" in response.content.decode()
    response = client.post(url, {"purse": "property", "amount": "60.00", "method": "cash", "reason": "搬离"})
    refund = Refund.objects.get()
    assert response.status_code == 302 and response.url == reverse("billing:refund", args=[refund.pk])
    assert refund.number in client.get(response.url).content.decode()
    assert refund.number in client.get(reverse("billing:refunds")).content.decode()


def test_fe1_day_sheet_close_sign_off_and_print(client, w):
    take(w, "100.00")
    take(w, "30.00", method=Method.POS, reference="POS1")
    login(client, w.cashier, w.community)
    response = client.post(reverse("billing:days"), {"day": "2026-11-20"})
    sheet = CashierDay.objects.get()
    assert response.status_code == 302 and sheet.total == D("130.00")
    page = client.get(reverse("billing:day", args=[sheet.pk])).content.decode()
    assert "POS刷卡" in page and "壹佰叁拾元整" in page and 'id="sign-off"' not in page  # not her own
    assert client.get(reverse("billing:day_sign_off", args=[sheet.pk])).status_code == 403
    login(client, w.manager, w.community)
    response = client.post(reverse("billing:day_sign_off", args=[sheet.pk]), {})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.signed_off_by == w.manager
    pdf = client.get(document_url("FE-1.cashier_day", sheet.pk))
    text = pdf_text(pdf.content)
    assert pdf.status_code == 200 and "收款日报" in text and "130.00" in text and w.manager.username in text


def test_fe1_voided_receipt_prints_void(client, w):
    payment = take(w)
    svc.receipt_void_request(payment=payment, reason="重复收款", actor=w.cashier)
    from guanjia.core import approvals

    approval = approvals.current_approval(payment, svc.VOID)
    approvals.approval_decide(approval=approval, actor=w.manager, outcome="approve")
    login(client, w.cashier, w.community)
    assert 'id="void-mark"' in client.get(reverse("billing:payment", args=[payment.pk])).content.decode()
    text = pdf_text(client.get(document_url("FE-1.receipt", payment.pk)).content)
    assert "作废" in text and payment.number in text


def test_fe1_the_cashiers_dashboard_shows_todays_takings(client, w):
    take(w, "100.00")
    take(w, "30.00", method=Method.ALIPAY, reference="ALI1")
    login(client, w.cashier, w.community)
    page = client.get(reverse("core:dashboard")).content.decode()
    panel = page.split('id="billing-takings"', 1)[1].split("</section>", 1)[0]
    assert "130.00" in panel and "支付宝" in panel and "现金" in panel
    login(client, w.manager, w.community)
    assert 'id="billing-takings"' not in client.get(reverse("core:dashboard")).content.decode()


def test_fe1_another_communitys_rows_are_404_and_roles_without_the_action_403(client, w, other):
    payment = take(w)
    svc.cashier_day_close(community=w.community, cashier=w.cashier, day=dt.date(2026, 11, 20), actor=w.cashier)
    sheet = CashierDay.objects.get()
    login(client, other.cashier, other.community)
    for name, pk in [
        ("billing:collect_room", w.room.pk),
        ("billing:payment", payment.pk),
        ("billing:payment_void", payment.pk),
        ("billing:refund_new", w.room.pk),
        ("billing:day", sheet.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.get(document_url("FE-1.receipt", payment.pk)).status_code == 404
    assert (
        client.post(reverse("billing:collect_room", args=[w.room.pk]), {"amount": "1", "method": "cash"}).status_code
        == 404
    )
    login(client, w.desk, w.community)  # the front desk reads receipts but takes no money
    assert client.get(reverse("billing:payment", args=[payment.pk])).status_code == 200
    assert client.get(reverse("billing:collect")).status_code == 403
    assert client.get(reverse("billing:collect_room", args=[w.room.pk])).status_code == 403


def test_fe1_the_owner_sees_only_his_own_receipts(client, w, django_assert_max_num_queries):
    payment = take(w)
    stranger = RoomFactory(community=w.community, unit__building__community=w.community, unit__community=w.community)
    bill_for(stranger, [(w.fee, "10.00")])
    theirs = svc.payment_take(room=stranger, amount=D("10.00"), method="cash", actor=w.cashier)
    owner = portal_user(w.ownership.person)
    client.force_login(owner)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("portal:fees_receipts")).content.decode()
    assert payment.number in page and theirs.number not in page
    page = client.get(reverse("portal:fees_receipt", args=[payment.pk])).content.decode()
    assert "壹佰叁拾元整" in page
    pdf = client.get(reverse("portal:fees_receipt_pdf", args=[payment.pk]))
    assert pdf.status_code == 200 and payment.number in pdf_text(pdf.content)
    assert client.get(reverse("portal:fees_receipt", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("portal:fees_receipt_pdf", args=[theirs.pk])).status_code == 404
    assert "fees-receipts-card" in client.get(reverse("portal:home")).content.decode()


def test_fe1_the_window_and_the_day_sheet_in_a_fixed_number_of_queries(client, w, django_assert_max_num_queries):
    login(client, w.cashier, w.community)
    url = reverse("billing:collect_room", args=[w.room.pk])
    with django_assert_max_num_queries(14):
        client.get(url)
    for month in range(1, 9):  # 8 more months owed: 16 more lines
        bill_for(w.room, [(w.fee, "100.00"), (w.water, "30.00")], period=dt.date(2026, month, 1))
    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()
    assert page.count('name="lines"') == 20
    for n in range(3):
        take(w, "10.00", method=Method.WECHAT, reference=f"WX{n}")
    sheet = svc.cashier_day_close(community=w.community, cashier=w.cashier, day=dt.date(2026, 11, 20), actor=w.cashier)
    day_url = reverse("billing:day", args=[sheet.pk])
    with django_assert_max_num_queries(12):
        client.get(day_url)
    for n in range(30):
        take(w, "1.00", method=Method.WECHAT, reference=f"MORE{n}")
    svc.cashier_day_close(community=w.community, cashier=w.cashier, day=dt.date(2026, 11, 20), actor=w.cashier)
    with django_assert_max_num_queries(12):
        assert client.get(day_url).content.decode().count("SJ-2026-") == 33


def test_ar1_the_household_file_lists_the_rooms_receipts(client, w):
    payment = take(w)
    login(client, w.cashier, w.community)
    page = client.get(reverse("estates:household", args=[w.room.pk])).content.decode()
    section = page.split('id="receipts"', 1)[1].split("</section>", 1)[0]
    assert payment.number in section and reverse("billing:collect_room", args=[w.room.pk]) in section
    login(client, w.desk, w.community)
    section = client.get(reverse("estates:household", args=[w.room.pk])).content.decode().split('id="receipts"', 1)[1]
    assert payment.number in section.split("</section>", 1)[0]
    assert reverse("billing:collect_room", args=[w.room.pk]) not in section.split("</section>", 1)[0]
