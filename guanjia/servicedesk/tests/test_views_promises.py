"""What the desk is told before saving a request (RC-2, RC-3, RC-8), in servicedesk.promises and the
intake page. How a deadline reads is core.workdays.deadline_text (core/tests/test_workdays.py)."""

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.policies import policy_set
from guanjia.servicedesk.models import Ticket

from .factories import Office, at, staff

pytestmark = pytest.mark.django_db

WEDNESDAY_NIGHT = at(2026, 11, 18, 22, 30)  # RC-2: weekdays close at 21:00
WEDNESDAY_10 = at(2026, 11, 18, 10, 0)


@pytest.fixture
def office():
    return Office()


def preview(client, **params):
    """The intake's clock fragment as htmx asks for it."""
    return client.get(reverse("servicedesk:desk_clock"), params, HTTP_HX_REQUEST="true").content.decode()


# --- the intake page: which rule starts the clock, before saving ------------------------------------


def test_without_javascript_the_page_shows_the_repair_and_complaint_rules_for_now(client, office):
    with clock.frozen(WEDNESDAY_NIGHT):
        client.force_login(office.desk)
        page = client.get(reverse("servicedesk:desk")).content.decode()
    block = page.split('id="desk-clock"')[1].split('id="id_description"')[0]
    assert "非营业时间：水电/电梯故障随报随修、紧急抢修 24 小时，立即计时" in block  # RC-2, RC-8
    assert "其他报修将于 明日 09:00 开始计时，计时起 2 小时内响应" in block
    assert 'data-kinds="complaint"' in block and "投诉电话 24 小时开通，立即计时" in block  # RC-3
    assert 'hx-trigger="change from:#desk-form, every 60s"' in block  # refreshed as time and choices change
    assert "{#" not in page and "#}" not in page  # no template comment leaks onto the page


@pytest.mark.parametrize(
    ("category", "expected", "absent"),
    [
        ("utilities", ["水电/电梯故障随报随修，立即计时", "响应时限 明日 00:30（2 小时内）"], "开始计时"),
        ("emergency", ["紧急抢修 24 小时服务，立即计时", "响应时限 明日 00:30（2 小时内）"], "开始计时"),
        ("other", ["非营业时间受理，将于 明日 09:00 开始计时", "响应时限 明日 11:00（2 小时内）"], "立即计时"),
        ("civil", ["将于 明日 09:00 开始计时", "完工时限 11月22日 24:00（3 天内）"], "立即计时"),
    ],
)
def test_out_of_hours_the_category_decides_when_the_clock_starts(client, office, category, expected, absent):
    with clock.frozen(WEDNESDAY_NIGHT):
        client.force_login(office.desk)
        fragment = preview(client, kind="repair", category=category)
    for text in expected:
        assert text in fragment, text
    assert absent not in fragment
    assert 'id="desk-clock"' not in fragment  # only the blocks: the refreshing wrapper stays (hx-swap=innerHTML)


def test_in_reception_hours_every_repair_starts_at_once(client, office):
    with clock.frozen(WEDNESDAY_10):
        client.force_login(office.desk)
        leak = preview(client, kind="repair", category="leakage")
        blank = preview(client, kind="repair", category="")
        complaint = preview(client, kind="complaint", category="")
        question = preview(client, kind="consultation")
    assert "接待时间内受理，立即计时" in leak and "响应时限 12:00（2 小时内）" in leak
    assert "接待时间内受理，立即计时，2 小时内响应" in blank
    assert "投诉电话 24 小时开通，立即计时" in complaint and "答复时限 11月21日 10:00（72 小时内）" in complaint
    assert "该类事项无处理时限。" in question


def test_the_preview_reads_the_communitys_policies(client, office):
    policy_set(community=office.community, key="RC-2.weekday_close", raw_value="23:00", actor=office.manager)
    policy_set(community=office.community, key="RC-8.response_hours", raw_value="1", actor=office.manager)
    with clock.frozen(WEDNESDAY_NIGHT):
        client.force_login(office.desk)
        fragment = preview(client, kind="repair", category="other")
    assert "接待时间内受理，立即计时" in fragment and "响应时限 23:30（1 小时内）" in fragment


def test_filing_a_lift_fault_out_of_hours_runs_at_once_as_announced(client, office):
    with clock.frozen(WEDNESDAY_NIGHT):
        client.force_login(office.desk)
        announced = preview(client, kind="repair", category="utilities")
        response = client.post(
            reverse("servicedesk:desk"),
            {
                "kind": "repair",
                "channel": "phone",
                "category": "utilities",
                "area": "3号楼1单元电梯",
                "description": "电梯停在12楼不动",
            },
        )
        page = client.get(response["Location"]).content.decode()
    ticket = Ticket.objects.get()
    assert ticket.clock_starts_at == WEDNESDAY_NIGHT  # RC-8: 随报随修, not tomorrow 09:00
    filed = page.split('id="filed"')[1].split("</section>")[0]
    assert "水电/电梯故障随报随修，立即计时" in filed and "响应时限 明日 00:30" in filed
    assert "响应时限 明日 00:30" in announced  # what the clerk was told is what runs


def test_a_refused_form_keeps_the_preview_of_what_was_chosen(client, office):
    with clock.frozen(WEDNESDAY_NIGHT):
        client.force_login(office.desk)
        response = client.post(
            reverse("servicedesk:desk"), {"kind": "repair", "channel": "phone", "category": "other", "description": ""}
        )
    assert response.status_code == 400
    block = response.content.decode().split('id="desk-clock"')[1].split('id="id_description"')[0]
    assert "非营业时间受理，将于 明日 09:00 开始计时" in block and 'data-kinds="complaint"' not in block


def test_the_preview_is_for_those_who_take_requests(client, office):
    assert client.get(reverse("servicedesk:desk_clock"), {"kind": "repair"}).status_code == 302  # sign in first
    client.force_login(staff("cashier", office.community))
    assert client.get(reverse("servicedesk:desk_clock"), {"kind": "repair"}).status_code == 403
