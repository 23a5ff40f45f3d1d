"""The fee office end to end, in Chromium (issue 11, FE-1): a fee item 物业服务费 priced and applied to
residences; the cashier's dry run of December and its issue; the collection rate (FE-1.collection, QA-4)
at 0% on the KPI page; the owner's bill, lines and statement on a 390 px phone; the cashier takes one of
the two rooms' fees in cash, the receipt SJ-2026-000001 and its PDF (number and the amount in Chinese
capitals); the collection rate moves to 60% (300.00 of 500.00); the owner sees the receipt.
The cashier's window and the meter reading round are checked on a 390 px phone too.

The live server answers in another thread: the flow runs at a pinned moment
(clock.frozen(..., all_threads=True)); the item and its price were made ten days before (SETUP).

Screenshots: var/screenshots/billing_*.png (phone ones at 390 px).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from guanjia.billing.choices import Basis, ItemKind, MeterKind
from guanjia.billing.models import Bill, BillLine, Payment
from guanjia.billing.services import items as fee_items
from guanjia.billing.services import meters, runs
from guanjia.core import clock
from guanjia.core.documents import document_url
from guanjia.core.periods import MONTH, Period
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.core.tests.pdf import pdf_text
from guanjia.estates import services as estates
from guanjia.estates.tests.factories import RoomFactory, UnitFactory

from .conftest import DESKTOP, PHONE, fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "pw-123456"  # UserFactory's
OWNER_PHONE = "13800001111"
OWNER_ID = "110105199003071239"
OWNER_PASSWORD = "Lu-8813-qiao"

SETUP = at(2026, 11, 20, 10, 0)  # the item and its first price are published ahead of December
NOW = at(2026, 12, 2, 10, 0)  # a Wednesday: December's run, payment and receipts
LATER = at(2026, 12, 28, 15, 0)  # December's bills (due on the 10th) 18 days past due
STARTS = dt.date(2026, 12, 1)
PRICE = Decimal("2.50")  # 元/㎡·月
AREAS = {"1201": Decimal("120.00"), "1202": Decimal("80.00")}  # 300.00 + 200.00 = 500.00


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW, all_threads=True):
        yield


@pytest.fixture
def office():
    """A community with a cashier, the office manager, two rooms with owners (张三 has a registered
    phone and ID for the portal), water meters, and 物业服务费 priced and applied — all through services."""
    with clock.frozen(SETUP):
        community = CommunityFactory(name="翠苑一期", office_phone="0755-26881234")
        cashier = staff("cashier", community, username="chuna")
        manager = staff("office_manager", community, username="jingli")
        for user, name in ((cashier, "孙出纳"), (manager, "周经理")):
            user.first_name = name
            user.save()
        unit = UnitFactory(building__community=community, building__code="3", community=community, code="2")
        rooms = {
            number: RoomFactory(unit=unit, number=number, building_area=area, handover="moved_in", use="self")
            for number, area in AREAS.items()
        }
        zhang = estates.person_create(
            community=community, actor=manager, name="张三", id_number=OWNER_ID, phones=[OWNER_PHONE]
        )
        li = estates.person_create(community=community, actor=manager, name="李四", phones=["13900002222"])
        for number, person in (("1201", zhang), ("1202", li)):
            estates.ownership_register(
                room=rooms[number], actor=manager, owners=[(person, 100)], since=dt.date(2019, 5, 1)
            )
        item = fee_items.item_create(
            community=community,
            actor=manager,
            code="wy",
            name="物业服务费",
            kind=ItemKind.PERIODIC,
            basis=Basis.BUILDING_AREA,
            unit_label="元/㎡·月",
            legal_basis="《物业服务合同》第五条",
            service_standard="二级物业服务标准",
            starts_on=STARTS,
        )
        fee_items.application_add(item=item, actor=manager, since=STARTS, room_kind="residence")
        fee_items.price_publish(item=item, unit_price=PRICE, effective_from=STARTS, actor=manager)
        for n, room in enumerate(rooms.values(), start=1):
            meters.meter_create(
                community=community, actor=manager, kind=MeterKind.WATER, number=f"W-32-{n:03d}", room=room
            )
    return {"community": community, "rooms": rooms, "unit": unit, "owner": zhang, "cashier": cashier}


def phone_shot(shot, page, name):
    """Check nothing spills sideways on a 390 px screen — the page, nor a table inside its own scroller
    (a column the cashier or owner would have to swipe to) — then save the picture with the window as
    tall as the page (a fixed bottom bar is drawn at the end instead of across a stitched capture)."""
    fits_the_phone(page)
    hidden = page.evaluate(
        "[...document.querySelectorAll('table, .table-wrap')]"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className)"
    )
    assert not hidden, f"{name}: scrolls sideways inside {hidden}"
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": PHONE["width"], "height": max(PHONE["height"], height)})
    try:
        shot(page, name)
    finally:
        page.set_viewport_size(PHONE)


def console_sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("core:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def collection_row(page, live_server):
    """The FE-1.collection row of the KPI page (物业费当期收缴率, this month)."""
    page.goto(live_server.url + reverse("core:kpis"))
    row = page.locator("[id='kpi-FE-1.collection']")
    assert "物业费当期收缴率" in row.inner_text()
    return row.inner_text()


def test_fe1_the_month_is_billed_paid_at_the_window_and_followed_on_the_owners_phone(
    live_server, office, phone, new_page, shot
):
    base = live_server.url
    community, rooms = office["community"], office["rooms"]

    # 2. The cashier opens December's run: the dry run lists both rooms and writes nothing; she issues it.
    cashier = new_page(DESKTOP)
    console_sign_in(cashier, live_server, "chuna")
    cashier.goto(base + reverse("billing:run_new") + "?period=2026-12")
    totals = cashier.locator("#run-totals").inner_text()
    assert "500.00" in totals
    preview = cashier.locator("#preview-bills").inner_text()
    assert "3-2-1201" in preview and "张三" in preview and "300.00" in preview
    assert "3-2-1202" in preview and "李四" in preview and "200.00" in preview
    assert not Bill.objects.exists()  # a dry run writes nothing
    shot(cashier, "billing_01_run_preview")
    cashier.click("#run-issue button[type=submit]")
    cashier.wait_for_url("**/console/billing/bills/**")
    assert "已开具2026年12月账单 2 份，合计 500.00 元。" in cashier.locator("body").inner_text()
    bills = {b.room.number: b for b in Bill.objects.select_related("room")}
    assert {n: b.total for n, b in bills.items()} == {"1201": Decimal("300.00"), "1202": Decimal("200.00")}
    assert all(b.due_on == dt.date(2026, 12, 10) and b.period == STARTS for b in bills.values())
    shot(cashier, "billing_02_bills_issued")

    # 3. The collection rate of December (FE-1.collection) is 0% of the 500.00 billed.
    row = collection_row(cashier, live_server)
    assert "实收 0.00" in row and "应收 500.00" in row and "= 0.0%" in row
    shot(cashier, "billing_03_kpi_before")

    # 4. The owner opens his account on a 390 px phone, sees the bill, its lines and the statement.
    phone.goto(base + reverse("portal:home"))
    phone.wait_for_url("**/m/login/**")
    phone.click("text=用登记的手机号开通账号")
    phone.fill("#id_phone", OWNER_PHONE)
    phone.fill("#id_id_tail", OWNER_ID[-6:])
    phone.fill("#id_password1", OWNER_PASSWORD)
    phone.fill("#id_password2", OWNER_PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(base + "/m/")
    phone.click("#fees-bills-card")
    phone.wait_for_url("**/m/fees/bills/")
    listing = phone.locator("main").inner_text()
    assert bills["1201"].number in listing and "300.00" in listing
    assert bills["1202"].number not in listing  # another household's bill
    phone_shot(shot, phone, "billing_04_owner_bills")
    phone.click(f"a[href='{reverse('portal:fees_bill', args=[bills['1201'].pk])}']")
    phone.wait_for_url("**/m/fees/bills/*/")
    assert "300.00" in phone.locator("#bill").inner_text()
    lines = phone.locator("#bill-lines").inner_text()
    assert "物业服务费" in lines and "× 2.5" in lines and "300.00" in lines and "12-01～12-31" in lines
    phone_shot(shot, phone, "billing_05_owner_bill")
    phone.click("text=查看对账单")
    phone.wait_for_url("**/m/fees/rooms/*/statement/**")
    assert (phone.input_value("#id_start"), phone.input_value("#id_end")) == ("2026-01-01", "2026-12-02")
    assert "0.00 ＋ 300.00 ＋ （0.00） － 0.00 ＝ 300.00 元" in phone.locator("#statement-arithmetic").inner_text()
    assert bills["1201"].number in phone.locator("#statement-rows").inner_text()
    phone_shot(shot, phone, "billing_06_owner_statement")

    # 5. The cashier finds 3-2-1201 at the window and takes its 300.00 in cash: receipt SJ-2026-000001.
    cashier.goto(base + reverse("billing:collect"))
    cashier.fill("#id_q", "3-2-1201")
    cashier.click("#room-search button[type=submit]")
    cashier.wait_for_url(f"**{reverse('billing:collect_room', args=[rooms['1201'].pk])}")
    assert cashier.locator("#owed").inner_text() == "300.00"
    assert cashier.input_value("#id_amount") == "300.00"
    assert cashier.input_value("#id_method") == "cash"
    shot(cashier, "billing_07_collect_room")
    cashier.click("#payment-form button[type=submit]")
    cashier.wait_for_url("**/console/billing/receipts/*/")
    payment = Payment.objects.get()
    assert payment.number == "SJ-2026-000001" and payment.amount == Decimal("300.00")
    assert "SJ-2026-000001" in cashier.locator("h1").inner_text()
    receipt = cashier.locator("#receipt").inner_text()
    assert "300.00" in receipt and "叁佰元整" in receipt and "张三" in receipt and "孙出纳" in receipt
    assert not BillLine.objects.filter(room=rooms["1201"], open_amount__gt=0).exists()
    shot(cashier, "billing_08_receipt")
    href = cashier.get_attribute("#print-receipt", "href")
    assert href == document_url("FE-1.receipt", payment.pk)
    pdf = cashier.request.get(base + href)  # with the browser's own session
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert "SJ-2026-000001" in text and "叁佰元整" in text and "物业服务费" in text and "3-2-1201" in text

    # 6. December's collection rate moved: 300.00 of 500.00 received (the office manager's view).
    manager = new_page(DESKTOP)
    console_sign_in(manager, live_server, "jingli")
    row = collection_row(manager, live_server)
    assert "实收 300.00" in row and "应收 500.00" in row and "= 60.0%" in row
    shot(manager, "billing_09_kpi_after")

    # 7. The owner sees the receipt in the portal, with the bill settled.
    phone.goto(base + reverse("portal:home"))
    phone.click("#fees-receipts-card")
    phone.wait_for_url("**/m/fees/receipts/")
    assert "SJ-2026-000001" in phone.locator("main").inner_text()
    phone.click("text=SJ-2026-000001")
    phone.wait_for_url("**/m/fees/receipts/*/")
    receipt = phone.locator("#receipt").inner_text()
    assert "SJ-2026-000001" in receipt and "叁佰元整" in receipt and "物业服务费" in receipt
    phone_shot(shot, phone, "billing_10_owner_receipt")
    phone.goto(base + reverse("portal:fees_bill", args=[bills["1201"].pk]))
    assert "SJ-2026-000001" in phone.locator("#bill-allocations").inner_text()
    assert community.pk == payment.community_id


def test_fe1_the_window_and_the_meter_round_fit_a_phone(live_server, office, new_page, shot):
    """The cashier at the counter with a phone, on 28 December (December's bills 18 days past due),
    and the reading round walked with one (390 px)."""
    base = live_server.url
    runs.run_issue(community=office["community"], period=Period(MONTH, STARTS), actor=office["cashier"])
    with clock.frozen(LATER, all_threads=True):
        cashier = new_page(PHONE)
        console_sign_in(cashier, live_server, "chuna")
        cashier.goto(base + reverse("billing:collect"))
        assert cashier.locator("#id_q").is_visible()
        phone_shot(shot, cashier, "billing_11_phone_collect_search")
        cashier.goto(base + reverse("billing:collect") + "?q=李四")
        assert "3-2-1202" in cashier.locator("main").inner_text()
        cashier.goto(base + reverse("billing:collect_room", args=[office["rooms"]["1201"].pk]))
        line = cashier.locator("#open-lines tbody tr").first.inner_text()
        assert "物业服务费 2026-12" in line and "缴费期限 2026-12-10" in line and "逾期天数 18" in line
        assert "300.00" in line and cashier.locator("#owed").inner_text() == "300.00"
        assert cashier.locator("#payment-form button[type=submit]").is_visible()
        phone_shot(shot, cashier, "billing_12_phone_collect_room")

        building = office["unit"].building
        cashier.goto(base + reverse("billing:meters_round") + f"?building={building.pk}")
        round_text = cashier.locator("#round-form").inner_text()
        assert "3-2-1201" in round_text and "W-32-001" in round_text and "首次抄表" in round_text
        assert "抄表日期：2026-12-28" in round_text
        phone_shot(shot, cashier, "billing_13_phone_meter_round")
