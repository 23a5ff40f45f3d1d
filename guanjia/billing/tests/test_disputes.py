"""An owner disputes a bill line (FE-1, FE-3; RC-3): "对此项有异议" on his bill → a complaint ticket linked to
the line, running on the desk's clocks; the line shows "异议处理中" with the ticket number to him and to the
staff (statement, dunning page); the ladder shows the dispute and a written demand waits for the staff
to have seen it; closing the ticket ends the dispute. Only his own household's line (another's is a
404), one open dispute per line; the API validates exactly as the form; disputed amounts are shown
apart in the collection indicators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.deadlines import Deadline
from guanjia.core.errors import Conflict, Forbidden
from guanjia.core.models import ActivityLog
from guanjia.core.periods import MONTH, Period
from guanjia.core.tests.factories import UserFactory, at, login
from guanjia.servicedesk import services as desk
from guanjia.servicedesk.choices import Channel, Kind, Status

from .. import indicators_arrears as ind
from .. import selectors_arrears as arrears
from ..choices import ContactOutcome, DunningStep, PayerKind
from ..models import LineDispute
from ..services import dunning
from ..services.disputes import line_dispute
from .arrears_setup import NOW, TODAY, Office
from .factories import FeeItemFactory, bill_for

pytestmark = pytest.mark.django_db

REASON = "面积与房产证不符，应按 89.5 平方米计"


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def household(office, *, days=70, amount="300.00"):
    """A room of building 1 owned by a portal user, with one line `days` overdue."""
    user = UserFactory()
    room = office.owned(user=user)
    line = office.owe(room, amount, days=days).lines.get()
    return room, user, line


def close(ticket, office):
    """The desk answers the complaint and calls back: the ticket closes (RC-3, RC-9)."""
    ticket.refresh_from_db()
    desk.ticket_reply(ticket=ticket, actor=office.supervisor, reply="已核对面积，按房产证更正", valid=True)
    desk.callback_record(callback=ticket.callbacks.get(), actor=office.supervisor, method="phone", satisfied=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_fe1_the_owner_disputes_a_line_from_his_bill_and_a_complaint_ticket_opens(client, office):
    room, user, line = household(office)
    client.force_login(user)
    bill_page = client.get(reverse("portal:fees_bill", args=[line.bill_id])).content.decode()
    url = reverse("portal:fees_dispute", args=[line.pk])
    assert url in bill_page and "对此项有异议" in bill_page
    assert client.get(url).status_code == 200

    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "异议理由：请写明您对这项费用有什么异议。" in response.content.decode()
    assert not LineDispute.objects.exists()

    response = client.post(url, {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == reverse("portal:fees_bill", args=[line.bill_id])
    dispute = LineDispute.objects.select_related("ticket").get()
    ticket = dispute.ticket
    assert (dispute.line, dispute.room, dispute.reason, dispute.raised_by) == (line, room, REASON, user)
    # a complaint through the portal, on the household's room, with the line in its description
    assert (ticket.kind, ticket.channel, ticket.room, ticket.community) == (
        Kind.COMPLAINT, Channel.PORTAL, room, office.community,
    )  # fmt: skip
    assert line.bill.number in ticket.description and REASON in ticket.description
    assert ticket.reporter.user == user
    # RC-3: the 72-hour reply clock runs like any complaint's
    reply = Deadline.objects.get(rule="RC-3", subject_id=str(ticket.pk))
    assert reply.met_at is None and reply.due_at == NOW + dt.timedelta(hours=72)
    entry = ActivityLog.objects.get(verb="billing.line.disputed")
    assert (entry.household_id, entry.data["ticket"]) == (room.pk, ticket.number)

    bill_page = client.get(reverse("portal:fees_bill", args=[line.bill_id])).content.decode()
    assert f"异议处理中 · 工单 {ticket.number}" in bill_page
    assert url not in bill_page  # one open dispute per line: no second link …
    page = client.get(url).content.decode()
    assert 'id="dispute-open"' in page and 'id="dispute-form"' not in page
    response = client.post(url, {"reason": "再提一次"})  # … and a second is refused
    assert response.status_code == 409 and ticket.number in response.content.decode()
    assert LineDispute.objects.count() == 1


def test_fe1_only_the_households_own_owner_can_dispute_anothers_line_is_a_404(client, office):
    room, user, line = household(office)
    _other_room, _other_user, neighbours = household(office)
    developer = office.owe(room, "50.00", days=40, payer_kind=PayerKind.DEVELOPER).lines.get()
    foreign_office = Office()
    _r, _u, foreign = household(foreign_office)
    client.force_login(user)
    for other in (neighbours, developer, foreign):
        url = reverse("portal:fees_dispute", args=[other.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": REASON}).status_code == 404
    assert not LineDispute.objects.exists()
    # the service refuses the same, whoever calls it: a neighbour, or staff
    with pytest.raises(Forbidden):
        line_dispute(line=neighbours, actor=user, reason=REASON)
    with pytest.raises(Forbidden):
        line_dispute(line=line, actor=office.cashier, reason=REASON)
    # a tenant disputes the bills he pays, not the owner's
    tenant = UserFactory()
    tenants_bill = bill_for(
        room, [(office.item, "80.00")], period=dt.date(2026, 8, 1), payer_kind=PayerKind.TENANT, payer_name="租户"
    )
    from guanjia.estates.tests.factories import PersonFactory

    tenants_bill_payer = PersonFactory(community=office.community, user=tenant)
    type(tenants_bill).objects.filter(pk=tenants_bill.pk).update(payer=tenants_bill_payer)
    client.force_login(tenant)
    assert client.get(reverse("portal:fees_dispute", args=[line.pk])).status_code == 404
    assert client.get(reverse("portal:fees_dispute", args=[tenants_bill.lines.get().pk])).status_code == 200


def test_fe3_the_dispute_shows_on_the_ladder_and_a_demand_waits_until_the_staff_have_seen_it(client, office):
    room, user, line = household(office, days=70)
    dunning.contact_record(
        room=room, step=DunningStep.REMINDER, channel="phone", person="业主", outcome=ContactOutcome.NO_ANSWER,
        actor=office.supervisor,
    )  # fmt: skip
    dispute = line_dispute(line=line, actor=user, reason=REASON)
    number = dispute.ticket.number
    rows = list(arrears.households(office.community, TODAY))
    ladder = arrears.ladders(office.community, rows, TODAY)[room.pk]
    assert ladder.disputed and [d.ticket.number for d in ladder.disputes] == [number]
    assert ladder.next_step == DunningStep.DEMAND  # still due: the staff decide, having seen it

    login(client, office.supervisor, office.community)
    listing = client.get(reverse("billing:arrears")).content.decode()
    assert "有异议" in listing
    page = client.get(reverse("billing:arrears_household", args=[room.pk])).content.decode()
    assert f"异议处理中 {number}" in page and 'id="disputes"' in page and "disputes_seen" in page

    response = client.post(reverse("billing:arrears_demand", args=[room.pk]), {"addressee": ""})
    assert response.status_code == 409 and number in response.content.decode()
    with pytest.raises(Conflict) as refused:
        dunning.demand_issue(room=room, actor=office.supervisor)
    assert (refused.value.code, refused.value.field) == ("disputed", "disputes_seen")
    response = client.post(reverse("billing:arrears_demand", args=[room.pk]), {"disputes_seen": "on"})
    assert response.status_code == 302
    entry = ActivityLog.objects.get(verb="billing.demand.issued")
    assert entry.data["disputes"] == [number]

    # the desk closes the ticket: the dispute ends, the ladder no longer shows it
    close(dispute.ticket, office)
    ladder = arrears.ladders(office.community, rows, TODAY)[room.pk]
    assert not ladder.disputed and ladder.disputes == []
    page = client.get(reverse("billing:arrears_household", args=[room.pk])).content.decode()
    assert "异议处理中" not in page and "disputes_seen" not in page
    # and the owner may dispute the line again
    again = line_dispute(line=line, actor=user, reason="更正后的金额仍不对")
    assert again.ticket != dispute.ticket


def test_fe1_a_cancelled_ticket_ends_the_dispute_too(office):
    _room, user, line = household(office)
    dispute = line_dispute(line=line, actor=user, reason=REASON)
    desk.ticket_cancel(ticket=dispute.ticket, actor=office.supervisor, reason="业主撤回")
    assert line_dispute(line=line, actor=user, reason="重新提出").pk != dispute.pk


def test_fe1_the_statement_shows_the_line_in_dispute_to_staff_and_owner(client, office):
    room, user, line = household(office, days=20)
    dispute = line_dispute(line=line, actor=user, reason=REASON)
    badge = f"异议处理中 {dispute.ticket.number}"
    query = {"start": "2026-01-01", "end": "2026-12-31"}
    login(client, office.cashier, office.community)
    assert badge in client.get(reverse("billing:statement", args=[room.pk]), query).content.decode()
    client.force_login(user)
    assert badge in client.get(reverse("portal:fees_statement", args=[room.pk]), query).content.decode()
    close(dispute.ticket, office)
    assert badge not in client.get(reverse("portal:fees_statement", args=[room.pk]), query).content.decode()


def test_fe1_the_bill_page_reads_a_fixed_number_of_queries_however_many_lines(
    client, office, django_assert_max_num_queries
):
    user = UserFactory()
    room = office.owned(user=user)
    few = bill_for(room, [(office.item, "10.00")], period=dt.date(2026, 9, 1))
    items = [FeeItemFactory(community=office.community) for _n in range(8)]
    many = bill_for(room, [(item, f"{n}.00") for n, item in enumerate(items, 1)], period=dt.date(2026, 10, 1))
    for target in (few.lines.first(), *many.lines.all()[:4]):
        line_dispute(line=target, actor=user, reason=REASON)
    client.force_login(user)
    with django_assert_max_num_queries(20) as small:
        assert client.get(reverse("portal:fees_bill", args=[few.pk])).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("portal:fees_bill", args=[many.pk])).content.decode()
    assert page.count("异议处理中 · 工单") == 4 and page.count("对此项有异议") == 4


def test_fe1_disputed_amounts_are_shown_apart_in_the_collection_rate(office):
    oct_ = Period(MONTH, dt.date(2026, 10, 1))
    user = UserFactory()
    room = office.owned(user=user)
    with clock.frozen(at(2026, 10, 1, 9, 0)):
        disputed = bill_for(room, [(office.item, "200.00")], period=oct_.start).lines.get()
        bill_for(office.owned(), [(office.item, "800.00")], period=oct_.start)
    cid = office.community.pk
    before = ind.collection([cid], [oct_], NOW)[(cid, oct_)]
    assert "800.00" not in before.arithmetic and "1000.00" in before.arithmetic
    dispute = line_dispute(line=disputed, actor=user, reason=REASON)
    figure = ind.collection([cid], [oct_], NOW)[(cid, oct_)]
    assert "应收 800.00" in figure.arithmetic and "异议处理中 200.00 元另列" in figure.arithmetic
    close(dispute.ticket, office)
    after = ind.collection([cid], [oct_], NOW)[(cid, oct_)]
    assert "异议处理中" not in after.arithmetic and "1000.00" in after.arithmetic


# --- the owner API --------------------------------------------------------------------------


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_fe1_the_owner_api_disputes_a_line_validating_exactly_as_the_form(office):
    room, user, line = household(office)
    _r, _u, neighbours = household(office)
    owner = api(user)
    listed = owner.get("/api/billing/my/lines/").json()
    assert [row["id"] for row in listed["results"]] == [line.pk] and listed["results"][0]["dispute"] is None

    url = f"/api/billing/my/lines/{line.pk}/dispute/"
    for body in ({}, {"reason": "  "}):
        response = owner.post(url, body, format="json")
        assert response.status_code == 400
        assert response.json() == {
            "code": "invalid", "detail": "异议理由：请写明您对这项费用有什么异议。", "field": "reason",
        }  # fmt: skip
    response = owner.post(url, {"reason": "字" * 501}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "reason"
    response = owner.post(url, {"reason": REASON}, format="json", HTTP_IDEMPOTENCY_KEY="dispute-1")
    assert response.status_code == 201
    number = response.json()["ticket_number"]
    again = owner.post(url, {"reason": REASON}, format="json", HTTP_IDEMPOTENCY_KEY="dispute-1")  # a retry
    assert again.status_code == 201 and again.json()["ticket_number"] == number
    assert LineDispute.objects.get().ticket.number == number
    assert owner.get(f"/api/billing/my/lines/{line.pk}/").json()["dispute"]["ticket_number"] == number
    response = owner.post(url, {"reason": REASON}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "dispute_open"

    assert owner.get(f"/api/billing/my/lines/{neighbours.pk}/").status_code == 404
    assert owner.post(f"/api/billing/my/lines/{neighbours.pk}/dispute/", {"reason": REASON}).status_code == 404
    staff = api(office.manager)
    assert staff.get(f"/api/billing/my/lines/{line.pk}/").status_code == 404
    assert staff.post(url, {"reason": REASON}, format="json").status_code == 404
    assert APIClient().get("/api/billing/my/lines/").status_code == 401


def test_fe1_the_owner_api_list_reads_a_fixed_number_of_queries(office, django_assert_max_num_queries):
    user = UserFactory()
    room = office.owned(user=user)
    line = bill_for(room, [(office.item, "10.00")], period=dt.date(2026, 9, 1)).lines.get()
    line_dispute(line=line, actor=user, reason=REASON)
    owner = api(user)
    with django_assert_max_num_queries(10) as few:
        assert owner.get("/api/billing/my/lines/").json()["count"] == 1
    for month in range(1, 9):
        more = bill_for(room, [(office.item, "10.00"), (office.water, "5.00")], period=dt.date(2026, month, 1))
        line_dispute(line=more.lines.first(), actor=user, reason=REASON)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = owner.get("/api/billing/my/lines/").json()
    assert body["count"] == 17 and sum(1 for row in body["results"] if row["dispute"]) == 9
    assert Decimal(body["results"][0]["amount"]) > 0
