"""The pages issue 9 rebuilt, in Chromium, on the demo office: the KPI page from the indicator
registry, 品质管理 (notices, spot checks, corrective actions), 待我审批, a ticket's actions from
its state machine and the household file from its sections; at 1280 px and on a 390 px phone."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from guanjia.core import clock
from guanjia.servicedesk.models import Ticket

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
PAGES = [
    ("kpis", "core:kpis", "服务指标"),
    ("notices", "quality:notices", "整改通知书"),
    ("spot-checks", "quality:spot_checks", "抽查"),
    ("actions", "quality:actions", "纠正/预防措施"),
    ("approvals", "core:approvals_waiting", "待我审批"),
]


@pytest.fixture
def office(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with clock.frozen(NOW):
        call_command("demo", "--scale", "0.05", stdout=io.StringIO())


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("core:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "guanjia-demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


@pytest.mark.parametrize("width", [1280, PHONE["width"]])
def test_the_rebuilt_pages_render_in_chinese_and_fit_the_screen(office, live_server, new_page, shot, width):
    with clock.frozen(NOW, all_threads=True):
        page = new_page({"width": width, "height": 900})
        sign_in(page, live_server, "cuiyuan_manager")
        for name, url_name, heading in PAGES:
            response = page.goto(live_server.url + reverse(url_name))
            assert response.status == 200, name
            assert heading in page.locator("main").inner_text(), name
            shot(page, f"issue9-{name}-{width}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        ticket = Ticket.objects.filter(community__code="cuiyuan", status="dispatched").order_by("pk").first()
        page.goto(live_server.url + reverse("servicedesk:ticket", args=[ticket.pk]))
        buttons = page.locator("main").inner_text()
        assert "登记到场" in buttons  # the transition open to the manager in this state
        assert "{#" not in buttons and "{%" not in buttons  # no template source leaks onto the page
        shot(page, f"issue9-ticket-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
