"""The desk records an owner's dispute of a bill line said by phone or at the window (FE-1; RC-1, RC-3):
from the bill page's form and `POST /api/billing/lines/{id}/dispute/`, through the portal's service
(a complaint ticket on the desk's clocks) with the channel and who said it. The form offers exactly
the lines the service and the API accept (an owner's or tenant's line without an open dispute; never
the developer's); every refusal names its field; another community's line is a 404, a role that takes
no complaints a 403; whether a dispute is founded is answered on its ticket (RC-11), which ends it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.deadlines import Deadline
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import login
from guanjia.servicedesk import services as desk
from guanjia.servicedesk.choices import Channel, Kind, Status

from ..choices import DisputeChannel, PayerKind
from ..forms_disputes import DeskDisputeForm
from ..models import LineDispute
from ..selectors_disputes import desk_disputable_lines, open_disputes
from ..services.disputes import line_dispute
from .arrears_setup import NOW, Office
from .factories import bill_for

pytestmark = pytest.mark.django_db

REASON = "业户来电：面积与房产证不符"
API = "/api/billing/lines/"


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


@pytest.fixture
def bill(office):
    room = office.owned()
    return bill_for(room, [(office.item, "100.00"), (office.water, "30.00")], period=dt.date(2026, 10, 1))


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def offered(html: str) -> set[int]:
    """The lines the bill page's dispute form offers."""
    found = re.search(r'<select name="line"[^>]*>(.*?)</select>', html, re.S)
    return {int(v) for v in re.findall(r'value="(\d+)"', found.group(1))} if found else set()


def phone_call(**extra) -> dict:
    return {"channel": "phone", "said_by": "张三", "said_by_phone": "13800138000", "reason": REASON} | extra


def test_fe1_the_desk_records_a_phoned_dispute_from_the_bill_page(client, office, bill):
    fee, water = bill.lines.order_by("id")
    login(client, office.front, office.community)
    page = client.get(reverse("billing:bill", args=[bill.pk])).content.decode()
    assert 'id="dispute-form"' in page and reverse("billing:bill_dispute", args=[bill.pk]) in page
    assert offered(page) == {fee.pk, water.pk}
    response = client.post(reverse("billing:bill_dispute", args=[bill.pk]), phone_call(line=fee.pk))
    assert response.status_code == 302 and response["Location"] == reverse("billing:bill", args=[bill.pk])
    dispute = LineDispute.objects.select_related("ticket").get()
    assert (dispute.line, dispute.channel, dispute.said_by, dispute.said_by_phone, dispute.raised_by) == (
        fee, DisputeChannel.PHONE, "张三", "13800138000", office.front,
    )  # fmt: skip
    ticket = dispute.ticket
    assert (ticket.kind, ticket.channel, ticket.room, ticket.reporter_name, ticket.reporter_phone) == (
        Kind.COMPLAINT, Channel.PHONE, bill.room, "张三", "13800138000",
    )  # fmt: skip
    assert REASON in ticket.description and bill.number in ticket.description
    reply = Deadline.objects.get(rule="RC-3", subject_id=str(ticket.pk))  # the 72-hour reply clock
    assert reply.due_at == NOW + dt.timedelta(hours=72) and reply.met_at is None
    entry = ActivityLog.objects.get(verb="billing.line.disputed")
    assert entry.actor == office.front and entry.data["channel"] == "phone" and entry.data["said_by"] == "张三"
    page = client.get(reverse("billing:bill", args=[bill.pk])).content.decode()
    assert "异议处理中" in page and ticket.number in page and reverse("servicedesk:ticket", args=[ticket.pk]) in page
    assert offered(page) == {water.pk}  # one open dispute per line


def test_fe1_at_the_window_no_phone_is_needed(office, bill):
    line = bill.lines.order_by("id").first()
    dispute = line_dispute(line=line, actor=office.front, channel="window", said_by="李四", reason=REASON)
    assert dispute.channel == "window" and dispute.said_by_phone == "" and dispute.ticket.channel == Channel.WINDOW


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"channel": ""}, "channel", "受理渠道：请选择电话或窗口。"),
        ({"channel": "portal"}, "channel", "受理渠道：请选择电话或窗口。"),
        ({"said_by": "  "}, "said_by", "异议人：请填写提出异议的业户或住户姓名。"),
        ({"said_by_phone": ""}, "said_by_phone", "异议人电话：电话受理时请填写来电号码。"),
        ({"said_by_phone": "12345"}, "said_by_phone", "异议人电话：“12345”格式不正确，手机号应为11位数字。"),
        ({"reason": " "}, "reason", "异议理由：请写明业户对这项费用有什么异议。"),
    ],
)
def test_fe1_each_refusal_names_its_field_in_the_service_the_api_and_the_form(
    client, office, bill, extra, field, message
):
    line = bill.lines.order_by("id").first()
    with pytest.raises(ServiceError) as refused:
        line_dispute(line=line, actor=office.front, **phone_call(**extra))
    assert (refused.value.field, str(refused.value.message)) == (field, message)
    response = api(office.front).post(f"{API}{line.pk}/dispute/", phone_call(**extra), format="json")
    assert response.status_code == 400 and (response.json()["field"], response.json()["detail"]) == (field, message)
    login(client, office.front, office.community)
    page = client.post(reverse("billing:bill_dispute", args=[bill.pk]), phone_call(line=line.pk, **extra))
    assert page.status_code == 400 and message in page.content.decode()
    assert not LineDispute.objects.exists()


def test_fe1_the_form_offers_exactly_the_lines_the_service_accepts(client, office, bill):
    fee, water = bill.lines.order_by("id")
    developers = bill_for(
        bill.room, [(office.item, "50.00")], period=dt.date(2026, 9, 1), payer_kind=PayerKind.DEVELOPER
    )
    developer_line = developers.lines.get()
    line_dispute(line=fee, actor=office.front, **phone_call())
    offered = set(DeskDisputeForm(bill=bill).fields["line"].queryset)
    assert offered == {water} == set(desk_disputable_lines(office.community).filter(bill=bill))
    # the lines not offered are refused by the service and the API alike
    with pytest.raises(ServiceError) as twice:
        line_dispute(line=fee, actor=office.front, **phone_call())
    assert twice.value.status == 409 and twice.value.code == "dispute_open"
    assert api(office.front).post(f"{API}{fee.pk}/dispute/", phone_call(), format="json").status_code == 409
    with pytest.raises(ServiceError) as developer:
        line_dispute(line=developer_line, actor=office.front, **phone_call())
    assert developer.value.field == "line" and str(developer.value.message).startswith("账单明细：")
    refused = api(office.front).post(f"{API}{developer_line.pk}/dispute/", phone_call(), format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "line"
    assert not DeskDisputeForm(bill=developers).fields["line"].queryset.exists()
    login(client, office.front, office.community)
    assert 'id="dispute-form"' not in client.get(reverse("billing:bill", args=[developers.pk])).content.decode()
    page = client.get(reverse("billing:bill_dispute", args=[developers.pk]))
    assert page.status_code == 409 and "账单明细：本账单没有可登记异议的明细" in page.content.decode()
    stale = client.post(reverse("billing:bill_dispute", args=[bill.pk]), phone_call(line=fee.pk))
    assert stale.status_code == 400 and "账单明细：该明细不能登记异议" in stale.content.decode()
    assert LineDispute.objects.count() == 1


def test_fe1_the_api_records_it_once_with_a_key_and_scopes_it(office, bill):
    line = bill.lines.order_by("id").first()
    client = api(office.front)
    first = client.post(f"{API}{line.pk}/dispute/", phone_call(), format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert (data["channel"], data["said_by"], data["said_by_phone"], data["line"]) == (
        "phone", "张三", "13800138000", line.pk,
    )  # fmt: skip
    again = client.post(f"{API}{line.pk}/dispute/", phone_call(), format="json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json()["id"] == data["id"]
    assert data["ticket_valid"] is None and data["ticket_number"]  # answered on the ticket (RC-11)
    assert LineDispute.objects.count() == 1
    other = Office()
    assert api(other.front).post(f"{API}{line.pk}/dispute/", phone_call(), format="json").status_code == 404
    # the cashier answers for the bill but takes no complaints; an owner is no staff
    assert api(office.cashier).post(f"{API}{line.pk}/dispute/", phone_call(), format="json").status_code == 403
    assert APIClient().post(f"{API}{line.pk}/dispute/", phone_call(), format="json").status_code == 401


def test_fe1_the_page_of_another_community_is_404_and_a_cashier_may_not_record(client, office, bill):
    line = bill.lines.order_by("id").first()
    other = Office()
    login(client, other.front, other.community)
    assert client.get(reverse("billing:bill_dispute", args=[bill.pk])).status_code == 404
    assert client.post(reverse("billing:bill_dispute", args=[bill.pk]), phone_call(line=line.pk)).status_code == 404
    login(client, office.cashier, office.community)
    assert 'id="dispute-form"' not in client.get(reverse("billing:bill", args=[bill.pk])).content.decode()
    assert client.post(reverse("billing:bill_dispute", args=[bill.pk]), phone_call(line=line.pk)).status_code == 403
    assert not LineDispute.objects.exists()


def test_rc11_an_unfounded_dispute_is_answered_invalid_on_its_ticket_and_ends_at_the_callback(client, office, bill):
    fee = bill.lines.order_by("id").first()
    dispute = line_dispute(line=fee, actor=office.front, **phone_call())
    ticket = dispute.ticket
    # the staff's refusal is the desk's answer: invalid, with the patient explanation (RC-11) …
    desk.ticket_reply(ticket=ticket, actor=office.supervisor, reply="面积与房产证一致，已解释", valid=False)
    ticket.refresh_from_db()
    assert ticket.valid is False and ticket.status == Status.CALLBACK
    login(client, office.front, office.community)
    assert "已答复不成立，待回访" in client.get(reverse("billing:bill", args=[bill.pk])).content.decode()
    # … and the callback every complaint gets (RC-9) closes it, which ends the dispute
    desk.callback_record(callback=ticket.callbacks.get(), actor=office.supervisor, method="phone", satisfied=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and not open_disputes().exists()
    page = client.get(reverse("billing:bill", args=[bill.pk])).content.decode()
    assert "异议处理中" not in page and fee.pk in offered(page)  # it may be disputed again
