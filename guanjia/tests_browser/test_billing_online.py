"""Online payment on a 390 px phone, in Chromium (FE-1): the owner taps 在线缴费 on his bills, keeps the
chosen lines, orders (the provider is a local HTTP server started by the test), sees the order to
pay, and after the provider's signed notification the receipt link. Nothing wider than the screen,
nothing blocked by the Content-Security-Policy. Screenshots: var/screenshots/billing_online_*.png."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from guanjia.billing.models import PaymentOrder
from guanjia.billing.tests.online_setup import OnlineOffice, post_notification
from guanjia.billing.tests.test_online_wechatpay import CODE_URL, NOW, Provider
from guanjia.core import clock

from .conftest import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(phone, live_server, user):
    client = Client()
    client.force_login(user)
    phone.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": client.session.session_key, "url": live_server.url}]
    )


def test_fe1_the_owner_pays_online_on_a_phone(live_server, phone, settings, shot):
    with clock.frozen(NOW, all_threads=True):
        office = OnlineOffice()
        with Provider(office.merchant) as server:
            office.configure(settings, api_base=server.url)
            _sign_in(phone, live_server, office.owner)
            phone.goto(live_server.url + reverse("portal:fees_bills"))
            fits_the_phone(phone)
            phone.locator("a.online-pay").click()
            assert phone.locator("#online-form input[name=line]:checked").count() == 4
            fits_the_phone(phone)
            shot(phone, "billing_online_room")
            phone.locator("#online-form button[type=submit]").click()
            phone.wait_for_selector("#order-pay")
            assert phone.locator("#order-code-url").inner_text() == CODE_URL
            fits_the_phone(phone)
            shot(phone, "billing_online_order")
        order = PaymentOrder.objects.get()
        body = office.merchant.notification(order)
        assert post_notification(Client(), office, body, office.merchant.headers(body)).status_code == 200
        phone.reload()
        assert phone.locator("#order-state").inner_text() == "已支付"
        assert phone.locator("#order-receipt").is_visible()
        fits_the_phone(phone)
        shot(phone, "billing_online_paid")
        phone.locator("#order-receipt").click()
        phone.wait_for_url("**/m/fees/receipts/*/")
        fits_the_phone(phone)
