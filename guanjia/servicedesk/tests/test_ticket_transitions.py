"""The ticket's state machine is the one source of its state rules (DESIGN.md §16): the buttons of the
ticket page, the `actions` of the API and the services' refusals all come from its transitions. Each
transition test checks state, log entry, deadline and notification together (assert_transition)."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from guanjia.core import clock, transitions
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.assertions import assert_transition
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind, Status
from guanjia.servicedesk.models import Callback, Ticket

from .factories import Office, at, staff

pytestmark = pytest.mark.django_db

WEDNESDAY_10 = at(2026, 11, 18, 10, 0)


@pytest.fixture
def office():
    return Office()


@pytest.fixture(autouse=True)
def _at_wednesday_10():
    with clock.frozen(WEDNESDAY_10):
        yield


def new_ticket(office, kind=Kind.REPAIR, **kw):
    defaults = {
        Kind.REPAIR: {"category": "leakage", "description": "卫生间天花板渗水"},
        Kind.COMPLAINT: {"topic": "cleaning", "description": "楼道垃圾两天没人清理"},
    }.get(kind, {"description": "物业费标准？"})
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=kind,
        channel="phone",
        room=office.room,
        **{**defaults, **kw},
    )


def offered(ticket, user):
    return [offer.action for offer in transitions.offers(ticket, user)]


def dispatched(office, ticket):
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    return ticket


def completed(office, ticket):
    dispatched(office, ticket)
    sd.ticket_arrive(ticket=ticket, actor=office.technician)
    sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="更换防水层")
    return ticket


# --- What is offered, to whom, in which state --------------------------------------------------


class TestOffers:
    def test_a_new_repair(self, office):
        ticket = new_ticket(office)
        for user in (office.desk, office.supervisor, office.manager):
            assert offered(ticket, user) == ["dispatch", "cancel"]
        assert offered(ticket, office.technician) == []

    def test_a_dispatched_repair(self, office):
        ticket = dispatched(office, new_ticket(office))
        assert offered(ticket, office.technician) == ["arrive"]
        assert offered(ticket, office.desk) == ["dispatch", "arrive", "cancel"]
        dispatch = transitions.offers(ticket, office.desk)[0]
        assert (dispatch.label, dispatch.title) == ("改派", "派单")  # reassigning (RC-8)
        assert dispatch.form(ticket).initial == {"technician": office.technician.pk}

    def test_a_completed_repair_is_checked_not_cancelled(self, office):
        ticket = completed(office, new_ticket(office))
        assert offered(ticket, office.desk) == ["check"]
        assert offered(ticket, office.technician) == []
        check = transitions.offers(ticket, office.desk)[0]
        assert check.names == ("pass_check", "fail_check")

    def test_a_complaint_is_replied_escalated_once_or_cancelled(self, office):
        ticket = new_ticket(office, Kind.COMPLAINT)
        assert offered(ticket, office.supervisor) == ["reply", "escalate", "cancel"]
        reply = transitions.offers(ticket, office.supervisor)[0]
        assert reply.title == "答复投诉（72小时内，RC-3）"  # the RC-3 policy
        sd.ticket_escalate(ticket=ticket, actor=office.supervisor)
        assert offered(ticket, office.supervisor) == ["reply", "cancel"]  # RC-7: already major

    def test_a_consultation_is_answered_and_closed(self, office):
        ticket = new_ticket(office, Kind.CONSULTATION)
        assert offered(ticket, office.desk) == ["reply", "cancel"]
        assert transitions.offers(ticket, office.desk)[0].title == "答复并关闭"
        sd.ticket_reply(ticket=ticket, actor=office.desk, reply="每月每平方米 2.5 元")
        assert ticket.status == Status.CLOSED
        assert offered(ticket, office.manager) == []

    def test_another_communitys_staff_are_offered_nothing_and_the_owner_only_his_rating(self, office):
        ticket = new_ticket(office)
        owner = owner_user(office)
        assert offered(ticket, Office().manager) == [] and offered(ticket, owner) == []
        completed(office, ticket)
        assert offered(ticket, owner) == ["owner_confirm"]  # the portal's 评价, from the same machine
        assert "owner_confirm" not in offered(ticket, office.manager)

    def test_the_ticket_page_shows_exactly_the_offers(self, client, office):
        tickets = [new_ticket(office), dispatched(office, new_ticket(office)), new_ticket(office, Kind.COMPLAINT)]
        for user in (office.desk, office.technician, office.supervisor):
            client.force_login(user)
            for ticket in tickets:
                response = client.get(reverse("servicedesk:ticket", args=[ticket.pk]))
                if user == office.technician and ticket.technician_id != user.pk:
                    assert response.status_code == 404  # AR-4: not his job, not his to read
                    continue
                page = response.content.decode()
                buttons = re.findall(r'<form method="post" action="[^"]+" id="action-(\w+)"', page)
                assert buttons == offered(ticket, user), (user, ticket.status)
                assert ("当前状态下您没有可办理的操作" in page) == (not buttons)

    def test_the_technicians_list_holds_the_states_of_his_work(self, office):
        assert transitions.sources(Ticket, permission="servicedesk.work") == [Status.DISPATCHED, Status.ARRIVED]


def owner_user(office):
    user = get_user_model().objects.create_user("owner-of-the-room", password="pw-123456")
    office.owner.user = user
    office.owner.save(update_fields=["user"])
    return user


# --- Each transition: state, log, deadline, notification ---------------------------------------


class TestTransitions:
    def test_dispatch(self, office):
        ticket = new_ticket(office)
        with assert_transition(
            ticket,
            state=Status.DISPATCHED,
            verb="servicedesk.ticket.dispatched",
            deadline={"rule": "RC-8.response", "owner": office.technician, "state": "open"},
            notification={"user": office.technician, "title": f"新派工单 {ticket.number}"},
            actor=office.desk,
        ):
            sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)

    def test_arrive_within_two_hours_meets_the_response(self, office):
        ticket = dispatched(office, new_ticket(office))
        with assert_transition(
            ticket,
            state=Status.ARRIVED,
            verb="servicedesk.ticket.arrived",
            deadline={"rule": "RC-8.response", "state": "met", "met_by": office.technician},  # RC-8
            notification=None,
        ):
            sd.ticket_arrive(ticket=ticket, actor=office.technician, at=WEDNESDAY_10 + dt.timedelta(hours=1))

    def test_complete_a_civil_repair_meets_its_three_days(self, office):
        ticket = dispatched(office, new_ticket(office, category="civil"))
        sd.ticket_arrive(ticket=ticket, actor=office.technician)
        with assert_transition(
            ticket,
            state=Status.COMPLETED,
            verb="servicedesk.ticket.completed",
            deadline={"rule": "RC-8.civil", "state": "met"},  # RC-8
            notification=None,
        ):
            sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="重新抹灰")

    def test_pass_check_schedules_the_callback(self, office):
        ticket = completed(office, new_ticket(office))  # leakage: called back within 3 days (RC-4)
        with assert_transition(
            ticket,
            state=Status.CALLBACK,
            verb="servicedesk.ticket.passed",
            deadline={"rule": "RC-4", "subject": Callback, "state": "open", "due_at": at(2026, 11, 22, 0, 0)},
            notification=None,
        ):
            sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True)

    def test_fail_check_goes_back_to_the_technician_with_a_new_response_clock(self, office):
        ticket = completed(office, new_ticket(office))
        with assert_transition(
            ticket,
            state=Status.DISPATCHED,
            verb="servicedesk.ticket.failed",
            deadline={"rule": "RC-8.response", "state": "open", "starts_at": WEDNESDAY_10, "owner": office.technician},
            notification={"user": office.technician, "title": "验收不合格"},
        ):
            sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=False, note="仍渗水")

    def test_reply_to_a_complaint_meets_rc3_and_falls_due_for_its_callback(self, office):
        ticket = new_ticket(office, Kind.COMPLAINT)
        with assert_transition(
            ticket,
            state=Status.CALLBACK,
            verb="servicedesk.ticket.replied",
            deadline=[{"rule": "RC-3", "state": "met"}, {"rule": "RC-9", "subject": Callback, "state": "open"}],
            notification=None,
        ):
            sd.ticket_reply(ticket=ticket, actor=office.supervisor, reply="已安排保洁加密清理", valid=True)

    def test_reply_to_a_consultation_closes_it(self, office):
        ticket = new_ticket(office, Kind.CONSULTATION)
        with assert_transition(
            ticket,
            state=Status.CLOSED,
            verb=["servicedesk.ticket.replied", "servicedesk.ticket.closed"],
            deadline=None,
            notification=None,
        ):
            sd.ticket_reply(ticket=ticket, actor=office.desk, reply="每月每平方米 2.5 元")

    def test_escalate_hands_the_complaint_to_the_manager(self, office):
        ticket = new_ticket(office, Kind.COMPLAINT)
        with assert_transition(
            ticket,
            state=Status.RECEIVED,  # RC-7: the state stays; the office manager owns the reply
            verb="servicedesk.ticket.escalated",
            deadline={"rule": "RC-3", "owner_role": "office_manager", "state": "open"},
            notification={"user": office.manager, "title": f"重大投诉 {ticket.number}"},
        ):
            sd.ticket_escalate(ticket=ticket, actor=office.supervisor)

    def test_cancel_stops_the_clocks(self, office):
        ticket = dispatched(office, new_ticket(office, category="civil"))
        with assert_transition(
            ticket,
            state=Status.CANCELLED,
            verb="servicedesk.ticket.cancelled",
            deadline=[{"rule": "RC-8.response", "state": "cancelled"}, {"rule": "RC-8.civil", "state": "cancelled"}],
            notification=None,
        ):
            sd.ticket_cancel(ticket=ticket, actor=office.desk, reason="业主自行修好")

    def test_the_owner_rates_the_work_once(self, office):
        ticket = completed(office, new_ticket(office))
        owner = owner_user(office)
        with assert_transition(
            ticket, state=Status.COMPLETED, verb="servicedesk.ticket.rated", deadline=None, notification=None
        ):
            sd.ticket_owner_confirm(ticket=ticket, actor=owner, rating=5, comment="师傅很细心")
        with pytest.raises(ServiceError) as err:
            sd.ticket_owner_confirm(ticket=ticket, actor=owner, rating=4)
        assert (err.value.code, str(err.value)) == ("already_confirmed", "您已评价过该工单。")


# --- What the machine refuses, the services refuse, with a specific message, nothing written -----


class TestRefusals:
    @pytest.mark.parametrize(
        ("kind", "call", "status", "message"),
        [
            (
                Kind.REPAIR,
                lambda o, t: sd.ticket_arrive(ticket=t, actor=o.technician),
                409,
                "工单 {n} 当前状态为“已受理”，不能登记到场。",
            ),
            (
                Kind.REPAIR,
                lambda o, t: sd.ticket_check(ticket=t, actor=o.desk, passed=True),
                409,
                "工单 {n} 当前状态为“已受理”，不能验收。",
            ),
            (
                Kind.COMPLAINT,
                lambda o, t: sd.ticket_dispatch(ticket=t, technician=o.technician, actor=o.desk),
                400,
                "只有报修工单需要派单。",
            ),
            (
                Kind.REPAIR,
                lambda o, t: sd.ticket_reply(ticket=t, actor=o.desk, reply="已处理"),
                400,
                "报修工单请派单处理。",
            ),
            (Kind.REPAIR, lambda o, t: sd.ticket_escalate(ticket=t, actor=o.desk), 400, "只有投诉可以升级为重大投诉。"),
            (
                Kind.REPAIR,
                lambda o, t: sd.ticket_cancel(ticket=t, actor=o.technician, reason="不想修"),
                403,
                "您没有权限取消工单。",
            ),
            (
                Kind.REPAIR,
                lambda o, t: sd.ticket_owner_confirm(ticket=t, actor=o.desk, rating=5),
                403,
                "您只能评价自己房屋的工单。",
            ),
        ],
    )
    def test_refused_before_anything_is_written(self, office, kind, call, status, message):
        ticket = new_ticket(office, kind)
        logged = ActivityLog.objects.count()
        with pytest.raises(ServiceError) as err:
            call(office, ticket)
        assert (err.value.status, str(err.value)) == (status, message.format(n=ticket.number))
        ticket.refresh_from_db()
        assert ticket.status == Status.RECEIVED and ActivityLog.objects.count() == logged

    def test_the_owner_is_told_to_wait_for_the_work(self, office):
        ticket = dispatched(office, new_ticket(office))
        with pytest.raises(ServiceError) as err:
            sd.ticket_owner_confirm(ticket=ticket, actor=owner_user(office), rating=5)
        assert (err.value.code, str(err.value)) == ("bad_state", "工单完工后才能确认评价。")

    def test_escalating_twice_is_a_conflict(self, office):
        ticket = new_ticket(office, Kind.COMPLAINT)
        sd.ticket_escalate(ticket=ticket, actor=office.supervisor)
        with pytest.raises(ServiceError) as err:
            sd.ticket_escalate(ticket=ticket, actor=office.supervisor)
        assert (err.value.status, err.value.code, str(err.value)) == (409, "already_major", "该投诉已是重大投诉。")

    def test_a_system_transition_fired_in_the_wrong_state_is_a_service_error(self, office):
        ticket = new_ticket(office)
        with pytest.raises(ServiceError) as err:
            transitions.fire(ticket, "close")
        assert err.value.code == "bad_state" and str(err.value).endswith("不能关闭。")


# --- The API offers and refuses the same ------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


class TestApi:
    def test_a_tickets_actions_are_its_offers_to_the_user(self, office):
        ticket = dispatched(office, new_ticket(office))
        for user in (office.desk, office.technician, office.supervisor):
            body = api(user).get(f"/api/tickets/{ticket.pk}/").json()
            assert body["actions"] == offered(ticket, user)

    def test_what_is_not_offered_is_refused_with_code_and_detail(self, office):
        ticket = new_ticket(office)
        assert api(office.technician).post(f"/api/tickets/{ticket.pk}/arrive/").status_code == 404  # AR-4
        response = api(office.supervisor).post(f"/api/tickets/{ticket.pk}/arrive/")
        assert response.status_code == 409
        assert response.json() == {
            "code": "bad_state",
            "detail": f"工单 {ticket.number} 当前状态为“已受理”，不能登记到场。",
        }
        response = api(office.desk).post(f"/api/tickets/{ticket.pk}/reply/", {"reply": "x"}, format="json")
        assert (response.status_code, response.json()) == (400, {"code": "invalid", "detail": "报修工单请派单处理。"})
        security = api(staff("security", office.community))
        response = security.post(f"/api/tickets/{ticket.pk}/cancel/", {"reason": "x"}, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")

    def test_each_staff_action_is_an_endpoint(self, office):
        ticket = new_ticket(office)
        staff_actions = [a for a in transitions.actions(Ticket) if a != "owner_confirm"]  # the owner's: portal
        assert staff_actions == ["dispatch", "arrive", "complete", "check", "reply", "escalate", "cancel"]
        for action in staff_actions:
            assert resolve(f"/api/tickets/{ticket.pk}/{action}/").url_name == f"ticket-{action}", action


# --- The one action view on the ticket page ---------------------------------------------------


def action_url(ticket, name):
    return reverse("servicedesk:ticket_action", args=[ticket.pk, name])


class TestTicketActionView:
    def test_get_shows_the_ticket_page_with_the_actions_form(self, client, office):
        ticket = new_ticket(office)
        client.force_login(office.desk)
        response = client.get(action_url(ticket, "cancel"))
        html = response.content.decode()
        assert response.status_code == 200 and 'id="facts"' in html and 'id="action-cancel"' in html

    def test_get_of_an_action_not_open_now_says_why(self, client, office):
        ticket = new_ticket(office)
        client.force_login(office.supervisor)
        response = client.get(action_url(ticket, "arrive"))
        errors = response.content.decode().split('id="page-errors"')[1].split("</div>")[0]
        assert response.status_code == 409 and "不能登记到场" in errors

    def test_unknown_and_system_actions_are_404(self, client, office):
        ticket = new_ticket(office)
        client.force_login(office.manager)
        for name in ("close", "reopen", "await_callback", "pass_check", "nonsense"):
            assert client.post(action_url(ticket, name)).status_code == 404, name
