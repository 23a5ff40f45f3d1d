"""Console pages of the 整改通知书 (QA-2, RC-5): from the unsatisfied callback to the issue form, the
findings still owed a notice, the list's tabs, one notice and its close step, the printed form, and
another community's notice or finding as a 404."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock, workdays
from guanjia.core.document_models import IssuedDocument
from guanjia.core.documents import document_url
from guanjia.core.models import Deadline
from guanjia.core.tests.factories import login
from guanjia.core.tests.pdf import pdf_text
from guanjia.quality.models import RectificationNotice
from guanjia.servicedesk.models import Callback

from .factories import NOW, SOURCE, Office, at, done_repair, issue, unsatisfied

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


@pytest.fixture
def other():
    return Office()


def section(page: str, marker: str, end: str = "</table>") -> str:
    return page.split(marker, 1)[1].split(end, 1)[0]


def issue_url(callback) -> str:
    return reverse("quality:notice_issue", args=[SOURCE, callback.pk])


def test_an_unsatisfied_callback_leads_to_the_issue_form_and_the_notice(client, office):
    with clock.frozen(NOW):
        callback = done_repair(office)
        login(client, office.supervisor)
        response = client.post(
            reverse("servicedesk:callback_record", args=[callback.pk]),
            {"method": "visit", "satisfied": "0", "remarks": "墙角仍有水迹"},
        )
        assert not RectificationNotice.objects.exists()  # RC-5: not issued by itself
        assert response.status_code == 302 and response.url == issue_url(callback)
        note = office.supervisor.notifications.get(title__contains="请下达整改通知书")
        assert note.url == issue_url(callback)  # the link the notification carries
        page = client.get(response.url).content.decode()
        due = Deadline.objects.get(rule="RC-5.issue").due_at
        assert "墙角仍有水迹" in page and workdays.deadline_text(due) in page and callback.ticket.number in page
        assert 'name="fix_due"' in page and 'value="2026-11-21"' in page and "整改期限默认为下达后 3 天" in page
        response = client.post(response.url, {"problem": "墙角仍有水迹", "requirement": "", "fix_due": "2026-11-21"})
        notice = RectificationNotice.objects.get()
        assert response.status_code == 302 and response.url == reverse("quality:notice", args=[notice.pk])
        page = client.get(response.url).content.decode()
    assert notice.number in page and "墙角仍有水迹" in page and office.technician.username in page
    assert "2026-11-21 24:00" in page and "按业主意见整改到位" in page  # the source's default requirement
    again = client.get(issue_url(callback))  # issued: a second visit goes to the notice
    assert again.status_code == 302 and again.url == reverse("quality:notice", args=[notice.pk])


def test_issuing_with_another_date_and_refusing_a_past_one(client, office):
    with clock.frozen(at(2026, 11, 20, 10, 0)):
        callback = unsatisfied(office, "漏水")
        login(client, office.manager)
        assert 'value="2026-11-23"' in client.get(issue_url(callback)).content.decode()  # RC-5.fix_days: 3
        response = client.post(issue_url(callback), {"problem": "漏水", "fix_due": "2026-11-19"})
        assert response.status_code == 400 and "整改期限不能早于今天。" in response.content.decode()
        client.post(issue_url(callback), {"problem": "漏水", "requirement": "更换止水阀", "fix_due": "2026-11-30"})
    notice = RectificationNotice.objects.get()
    assert workdays.deadline_text(notice.due_at) == "2026-11-30 24:00" and notice.requirement == "更换止水阀"


def test_who_may_issue_and_what_is_not_a_finding(client, office, other):
    with clock.frozen(NOW):
        callback = unsatisfied(office)
        satisfied = done_repair(office)
        assert login(client, office.technician).get(issue_url(callback)).status_code == 403
        assert login(client, other.supervisor).get(issue_url(callback)).status_code == 404
        assert client.post(issue_url(callback), {"problem": "x"}).status_code == 404
        response = login(client, office.supervisor).get(issue_url(satisfied))  # no problem found: no notice
        assert response.status_code == 302 and response.url == reverse("servicedesk:ticket", args=[satisfied.ticket_id])
        unknown = reverse("quality:notice_issue", args=["NOPE", callback.pk])
        assert client.get(unknown).status_code == 404
    assert not RectificationNotice.objects.exists()


def test_pending_tab_lists_findings_owed_a_notice_and_the_ticket_offers_it(client, office):
    with clock.frozen(NOW):
        callback = unsatisfied(office, "地漏堵塞")
        login(client, office.supervisor)
        page = client.get(reverse("quality:notices"), {"tab": "pending"}).content.decode()
        rows = section(page, 'id="pending-list"')
        assert callback.ticket.number in rows and "地漏堵塞" in rows and issue_url(callback) in rows
        ticket_page = client.get(reverse("servicedesk:ticket", args=[callback.ticket_id])).content.decode()
        assert 'id="action-issue_notice"' in ticket_page and issue_url(callback) in ticket_page
        rows = section(
            login(client, office.desk).get(reverse("quality:notices"), {"tab": "pending"}).content.decode(),
            'id="pending-list"',
        )
    assert callback.ticket.number in rows  # the desk sees what is owed


def test_pending_tab_query_budget(client, office, django_assert_max_num_queries):
    with clock.frozen(NOW):
        for n in range(6):
            unsatisfied(office, f"漏{n}")
        login(client, office.supervisor)
        url = reverse("quality:notices")
        client.get(url, {"tab": "pending"})
        with django_assert_max_num_queries(14):
            page = client.get(url, {"tab": "pending"}).content.decode()
    assert section(page, 'id="pending-list"').count("<tr") == 7  # the head and six findings owed a notice


def test_list_tabs_open_overdue_closed_and_budget(client, office, django_assert_max_num_queries):
    with clock.frozen(NOW):
        notices = [issue(office) for _ in range(5)]
        late = issue(office)
        RectificationNotice.objects.filter(pk=late.pk).update(due_at=NOW - dt.timedelta(hours=1))
        login(client, office.supervisor)
        url = reverse("quality:notices")
        client.get(url)
        with django_assert_max_num_queries(14):  # constant in the number of notices
            open_rows = section(client.get(url).content.decode(), 'id="notice-list"')
        overdue_rows = section(client.get(url, {"tab": "overdue"}).content.decode(), 'id="notice-list"')
    assert all(n.number in open_rows for n in notices) and late.number not in open_rows
    assert notices[0].subject.ticket.number in open_rows and office.room.code in open_rows
    assert late.number in overdue_rows and "已超时" in overdue_rows and notices[0].number not in overdue_rows


def test_close_step_records_the_result_and_schedules_another_callback(client, office):
    with clock.frozen(NOW):
        notice = issue(office)
        login(client, office.supervisor)
        page = client.get(reverse("quality:notice", args=[notice.pk])).content.decode()
        close = reverse("quality:notice_step", args=[notice.pk, "close"])
        assert f'action="{close}"' in page
        response = client.post(close, {"result": " "})
        assert response.status_code == 400 and "请填写整改结果。" in response.content.decode()
        response = client.post(close, {"result": "重做防水，已验收"})
        assert response.status_code == 302 and response.url == reverse("quality:notice", args=[notice.pk])
        notice.refresh_from_db()
        assert notice.closed_by == office.supervisor and notice.result == "重做防水，已验收"
        assert Callback.objects.filter(ticket=notice.subject.ticket, done_at__isnull=True).count() == 1  # RC-4
        page = client.get(reverse("quality:notice", args=[notice.pk])).content.decode()
        closed_rows = section(
            client.get(reverse("quality:notices"), {"tab": "closed"}).content.decode(), 'id="notice-list"'
        )
    assert "按时完成" in page and 'id="close-form"' not in page
    assert notice.number in closed_rows


def test_front_desk_sees_the_notice_but_may_not_close_it(client, office):
    with clock.frozen(NOW):
        notice = issue(office)
        login(client, office.desk)
        assert 'id="close-form"' not in client.get(reverse("quality:notice", args=[notice.pk])).content.decode()
        response = client.post(reverse("quality:notice_step", args=[notice.pk, "close"]), {"result": "已整改"})
    assert response.status_code == 403
    notice.refresh_from_db()
    assert notice.closed_at is None


def test_the_printed_notice_is_the_numbered_form_and_its_copy_is_recorded(client, office):
    with clock.frozen(NOW):
        notice = issue(office)
        login(client, office.supervisor)
        page = client.get(reverse("quality:notice", args=[notice.pk])).content.decode()
        assert document_url("quality.notice", notice.pk) in page
        response = client.get(document_url("quality.notice", notice.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "整改通知书",
        notice.number,
        notice.subject.ticket.number,
        office.room.code,
        "墙角仍有水迹",
        office.technician.username,
        workdays.deadline_text(notice.due_at),  # "D 24:00", never "D+1 00:00"
        "接收人签名",
        "验证人签名",
    ):
        assert expected in text, expected
    copy = IssuedDocument.objects.get(kind="quality.notice")
    assert copy.number == notice.number and copy.household_id == office.room.pk


def test_another_communitys_notice_is_404(client, office, other):
    with clock.frozen(NOW):
        notice = issue(office)
        login(client, other.supervisor)
        assert client.get(reverse("quality:notice", args=[notice.pk])).status_code == 404
        assert (
            client.post(reverse("quality:notice_step", args=[notice.pk, "close"]), {"result": "x"}).status_code == 404
        )
        assert client.get(document_url("quality.notice", notice.pk)).status_code == 404
        assert notice.number not in client.get(reverse("quality:notices")).content.decode()


def test_the_ticket_page_and_the_due_list_link_to_the_notice(client, office):
    with clock.frozen(NOW):
        notice = issue(office)
        Deadline.objects.filter(rule="RC-5.fix").update(due_at=NOW + dt.timedelta(hours=2))
        login(client, office.manager)
        ticket_page = client.get(reverse("servicedesk:ticket", args=[notice.subject.ticket_id])).content.decode()
        due = client.get(reverse("servicedesk:due"), {"scope": "office"}).content.decode()
    link = f'href="{reverse("quality:notice", args=[notice.pk])}"'
    assert link in section(ticket_page, 'id="rectifications"') and "RC-5" in ticket_page
    assert link in section(due, 'id="due-list"')  # the notice's own clock leads to it (get_absolute_url)
