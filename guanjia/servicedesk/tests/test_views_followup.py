"""Console pages of the follow-up: callbacks (RC-4, RC-9), rectification notices (RC-5), the manager's
spot check (RC-4) and "what is due" (DESIGN.md §4)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.core import clock, workdays
from guanjia.core.deadlines import deadline_open
from guanjia.core.models import Deadline
from guanjia.core.roles import Role
from guanjia.core.tests.pdf import pdf_text
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind, Status
from guanjia.servicedesk.models import Callback, CallbackSpotCheck, RectificationNotice, Ticket

from .factories import Office, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


@pytest.fixture
def other():
    return Office()


def login(client, user):
    client.force_login(user)
    return client


def repair(office, category="leakage", **kw):
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.REPAIR,
        channel="window",
        category=category,
        room=office.room,
        reporter=office.owner,
        reporter_phone="13812345678",
        description="卫生间天花板渗水",
        **kw,
    )


def done_repair(office, category="leakage", **kw) -> Callback:
    """A repair taken, dispatched, done and passed: its RC-4 callback is due."""
    ticket = repair(office, category, **kw)
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    sd.ticket_arrive(ticket=ticket, actor=office.technician)
    sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="更换防水层")
    sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True)
    return Callback.objects.get(ticket=ticket, done_at__isnull=True)


def complaint_awaiting_callback(office, severity="general") -> Callback:
    ticket = sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.COMPLAINT,
        channel="phone",
        topic="cleaning",
        severity=severity,
        room=office.room,
        description="楼道垃圾两天没人清理",
    )
    manager_or_desk = office.manager if severity == "major" else office.desk
    sd.ticket_reply(ticket=ticket, actor=manager_or_desk, reply="已安排保洁清理", valid=True)
    return Callback.objects.get(ticket=ticket)


def move_due(callback: Callback, due_at: dt.datetime) -> Callback:
    """Set a callback's due time (and its deadline's) as if it had been done at another time."""
    Callback.objects.filter(pk=callback.pk).update(due_at=due_at)
    Deadline.objects.filter(subject_id=str(callback.pk), rule__in=["RC-4", "RC-9"]).update(due_at=due_at)
    callback.refresh_from_db()
    return callback


def end_of_today() -> dt.datetime:
    """24:00 today, as a day-based limit is stored (the next midnight): still due *today*."""
    local = timezone.localtime()
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


def section(page: str, marker: str, end: str = "</table>") -> str:
    return page.split(marker, 1)[1].split(end, 1)[0]


# --- Callbacks -------------------------------------------------------------------------------


class TestCallbackList:
    def test_tabs_split_today_overdue_upcoming_and_done(self, client, office):
        now = timezone.now()
        today = move_due(done_repair(office), end_of_today())
        late = move_due(done_repair(office), now - dt.timedelta(days=1))
        upcoming = done_repair(office, category="other")  # RC-4: a week ahead
        finished = done_repair(office)
        sd.callback_record(callback=finished, actor=office.desk, method="phone", satisfied=True)
        login(client, office.desk)

        url = reverse("servicedesk:callbacks")
        tabs = {
            "today": today,
            "overdue": late,
            "upcoming": upcoming,
            "done": finished,
        }
        for tab, callback in tabs.items():
            page = client.get(url, {"tab": tab}).content.decode()
            rows = section(page, 'id="callback-list"')
            assert callback.ticket.number in rows, tab
            others = [c for t, c in tabs.items() if t != tab]
            assert all(c.ticket.number not in rows for c in others), tab
        page = client.get(url, {"tab": "overdue"}).content.decode()
        assert "已超时" in section(page, 'id="callback-list"')
        # each tab shows its count
        nav = page.split('aria-label="回访状态"', 1)[1].split("</nav>", 1)[0]
        assert nav.count(">1</span>") == 4

    def test_filters_by_kind_satisfied_and_method(self, client, office):
        repair_cb = done_repair(office)
        complaint_cb = complaint_awaiting_callback(office)
        sd.callback_record(callback=repair_cb, actor=office.desk, method="visit", satisfied=True)
        sd.callback_record(callback=complaint_cb, actor=office.desk, method="phone", satisfied=True)
        login(client, office.desk)
        url = reverse("servicedesk:callbacks")
        page = client.get(url, {"tab": "done", "kind": "complaint"}).content.decode()
        rows = section(page, 'id="callback-list"')
        assert complaint_cb.ticket.number in rows and repair_cb.ticket.number not in rows
        page = client.get(url, {"tab": "done", "method": "visit"}).content.decode()
        rows = section(page, 'id="callback-list"')
        assert repair_cb.ticket.number in rows and complaint_cb.ticket.number not in rows
        page = client.get(url, {"tab": "done", "satisfied": "0"}).content.decode()
        assert "没有符合条件的回访" in page

    def test_month_rate_counts_done_over_due_without_unsampled_special_services(self, client, office, monkeypatch):
        now = timezone.now()
        done = done_repair(office)
        sd.callback_record(callback=done, actor=office.desk, method="phone", satisfied=True)
        move_due(done_repair(office), now - dt.timedelta(minutes=5))  # due, not done
        monkeypatch.setattr("random.random", lambda: 0.99)  # RC-9: not drawn for the 90% sample
        skipped_ticket = repair(office, category="other", paid=True)
        sd.ticket_dispatch(ticket=skipped_ticket, technician=office.technician, actor=office.desk)
        sd.ticket_arrive(ticket=skipped_ticket, actor=office.technician)
        sd.ticket_complete(ticket=skipped_ticket, actor=office.technician, work_done="换灯泡")
        sd.ticket_check(ticket=skipped_ticket, actor=office.supervisor, passed=True)
        skipped = Callback.objects.get(ticket=skipped_ticket)
        assert skipped.skipped
        move_due(skipped, now)
        login(client, office.desk)
        page = client.get(reverse("servicedesk:callbacks")).content.decode()
        rate = section(page, 'id="callback-rate"', "</section>")
        assert ">2<" in rate  # due: the done one and the overdue one
        assert ">50.0%<" in rate
        assert "特约服务未抽中" in rate

    def test_major_complaint_callback_only_offered_to_the_manager(self, client, office):
        callback = complaint_awaiting_callback(office, severity="major")
        move_due(callback, end_of_today())
        record_url = reverse("servicedesk:callback_record", args=[callback.pk])
        page = login(client, office.supervisor).get(reverse("servicedesk:callbacks")).content.decode()
        assert "由管理处经理回访" in page and record_url not in page
        assert client.get(record_url).status_code == 403  # RC-9
        assert client.post(record_url, {"method": "phone", "satisfied": "1"}).status_code == 403
        page = login(client, office.manager).get(reverse("servicedesk:callbacks")).content.decode()
        assert record_url in page
        response = client.post(record_url, {"method": "phone", "satisfied": "1"})
        assert response.status_code == 302
        callback.refresh_from_db()
        assert callback.done_by == office.manager

    def test_query_budget(self, client, office, django_assert_max_num_queries):
        for _ in range(12):
            done_repair(office)
        login(client, office.desk)
        client.get(reverse("servicedesk:callbacks"), {"tab": "upcoming"})  # warm caches (content types, session)
        with django_assert_max_num_queries(12):
            page = client.get(reverse("servicedesk:callbacks"), {"tab": "upcoming"}).content.decode()
        assert section(page, "<tbody>", "</tbody>").count("<tr>") == 12


class TestCallbackRecord:
    def test_satisfied_callback_closes_the_ticket(self, client, office):
        callback = done_repair(office)
        login(client, office.desk)
        url = reverse("servicedesk:callback_record", args=[callback.pk])
        page = client.get(url).content.decode()
        assert callback.ticket.number in page and "卫生间天花板渗水" in page
        response = client.post(url, {"method": "phone", "satisfied": "1", "remarks": "业主表示满意"})
        assert response.status_code == 302 and response.url == reverse("servicedesk:callbacks")
        callback.refresh_from_db()
        assert callback.done_at and callback.satisfied and callback.remarks == "业主表示满意"
        assert Ticket.objects.get(pk=callback.ticket_id).status == Status.CLOSED
        assert client.get(url).status_code == 302  # done: nothing left to record

    def test_unsatisfied_without_remarks_is_refused_in_chinese(self, client, office):
        callback = done_repair(office)
        login(client, office.desk)
        response = client.post(
            reverse("servicedesk:callback_record", args=[callback.pk]), {"method": "phone", "satisfied": "0"}
        )
        assert response.status_code == 400
        assert "不满意时请记录业主意见。" in response.content.decode()
        callback.refresh_from_db()
        assert callback.done_at is None

    def test_missing_choice_and_method_are_named(self, client, office):
        callback = done_repair(office)
        login(client, office.desk)
        url = reverse("servicedesk:callback_record", args=[callback.pk])
        assert "请选择业主是否满意。" in client.post(url, {"method": "phone"}).content.decode()
        assert "请选择回访方式。" in client.post(url, {"method": "", "satisfied": "1"}).content.decode()

    def test_unsatisfied_repair_leads_to_issuing_the_notice_within_24_hours(self, client, office):
        # RC-5: the callback found a problem; the written notice is owed within 24 hours, with its own fix date.
        callback = done_repair(office)
        login(client, office.desk)
        response = client.post(
            reverse("servicedesk:callback_record", args=[callback.pk]),
            {"method": "visit", "satisfied": "0", "remarks": "墙角仍有水迹"},
        )
        assert not RectificationNotice.objects.exists()  # not issued by itself
        assert response.status_code == 302
        assert response.url == reverse("servicedesk:rectification_issue", args=[callback.pk])
        assert response.url == f"/console/desk/callbacks/{callback.pk}/rectify/"  # the notification's link
        page = client.get(response.url).content.decode()
        issue = Deadline.objects.get(rule="RC-5.issue")
        assert "墙角仍有水迹" in page and workdays.deadline_text(issue.due_at) in page
        assert 'name="fix_due"' in page and "整改期限默认为下达后 3 天" in page
        response = client.post(response.url, {"problem": "墙角仍有水迹", "requirement": "", "fix_due": ""})
        notice = RectificationNotice.objects.get(callback=callback)
        assert response.status_code == 302 and response.url == f"/console/desk/rectifications/{notice.pk}/"
        page = client.get(response.url).content.decode()
        assert notice.number in page and "墙角仍有水迹" in page and "已下达整改通知书" in page
        assert workdays.deadline_text(notice.due_at) in page
        issue.refresh_from_db()
        assert issue.met_at == notice.issued_at
        # Issued: the page sends a second visit to the notice, never issues twice.
        again = client.get(reverse("servicedesk:rectification_issue", args=[callback.pk]))
        assert again.status_code == 302 and again.url == f"/console/desk/rectifications/{notice.pk}/"

    def test_issuing_with_another_fix_date_and_refusing_a_past_one(self, client, office):
        with clock.frozen(at(2026, 11, 20, 10, 0)):
            callback = done_repair(office)
            sd.callback_record(callback=callback, actor=office.desk, method="phone", satisfied=False, remarks="漏水")
            login(client, office.manager)
            url = reverse("servicedesk:rectification_issue", args=[callback.pk])
            assert 'value="2026-11-23"' in client.get(url).content.decode()  # RC-5.fix_days: 3 days
            response = client.post(url, {"problem": "漏水", "fix_due": "2026-11-19"})
            assert response.status_code == 400 and "整改期限不能早于今天。" in response.content.decode()
            client.post(url, {"problem": "漏水", "requirement": "更换止水阀", "fix_due": "2026-11-30"})
        notice = RectificationNotice.objects.get(callback=callback)
        assert workdays.deadline_text(notice.due_at) == "2026-11-30 24:00"
        assert notice.requirement == "更换止水阀"

    def test_pending_tab_lists_callbacks_owed_a_notice(self, client, office):
        callback = done_repair(office)
        sd.callback_record(callback=callback, actor=office.desk, method="phone", satisfied=False, remarks="地漏堵塞")
        login(client, office.supervisor)
        page = client.get(reverse("servicedesk:rectifications"), {"tab": "pending"}).content.decode()
        rows = section(page, 'id="pending-list"')
        assert callback.ticket.number in rows and "地漏堵塞" in rows
        assert reverse("servicedesk:rectification_issue", args=[callback.pk]) in rows
        ticket_page = client.get(reverse("servicedesk:ticket", args=[callback.ticket_id])).content.decode()
        assert 'id="action-issue_notice"' in ticket_page  # the ticket page offers it too

    def test_pending_tab_query_budget(self, client, office, django_assert_max_num_queries):
        for n in range(6):
            callback = done_repair(office)
            sd.callback_record(callback=callback, actor=office.desk, method="phone", satisfied=False, remarks=f"漏{n}")
        login(client, office.supervisor)
        url = reverse("servicedesk:rectifications")
        client.get(url, {"tab": "pending"})
        with django_assert_max_num_queries(12):
            page = client.get(url, {"tab": "pending"}).content.decode()
        assert section(page, 'id="pending-list"').count("<tr") == 7  # the head and six callbacks owed a notice

    def test_technician_may_not_issue_a_notice(self, client, office):
        callback = done_repair(office)
        sd.callback_record(callback=callback, actor=office.desk, method="phone", satisfied=False, remarks="漏水")
        login(client, office.technician)
        assert client.get(reverse("servicedesk:rectification_issue", args=[callback.pk])).status_code == 403

    def test_front_desk_of_another_community_gets_404(self, client, office, other):
        callback = done_repair(office)
        login(client, other.desk)
        url = reverse("servicedesk:callback_record", args=[callback.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"method": "phone", "satisfied": "1"}).status_code == 404

    def test_roles_without_callback_permission_are_refused(self, client, office):
        callback = done_repair(office)
        login(client, office.technician)
        assert client.get(reverse("servicedesk:callback_record", args=[callback.pk])).status_code == 403


# --- Rectification notices ---------------------------------------------------------------


@pytest.fixture
def notice(office):
    callback = done_repair(office)
    sd.callback_record(callback=callback, actor=office.desk, method="visit", satisfied=False, remarks="墙角仍有水迹")
    return sd.rectification_issue(callback=callback, actor=office.supervisor)  # RC-5


class TestRectification:
    def test_list_tabs_open_overdue_closed(self, client, office, notice):
        late = done_repair(office)
        sd.callback_record(callback=late, actor=office.desk, method="phone", satisfied=False, remarks="地漏堵塞")
        late_notice = sd.rectification_issue(callback=late, actor=office.supervisor)
        RectificationNotice.objects.filter(pk=late_notice.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
        login(client, office.supervisor)
        url = reverse("servicedesk:rectifications")
        open_rows = section(client.get(url).content.decode(), 'id="notice-list"')
        assert notice.number in open_rows and late_notice.number not in open_rows
        overdue_rows = section(client.get(url, {"tab": "overdue"}).content.decode(), 'id="notice-list"')
        assert late_notice.number in overdue_rows and "已超时" in overdue_rows and notice.number not in overdue_rows

    def test_close_records_result_and_schedules_another_callback(self, client, office, notice):
        login(client, office.supervisor)
        url = reverse("servicedesk:rectification", args=[notice.pk])
        response = client.post(url, {"result": "重做防水，已验收"})
        assert response.status_code == 302
        notice.refresh_from_db()
        assert notice.closed_at and notice.closed_by == office.supervisor and notice.result == "重做防水，已验收"
        assert Callback.objects.filter(ticket=notice.ticket, done_at__isnull=True).count() == 1  # RC-4 again
        page = client.get(url).content.decode()
        assert "按时完成" in page and 'id="close-form"' not in page
        closed_rows = section(
            client.get(reverse("servicedesk:rectifications"), {"tab": "closed"}).content.decode(), 'id="notice-list"'
        )
        assert notice.number in closed_rows

    def test_close_without_result_is_refused_in_chinese(self, client, office, notice):
        login(client, office.supervisor)
        response = client.post(reverse("servicedesk:rectification", args=[notice.pk]), {"result": " "})
        assert response.status_code == 400 and "请填写整改结果。" in response.content.decode()
        notice.refresh_from_db()
        assert notice.closed_at is None

    def test_front_desk_sees_the_notice_but_cannot_close_it(self, client, office, notice):
        login(client, office.desk)
        url = reverse("servicedesk:rectification", args=[notice.pk])
        assert 'id="close-form"' not in client.get(url).content.decode()
        assert client.post(url, {"result": "已整改"}).status_code == 403
        notice.refresh_from_db()
        assert notice.closed_at is None

    def test_notice_pdf_is_the_numbered_form(self, client, office, notice, tmp_path):
        login(client, office.supervisor)
        response = client.get(reverse("servicedesk:rectification_pdf", args=[notice.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = pdf_text(response.content)
        for expected in (
            "整改通知书",
            notice.number,
            notice.ticket.number,
            office.room.code,
            "墙角仍有水迹",
            office.technician.username,
            workdays.deadline_text(notice.due_at),  # "D 24:00", never "D+1 00:00"
            "接收人签名",
            "验证人签名",
        ):
            assert expected in text, expected

    def test_another_communitys_notice_is_404(self, client, notice, other):
        login(client, other.supervisor)
        for name in ("servicedesk:rectification", "servicedesk:rectification_pdf"):
            assert client.get(reverse(name, args=[notice.pk])).status_code == 404
        assert client.post(reverse("servicedesk:rectification", args=[notice.pk]), {"result": "x"}).status_code == 404


# --- Spot check (RC-4) ------------------------------------------------------------------------


def done_callbacks(office, n):
    callbacks = [done_repair(office) for _ in range(n)]
    for cb in callbacks:
        sd.callback_record(callback=cb, actor=office.desk, method="phone", satisfied=True)
    return callbacks


class TestSpotCheck:
    def test_front_desk_cannot_spot_check(self, client, office):
        login(client, office.desk)
        assert client.get(reverse("servicedesk:spot_checks")).status_code == 403
        assert client.post(reverse("servicedesk:spot_checks")).status_code == 403
        page = client.get(reverse("servicedesk:callbacks")).content.decode()
        assert reverse("servicedesk:spot_checks") not in page  # not in the menu either

    def test_manager_draws_the_policy_number_and_sees_owner_contact(self, client, office):
        done_callbacks(office, 7)
        login(client, office.manager)
        month = timezone.localdate().strftime("%Y-%m")
        page = client.get(reverse("servicedesk:spot_checks"), {"month": month}).content.decode()
        assert 'id="draw-form"' in page
        response = client.post(reverse("servicedesk:spot_checks"), {"month": month})
        assert response.status_code == 302
        assert CallbackSpotCheck.objects.filter(community=office.community).count() == 5  # RC-4.spot_checks
        page = client.get(response.url).content.decode()
        rows = section(page, 'id="spot-check-list"')
        assert rows.count('id="check-') == 5
        assert office.owner.name in rows and "13812345678" in rows  # the manager calls the owner back
        again = client.post(reverse("servicedesk:spot_checks"), {"month": month})
        assert again.status_code == 400 and "回访抽查已抽取" in again.content.decode()

    def test_nothing_to_draw_is_explained(self, client, office):
        login(client, office.manager)
        response = client.post(reverse("servicedesk:spot_checks"), {"month": "2020-01"})
        assert response.status_code == 400 and "该月没有已完成的回访可供抽查。" in response.content.decode()

    def test_record_genuine_or_not_with_note(self, client, office):
        done_callbacks(office, 2)
        checks = sd.spot_check_draw(community=office.community, month=timezone.localdate(), actor=office.manager)
        login(client, office.manager)
        url = reverse("servicedesk:spot_check_record", args=[checks[0].pk])
        response = client.post(url, {"genuine": "0", "note": ""})
        assert response.status_code == 400 and "回访不属实时请填写抽查意见。" in response.content.decode()
        assert client.post(url, {"genuine": "0", "note": "业主称未接到回访电话"}).status_code == 302
        checks[0].refresh_from_db()
        assert checks[0].genuine is False and checks[0].note == "业主称未接到回访电话" and checks[0].checked_at
        page = client.get(reverse("servicedesk:spot_checks")).content.decode()
        assert "业主称未接到回访电话" in page and "不属实" in page

    def test_another_communitys_spot_check_is_404(self, client, office, other):
        done_callbacks(office, 1)
        checks = sd.spot_check_draw(community=office.community, month=timezone.localdate(), actor=office.manager)
        login(client, other.manager)
        response = client.post(reverse("servicedesk:spot_check_record", args=[checks[0].pk]), {"genuine": "1"})
        assert response.status_code == 404


# --- What is due (DESIGN.md §4) -----------------------------------------------------------


class TestDue:
    def test_mine_and_the_office(self, client, office):
        now = timezone.now()
        ticket = repair(office)
        mine = deadline_open(
            subject=ticket, rule="T-1", title="我的今日事项", due_at=end_of_today(), owner=office.supervisor
        )
        by_role = deadline_open(
            subject=ticket, rule="T-2", title="主管岗位事项", due_at=end_of_today(), owner_role=Role.CS_SUPERVISOR
        )
        theirs = deadline_open(
            subject=ticket, rule="T-3", title="别人的事项", due_at=end_of_today(), owner=office.technician
        )
        late = deadline_open(
            subject=ticket, rule="T-4", title="超时事项", due_at=now - dt.timedelta(hours=3), owner=office.supervisor
        )
        login(client, office.supervisor)
        url = reverse("servicedesk:due")
        rows = section(client.get(url).content.decode(), 'id="due-list"')
        assert mine.title in rows and by_role.title in rows and theirs.title not in rows and late.title not in rows
        rows = section(client.get(url, {"tab": "overdue"}).content.decode(), 'id="due-list"')
        assert late.title in rows and mine.title not in rows
        rows = section(client.get(url, {"scope": "office"}).content.decode(), 'id="due-list"')
        assert theirs.title in rows and mine.title in rows

    def test_rows_link_to_their_subjects(self, client, office, notice):
        callback = done_repair(office)
        move_due(callback, end_of_today())
        Deadline.objects.filter(rule="RC-5.fix").update(due_at=end_of_today())
        login(client, office.manager)
        page = client.get(reverse("servicedesk:due"), {"scope": "office"}).content.decode()
        rows = section(page, 'id="due-list"')
        assert f'href="/console/desk/tickets/{callback.ticket_id}/"' in rows  # callback → its ticket
        assert f'href="/console/desk/rectifications/{notice.pk}/"' in rows  # notice → its page

    def test_met_this_month_counts_on_time_and_late(self, client, office):
        now = timezone.now()
        ticket = office.room  # any subject: no other deadline comes with it
        deadline_open(subject=ticket, rule="T-1", title="按时", due_at=now + dt.timedelta(hours=1), owner=office.desk)
        deadline_open(
            subject=ticket, rule="T-2", title="超时", due_at=now - dt.timedelta(minutes=30), owner=office.desk
        )
        Deadline.objects.filter(rule="T-1").update(met_at=now)
        Deadline.objects.filter(rule="T-2").update(met_at=now)
        login(client, office.desk)
        page = client.get(reverse("servicedesk:due"), {"tab": "met"}).content.decode()
        counts = section(page, 'id="due-counts"', "</section>")
        assert counts.count('kpi-value">1<') == 2
        rows = section(page, 'id="due-list"')
        assert "按时完成" in rows and "超时完成" in rows

    def test_another_communitys_deadlines_never_show(self, client, office, other):
        ticket = repair(other)
        deadline_open(
            subject=ticket, rule="T-1", title="外小区事项", due_at=end_of_today(), owner_role=Role.CS_SUPERVISOR
        )
        login(client, office.supervisor)
        page = client.get(reverse("servicedesk:due"), {"scope": "office"}).content.decode()
        assert "外小区事项" not in page

    def test_query_budget_does_not_grow_with_rows(self, client, office, django_assert_max_num_queries):
        for _ in range(6):
            move_due(done_repair(office), end_of_today())
        callback = done_repair(office)
        sd.callback_record(callback=callback, actor=office.desk, method="visit", satisfied=False, remarks="仍漏水")
        Deadline.objects.filter(met_at__isnull=True).update(due_at=end_of_today())
        login(client, office.manager)
        url = reverse("servicedesk:due")
        client.get(url, {"scope": "office"})
        with django_assert_max_num_queries(14):
            page = client.get(url, {"scope": "office"}).content.decode()
        assert section(page, "<tbody>", "</tbody>").count("<tr>") == 7  # six callbacks and one notice owed (RC-5)

    def test_dashboard_panel_counts(self, client, office):
        ticket = office.room
        deadline_open(subject=ticket, rule="T-1", title="今日", due_at=end_of_today(), owner=office.desk)
        deadline_open(
            subject=ticket, rule="T-2", title="超时", due_at=timezone.now() - dt.timedelta(hours=1), owner=office.desk
        )
        login(client, office.desk)
        dashboard = client.get(reverse("core:dashboard")).content.decode()
        assert reverse("servicedesk:due_panel") in dashboard  # loaded by htmx
        panel = client.get(reverse("servicedesk:due_panel")).content.decode()
        assert "我的今日到期" in panel and "我的已超时" in panel
        today_count = panel.split("我的今日到期")[0].rsplit('kpi-value">', 1)[1].split("<")[0]
        assert today_count == "1"

    def test_nav_links(self, client, office):
        page = login(client, office.manager).get(reverse("servicedesk:due")).content.decode()
        for name in ("due", "callbacks", "rectifications", "spot_checks"):
            assert reverse(f"servicedesk:{name}") in page.split('class="sidebar"')[1]


def test_a_day_based_limit_reads_as_24_00_of_its_last_day(client, office):
    """RULES.md "Clocks": a day count ends at 24:00 of its last day; it is stored as the next midnight."""
    from guanjia.servicedesk.selectors import clock_label

    callback = move_due(done_repair(office), end_of_today())
    today = timezone.localdate()
    assert clock_label(callback.due_at) == f"{today:%Y-%m-%d} 24:00"
    rows = section(
        login(client, office.desk).get(reverse("servicedesk:callbacks")).content.decode(), 'id="callback-list"'
    )
    assert f"{today:%Y-%m-%d} 24:00" in rows  # and it is listed under "due today"
