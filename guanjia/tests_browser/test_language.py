"""The 中文 / English switch in Chromium: the console's ticket page (its deadlines and timeline, stored
in Chinese, read in English) and the owner portal on a 390 px phone.

Screenshots: var/screenshots/console_english.png, var/screenshots/portal_english_390.png.
"""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import services as estates
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.portal.tests.factories import portal_user
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.models import Ticket
from guanjia.servicedesk.tests.factories import at

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOMENT = at(2026, 11, 18, 15, 0)  # a Wednesday afternoon: all of it within reception hours
STAFF_PASSWORD = "pw-123456"  # UserFactory's
OWNER_PASSWORD = "Lu-8813-qiao"  # portal.tests.factories.PASSWORD
OWNER_PHONE = "13800001111"


@pytest.fixture
def office():
    with clock.frozen(MOMENT - dt.timedelta(hours=3)):
        community = CommunityFactory(name="翠苑一期", office_phone="0755-26881234")
        manager = staff("office_manager", community, username="jingli")
        desk = staff("front_desk", community, username="qiantai")
        supervisor = staff("cs_supervisor", community, username="kefu")
        technician = staff("technician", community, username="weixiu")
        for user, name in ((manager, "孙经理"), (desk, "王前台"), (supervisor, "李客服"), (technician, "赵建国")):
            user.first_name = name
            user.save()
        unit = UnitFactory(building__community=community, building__code="3", community=community, code="2")
        room = RoomFactory(unit=unit, number="1201", handover="moved_in", use="self")
        owner = estates.person_create(
            community=community, actor=manager, name="张三", id_number="110105199003071239", phones=[OWNER_PHONE]
        )
        estates.ownership_register(room=room, actor=manager, owners=[(owner, 100)], since=dt.date(2019, 5, 1))
        portal_user(owner, username=OWNER_PHONE)
        ticket = sd.ticket_create(
            community=community,
            actor=desk,
            kind="repair",
            channel="phone",
            category="leakage",
            room=room,
            reporter=owner,
            description="卫生间天花板渗水，滴到洗手台上",
        )
        sd.ticket_dispatch(ticket=ticket, technician=technician, actor=desk)
    with clock.frozen(MOMENT - dt.timedelta(hours=2)):
        sd.ticket_arrive(ticket=ticket, actor=technician)
    with clock.frozen(MOMENT - dt.timedelta(hours=1)):
        sd.ticket_complete(ticket=ticket, actor=technician, work_done="更换防水层，试水 24 小时无渗漏")
    with clock.frozen(MOMENT - dt.timedelta(minutes=30)):
        sd.ticket_check(ticket=ticket, actor=supervisor, passed=True)  # its RC-4 callback falls due
    return {"ticket": Ticket.objects.get(pk=ticket.pk)}


def switch_to_english(page):
    url = page.url
    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state()
    assert page.url == url  # the same page, now in English
    assert page.locator("html").get_attribute("lang") == "en"


def test_console_switches_to_english_on_the_same_page(page, live_server, office, shot):
    ticket = office["ticket"]
    with clock.frozen(MOMENT, all_threads=True):
        page.set_viewport_size(DESKTOP)
        page.goto(live_server.url + reverse("core:login"))
        page.fill("#id_username", "jingli")
        page.fill("#id_password", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/console/")
        page.goto(live_server.url + reverse("servicedesk:ticket", args=[ticket.pk]))
        assert "受理报修" in page.content()
        switch_to_english(page)
        body = page.locator("body").inner_text()
        assert f"Repair {ticket.number} received" in body  # the timeline, stored in Chinese
        assert "Dispatched to 赵建国" in body and "Technician arrived" in body
        assert f"Callback {ticket.number}" in body  # a deadline's title, stored in Chinese
        assert "卫生间天花板渗水，滴到洗手台上" in body  # what was reported, as typed
        assert page.locator(".lang-switch button[value=en]").get_attribute("aria-pressed") == "true"
        shot(page, "console_english")
        page.set_viewport_size(PHONE)  # the top bar wraps on a phone; the switch stays on screen
        box = page.locator(".topbar .lang-switch").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        page.goto(live_server.url + reverse("servicedesk:due") + "?scope=office")
        assert page.locator("html").get_attribute("lang") == "en"  # the choice is kept


def test_portal_switches_to_english_on_a_phone(phone, live_server, office, shot):
    ticket = office["ticket"]
    with clock.frozen(MOMENT, all_threads=True):
        phone.goto(live_server.url + reverse("portal:login"))
        switch_to_english(phone)
        assert "Owner login" in phone.locator("body").inner_text()
        phone.fill("#id_username", OWNER_PHONE)
        phone.fill("#id_password", OWNER_PASSWORD)
        phone.click("button[type=submit]")
        phone.wait_for_url(live_server.url + "/m/")
        phone.goto(live_server.url + reverse("portal:ticket", args=[ticket.pk]))
        assert phone.locator("html").get_attribute("lang") == "en"
        body = phone.locator("body").inner_text()
        assert "卫生间天花板渗水，滴到洗手台上" in body
        assert phone.locator(".bar .lang-switch").is_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide"
        box = phone.locator(".bar .lang-switch").bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]
        height = phone.evaluate("document.documentElement.scrollHeight")
        phone.set_viewport_size({"width": PHONE["width"], "height": max(PHONE["height"], height)})
        shot(phone, "portal_english_390")
