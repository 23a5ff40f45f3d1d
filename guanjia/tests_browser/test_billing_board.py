"""The 明码标价 board and an item's page on a 390 px phone, in Chromium (FE-1): nothing wider than the
screen, no script blocked by the Content-Security-Policy."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from guanjia.billing.services import items as services
from guanjia.billing.tests.items_setup import EARLIER, NOW, Office
from guanjia.core import clock

from .conftest import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_fe1_board_and_item_page_fit_a_phone(live_server, phone):
    with clock.frozen(NOW, all_threads=True):
        office = Office()
        item = office.item(
            "wy",
            when=EARLIER,
            starts_on=dt.date(2025, 12, 1),
            service_standard="二级物业服务标准：24小时秩序维护，公共区域每日清扫，绿化养护，共用设施设备日常运行维护。",
        )
        services.application_add(item=item, actor=office.manager, since=item.starts_on, room_kind="residence")
        services.price_publish(
            item=item, unit_price="2.80", effective_from=dt.date(2027, 1, 1), note="业主大会同意", actor=office.manager
        )
        office.water(when=EARLIER, starts_on=dt.date(2025, 12, 1))
        phone.goto(live_server.url + reverse("fees:board", args=[office.community.code]))
        assert phone.locator("#board-complaint").inner_text() == "12358"
        fits_the_phone(phone)
        client = Client()
        client.force_login(office.manager)
        session = client.session
        session["community_id"] = office.community.pk
        session.save()
        phone.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}]
        )
        phone.goto(live_server.url + reverse("billing:item", args=[item.pk]))
        assert phone.locator("#publish-form").is_visible()
        fits_the_phone(phone)
        phone.goto(live_server.url + reverse("billing:items"))
        assert "物业服务费" in phone.locator("#item-list").inner_text()
        fits_the_phone(phone)
