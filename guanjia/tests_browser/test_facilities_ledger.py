"""The equipment ledger 设备台账 (FM-1) in Chromium on the demo office, on a 390 px phone: the menu entry,
the device list with lift 1's inspection coming due, then the lift's page with its whole history."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from guanjia.core import clock

from .conftest import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def office(settings, monkeypatch):
    from guanjia.core import demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    keep = {key: part for key, part in demo._PARTS.items() if key in ("estates.register", "servicedesk", "facilities")}
    monkeypatch.setattr(demo, "_PARTS", keep)
    with clock.frozen(NOW):
        call_command("demo", "--scale", "0.05", stdout=io.StringIO())


def test_fm1_device_list_to_detail_on_a_phone(office, live_server, phone, shot):
    with clock.frozen(NOW, all_threads=True):
        phone.goto(live_server.url + reverse("core:login"))
        phone.fill("#id_username", "cuiyuan_equipment")
        phone.fill("#id_password", "guanjia-demo")
        phone.click("button[type=submit]")
        phone.wait_for_url("**/console/")
        assert "设备台账" in phone.locator("body").inner_text()
        phone.goto(live_server.url + reverse("facilities:devices"))
        table = phone.locator("#device-list").inner_text()
        assert "1号客梯" in table and "即将到期检验" in table and "消防水泵" in table
        shot(phone, "fm1-device-list-390")
        fits_the_phone(phone)
        phone.click("#device-list a:text('DT-01')")
        phone.wait_for_url("**/facilities/devices/*/")
        main = phone.locator("main").inner_text()
        assert "1号客梯" in main and "电梯定期检验" in main and "月度保养" in main and "即将到期检验" in main
        shot(phone, "fm1-device-detail-390")
        fits_the_phone(phone)
        phone.click("text=二维码标识牌")
        assert phone.locator("#device-tag svg").count() == 1
        shot(phone, "fm1-device-tag-390")
        fits_the_phone(phone)
