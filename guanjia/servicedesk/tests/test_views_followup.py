"""Console pages of the follow-up: callbacks (RC-4, RC-9) and "what is due" (DESIGN.md §4). The notice
after an unsatisfied callback (RC-5) and the manager's spot check (RC-4) are the quality app's pages
(quality/tests)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.core import workdays
from guanjia.core.deadlines import deadline_open
from guanjia.core.models import Deadline
from guanjia.core.roles import Role
from guanjia.core.tests.factories import login
from guanjia.quality import services as quality
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind, Status
from guanjia.servicedesk.models import Callback, Ticket
from guanjia.servicedesk.services.rectifications import SOURCE

from .factories import Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


@pytest.fixture
def other():
    return Office()


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

    def test_unsatisfied_repair_leads_to_issuing_the_notice(self, client, office):
        # RC-5: the callback found a problem; the written notice (the quality app's page) is owed within 24 hours.
        callback = done_repair(office)
        login(client, office.supervisor)
        response = client.post(
            reverse("servicedesk:callback_record", args=[callback.pk]),
            {"method": "visit", "satisfied": "0", "remarks": "墙角仍有水迹"},
        )
        assert response.status_code == 302
        assert response.url == reverse("quality:notice_issue", args=[SOURCE, callback.pk])
        assert Deadline.objects.get(rule="RC-5.issue").subject == callback.ticket

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


# --- What is due (DESIGN.md §4) -----------------------------------------------------------


@pytest.fixture
def notice(office):
    callback = done_repair(office)
    sd.callback_record(callback=callback, actor=office.desk, method="visit", satisfied=False, remarks="墙角仍有水迹")
    return quality.notice_issue(source=SOURCE, subject=callback, actor=office.supervisor)  # RC-5


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
        assert f'href="{reverse("quality:notice", args=[notice.pk])}"' in rows  # notice → its page

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
        rows = section(page, "<tbody>", "</tbody>")
        # six callbacks and one notice owed (RC-5); the calendar's monthly duties (RC-10, VS-5 …) are due
        # "today" on the 5th of a month and are left out of the count so that it holds on every day
        assert rows.count('mono">RC-4<') == 6 and rows.count('mono">RC-5.issue<') == 1

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
        for name in ("servicedesk:due", "servicedesk:callbacks", "quality:notices", "quality:spot_checks"):
            assert reverse(name) in page.split('class="sidebar"')[1]


def test_a_day_based_limit_reads_as_24_00_of_its_last_day(client, office):
    """RULES.md "Clocks": a day count ends at 24:00 of its last day; it is stored as the next midnight."""
    callback = move_due(done_repair(office), end_of_today())
    today = timezone.localdate()
    assert workdays.deadline_text(callback.due_at) == f"{today:%Y-%m-%d} 24:00"
    rows = section(
        login(client, office.desk).get(reverse("servicedesk:callbacks")).content.decode(), 'id="callback-list"'
    )
    assert f"{today:%Y-%m-%d} 24:00" in rows  # and it is listed under "due today"
