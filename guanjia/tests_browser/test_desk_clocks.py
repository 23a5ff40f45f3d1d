"""Which rule starts a request's clock, seen before saving (RC-2, RC-3, RC-8), in Chromium.

(a) Wednesday 22:30, after reception hours: the front desk files a lift fault. As the category is
    chosen, the intake says "水电/电梯故障随报随修，立即计时" (htmx), where an ordinary repair would wait
    for 09:00; the filed ticket's clock runs from 22:30.
(b) The owner's report page on a 390 px phone at the same moment tells the owner the same rules.

The live server answers in another thread, so time is pinned with clock.frozen(..., all_threads=True).
Screenshots: var/screenshots/desk_intake_lift_out_of_hours.png (desktop), portal_report_page.png (390 px).
"""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import services as estates
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.portal.tests.factories import PASSWORD, portal_user
from guanjia.servicedesk.models import Ticket

from .conftest import DESKTOP, PHONE, fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = dt.timezone(dt.timedelta(hours=8))
WEDNESDAY_NIGHT = dt.datetime(2026, 11, 18, 22, 30, tzinfo=SH)  # RC-2: weekdays close at 21:00
STAFF_PASSWORD = "pw-123456"  # UserFactory's


@pytest.fixture
def estate():
    community = CommunityFactory(name="翠苑一期", office_phone="0755-26881234")
    desk = staff("front_desk", community, username="qiantai")
    supervisor = staff("cs_supervisor", community, username="kefu")
    desk.first_name = "王前台"
    desk.save()
    unit = UnitFactory(building__community=community, building__code="3", community=community, code="1")
    room = RoomFactory(unit=unit, number="1201", handover="moved_in", use="self")
    owner = estates.person_create(community=community, actor=supervisor, name="张三", phones=["13800001111"])
    estates.ownership_register(room=room, actor=supervisor, owners=[(owner, 100)], since=dt.date(2019, 5, 1))
    return {"community": community, "room": room, "owner": owner}


def test_desk_files_a_lift_fault_out_of_hours_and_sees_its_clock_start_at_once(live_server, estate, new_page, shot):
    with clock.frozen(WEDNESDAY_NIGHT, all_threads=True):
        page = new_page(DESKTOP)
        page.goto(live_server.url + reverse("core:login"))
        page.fill("#id_username", "qiantai")
        page.fill("#id_password", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/")
        page.goto(live_server.url + reverse("servicedesk:desk"))

        preview = page.locator("#desk-clock")
        # Before a category is chosen: which repairs start at once tonight, and when the others do.
        assert "水电/电梯故障随报随修、紧急抢修 24 小时，立即计时" in preview.inner_text()
        assert "其他报修将于 明日 09:00 开始计时" in preview.inner_text()
        assert not page.locator("#desk-clock [data-kinds=complaint]").is_visible()  # the script shows one kind

        page.select_option("#desk-form select[name=category]", "other")  # an ordinary repair waits (RC-2)
        # Locators, not wait_for_function: the CSP forbids the eval a string predicate needs.
        page.locator("#desk-clock", has_text="非营业时间受理，将于 明日 09:00 开始计时").wait_for()
        page.select_option("#desk-form select[name=category]", "utilities")  # a lift fault does not (RC-8)
        page.locator("#desk-clock", has_text="随报随修，立即计时").wait_for()
        text = page.locator("#desk-clock").inner_text()
        assert "水电/电梯故障随报随修，立即计时" in text and "响应时限 明日 00:30（2 小时内）" in text
        assert "开始计时" not in text

        page.select_option("#desk-form select[name=channel]", "phone")
        page.fill("#desk-form input[name=area]", "3号楼1单元电梯")
        page.fill("#desk-form input[name=reporter_name]", "李先生")
        page.fill("#desk-form textarea[name=description]", "电梯停在12楼不动，无人被困")
        assert "{#" not in page.locator("body").inner_text()
        shot(page, "desk_intake_lift_out_of_hours")

        page.click("#desk-submit")
        page.wait_for_selector("#filed")
        filed = page.locator("#filed").inner_text()
        ticket = Ticket.objects.get()
        assert ticket.number in filed and "水电/电梯" in filed
        assert "水电/电梯故障随报随修，立即计时" in filed and "响应时限 明日 00:30" in filed
        shot(page, "desk_intake_lift_out_of_hours_filed")
    assert (ticket.category, ticket.clock_starts_at) == ("utilities", WEDNESDAY_NIGHT)  # not 09:00 tomorrow


def test_portal_report_page_tells_the_owner_the_same_rules_on_a_phone(live_server, estate, phone, shot):
    user = portal_user(estate["owner"], username="zhangsan")
    with clock.frozen(WEDNESDAY_NIGHT, all_threads=True):
        phone.goto(live_server.url + reverse("portal:login"))
        phone.fill("#id_username", user.username)
        phone.fill("#id_password", PASSWORD)
        phone.click("button[type=submit]")
        phone.wait_for_url(live_server.url + "/m/")
        phone.goto(live_server.url + reverse("portal:report"))

        promise = phone.locator("#report-clock .promise.when-repair")
        assert promise.is_visible()
        assert "现在是非接待时间：水电、电梯故障和紧急抢修提交后立即计时" in promise.inner_text()
        assert "其他报修将于 明日 09:00 开始计时" in promise.inner_text()
        assert not phone.locator("#report-clock .promise.when-complaint").is_visible()

        phone.select_option("select[name=category]", "utilities")
        phone.locator("#report-clock", has_text="随报随修").wait_for()
        text = phone.locator("#report-clock").inner_text()
        assert "水电、电梯故障随报随修，提交后立即计时" in text and "2 小时内响应，明日 00:30 前" in text
        phone.fill("textarea[name=description]", "电梯停在12楼不动")
        fits_the_phone(phone)
        assert "{#" not in phone.locator("body").inner_text()
        height = phone.evaluate("document.documentElement.scrollHeight")
        phone.set_viewport_size({"width": PHONE["width"], "height": max(PHONE["height"], height)})
        shot(phone, "portal_report_page")
        phone.set_viewport_size(PHONE)

        phone.check("input[name=kind][value=complaint]")  # the complaint promise, from RC-3.reply_hours
        phone.locator("#report-clock", has_text="72 小时内答复").wait_for()
        assert "管理处 72 小时内答复，11月21日 22:30 前" in phone.locator("#report-clock").inner_text()
        fits_the_phone(phone)
