"""The service desk through the REST API: the same services and permissions as the console
(RC-1 … RC-11, IC-3), errors as {code, detail, field}, and a row of another community is a 404."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanjia.core import clock, duties, periods
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.periods import Period
from guanjia.estates.models import Phone
from guanjia.estates.tests.factories import PersonFactory, RoomFactory
from guanjia.quality import services as quality
from guanjia.quality.models import RectificationNotice
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind, Status
from guanjia.servicedesk.models import Callback, CallLog, Ticket, TicketPhoto
from guanjia.servicedesk.services.rectifications import SOURCE

from .factories import Office, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def office():
    office = Office()
    Phone.objects.create(community=office.community, person=office.owner, number="13812345678")
    return office


@pytest.fixture
def other():
    return Office()


def png(name="leak.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def new_repair(office, category="leakage", **kw) -> Ticket:
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.REPAIR,
        channel="phone",
        category=category,
        room=office.room,
        reporter=office.owner,
        description="卫生间天花板渗水",
        **kw,
    )


def new_complaint(office) -> Ticket:
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.COMPLAINT,
        channel="phone",
        topic="cleaning",
        room=office.room,
        description="楼道垃圾两天没人清理",
    )


def rules(body) -> dict:
    return {d["rule"]: d["state"] for d in body["deadlines"]}


# --- The repair flow (RC-1, RC-8, RC-4, RC-5) ----------------------------------------------


def test_repair_flow_from_intake_to_rectification(office):
    desk, tech, sup = client_for(office.desk), client_for(office.technician), client_for(office.supervisor)
    response = desk.post(
        "/api/tickets/",
        {
            "kind": "repair",
            "channel": "window",
            "category": "leakage",
            "room": office.room.pk,
            "reporter": office.owner.pk,
            "description": "卫生间天花板渗水",
            "photos": [png("a.png"), png("b.png")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert body["community"] == office.community.pk  # follows from the room
    assert body["number"].startswith("GD-")
    assert (body["status"], body["reporter_name"], body["reporter_phone"]) == (
        "received",
        office.owner.name,
        "13812345678",
    )
    assert len(body["photos"]) == 2 and TicketPhoto.objects.filter(ticket_id=pk).count() == 2
    assert rules(body) == {"RC-8.response": "open"}

    response = desk.post(f"/api/tickets/{pk}/dispatch/", {"technician": office.technician.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["technician"]) == ("dispatched", office.technician.pk)

    response = tech.post(f"/api/tickets/{pk}/arrive/")
    assert response.json()["status"] == "arrived"
    assert rules(response.json())["RC-8.response"] in ("met", "late")

    response = tech.post(
        f"/api/tickets/{pk}/complete/", {"work_done": "更换防水层", "materials": "防水涂料"}, format="json"
    )
    assert (response.json()["status"], response.json()["work_done"]) == ("completed", "更换防水层")

    response = sup.post(f"/api/tickets/{pk}/check/", {"passed": True}, format="json")
    body = response.json()
    assert body["status"] == "callback" and body["check_passed"] is True
    [callback] = body["callbacks"]
    assert rules(body)["RC-4"] == "open"  # RC-4: the leak callback is due

    response = sup.get("/api/callbacks/", {"done": "false"})
    assert [c["id"] for c in response.json()["results"]] == [callback["id"]]
    response = sup.post(
        f"/api/callbacks/{callback['id']}/record/",
        {"method": "phone", "satisfied": False, "remarks": "还在渗水"},
        format="json",
    )
    assert response.status_code == 200, response.content
    recorded = response.json()
    assert recorded["satisfied"] is False and recorded["done_at"]
    # RC-5: an unsatisfied callback owes a written notice within 24 hours; the supervisor issues it.
    assert recorded["rectification"] is None
    assert rules(sup.get(f"/api/tickets/{pk}/").json())["RC-5.issue"] == "open"
    refused = tech.post(f"/api/callbacks/{callback['id']}/rectify/", {}, format="json")
    assert refused.status_code == 403  # not the technician it is addressed to
    response = sup.post(f"/api/callbacks/{callback['id']}/rectify/", {"requirement": "重做防水"}, format="json")
    assert response.status_code == 201, response.content
    notice_id = response.json()["id"]
    notice = RectificationNotice.objects.get(pk=notice_id)
    assert (notice.recipient, notice.problem, notice.requirement) == (office.technician, "还在渗水", "重做防水")
    assert sup.get(f"/api/callbacks/{callback['id']}/").json()["rectification"] == notice_id
    again = sup.post(f"/api/callbacks/{callback['id']}/rectify/", {}, format="json")
    assert again.status_code == 409

    response = tech.get(f"/api/rectifications/{notice_id}/")
    assert response.json()["number"].startswith("ZG-") and response.json()["closed_at"] is None
    response = tech.post(f"/api/rectifications/{notice_id}/close/", {"result": "重做防水，已不渗水"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["closed_at"] and response.json()["result"] == "重做防水，已不渗水"

    body = sup.get(f"/api/tickets/{pk}/").json()
    assert len(body["callbacks"]) == 2  # RC-4: called back again after the rectification
    assert len(body["rectifications"]) == 1
    assert {(d["subject"], d["rule"]) for d in body["deadlines"]} >= {
        ("servicedesk.ticket", "RC-8.response"),
        ("servicedesk.callback", "RC-4"),
        ("servicedesk.ticket", "RC-5.issue"),
        ("quality.rectificationnotice", "RC-5.fix"),
    }
    verbs = set(ActivityLog.objects.filter(household_id=office.room.pk).values_list("verb", flat=True))
    assert {
        "servicedesk.ticket.dispatched",
        "servicedesk.callback.recorded",
        "quality.notice.closed",
    } <= verbs


def test_failed_check_goes_back_to_the_technician(office):
    ticket = new_repair(office)
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    sd.ticket_arrive(ticket=ticket, actor=office.technician)
    sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="修补")
    body = (
        client_for(office.supervisor)
        .post(f"/api/tickets/{ticket.pk}/check/", {"passed": False, "note": "仍渗水"})
        .json()
    )
    assert (body["status"], body["check_passed"], body["reopen_count"]) == ("dispatched", False, 1)


def test_cancel_needs_a_reason_and_stops_the_clock(office):
    ticket = new_repair(office)
    api = client_for(office.desk)
    response = api.post(f"/api/tickets/{ticket.pk}/cancel/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == ("reason", "取消原因：该字段不能为空。")
    response = api.post(f"/api/tickets/{ticket.pk}/cancel/", {"reason": "业主自行修好"}, format="json")
    assert response.json()["status"] == "cancelled"
    assert rules(response.json()) == {"RC-8.response": "cancelled"}


# --- The complaint flow (RC-3, RC-7, RC-9, RC-11) ------------------------------------------


def test_complaint_flow_with_reply_and_callback(office):
    sup = client_for(office.supervisor)
    response = sup.post(
        "/api/tickets/",
        {
            "community": office.community.pk,
            "kind": "complaint",
            "channel": "phone",
            "topic": "cleaning",
            "room": office.room.pk,
            "description": "楼道垃圾两天没人清理",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["severity"], rules(body)) == ("general", {"RC-3": "open"})

    response = sup.post(f"/api/tickets/{body['id']}/reply/", {"reply": "已安排保洁清理"}, format="json")
    assert response.status_code == 400  # RC-11: valid or invalid must be judged
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "valid")
    assert response.json()["detail"] == "请判定投诉是否有效。"

    response = sup.post(f"/api/tickets/{body['id']}/reply/", {"reply": "已安排保洁清理", "valid": True}, format="json")
    body = response.json()
    assert (body["status"], body["valid"], rules(body)["RC-3"]) == ("callback", True, "met")
    [callback] = body["callbacks"]
    assert rules(body)["RC-9"] == "open"  # RC-9: every complaint is called back

    response = sup.post(
        f"/api/callbacks/{callback['id']}/record/", {"method": "visit", "satisfied": True}, format="json"
    )
    assert response.status_code == 200
    assert client_for(office.supervisor).get(f"/api/tickets/{body['id']}/").json()["status"] == "closed"


def test_major_complaint_escalates_to_the_manager_who_owns_the_callback(office):
    ticket = new_complaint(office)
    sup = client_for(office.supervisor)
    response = sup.post(f"/api/tickets/{ticket.pk}/escalate/")
    assert response.status_code == 200
    assert response.json()["severity"] == "major"
    assert sup.post(f"/api/tickets/{ticket.pk}/escalate/").status_code == 409
    sd.ticket_reply(ticket=ticket, actor=office.manager, reply="经理上门致歉", valid=True)
    callback = Callback.objects.get(ticket=ticket)
    response = sup.post(f"/api/callbacks/{callback.pk}/record/", {"method": "phone", "satisfied": True}, format="json")
    assert response.status_code == 403  # RC-9: major complaints are called back by the manager
    assert response.json() == {"code": "forbidden", "detail": "重大投诉由管理处经理组织回访（RC-9）。"}
    manager = client_for(office.manager)
    assert (
        manager.post(f"/api/callbacks/{callback.pk}/record/", {"method": "phone", "satisfied": True}).status_code == 200
    )


# --- Errors: 403, 409, 400 in Chinese naming the field --------------------------------------


def test_technician_cannot_dispatch(office):
    ticket = new_repair(office)
    # AR-4: a ticket not dispatched to him is not even visible to a technician.
    hidden = client_for(office.technician).post(
        f"/api/tickets/{ticket.pk}/dispatch/", {"technician": office.technician.pk}
    )
    assert hidden.status_code == 404
    response = client_for(staff("security", office.community)).post(
        f"/api/tickets/{ticket.pk}/dispatch/", {"technician": office.technician.pk}
    )
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "detail": "您没有权限派单。"}
    ticket.refresh_from_db()
    assert ticket.status == Status.RECEIVED


def test_dispatch_to_a_non_technician_is_400_naming_the_field(office):
    ticket = new_repair(office)
    response = client_for(office.desk).post(f"/api/tickets/{ticket.pk}/dispatch/", {"technician": office.manager.pk})
    assert response.status_code == 400
    assert response.json()["field"] == "technician" and "不是本小区的维修人员" in response.json()["detail"]


def test_state_errors_are_409(office):
    ticket = new_repair(office)
    assert client_for(office.technician).post(f"/api/tickets/{ticket.pk}/arrive/").status_code == 404  # AR-4
    api = client_for(office.supervisor)
    response = api.post(f"/api/tickets/{ticket.pk}/arrive/")
    assert response.status_code == 409
    assert response.json()["code"] == "bad_state"
    assert response.json()["detail"] == f"工单 {ticket.number} 当前状态为“已受理”，不能登记到场。"
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    response = client_for(office.desk).post(f"/api/tickets/{ticket.pk}/dispatch/", {"technician": office.technician.pk})
    assert (response.status_code, response.json()["code"]) == (409, "already_dispatched")


def test_validation_errors_are_400_in_chinese_naming_the_field(office):
    api = client_for(office.desk)
    base = {"kind": "repair", "channel": "phone", "room": office.room.pk, "description": "水管漏水"}
    response = api.post("/api/tickets/", base, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": "报修须选择维修类别。", "field": "category"}
    response = api.post("/api/tickets/", {**base, "category": "leakage", "description": ""}, format="json")
    assert (response.json()["field"], response.json()["detail"]) == ("description", "内容：该字段不能为空。")
    response = api.post("/api/tickets/", {**base, "kind": "gossip"}, format="json")
    assert response.json()["field"] == "kind" and response.json()["detail"].startswith("类别：")
    response = api.post(
        "/api/tickets/", {"kind": "consultation", "channel": "phone", "description": "停水？"}, format="json"
    )
    assert (response.json()["field"], response.json()["detail"]) == ("community", "小区：请选择小区。")
    response = api.post("/api/calls/", {"community": office.community.pk, "content": " "}, format="json")
    assert (response.status_code, response.json()["field"]) == (400, "content")
    assert not Ticket.objects.exists()


# --- Scoping: another community's rows are 404 everywhere -----------------------------------


def test_other_community_is_404_for_every_endpoint_and_action(office, other):
    ticket = new_repair(other)
    sd.ticket_dispatch(ticket=ticket, technician=other.technician, actor=other.desk)
    sd.ticket_arrive(ticket=ticket, actor=other.technician)
    sd.ticket_complete(ticket=ticket, actor=other.technician, work_done="修好")
    sd.ticket_check(ticket=ticket, actor=other.supervisor, passed=True)
    callback = Callback.objects.get(ticket=ticket)
    sd.callback_record(callback=callback, actor=other.supervisor, method="phone", satisfied=False, remarks="仍渗水")
    notice = quality.notice_issue(source=SOURCE, subject=callback, actor=other.supervisor)
    complaint = new_complaint(other)
    call = sd.calllog_record(community=other.community, actor=other.desk, content="问停水时间")

    api = client_for(office.manager)
    for url in (
        f"/api/tickets/{ticket.pk}/",
        f"/api/callbacks/{callback.pk}/",
        f"/api/rectifications/{notice.pk}/",
        f"/api/calls/{call.pk}/",
    ):
        assert api.get(url).status_code == 404, url
    for url, data in (
        (f"/api/tickets/{ticket.pk}/dispatch/", {"technician": office.technician.pk}),
        (f"/api/tickets/{ticket.pk}/arrive/", {}),
        (f"/api/tickets/{ticket.pk}/complete/", {"work_done": "x"}),
        (f"/api/tickets/{ticket.pk}/check/", {"passed": True}),
        (f"/api/tickets/{complaint.pk}/reply/", {"reply": "x", "valid": True}),
        (f"/api/tickets/{complaint.pk}/escalate/", {}),
        (f"/api/tickets/{complaint.pk}/cancel/", {"reason": "x"}),
        (f"/api/callbacks/{callback.pk}/record/", {"method": "phone", "satisfied": True}),
        (f"/api/callbacks/{callback.pk}/rectify/", {}),
        (f"/api/rectifications/{notice.pk}/close/", {"result": "x"}),
    ):
        response = api.post(url, data, format="json")
        assert response.status_code == 404, url
        assert response.json() == {"code": "not_found", "detail": "未找到。"}
    for path in ("tickets", "callbacks", "rectifications", "calls", "deadlines"):
        assert api.get(f"/api/{path}/").json()["count"] == 0, path
        assert api.get(f"/api/{path}/", {"community": other.community.pk}).json()["count"] == 0, path


def test_rows_of_another_community_named_in_a_body_are_404(office, other):
    api = client_for(office.desk)
    base = {"kind": "repair", "channel": "phone", "category": "other", "description": "门锁坏了"}
    for extra in (
        {"room": other.room.pk},
        {"community": other.community.pk, "area": "1栋大堂"},
        {"room": office.room.pk, "reporter": other.owner.pk},
    ):
        response = api.post("/api/tickets/", {**base, **extra}, format="json")
        assert response.status_code == 404, extra
    ticket = new_repair(office)
    response = api.post(f"/api/tickets/{ticket.pk}/dispatch/", {"technician": other.technician.pk}, format="json")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "维修人员不存在。"}
    response = api.post("/api/calls/", {"room": other.room.pk, "content": "咨询停车"}, format="json")
    assert response.status_code == 404
    assert Ticket.objects.filter(community=other.community).count() == 0
    assert not CallLog.objects.exists()


def test_company_role_sees_both_communities(office, other):
    new_repair(office)
    new_repair(other)
    quality = staff("quality", None)
    assert client_for(quality).get("/api/tickets/").json()["count"] == 2
    assert client_for(quality).get("/api/tickets/", {"community": other.community.pk}).json()["count"] == 1


# --- Authentication and personal data ------------------------------------------------------


def test_token_auth_works_and_anonymous_is_401(office):
    new_repair(office)
    token = Token.objects.create(user=office.desk)
    client = APIClient()
    assert client.get("/api/tickets/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/tickets/")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_portal_user_is_refused(office):
    from django.contrib.auth import get_user_model

    owner_user = get_user_model().objects.create_user("owner1", password="x")
    assert client_for(owner_user).get("/api/tickets/").status_code == 403


def test_phones_masked_for_roles_that_do_not_need_them(office):
    ticket = new_repair(office)
    sd.calllog_record(community=office.community, actor=office.desk, content="问物业费", phone="13912345678")
    # The cashier reads no ticket (AR-4); security reads them all, with phones masked.
    assert client_for(staff("cashier", office.community)).get(f"/api/tickets/{ticket.pk}/").status_code == 404
    guard = client_for(staff("security", office.community))
    assert guard.get(f"/api/tickets/{ticket.pk}/").json()["reporter_phone"] == "138****5678"
    assert guard.get("/api/calls/").json()["results"][0]["phone"] == "139****5678"
    assert client_for(office.desk).get("/api/tickets/").json()["results"][0]["reporter_phone"] == "13812345678"


# --- Call log (IC-3) ----------------------------------------------------------------------


def test_call_log_create_marks_outside_information(office):
    api = client_for(office.desk)
    response = api.post(
        "/api/calls/",
        {
            "room": office.room.pk,
            "caller": "王先生",
            "phone": "13900001111",
            "content": "询问小区周边学校",
            "outside": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["community"], body["outside"], body["room_code"]) == (office.community.pk, True, office.room.code)
    assert [c["id"] for c in api.get("/api/calls/", {"outside": "true"}).json()["results"]] == [body["id"]]
    assert api.get("/api/calls/", {"outside": "false"}).json()["count"] == 0


# --- Filters ------------------------------------------------------------------------------


def test_ticket_filters(office):
    leak = new_repair(office)
    civil = new_repair(office, category="civil")
    complaint = new_complaint(office)
    sd.ticket_dispatch(ticket=civil, technician=office.technician, actor=office.desk)
    Ticket.objects.filter(pk=leak.pk).update(received_at=timezone.now() - dt.timedelta(days=40))
    # The leak's response clock ran out long ago: it is overdue (RC-8).
    Deadline.objects.filter(subject_id=str(leak.pk), rule="RC-8.response").update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )
    api = client_for(office.desk)

    def ids(**params):
        return {t["id"] for t in api.get("/api/tickets/", params).json()["results"]}

    assert ids(kind="complaint") == {complaint.pk}
    assert ids(status="dispatched") == {civil.pk}
    assert ids(status=["dispatched", "received"]) == {leak.pk, civil.pk, complaint.pk}
    assert ids(category="civil") == {civil.pk}
    assert ids(topic="cleaning") == {complaint.pk}
    assert ids(technician=office.technician.pk) == {civil.pk}
    assert ids(room=office.room.pk) == {leak.pk, civil.pk, complaint.pk}
    assert ids(overdue="true") == {leak.pk}
    assert ids(overdue="false") == {civil.pk, complaint.pk}
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(received_after=since) == {civil.pk, complaint.pk}
    assert ids(received_before=since) == {leak.pk}
    assert api.get("/api/tickets/", {"status": "lost"}).status_code == 400


def test_callback_filters_due_today_overdue_done(office):
    def callback_due(at):
        ticket = new_complaint(office)
        sd.ticket_reply(ticket=ticket, actor=office.supervisor, reply="已处理", valid=True)
        callback = Callback.objects.get(ticket=ticket)
        Callback.objects.filter(pk=callback.pk).update(due_at=at)
        return callback

    now = timezone.localtime()
    today = callback_due(now.replace(hour=23, minute=59))
    late = callback_due(now - dt.timedelta(days=2))
    later = callback_due(now + dt.timedelta(days=3))
    done = callback_due(now + dt.timedelta(days=3))
    sd.callback_record(callback=done, actor=office.supervisor, method="phone", satisfied=True)
    api = client_for(office.supervisor)

    def ids(**params):
        return {c["id"] for c in api.get("/api/callbacks/", params).json()["results"]}

    assert ids(due_today="true") == {today.pk}
    assert ids(overdue="true") == {late.pk}
    assert ids(done="true") == {done.pk}
    assert ids(done="false") == {today.pk, late.pk, later.pk}
    assert api.get(f"/api/callbacks/{late.pk}/").json()["overdue"] is True


def test_deadlines_mine_and_overdue(office):
    ticket = new_repair(office)
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    complaint = new_complaint(office)
    Deadline.objects.filter(subject_id=str(complaint.pk), rule="RC-3").update(
        due_at=timezone.now() - dt.timedelta(hours=1)
    )

    def rules_of(user, **params):
        body = client_for(user).get("/api/deadlines/", params).json()
        return sorted((d["rule"], d["state"]) for d in body["results"])

    assert rules_of(office.technician, owner="me") == [("RC-8.response", "open")]
    # Held by the CS supervisor's role: the complaint's reply, and last month's summary for owners
    # (RC-10, the calendar's duty: opened here as a page or the reminder task would).
    summary = duties.occurrence(office.community, "RC-10.summary", Period.of(periods.MONTH, clock.now()).previous())
    rc10 = ("RC-10", "overdue" if clock.now() > summary.due_at else "open")
    assert rules_of(office.supervisor, owner="me") == [rc10, ("RC-3", "overdue")]
    assert rules_of(office.desk, state="overdue") == [r for r in (rc10, ("RC-3", "overdue")) if r[1] == "overdue"]
    assert rules_of(office.desk, rule="RC-8") == [("RC-8.response", "open")]
    assert rules_of(office.desk) == [rc10, ("RC-3", "overdue"), ("RC-8.response", "open")]
    sd.ticket_arrive(ticket=ticket, actor=office.technician)
    assert rules_of(office.technician, owner="me") == []  # met: no longer pending


# --- Query budgets (lists of 40+ rows) ----------------------------------------------------


@pytest.fixture
def busy_office(office):
    """45 repairs through callback and rectification, 45 complaints and 45 calls."""
    for i in range(45):
        room = RoomFactory(community=office.community, unit__building__community=office.community)
        person = PersonFactory(community=office.community)
        ticket = sd.ticket_create(
            community=office.community,
            actor=office.desk,
            kind=Kind.REPAIR,
            channel="phone",
            category="leakage",
            room=room,
            reporter=person,
            description=f"漏水 {i}",
        )
        sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
        sd.ticket_arrive(ticket=ticket, actor=office.technician)
        sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="修好")
        sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True)
        callback = Callback.objects.get(ticket=ticket)
        sd.callback_record(callback=callback, actor=office.supervisor, method="phone", satisfied=False, remarks="仍漏")
        quality.notice_issue(source=SOURCE, subject=callback, actor=office.supervisor)  # RC-5
        new_complaint(office)
        sd.calllog_record(
            community=office.community, actor=office.desk, content=f"咨询 {i}", room=room, phone="13900001111"
        )
    return office


@pytest.mark.parametrize(
    "path, minimum",
    [("tickets", 90), ("callbacks", 45), ("rectifications", 45), ("calls", 45), ("deadlines", 45)],
)
def test_list_query_budget(busy_office, django_assert_max_num_queries, path, minimum):
    api = client_for(type(busy_office.supervisor).objects.get(pk=busy_office.supervisor.pk))  # no cached roles
    with django_assert_max_num_queries(4):  # roles, count, page (+ the page's ticket types for deadlines)
        response = api.get(f"/api/{path}/", {"page_size": 200})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= minimum


def test_ticket_detail_query_budget(busy_office, django_assert_max_num_queries):
    ticket = Ticket.objects.filter(kind=Kind.REPAIR).first()
    api = client_for(type(busy_office.supervisor).objects.get(pk=busy_office.supervisor.pk))
    with django_assert_max_num_queries(9):
        body = api.get(f"/api/tickets/{ticket.pk}/").json()
    assert len(body["deadlines"]) == 4 and body["rectifications"]  # RC-8, RC-4, RC-5.issue, RC-5.fix


# --- OpenAPI -------------------------------------------------------------------------------


def test_schema_lists_the_desk_endpoints(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in (
        "/api/tickets/{id}/dispatch/",
        "/api/tickets/{id}/check/",
        "/api/callbacks/{id}/record/",
        "/api/callbacks/{id}/rectify/",
        "/api/rectifications/{id}/close/",
        "/api/calls/",
        "/api/deadlines/",
    ):
        assert path in text, path


def test_price_list_of_special_services_scoped_ss2(office):
    other = Office()
    sd.service_item_save(
        community=office.community,
        actor=office.manager,
        name="疏通下水道",
        category="home_repair",
        price=Decimal("50"),
        unit="次",
    )
    sd.service_item_save(
        community=other.community,
        actor=other.manager,
        name="家政保洁",
        category="cleaning",
        price=Decimal("40"),
        unit="小时",
    )
    body = client_for(office.desk).get("/api/service-items/").json()
    assert [(r["name"], r["price"], r["unit"]) for r in body["results"]] == [("疏通下水道", "50.00", "次")]
    foreign = other.community.serviceitem_set.get()
    assert client_for(office.desk).get(f"/api/service-items/{foreign.pk}/").status_code == 404
