"""VS-5 on the core mechanisms: the monthly summary is a recurring duty opened by the calendar for
every community and month (a month without visits owes it too), met when it is sent; the director's
receipt is the "VS-5.summary" approval chain (default: one step, the office manager)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from guanjia.core import approvals, clock, duties
from guanjia.core.approval_models import ApprovalStatus
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Community, Deadline, DeadlineState, Membership, Notification
from guanjia.core.tests.pdf import pdf_text
from guanjia.engagement.models import VisitSummary
from guanjia.engagement.services import SUMMARY, visit_record, visit_summary_prepare, visit_summary_submit
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
DUE = at(2026, 11, 6, 0, 0)  # 24:00 of 5 November
NOW = at(2026, 11, 3, 10, 0)


@pytest.fixture(autouse=True)
def _pinned():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def duty_row(office, period="2026-10") -> Deadline:
    return Deadline.objects.with_state().get(community=office.community, duty=SUMMARY, period=period)


def record(office, **kw):
    kw.setdefault("form", "office")
    kw.setdefault("visited_at", at(2026, 10, 10, 10, 0))
    return visit_record(community=office.community, actor=office.supervisor, room=office.room, **kw)


def sent(office, text="本月拜访正常。", at_=NOW) -> VisitSummary:
    with clock.frozen(at_):
        summary = visit_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, text=text)
        return visit_summary_submit(summary=summary, actor=office.supervisor)


def page(client, user, query="month=2026-10"):
    client.force_login(user)
    return client.get(reverse("engagement:visit_summary") + "?" + query)


# --- the duty: owed by the calendar ------------------------------------------------------------


def test_a_month_with_no_visit_still_owes_its_summary_by_the_5th(client, office):
    """VS-5: no visit in October, still a summary due by 24:00 of 5 November; overdue after it from
    the clock alone, no job having run."""
    with clock.frozen(at(2026, 11, 1, 0, 5)):
        duties.duties_open([office.community], keys=[SUMMARY])
    row = duty_row(office)
    assert row.due_at == DUE and row.title == "业户拜访月度汇总报送（2026年10月）" and row.owner_role == "cs_supervisor"
    assert Deadline.objects.with_state(at(2026, 11, 5, 23, 59)).get(pk=row.pk).state == DeadlineState.OPEN
    assert Deadline.objects.with_state(at(2026, 11, 6, 0, 1)).get(pk=row.pk).state == DeadlineState.OVERDUE
    with clock.frozen(at(2026, 11, 6, 0, 1)):
        assert Deadline.objects.overdue().filter(pk=row.pk).exists()
        html = page(client, office.supervisor).content.decode()
    assert "已超时" in html and "本月无拜访。" in html  # the text a month without visits is sent with


def test_the_page_opens_the_month_on_read_and_not_a_month_not_yet_over(client, office):
    page(client, office.supervisor)
    assert duty_row(office).state == DeadlineState.OPEN  # opened by reading, idempotently
    page(client, office.supervisor)
    assert Deadline.objects.filter(duty=SUMMARY, period="2026-10").count() == 1
    html = page(client, office.supervisor, "month=2026-11").content.decode()
    assert "本月尚未结束" in html and 'id="summary-form"' not in html
    assert not Deadline.objects.filter(duty=SUMMARY, period="2026-11").exists()


def test_the_dashboard_panel_opens_and_shows_last_months_summary(client, office):
    client.force_login(office.supervisor)
    with clock.frozen(at(2026, 11, 6, 0, 1)):
        html = client.get(reverse("engagement:dashboard_panel")).content.decode()
    assert duty_row(office).due_at == DUE  # opened by reading the dashboard
    panel = html.split('id="engagement-vs5"')[1].split("</a>")[0]
    assert "2026年10月拜访汇总（VS-5）" in panel and "已超时" in panel and "2026-11-05 24:00" in panel


def test_nothing_to_report_is_sent_and_meets_the_duty(office):
    summary = sent(office, text="本月无拜访。", at_=at(2026, 11, 5, 23, 59))
    row = duty_row(office)
    assert row.state == DeadlineState.MET and row.met_at == summary.submitted_at
    assert ActivityLog.objects.get(verb="core.duty.met").data["note"] == "本月无拜访"


@pytest.mark.parametrize(
    "moment, state, on_time",
    [(at(2026, 11, 5, 23, 59), DeadlineState.MET, True), (at(2026, 11, 6, 0, 1), DeadlineState.LATE, False)],
    ids=["5th-23:59", "6th-00:01"],
)
def test_sent_by_24h_of_the_5th_is_on_time_after_it_late(office, moment, state, on_time):
    record(office)
    sent(office, at_=moment)
    assert duty_row(office).state == state
    assert ActivityLog.objects.get(verb="engagement.visit_summary.submitted").data["on_time"] is on_time


# --- the approval chain ------------------------------------------------------------------------


def test_the_chain_is_seeded_from_vs5_one_step_the_office_manager(office):
    steps = approvals.chain_steps(office.community, SUMMARY)
    assert [(s.role, s.limit_hours) for s in steps] == [("office_manager", 72)]


def test_sending_asks_the_office_manager_who_approves_on_the_page(client, office):
    record(office)
    summary = sent(office)
    approval = approvals.current_approval(summary, SUMMARY)
    assert list(approvals.waiting_for(office.manager)) == list(approval.decisions.all())
    assert not approvals.waiting_for(office.supervisor).exists()
    assert Notification.objects.filter(user=office.manager, title="待您审批：业户拜访月度汇总").exists()
    assert 'id="approval-form"' not in page(client, office.supervisor).content.decode()  # not the sender's to decide
    url = reverse("engagement:visit_summary") + "?month=2026-10"
    assert 'id="approval-form"' in page(client, office.manager).content.decode()
    with clock.frozen(at(2026, 11, 4, 9, 30)):
        response = client.post(
            reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve", "comment": "", "next": url}
        )
    assert response.status_code == 302 and response["Location"] == url
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED and approval.finished_at == at(2026, 11, 4, 9, 30)
    decision = approval.decisions.get()
    assert (decision.decided_by, decision.outcome) == (office.manager, "approve")
    assert ActivityLog.objects.filter(verb="core.approval.approved", subject_id=str(summary.pk)).exists()
    assert Notification.objects.filter(user=office.supervisor, title="2026年10月业户拜访汇总已批准").exists()
    html = page(client, office.supervisor).content.decode()
    assert "已批准" in html and office.manager.username in html
    with pytest.raises(ServiceError):  # approved: the month stays as the director received it
        record(office, visited_at=at(2026, 10, 30, 9, 0))


def test_the_pdf_shows_who_approved_and_when(client, office):
    record(office)
    summary = sent(office)
    with clock.frozen(at(2026, 11, 4, 9, 30)):
        approvals.approval_decide(
            approval=approvals.current_approval(summary, SUMMARY), actor=office.manager, outcome="approve"
        )
    client.force_login(office.supervisor)
    text = pdf_text(
        client.get(reverse("core:document_pdf", args=["VS-5.summary", f"{office.community.pk}-2026-10"])).content
    )
    assert "管理处经理审批" in text and office.manager.username in text and "2026-11-04 09:30" in text
    assert office.supervisor.username in text and "2026-11-03" in text  # sent by, on


def test_returned_with_a_comment_is_revised_and_sent_again(client, office):
    record(office)
    summary = sent(office)
    first = approvals.current_approval(summary, SUMMARY)
    with pytest.raises(ServiceError) as e:  # a return says what to change
        approvals.approval_decide(approval=first, actor=office.manager, outcome="return", comment=" ")
    assert e.value.field == "comment"
    with clock.frozen(at(2026, 11, 4, 9, 0)):
        approvals.approval_decide(approval=first, actor=office.manager, outcome="return", comment="补充门禁问题的处理")
    summary.refresh_from_db()
    assert summary.submitted_at is None and summary.submitted_by is None  # back with the CS supervisor
    note = Notification.objects.get(user=office.supervisor, title__startswith="2026年10月业户拜访汇总被退回")
    assert "补充门禁问题的处理" in note.title and "community=" in note.url
    html = page(client, office.supervisor).content.decode()
    assert 'id="summary-form"' in html and "补充门禁问题的处理" in html and "已退回" in html
    record(office, visited_at=at(2026, 10, 31, 9, 0))  # nothing of October is with the director now

    client.post(
        reverse("engagement:visit_summary") + "?month=2026-10",
        {"month": "2026-10", "text": "本月拜访正常，门禁问题已报公司投诉中心。", "action": "submit"},
    )
    summary.refresh_from_db()
    second = approvals.current_approval(summary, SUMMARY)
    assert second.pk != first.pk and second.status == ApprovalStatus.IN_PROGRESS
    assert summary.text.startswith("本月拜访正常，门禁问题") and summary.submitted_at == NOW
    row = duty_row(office)
    assert row.met_at == NOW and row.state == DeadlineState.MET  # the first sending stands
    assert ActivityLog.objects.filter(verb="engagement.visit_summary.submitted").latest("id").data["again"] is True


def test_a_manager_of_another_community_cannot_decide(client, office):
    other = Office()
    summary = sent(office)
    approval = approvals.current_approval(summary, SUMMARY)
    with pytest.raises(Forbidden):
        approvals.approval_decide(approval=approval, actor=other.manager, outcome="approve")
    assert not approvals.waiting_for(other.manager).exists()
    client.force_login(other.manager)
    response = client.post(reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve"})
    assert response.status_code == 404  # not even told it exists
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.IN_PROGRESS
    # nor open the summary's page: a link naming a community he does not serve is a 404
    assert client.get(approvals.kind_of(SUMMARY).url(summary)).status_code == 404


def test_the_chain_is_data_a_changed_time_limit_applies_to_the_next_sending(office):
    approvals.chain_set(community=office.community, key=SUMMARY, steps=[("office_manager", 24)], actor=office.manager)
    summary = sent(office)
    decision = approvals.current_approval(summary, SUMMARY).decisions.get()
    assert decision.due_at == NOW + dt.timedelta(hours=24)


def test_a_link_from_the_inbox_opens_that_communitys_summary(client, office):
    second = Office()
    Membership.objects.create(user=office.manager, community=second.community, role="office_manager")
    summary = sent(second)
    client.force_login(office.manager)
    url = approvals.kind_of(SUMMARY).url(summary)
    html = client.get(url).content.decode()
    assert second.community.name in html and 'id="approval-form"' in html
    assert client.get(url.replace(f"community={second.community.pk}", "community=999999")).status_code == 404


def test_summary_page_with_an_approval_keeps_its_query_budget(client, office, django_assert_max_num_queries):
    for n in range(20):
        record(office, visited_at=at(2026, 10, 1 + n, 10, 0), opinions="意见", feedback_owed=True)
    summary = sent(office)
    approvals.approval_decide(
        approval=approvals.current_approval(summary, SUMMARY), actor=office.manager, outcome="return", comment="改"
    )
    sent(office)
    url = reverse("engagement:visit_summary") + "?month=2026-10"
    client.force_login(office.manager)
    client.get(url)
    with django_assert_max_num_queries(15):  # as many as before the duty and the approval (VS-5)
        response = client.get(url)
    assert response.status_code == 200 and 'id="approval-form"' in response.content.decode()


# --- the old first-visit clocks become the duty's ----------------------------------------------


def test_migration_turns_old_first_visit_clocks_into_the_duty(office):
    migration = importlib.import_module("guanjia.engagement.migrations.0005_vs5_summary_duty")
    community_type = ContentType.objects.get_for_model(Community)
    common = {"community": office.community, "rule": "VS-5", "subject_type": community_type}
    old = Deadline.objects.create(
        **common,
        subject_id=str(office.community.pk),
        title="2026年9月业户拜访汇总报送",
        starts_at=at(2026, 9, 1, 0, 0),
        due_at=at(2026, 10, 6, 0, 0),
        met_at=at(2026, 10, 3, 9, 0),
    )
    twin = Deadline.objects.create(  # the due day changed in September: the old code opened a second
        **common,
        subject_id=str(office.community.pk),
        title="2026年9月业户拜访汇总报送",
        starts_at=at(2026, 9, 1, 0, 0),
        due_at=at(2026, 10, 4, 0, 0),
    )
    migration.forwards(django_apps, None)
    old.refresh_from_db()
    twin.refresh_from_db()
    assert (old.duty, old.period, old.starts_at, old.met_at) == (
        SUMMARY,
        "2026-09",
        at(2026, 10, 1),
        at(2026, 10, 3, 9),
    )
    assert twin.duty == "" and twin.cancelled_at is not None
    with clock.frozen(at(2026, 10, 2, 9, 0)):
        assert duties.duties_open([office.community], keys=[SUMMARY]) == 2  # July and August, not September again
    assert Deadline.objects.filter(duty=SUMMARY, period="2026-09").get() == old
