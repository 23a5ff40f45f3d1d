"""Deadline reminders (DESIGN.md §4): the person responsible hears of what falls due within 2 hours
or is overdue — in the inbox, by e-mail and through the gateway webhook — once, not on every run.
States never depend on this job: it only tells people."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from guanjia.core import clock
from guanjia.core.deadlines import deadline_meet, deadline_open
from guanjia.core.models import Deadline, Notification
from guanjia.core.roles import Role
from guanjia.servicedesk import tasks

from .factories import Office, at, staff

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)  # a Friday morning; every test pins its moment


@pytest.fixture
def office():
    return Office()


def due(office, hours: float, **kw) -> Deadline:
    kw.setdefault("title", "回访 GD-2026-000001")
    return deadline_open(
        subject=office.room,
        rule="RC-4",
        starts_at=NOW - dt.timedelta(days=1),
        due_at=NOW + dt.timedelta(hours=hours),
        **kw,
    )


def inbox(user):
    return list(Notification.objects.filter(user=user).order_by("id"))


def test_due_soon_gets_one_reminder_not_two(office):
    deadline = due(office, 1, owner=office.supervisor)
    assert tasks.remind(NOW) == 1
    assert tasks.remind(NOW) == 0
    assert tasks.remind(NOW + dt.timedelta(minutes=15)) == 0
    notes = inbox(office.supervisor)
    assert len(notes) == 1
    assert notes[0].title == "即将到期：回访 GD-2026-000001"
    assert "RC-4" in notes[0].body and notes[0].community == office.community
    deadline.refresh_from_db()
    assert deadline.reminded_at == NOW


def test_not_yet_due_soon_waits(office):
    due(office, 3, owner=office.supervisor)
    assert tasks.remind(NOW) == 0
    assert tasks.remind(NOW + dt.timedelta(hours=1, minutes=1)) == 1


def test_overdue_reminds_every_user_of_the_role(office):
    second_supervisor = staff("cs_supervisor", office.community)
    due(office, -5, owner_role=Role.CS_SUPERVISOR)
    assert tasks.remind(NOW) == 2
    for user in (office.supervisor, second_supervisor):
        assert [n.title for n in inbox(user)] == ["已超时：回访 GD-2026-000001"]
    assert inbox(office.desk) == [] and inbox(office.manager) == []


def test_reminded_before_due_hears_again_once_overdue_and_then_daily(office):
    due(office, 1, owner=office.supervisor)
    assert tasks.remind(NOW) == 1
    later = NOW + dt.timedelta(hours=2)
    assert tasks.remind(later) == 1  # it fell due unmet: one "overdue" notice
    assert inbox(office.supervisor)[-1].title.startswith("已超时")
    assert tasks.remind(later + dt.timedelta(hours=3)) == 0
    assert tasks.remind(later + dt.timedelta(hours=24, minutes=1)) == 1  # REMINDER_REPEAT_HOURS


def test_met_and_cancelled_deadlines_are_never_reminded(office):
    met = due(office, -1, owner=office.supervisor)
    deadline_meet(office.room, "RC-4", at=NOW - dt.timedelta(hours=2))
    cancelled = due(office, 1, owner=office.supervisor, title="已取消")
    Deadline.objects.filter(pk=cancelled.pk).update(cancelled_at=NOW)
    assert tasks.remind(NOW) == 0
    assert inbox(office.supervisor) == []
    met.refresh_from_db()
    assert met.reminded_at is None


def test_role_nobody_holds_falls_back_to_the_office_manager(office):
    due(office, -1, owner_role=Role.EQUIPMENT_SUPERVISOR)
    assert tasks.remind(NOW) == 1
    assert len(inbox(office.manager)) == 1


def test_another_community_is_not_told(office):
    other = Office()
    due(office, -1, owner_role=Role.CS_SUPERVISOR)
    tasks.remind(NOW)
    assert inbox(other.supervisor) == []


def test_inactive_owner_passes_to_the_role(office):
    office.technician.is_active = False
    office.technician.save()
    due(office, 1, owner=office.technician, owner_role="")
    assert tasks.remind(NOW) == 1
    assert inbox(office.technician) == [] and len(inbox(office.manager)) == 1


def test_link_leads_to_the_subject(office):
    from guanjia.servicedesk import services as sd
    from guanjia.servicedesk.choices import Kind

    ticket = sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.COMPLAINT,
        channel="phone",
        topic="cleaning",
        room=office.room,
        description="楼道垃圾两天没人清理",
        received_at=NOW - dt.timedelta(hours=71),
    )
    tasks.remind(NOW)
    note = inbox(office.supervisor)[0]
    assert note.url == f"/console/desk/tickets/{ticket.pk}/" and "RC-3" in note.body


def test_email_sent_when_the_user_has_an_address(office, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    office.supervisor.email = "zhuguan@example.com"
    office.supervisor.save()
    due(office, 1, owner=office.supervisor)
    due(office, 1, owner=office.desk, title="无邮箱")  # no address: inbox only
    with django_capture_on_commit_callbacks(execute=True):
        tasks.remind(NOW)
    assert [m.to for m in mail.outbox] == [["zhuguan@example.com"]]
    assert mail.outbox[0].subject == "即将到期：回访 GD-2026-000001"
    assert len(inbox(office.desk)) == 1


def test_webhook_posted_when_configured(office, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.NOTIFY_WEBHOOK_URL = "https://gateway.example/sms"
    posted = []

    class Response:
        def close(self):
            pass

    def fake_urlopen(request, timeout=None):
        posted.append((request.full_url, json.loads(request.data)))
        return Response()

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    due(office, -1, owner=office.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.remind(NOW)
    assert len(posted) == 1
    url, payload = posted[0]
    assert url == "https://gateway.example/sms"
    assert payload["user"] == office.supervisor.username and payload["title"].startswith("已超时")


def test_no_webhook_without_configuration(office, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.NOTIFY_WEBHOOK_URL = ""
    monkeypatch.setattr("urllib.request.urlopen", lambda *a, **k: pytest.fail("no webhook configured"))
    due(office, -1, owner=office.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.remind(NOW)


def test_many_deadlines_cost_a_bounded_number_of_queries(office, django_assert_max_num_queries):
    for i in range(40):
        due(office, -1, owner_role=Role.CS_SUPERVISOR, title=f"回访 {i}")
    # Per run: select, role holders, update — plus one insert per notification sent.
    with django_assert_max_num_queries(40 + 8):
        assert tasks.remind(NOW) == 40


def test_management_command_and_task_open_the_duties_owed_and_remind(office):
    """The job opens every community's recurring duties (core.duties) before reminding, so a month
    with no event still reminds its VS-5/PR-4 summary; run again, it opens and sends nothing twice."""
    mine = due(office, -1, owner=office.supervisor)
    out = StringIO()
    with clock.frozen(NOW):
        call_command("send_reminders", stdout=out)
    sent = int(out.getvalue().split()[0])
    owed = Deadline.objects.filter(community=office.community).exclude(duty="")
    assert (
        owed.exists()
        and sent == 1 + owed.overdue(NOW).count() + owed.due_between(NOW, NOW + dt.timedelta(hours=2)).count()
    )
    assert Deadline.objects.get(pk=mine.pk).reminded_at == NOW
    due(office, -1, owner=office.supervisor, title="第二条")
    with clock.frozen(NOW + dt.timedelta(minutes=15)):
        result = tasks.send_reminders.enqueue()  # ImmediateBackend in tests, the db_worker in production
    assert result.return_value == 1


def test_holders_of_a_company_wide_role_are_not_spammed(office):
    """Company roles (quality, admin) see every community but are not the office's responsible staff."""
    staff("company_admin")
    due(office, -1, owner_role=Role.CS_SUPERVISOR)
    assert tasks.remind(NOW) == 1
