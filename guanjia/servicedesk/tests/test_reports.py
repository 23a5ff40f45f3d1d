"""Weekly complaint statistics (RC-6) and the monthly complaint summary for owners (RC-10, LW-1)."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import approvals, clock
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, DeadlineState, Notification
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import UserFactory
from guanjia.core.tests.pdf import pdf_text
from guanjia.estates.tests.factories import RoomFactory
from guanjia.servicedesk import reports
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind
from guanjia.servicedesk.models import Callback, ComplaintSummary, Ticket
from guanjia.servicedesk.services.summaries import SUMMARY

from .factories import Office, at, staff

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
WEEK = dt.date(2026, 10, 12)  # Monday of ISO week 2026-W42
LATE_NOV = at(2026, 11, 20, 12, 0)

SECRET_ROOMS = ("翠竹9栋1707室", "QZ-88-0909")
SECRET_NAMES = ("欧阳梦蝶", "司马青衫")


@pytest.fixture
def office():
    return Office()


def complaint(office, when, topic="cleaning", severity="general", room=None, name=""):
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.COMPLAINT,
        channel="phone",
        topic=topic,
        severity=severity,
        room=room or office.room,
        reporter_name=name,
        description="楼道有垃圾",
        received_at=when,
    )


def reply(office, ticket, when, valid=True):
    actor = office.manager if ticket.severity == "major" else office.supervisor
    sd.ticket_reply(ticket=ticket, actor=actor, reply="已处理并告知业主", valid=valid, at=when)
    return ticket


def close(office, ticket, when):
    callback = Callback.objects.get(ticket=ticket, done_at__isnull=True)
    actor = office.manager if ticket.severity == "major" else office.supervisor
    sd.callback_record(callback=callback, actor=actor, method="phone", satisfied=True, at=when)


# --- RC-6 weekly statistics ----------------------------------------------------------------


def build_week(office):
    t = {}
    t["a"] = reply(office, complaint(office, at(2026, 10, 12, 0, 5), "cleaning"), at(2026, 10, 13, 10, 0))  # on time
    close(office, t["a"], at(2026, 10, 14, 10, 0))
    t["b"] = reply(
        office, complaint(office, at(2026, 10, 13, 9, 0), "cleaning"), at(2026, 10, 17, 9, 0), valid=False
    )  # late
    t["c"] = complaint(office, at(2026, 10, 15, 9, 0), "security", severity="major")  # never replied: overdue
    t["d"] = complaint(office, at(2026, 10, 18, 23, 30), "greening")  # Sunday night: this week, not yet due on the 20th
    t["e"] = complaint(office, at(2026, 10, 16, 9, 0), "other")
    sd.ticket_cancel(ticket=t["e"], actor=office.desk, reason="重复登记")
    complaint(office, at(2026, 10, 19, 0, 10), "cleaning")  # next Monday: next week
    complaint(office, at(2026, 10, 11, 23, 50), "cleaning")  # previous Sunday: previous week
    return t


def test_rc6_weekly_counts(office):
    build_week(office)
    week = reports.weekly_complaints(office.community, WEEK, now=at(2026, 10, 20, 9, 0))
    # the ISO week of core.periods: Monday 00:00 to Monday 00:00, Asia/Shanghai
    assert week.period.key == "2026-W42"
    assert week.period.bounds() == (at(2026, 10, 12, 0, 0), at(2026, 10, 19, 0, 0))
    assert reports.weekly_complaints(office.community, dt.date(2026, 10, 18)).period == week.period  # its Sunday
    c = week.counts
    assert (c["total"], c["cancelled"], c["counted"]) == (5, 1, 4)
    assert (c["general"], c["major"]) == (3, 1)
    assert (c["valid"], c["invalid"], c["unjudged"]) == (1, 1, 2)
    assert (c["reply_on_time"], c["reply_due_count"]) == (1, 3)  # a ✓; b late; c overdue; d not yet due
    assert (c["closed"], c["unresolved"]) == (1, 3)
    topics = {row["topic"]: row for row in week.by_topic}
    assert len(week.by_topic) == 10  # every SV-7 topic, zeros included
    assert topics["cleaning"]["count"] == 2 and topics["cleaning"]["closed"] == 1 and topics["cleaning"]["invalid"] == 1
    assert topics["security"]["count"] == 1 and topics["other"]["count"] == 0
    assert topics["cleaning"]["label"] == "清洁"
    assert week.tickets.count() == 5


def test_rc6_weekly_page_lists_the_weeks_complaints(client, office, django_assert_max_num_queries):
    t = build_week(office)
    other = Office()
    complaint(other, at(2026, 10, 13, 9, 0))
    client.force_login(office.supervisor)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("servicedesk:complaints_weekly"), {"week": "2026-W42"})
    assert response.status_code == 200
    page = response.content.decode()
    listing = page.split('id="week-complaints"')[1].split("</table>")[0]
    assert t["a"].number in listing and t["d"].number in listing
    assert listing.count("<tr>") == 1 + 5
    assert Ticket.objects.filter(community=other.community).get().number not in page
    topics = page.split('id="week-topics"')[1].split("</table>")[0]
    assert "清洁" in topics and "休闲及儿童设施" in topics


def test_rc6_weekly_page_permissions_and_default_week(client, office):
    client.force_login(office.technician)
    assert client.get(reverse("servicedesk:complaints_weekly")).status_code == 403
    client.force_login(office.supervisor)
    with clock.frozen(at(2026, 10, 20, 9, 0)):
        response = client.get(reverse("servicedesk:complaints_weekly"), {"week": "nonsense"})
        assert response.context["week"].period.key == "2026-W43"  # the week under way
        later = client.get(reverse("servicedesk:complaints_weekly"), {"week": "2026-W50"})
        assert later.context["week"].period.key == "2026-W43"  # never a week still to come
        typed = client.get(reverse("servicedesk:complaints_weekly"), {"week": "2026-w42"})
    assert response.status_code == 200
    assert typed.context["week"].period.key == "2026-W42"
    assert typed.context["previous_week"] == "2026-W41" and typed.context["next_week"] == "2026-W43"


# --- RC-10 monthly summary: the numbers ----------------------------------------------------


def build_month(office):
    secret_a = RoomFactory(community=office.community, unit=office.room.unit, code=SECRET_ROOMS[0], number="1707")
    secret_b = RoomFactory(community=office.community, unit=office.room.unit, code=SECRET_ROOMS[1], number="0909")
    t = {}
    t["a"] = reply(
        office,
        complaint(office, at(2026, 10, 3, 10, 0), "cleaning", room=secret_a, name=SECRET_NAMES[0]),
        at(2026, 10, 4, 10, 0),
    )
    close(office, t["a"], at(2026, 10, 5, 10, 0))
    t["b"] = reply(
        office,
        complaint(office, at(2026, 10, 9, 10, 0), "security", room=secret_b, name=SECRET_NAMES[1]),
        at(2026, 10, 10, 10, 0),
        valid=False,
    )
    close(office, t["b"], at(2026, 10, 11, 10, 0))
    t["c"] = reply(
        office, complaint(office, at(2026, 10, 20, 10, 0), "facilities", severity="major"), at(2026, 10, 21, 10, 0)
    )  # unresolved
    t["d"] = complaint(office, at(2026, 10, 31, 23, 30), "greening")  # October's, unresolved
    complaint(office, at(2026, 11, 1, 0, 30), "cleaning")  # November's
    return t


EXPLANATION = "儿童游乐设施更换需业委会表决，预计12月完成；绿化补种待春季。"


def test_rc10_summary_stats_are_counts_only(office):
    build_month(office)
    stats = reports.summary_stats(office.community, OCT, now=LATE_NOV)
    assert (stats["total"], stats["valid"], stats["invalid"], stats["unjudged"]) == (4, 2, 1, 1)
    assert (stats["closed"], stats["unresolved"], stats["general"], stats["major"]) == (2, 2, 3, 1)
    assert stats["month"] == "2026-10"
    text = repr(stats)
    for secret in (*SECRET_ROOMS, *SECRET_NAMES, office.room.code, office.owner.name):
        assert secret not in text


def test_rc10_summary_due_by_the_5th_from_policy(office):
    assert reports.summary_due(office.community, OCT) == at(2026, 11, 6, 0, 0)  # 5 November 24:00
    assert reports.summary_due(office.community, dt.date(2026, 12, 1)) == at(2027, 1, 6, 0, 0)
    policy_set(community=office.community, key="RC-10.summary_day", raw_value="3", actor=office.manager)
    assert reports.summary_due(office.community, OCT) == at(2026, 11, 4, 0, 0)


def test_rc10_summary_state_from_the_clock(office):
    due = at(2026, 11, 6, 0, 0)
    assert reports.summary_state(None, due, at(2026, 11, 5, 23, 59)) == DeadlineState.OPEN
    assert (
        reports.summary_state(None, due, at(2026, 11, 6, 0, 1)) == DeadlineState.OVERDUE
    )  # never prepared: still overdue
    prepared = ComplaintSummary(community=office.community, month=OCT, approved_at=at(2026, 11, 3, 9, 0))
    assert (
        reports.summary_state(prepared, due, at(2026, 11, 7, 0, 0)) == DeadlineState.OVERDUE
    )  # approved, not published
    prepared.published_at = at(2026, 11, 5, 23, 0)
    assert reports.summary_state(prepared, due, at(2026, 11, 7, 0, 0)) == DeadlineState.MET
    prepared.published_at = at(2026, 11, 6, 8, 0)
    assert reports.summary_state(prepared, due) == DeadlineState.LATE


# --- RC-10 monthly summary: the services ---------------------------------------------------


def approve(summary, office):
    """Sent for approval by the CS supervisor, approved by the office manager (the "RC-10.summary" chain)."""
    sd.complaint_summary_submit(summary=summary, actor=office.supervisor)
    approvals.approval_decide(
        approval=approvals.current_approval(summary, SUMMARY), actor=office.manager, outcome="approve"
    )
    summary.refresh_from_db()
    return summary


def test_rc10_prepare_freezes_stats_logs_and_asks_the_manager(office):
    build_month(office)
    summary = sd.complaint_summary_prepare(
        community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
    )
    assert summary.month == OCT and summary.stats["total"] == 4 and summary.explanation == EXPLANATION
    assert ActivityLog.objects.filter(verb="servicedesk.summary.prepared", community=office.community).count() == 1
    assert not Notification.objects.filter(user=office.manager, title__contains="审批").exists()  # not yet: when sent
    sd.complaint_summary_submit(summary=summary, actor=office.supervisor)
    assert Notification.objects.filter(user=office.manager, title="待您审批：月度投诉汇总").exists()
    assert ActivityLog.objects.get(verb="servicedesk.summary.submitted").data["again"] is False


def test_rc10_unresolved_complaints_must_be_explained(office):
    build_month(office)
    with pytest.raises(ServiceError) as err:
        sd.complaint_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, explanation="  ")
    assert err.value.field == "explanation" and "2 件投诉尚未解决" in str(err.value.message)
    assert not ComplaintSummary.objects.exists()


@pytest.mark.parametrize("secret", [*SECRET_ROOMS, *SECRET_NAMES])
def test_rc10_explanation_may_not_name_a_room_or_a_person(office, secret):
    build_month(office)
    with pytest.raises(ServiceError) as err:
        sd.complaint_summary_prepare(
            community=office.community, month=OCT, actor=office.supervisor, explanation=f"{secret}的问题正在处理"
        )
    assert err.value.code == "private" and err.value.field == "explanation"


def test_rc10_prepare_only_after_month_end_and_by_the_right_roles(office):
    with pytest.raises(ServiceError) as err:
        sd.complaint_summary_prepare(community=office.community, month=dt.date.today(), actor=office.supervisor)
    assert err.value.code == "month_open"
    with pytest.raises(Forbidden):
        sd.complaint_summary_prepare(community=office.community, month=OCT, actor=office.desk)
    with pytest.raises(Forbidden):
        sd.complaint_summary_prepare(community=Office().community, month=OCT, actor=office.supervisor)


def test_rc10_reprepare_before_approval_updates_then_approval_fixes_it(office):
    build_month(office)
    first = sd.complaint_summary_prepare(
        community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
    )
    complaint(office, at(2026, 10, 30, 10, 0), "security")  # registered late: re-preparing picks it up
    again = sd.complaint_summary_prepare(
        community=office.community, month=OCT, actor=office.manager, explanation=EXPLANATION + "补充。"
    )
    assert again.pk == first.pk and again.stats["total"] == 5 and again.prepared_by == office.manager
    assert ComplaintSummary.objects.count() == 1

    sd.complaint_summary_submit(summary=again, actor=office.supervisor)
    assert Notification.objects.filter(user=office.manager, title__contains="审批").count() == 1  # asked once
    with pytest.raises(Conflict):  # with the manager: what he approves is what is published
        sd.complaint_summary_prepare(
            community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
        )
    approval = approvals.current_approval(again, SUMMARY)
    with pytest.raises(Forbidden):  # only the office manager (RC-10)
        approvals.approval_decide(approval=approval, actor=office.supervisor, outcome="approve")
    approvals.approval_decide(approval=approval, actor=office.manager, outcome="approve")
    again.refresh_from_db()
    assert again.approved_by == office.manager and again.approved_at
    with pytest.raises(Conflict):
        approvals.approval_decide(approval=approval, actor=office.manager, outcome="approve")
    with pytest.raises(Conflict):
        sd.complaint_summary_prepare(
            community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
        )


def test_rc10_publish_only_after_approval(office):
    build_month(office)
    summary = sd.complaint_summary_prepare(
        community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
    )
    with pytest.raises(Conflict) as err:
        sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    assert err.value.code == "not_approved"
    sd.complaint_summary_submit(summary=summary, actor=office.supervisor)
    with pytest.raises(Conflict):  # still with the manager
        sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    approvals.approval_decide(
        approval=approvals.current_approval(summary, SUMMARY), actor=office.manager, outcome="approve"
    )
    with pytest.raises(Forbidden):
        sd.complaint_summary_publish(summary=summary, actor=office.desk)
    sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    assert summary.published_at
    entry = ActivityLog.objects.get(verb="servicedesk.summary.published")
    assert entry.data["on_time"] is False  # October's summary published on the real date, after 5 November
    with pytest.raises(Conflict):
        sd.complaint_summary_publish(summary=summary, actor=office.supervisor)


# --- RC-10 monthly summary: the console ----------------------------------------------------


def published(office):
    build_month(office)
    summary = sd.complaint_summary_prepare(
        community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
    )
    approve(summary, office)
    sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    return summary


def test_summary_page_walks_prepare_approve_publish(client, office, django_assert_max_num_queries):
    build_month(office)
    url = reverse("servicedesk:summaries")
    client.force_login(office.supervisor)
    with django_assert_max_num_queries(20):
        page = client.get(url, {"month": "2026-10"}).content.decode()
    assert "统计预览" in page and 'id="summary-prepare"' in page
    assert 'id="approval-form"' not in page  # nothing sent yet

    response = client.post(reverse("servicedesk:summary_prepare", args=["2026-10"]), {"explanation": ""})
    assert response.status_code == 400
    assert "尚未解决" in response.content.decode() and "has-error" in response.content.decode()
    response = client.post(
        reverse("servicedesk:summary_prepare", args=["2026-10"]), {"explanation": f"{SECRET_NAMES[0]}家"}
    )
    assert response.status_code == 400 and "不得出现房号或姓名" in response.content.decode()
    response = client.post(reverse("servicedesk:summary_prepare", args=["2026-10"]), {"explanation": EXPLANATION})
    assert response.status_code == 302
    page = client.get(url, {"month": "2026-10"}).content.decode()
    assert "已编制，待送审" in page and reverse("servicedesk:summary_submit", args=["2026-10"]) in page
    response = client.post(reverse("servicedesk:summary_submit", args=["2026-10"]))
    assert response.status_code == 302
    page = client.get(url, {"month": "2026-10"}).content.decode()
    assert "待经理批准" in page and 'id="approval-form"' not in page  # the supervisor may not approve
    assert 'id="summary-waiting"' in page and 'id="summary-prepare"' not in page

    client.force_login(office.manager)
    page = client.get(url, {"month": "2026-10"}).content.decode()
    assert "待经理批准" in page and 'id="approval-form"' in page
    approval = approvals.current_approval(ComplaintSummary.objects.get(), SUMMARY)
    next_url = f"{url}?month=2026-10"
    response = client.post(
        reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve", "comment": "", "next": next_url}
    )
    assert response.status_code == 302 and response["Location"] == next_url
    client.force_login(office.supervisor)
    client.post(reverse("servicedesk:summary_publish", args=["2026-10"]))
    summary = ComplaintSummary.objects.get()
    assert summary.approved_at and summary.published_at
    page = client.get(url, {"month": "2026-10"}).content.decode()
    assert "已公布" in page and reverse("servicedesk:summary_public", args=[summary.pk]) in page


def test_summary_page_shows_a_forgotten_month_overdue(client, office):
    client.force_login(office.manager)
    page = client.get(reverse("servicedesk:summaries"), {"month": "2026-10"}).content.decode()
    status = page.split('id="summary-status"')[1].split("</section>")[0]
    assert "未编制" in status and "已超时" in status and "2026-11-05 24:00" in status  # never "11-06 00:00"


def test_summary_pdf_has_counts_and_no_room_or_name(client, office, tmp_path):
    summary = published(office)
    client.force_login(office.supervisor)
    response = client.get(reverse("core:document_pdf", args=["RC-10.summary", summary.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, layout=True)
    assert "业户投诉处理情况公示" in text and "2026年10月" in text
    assert "清洁" in text and "休闲及儿童设施" in text and "业委会表决" in text
    assert "草稿" not in text
    for secret in (*SECRET_ROOMS, *SECRET_NAMES, office.room.code, office.owner.name, "1707", "0909"):
        assert secret not in text, secret
    assert summary.pk


def test_summary_pdf_of_a_draft_says_so_and_other_communities_are_404(client, office):
    build_month(office)
    draft = sd.complaint_summary_prepare(
        community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
    )
    client.force_login(office.supervisor)
    assert "草稿" in pdf_text(client.get(reverse("core:document_pdf", args=["RC-10.summary", draft.pk])).content)
    client.force_login(office.desk)  # the front desk does not read the KPIs (servicedesk.kpi)
    assert client.get(reverse("core:document_pdf", args=["RC-10.summary", draft.pk])).status_code == 403
    other = Office()
    client.force_login(other.supervisor)
    assert client.get(reverse("core:document_pdf", args=["RC-10.summary", draft.pk])).status_code == 404
    assert client.post(reverse("servicedesk:summary_publish", args=["2026-10"])).status_code == 404


def owner_login(client, office):
    user = UserFactory()
    office.owner.user = user
    office.owner.save(update_fields=["user"])
    client.force_login(user)
    return user


def test_owners_page_shows_the_published_summary_without_rooms_or_names(client, office):
    summary = published(office)
    owner_login(client, office)
    response = client.get(reverse("servicedesk:summary_public", args=[summary.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "业户投诉处理情况公示" in page and "业委会表决" in page and "清洁" in page
    for secret in (*SECRET_ROOMS, *SECRET_NAMES, office.room.code, office.owner.name, "1707", "0909"):
        assert secret not in page, secret
    for person in (office.supervisor, office.manager):
        assert person.username not in page


def test_owners_page_only_for_published_summaries_of_their_community(client, office):
    build_month(office)
    draft = sd.complaint_summary_prepare(
        community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
    )
    other = Office()
    theirs = published(other)
    owner_login(client, office)
    assert client.get(reverse("servicedesk:summary_public", args=[draft.pk])).status_code == 404  # not published
    assert client.get(reverse("servicedesk:summary_public", args=[theirs.pk])).status_code == 404  # another community
    client.force_login(office.desk)  # staff of another community: 404 as well
    assert client.get(reverse("servicedesk:summary_public", args=[theirs.pk])).status_code == 404
    client.force_login(other.desk)
    assert client.get(reverse("servicedesk:summary_public", args=[theirs.pk])).status_code == 200
    client.logout()
    response = client.get(reverse("servicedesk:summary_public", args=[theirs.pk]))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]


def test_quality_can_view_but_not_prepare(client, office):
    quality = staff("quality", None)
    client.force_login(quality)
    assert client.get(reverse("servicedesk:summaries")).status_code == 200
    assert (
        client.post(reverse("servicedesk:summary_prepare", args=["2026-10"]), {"explanation": "x"}).status_code == 403
    )


# --- RC-10: what the published text says is built from its own figures -------------------------


def prepared(office, now=LATE_NOV):
    with clock.frozen(now):
        return sd.complaint_summary_prepare(
            community=office.community, month=OCT, actor=office.supervisor, explanation=EXPLANATION
        )


def test_rc10_statements_are_built_from_the_figures(office):
    build_month(office)
    summary = prepared(office)
    stats = summary.stats
    assert (stats["reply_on_time"], stats["reply_due"], stats["reply_hours"]) == (3, 4, 72)  # one reply missed
    assert (stats["callback_done"], stats["callback_due"]) == (2, 3)  # RC-9: one callback still owed
    lines = reports.summary_statements(stats, office.community)
    assert "72 小时内答复 3 / 4（1 件未在 72 小时内答复）。" in lines
    assert "已回访 2 / 3。" in lines and "已处理完毕 2 件，尚未解决 2 件。" in lines
    assert not any("每件投诉均" in line for line in lines)  # the claim its figures contradict


def test_rc10_every_complaint_on_time_is_said_only_when_true(office):
    ticket = complaint(office, at(2026, 10, 3, 10, 0))
    reply(office, ticket, at(2026, 10, 3, 15, 0))
    close(office, ticket, at(2026, 10, 4, 10, 0))
    lines = reports.summary_statements(prepared(office).stats, office.community)
    assert "72 小时内答复 1 / 1：每件投诉均在 72 小时内答复。" in lines and "已回访 1 / 1。" in lines


def test_rc10_the_hours_are_the_policy_in_force_when_the_figures_were_taken(office):
    build_month(office)
    policy_set(community=office.community, key="RC-3.reply_hours", raw_value="48", actor=office.manager)
    summary = prepared(office)
    policy_set(community=office.community, key="RC-3.reply_hours", raw_value="24", actor=office.manager)
    lines = reports.summary_statements(summary.stats, office.community)
    assert any(line.startswith("48 小时内答复") for line in lines)  # frozen with the figures it describes


def test_rc10_a_summary_frozen_before_these_figures_existed_claims_nothing_it_lacks(office):
    old = {"total": 2, "reply_on_time": 2, "reply_due": 2, "closed": 2, "unresolved": 0}
    lines = reports.summary_statements(old, office.community)
    assert "72 小时内答复 2 / 2：每件投诉均在 72 小时内答复。" in lines
    assert not any("回访" in line for line in lines)
    assert reports.summary_statements({"total": 0}, office.community)[-1] == "本月未收到投诉。"


def test_rc10_console_pdf_and_owners_page_print_the_same_sentences(client, office):
    build_month(office)
    summary = prepared(office)
    with clock.frozen(at(2026, 11, 3, 10, 0)):
        approve(summary, office)
        sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    client.force_login(office.supervisor)
    console = client.get(reverse("servicedesk:summaries"), {"month": "2026-10"}).content.decode()
    pdf = pdf_text(client.get(reverse("core:document_pdf", args=["RC-10.summary", summary.pk])).content)
    owner_login(client, office)
    public = client.get(reverse("servicedesk:summary_public", args=[summary.pk])).content.decode()
    for name, text in (("console", console), ("pdf", pdf), ("owners", public)):
        assert "72 小时内答复 3 / 4" in text, name
        assert "已回访 2 / 3" in text, name
        assert "每件投诉均在 72 小时内答复" not in text, name
    assert "72小时内答复（按时答复/应答复）" in pdf.replace(" ", "")  # the table row, from the same figures
