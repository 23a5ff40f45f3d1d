"""One repair, end to end, in Chromium: the owner reports a leak with a photo from a phone, the front desk
dispatches it, the technician arrives and completes it, the supervisor passes the check, the callback falls
due at 24:00 of day 3 after the completion (RC-4), the supervisor's unsatisfied callback on day 3 owes a
written notice within 24 hours and the supervisor issues ZG-… with its fix date (RC-5), and the owner
follows every step on the phone.

The live server answers in another thread: the whole flow runs at a pinned moment
(clock.frozen(..., all_threads=True)), the callback on day 3 at another.

Screenshots: var/screenshots/portal_*.png (phone ones at 390×844).
"""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from guanjia.core import clock
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import services as estates
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.quality.models import RectificationNotice
from guanjia.servicedesk.models import Callback, Ticket

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "pw-123456"  # UserFactory's
OWNER_PHONE = "13800001111"
OWNER_ID = "110105199003071239"
OWNER_PASSWORD = "Lu-8813-qiao"


REPORTED = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Wednesday, in hours


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(REPORTED, all_threads=True):
        yield


@pytest.fixture
def estate():
    community = CommunityFactory(name="翠苑一期", office_phone="0755-26881234")
    desk = staff("front_desk", community, username="qiantai")
    supervisor = staff("cs_supervisor", community, username="kefu")
    technician = staff("technician", community, username="weixiu")
    for user, name in ((desk, "王前台"), (supervisor, "李客服"), (technician, "赵建国")):
        user.first_name = name
        user.save()
    unit = UnitFactory(building__community=community, building__code="3", community=community, code="2")
    room = RoomFactory(unit=unit, number="1201", handover="moved_in", use="self")
    owner = estates.person_create(
        community=community, actor=supervisor, name="张三", id_number=OWNER_ID, phones=[OWNER_PHONE]
    )
    estates.ownership_register(room=room, actor=supervisor, owners=[(owner, 100)], since=dt.date(2019, 5, 1))
    return {"community": community, "room": room, "owner": owner, "technician": technician}


@pytest.fixture
def leak_photo(tmp_path):
    path = tmp_path / "leak.jpg"
    image = Image.new("RGB", (640, 480), (180, 190, 200))
    for x in range(250, 390):
        for y in range(60, 200):
            image.putpixel((x, y), (120, 100, 60))  # a water stain on the ceiling
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def phone_shot(shot, page, name):
    """Save the phone screenshot, and check nothing spills sideways on a 390 px screen.

    The window is made as tall as the page for the picture, so the bottom tab bar is drawn where it
    ends up (at the end) instead of across the middle of a stitched full-page capture."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: page is {width}px wide"
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


def test_owner_reports_a_leak_and_follows_it_to_the_rectification_notice(
    live_server, estate, phone, new_page, shot, leak_photo
):
    base = live_server.url

    # 1. The owner opens an account with the registered mobile number and the ID tail, on the phone.
    phone.goto(base + reverse("portal:home"))
    phone.wait_for_url("**/m/login/**")
    phone_shot(shot, phone, "portal_01_login")
    phone.click("text=用登记的手机号开通账号")
    phone.fill("#id_phone", OWNER_PHONE)
    phone.fill("#id_id_tail", OWNER_ID[-6:])
    phone.fill("#id_password1", OWNER_PASSWORD)
    phone.fill("#id_password2", OWNER_PASSWORD)
    phone_shot(shot, phone, "portal_02_activate")
    phone.click("button[type=submit]")
    phone.wait_for_url(base + "/m/")
    assert "3-2-1201" in phone.locator(".home").inner_text()
    assert "0755-26881234" in phone.locator(".home").inner_text()
    phone_shot(shot, phone, "portal_03_home")

    # 2. The owner reports a leak with a photo.
    phone.click("text=我要报修")
    phone.wait_for_url("**/m/report/**")
    assert phone.locator("select[name=category]").is_visible()
    assert not phone.locator("select[name=topic]").is_visible()  # complaint topics only for complaints
    phone.select_option("select[name=category]", "leakage")
    phone.fill("textarea[name=description]", "卫生间天花板渗水，滴到洗手台上")
    phone.set_input_files("input[name=photos]", str(leak_photo))
    assert "已选择照片 1 张" in phone.locator("#photo-names").inner_text()
    phone_shot(shot, phone, "portal_04_report")
    phone.click("button[type=submit]")
    phone.wait_for_url("**/m/tickets/*/")
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.category, ticket.reporter) == ("portal", "leakage", estate["owner"])
    assert ticket.photos.count() == 1
    assert phone.locator("#ticket-status").inner_text() == "已受理"
    assert "小时内响应" in phone.locator(".expect").first.inner_text()
    assert phone.locator(".photos img").evaluate("img => img.naturalWidth") == 640  # the photo is served
    phone_shot(shot, phone, "portal_05_reported")

    # 3. The front desk dispatches it to the technician (console, 1280 wide).
    desk = new_page(DESKTOP)
    console_sign_in(desk, live_server, "qiantai")
    ticket_url = base + f"/console/desk/tickets/{ticket.pk}/"
    desk.goto(ticket_url)
    assert "卫生间天花板渗水" in desk.locator("#facts").inner_text()
    desk.select_option("#action-dispatch select[name=technician]", label="赵建国")
    desk.click("#action-dispatch button[type=submit]")
    desk.wait_for_selector("#action-arrive")
    shot(desk, "portal_06_desk_dispatched")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.technician) == ("dispatched", estate["technician"])

    phone.reload()
    assert phone.locator("#ticket-status").inner_text() == "已派单"
    assert "维修师傅：赵建国" in phone.locator(".timeline").inner_text()

    # 4. The technician marks arrival and completion.
    tech = new_page(DESKTOP)
    console_sign_in(tech, live_server, "weixiu")
    tech.goto(ticket_url)
    tech.click("#action-arrive button[type=submit]")
    tech.wait_for_selector("#action-complete")
    tech.fill("#action-complete textarea[name=work_done]", "更换卫生间上层排水管接头，打胶密封")
    tech.fill("#action-complete input[name=materials]", "PVC 接头 1 个，密封胶")
    tech.click("#action-complete button[type=submit]")
    tech.wait_for_selector("text=已登记完工")
    shot(tech, "portal_07_technician_completed")

    # 5. The supervisor passes the check: the leak's callback falls due at 24:00 of day 3 after completion (RC-4).
    supervisor = new_page(DESKTOP)
    console_sign_in(supervisor, live_server, "kefu")
    supervisor.goto(ticket_url)
    supervisor.check("#action-check input[name=passed][value='1']")
    supervisor.click("#action-check button[type=submit]")
    supervisor.wait_for_selector("#callbacks")
    ticket.refresh_from_db()
    assert ticket.status == "callback"
    callback = Callback.objects.get(ticket=ticket)
    day3 = timezone.localtime(ticket.completed_at).date() + dt.timedelta(days=3)
    assert timezone.localtime(callback.due_at) == timezone.make_aware(
        dt.datetime.combine(day3 + dt.timedelta(days=1), dt.time())
    )
    # The console shows it as 24:00 of day 3 too (not 00:00 of day 4).
    assert day3.strftime("%m-%d") + " 24:00" in supervisor.locator("#callbacks").inner_text()
    shot(supervisor, "portal_08_supervisor_passed")

    # The owner sees the work done and when the callback is due, and confirms and rates the work.
    phone.reload()
    assert phone.locator("#ticket-status").inner_text() == "待回访"
    due_text = f"{day3.month}月{day3.day}日 24:00"
    assert f"管理处将于 {due_text} 前回访" in phone.locator("#callback").inner_text()
    assert "更换卫生间上层排水管接头" in phone.locator("body").inner_text()
    phone_shot(shot, phone, "portal_09_callback_due")
    phone.locator("#rate label[for$='_1']").click()  # the 4th star (choices run 5…1)
    phone.fill("#rate textarea[name=comment]", "师傅准时，态度好")
    phone.click("#rate button[type=submit]")
    phone.wait_for_selector("text=感谢您的评价")
    ticket.refresh_from_db()
    assert ticket.owner_rating == 4

    # 6. Day 3, 10:00: the supervisor calls back; the owner is not satisfied → the written notice is owed
    #    within 24 hours; the supervisor issues it at once, the fix due by the RC-5.fix_days default (RC-5).
    day3_morning = timezone.make_aware(dt.datetime.combine(day3, dt.time(10, 0)))
    with clock.frozen(day3_morning, all_threads=True):
        later = new_page(DESKTOP)  # a fresh sign-in: yesterday's session would look expired on day 3
        console_sign_in(later, live_server, "kefu")
        later.goto(base + f"/console/desk/callbacks/{callback.pk}/record/")
        later.select_option("#callback-form select[name=method]", "phone")
        later.check("#callback-form input[name=satisfied][value='0']")
        later.fill("#callback-form textarea[name=remarks]", "业主反映卫生间天花仍有渗水")
        later.click("#callback-form button[type=submit]")
        later.wait_for_url(f"**/console/quality/notices/issue/RC-5.callback/{callback.pk}/")
        assert "业主反映卫生间天花仍有渗水" in later.locator("#finding-facts").inner_text()
        issue_due = f"{day3 + dt.timedelta(days=1):%Y-%m-%d} 10:00"  # 24 hours after the callback
        assert issue_due in later.locator("#issue-due").inner_text()
        later.click("#issue-form button[type=submit]")
        later.wait_for_url("**/console/quality/notices/*/")
        notice = RectificationNotice.objects.get(subject_id__in=ticket.callbacks.values("pk"))
        assert notice.number.startswith("ZG-")
        assert notice.number in later.locator("h1").inner_text()
        assert "业主反映卫生间天花仍有渗水" in later.locator("#notice-facts").inner_text()
        shot(later, "portal_10_rectification_notice")
    callback.refresh_from_db()
    assert timezone.localtime(callback.done_at).date() == day3 and callback.satisfied is False
    assert notice.issued_at == day3_morning
    assert notice.due_at == timezone.make_aware(dt.datetime.combine(day3 + dt.timedelta(days=4), dt.time()))  # +3 days

    # 7. The owner sees the callback and the notice on the phone.
    phone.reload()
    callback_card = phone.locator("#callback").inner_text()
    assert "不满意" in callback_card and "业主反映卫生间天花仍有渗水" in callback_card
    timeline = phone.locator(".timeline").inner_text()
    assert f"已下达整改通知书 {notice.number}" in timeline
    assert "管理处回访（电话）：不满意" in timeline
    assert "李客服" not in phone.locator("body").inner_text()  # desk staff are not named to owners
    phone_shot(shot, phone, "portal_11_owner_after_callback")

    phone.click("nav.tabs >> text=我的工单")
    phone.wait_for_url("**/m/tickets/")
    assert "卫生间天花板渗水" in phone.locator(".ticket").first.inner_text()
    phone_shot(shot, phone, "portal_12_my_tickets")
    phone.click("nav.tabs a[href='/m/me/']")
    phone.wait_for_url("**/m/me/")
    assert OWNER_PHONE in phone.locator("body").inner_text()
    phone_shot(shot, phone, "portal_13_me")
