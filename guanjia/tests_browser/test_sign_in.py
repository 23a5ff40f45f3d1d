"""Sign-in and passwords in a real browser under the Content-Security-Policy (issue 10): the
scripts moved out of the templates still work, and nothing is blocked (conftest watches the console)."""

import pytest
from django.urls import reverse

from guanjia.core.tests.factories import CommunityFactory, staff

from .conftest import PHONE, fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456"
NEW = "Qiao-8813-lu"


def test_sign_in_switch_community_and_change_the_password(page, live_server):
    CommunityFactory(name="翠苑一期")
    CommunityFactory(name="锦绣华庭")
    admin = staff("company_admin", None, username="boss")
    page.goto(live_server.url + reverse("core:login"))
    assert page.get_by_role("link", name="忘记密码").get_attribute("href") == reverse("core:password_reset")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("core:dashboard"))

    # The switcher sends itself on change (console.js, no inline onchange).
    switch = page.locator("#community-switch")
    other = switch.locator("option", has_text="锦绣华庭").get_attribute("value")
    if switch.input_value() == other:
        other = switch.locator("option", has_text="翠苑一期").get_attribute("value")
    with page.expect_navigation():
        switch.select_option(other)
    assert page.locator("#community-switch").input_value() == other

    page.click("#password-link")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("#password-change-form button[type=submit]")
    page.wait_for_url(live_server.url + reverse("core:dashboard"))
    assert "密码已修改" in page.locator("ul.messages").first.inner_text()
    admin.refresh_from_db()
    assert admin.check_password(NEW)


def test_the_reset_page_answers_without_telling_whether_the_address_exists(page, live_server):
    page.goto(live_server.url + reverse("core:password_reset"))
    page.fill("#id_email", "nobody@example.com")
    page.click("#password-reset-form button[type=submit]")
    page.wait_for_url(live_server.url + reverse("core:password_reset_done"))
    assert "如果该邮箱属于本系统的员工账号" in page.locator("#reset-sent").inner_text()


def test_the_password_pages_hold_on_a_phone(live_server, new_page, shot):
    staff("technician", CommunityFactory(name="翠苑一期"), username="weixiu")
    phone = new_page(PHONE)
    phone.goto(live_server.url + reverse("core:password_reset"))
    assert phone.locator("h1").first.inner_text()  # the heading renders (Chinese, CJK fonts)
    fits_the_phone(phone)
    shot(phone, "password-reset-390")
    phone.goto(live_server.url + reverse("core:login"))
    phone.fill("#id_username", "weixiu")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url("**/console/")
    phone.goto(live_server.url + reverse("core:password_change"))
    assert phone.locator("#password-change-form").is_visible()
    fits_the_phone(phone)
    shot(phone, "password-change-390")
