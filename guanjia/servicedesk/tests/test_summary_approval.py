"""RC-10 on the core mechanisms: the monthly complaint summary is a recurring duty opened by the
calendar for every community and month (a month without complaints owes it too), met only when the
summary is published; the director's approval is the "RC-10.summary" approval chain (default: one
step, the office manager)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from guanjia.core import approvals, clock, duties
from guanjia.core.approval_models import ApprovalStatus
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Community, Deadline, DeadlineState, Notification
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.models import ComplaintSummary
from guanjia.servicedesk.services.summaries import SUMMARY

from .factories import Office, at

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
DUE = at(2026, 11, 6, 0, 0)  # 24:00 of 5 November
NOW = at(2026, 11, 2, 10, 0)


@pytest.fixture(autouse=True)
def _pinned():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def duty_row(office, period="2026-10") -> Deadline:
    duties.duties_open([office.community], keys=[SUMMARY])  # as a page or the reminder task would
    return Deadline.objects.with_state().get(community=office.community, duty=SUMMARY, period=period)


def sent(office) -> ComplaintSummary:
    summary = sd.complaint_summary_prepare(community=office.community, month=OCT, actor=office.supervisor)
    return sd.complaint_summary_submit(summary=summary, actor=office.supervisor)


def approved(office, at_=NOW) -> ComplaintSummary:
    summary = sent(office)
    with clock.frozen(at_):
        approvals.approval_decide(
            approval=approvals.current_approval(summary, SUMMARY), actor=office.manager, outcome="approve"
        )
    summary.refresh_from_db()
    return summary


def page(client, user, query="month=2026-10"):
    client.force_login(user)
    return client.get(reverse("servicedesk:summaries") + "?" + query)


# --- the duty: owed by the calendar ------------------------------------------------------------


def test_a_month_with_no_complaint_still_owes_its_summary_by_the_5th(office):
    """RC-10: no complaint in October, still a summary due by 24:00 of 5 November; overdue after it
    from the clock alone, no job having run."""
    assert not Deadline.objects.filter(rule="RC-10").exists()
    with clock.frozen(at(2026, 11, 1, 0, 5)):
        duties.duties_open([office.community], keys=[SUMMARY])
    row = duty_row(office)
    assert row.due_at == DUE and row.rule == "RC-10" and row.owner_role == "cs_supervisor"
    assert row.title == "月度投诉汇总公布（2026年10月）"
    assert Deadline.objects.with_state(at(2026, 11, 5, 23, 59)).get(pk=row.pk).state == DeadlineState.OPEN
    assert Deadline.objects.with_state(at(2026, 11, 6, 0, 1)).get(pk=row.pk).state == DeadlineState.OVERDUE
    with clock.frozen(at(2026, 11, 6, 0, 1)):
        assert Deadline.objects.overdue().filter(pk=row.pk).exists()
    assert duties.link(row) == f"{reverse('servicedesk:summaries')}?month=2026-10&community={office.community.pk}"


def test_the_page_opens_the_duty_on_read_idempotently(client, office):
    page(client, office.supervisor)
    page(client, office.supervisor)
    assert Deadline.objects.filter(community=office.community, duty=SUMMARY, period="2026-10").count() == 1
    assert not Deadline.objects.filter(duty=SUMMARY, period="2026-11").exists()  # November is not over


def test_nothing_to_publish_is_published_and_meets_the_duty(office):
    summary = approved(office)
    assert summary.stats["total"] == 0
    sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    row = duty_row(office)
    assert row.state == DeadlineState.MET and row.met_at == summary.published_at
    assert ActivityLog.objects.get(verb="core.duty.met").data["note"] == "本月无投诉"


def test_sending_and_approval_do_not_meet_the_duty_only_publication_does(office):
    approved(office)
    assert duty_row(office).met_at is None


@pytest.mark.parametrize(
    "moment, state, on_time",
    [(at(2026, 11, 5, 23, 59), DeadlineState.MET, True), (at(2026, 11, 6, 0, 1), DeadlineState.LATE, False)],
    ids=["5th-23:59", "6th-00:01"],
)
def test_published_by_24h_of_the_5th_is_on_time_after_it_late(office, moment, state, on_time):
    summary = approved(office)
    with clock.frozen(moment):
        sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    assert duty_row(office).state == state
    assert ActivityLog.objects.get(verb="servicedesk.summary.published").data["on_time"] is on_time


def test_publishing_still_requires_approval(office):
    summary = sent(office)
    with pytest.raises(Conflict) as err:
        sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    assert err.value.code == "not_approved"
    assert duty_row(office).met_at is None


# --- the approval chain ------------------------------------------------------------------------


def test_the_chain_is_seeded_from_rc10_one_step_the_office_manager(office):
    steps = approvals.chain_steps(office.community, SUMMARY)
    assert [(s.role, s.limit_hours) for s in steps] == [("office_manager", 48)]


def test_the_manager_approves_on_the_summary_page(client, office):
    summary = sent(office)
    approval = approvals.current_approval(summary, SUMMARY)
    assert list(approvals.waiting_for(office.manager)) == list(approval.decisions.all())
    assert Notification.objects.filter(user=office.manager, title="待您审批：月度投诉汇总").exists()
    assert 'id="approval-form"' not in page(client, office.supervisor).content.decode()
    url = reverse("servicedesk:summaries") + "?month=2026-10"
    assert 'id="approval-form"' in page(client, office.manager).content.decode()
    with clock.frozen(at(2026, 11, 3, 9, 30)):
        response = client.post(
            reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve", "comment": "", "next": url}
        )
    assert response.status_code == 302 and response["Location"] == url
    approval.refresh_from_db()
    summary.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED
    assert (summary.approved_at, summary.approved_by) == (at(2026, 11, 3, 9, 30), office.manager)
    assert Notification.objects.filter(user=office.supervisor, title__startswith="2026年10月投诉汇总已批准").exists()
    html = page(client, office.supervisor).content.decode()
    assert "已批准，待公布" in html and reverse("servicedesk:summary_publish", args=["2026-10"]) in html


def test_returned_with_a_comment_is_re_prepared_and_sent_again(client, office):
    summary = sent(office)
    first = approvals.current_approval(summary, SUMMARY)
    with pytest.raises(ServiceError) as err:  # a return says what to change
        approvals.approval_decide(approval=first, actor=office.manager, outcome="return", comment=" ")
    assert err.value.field == "comment"
    approvals.approval_decide(approval=first, actor=office.manager, outcome="return", comment="说明写得更具体些")
    summary.refresh_from_db()
    assert summary.approved_at is None
    note = Notification.objects.get(user=office.supervisor, title__startswith="2026年10月投诉汇总被退回")
    assert "说明写得更具体些" in note.title and "community=" in note.url
    html = page(client, office.supervisor).content.decode()
    assert 'id="summary-prepare"' in html and "说明写得更具体些" in html and "已退回，待重新编制" in html

    response = client.post(
        reverse("servicedesk:summary_prepare", args=["2026-10"]), {"explanation": "", "action": "submit"}
    )
    assert response.status_code == 302
    second = approvals.current_approval(summary, SUMMARY)
    assert second.pk != first.pk and second.status == ApprovalStatus.IN_PROGRESS
    assert ActivityLog.objects.filter(verb="servicedesk.summary.submitted").latest("id").data["again"] is True
    with pytest.raises(Conflict):  # with the manager again: not re-prepared meanwhile
        sd.complaint_summary_prepare(community=office.community, month=OCT, actor=office.supervisor)


def test_a_manager_of_another_community_cannot_decide(client, office):
    other = Office()
    summary = sent(office)
    approval = approvals.current_approval(summary, SUMMARY)
    with pytest.raises(Forbidden):
        approvals.approval_decide(approval=approval, actor=other.manager, outcome="approve")
    assert not approvals.waiting_for(other.manager).exists()
    client.force_login(other.manager)
    response = client.post(reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve"})
    assert response.status_code == 404
    approval.refresh_from_db()
    summary.refresh_from_db()
    assert approval.status == ApprovalStatus.IN_PROGRESS and summary.approved_at is None
    assert client.get(approvals.kind_of(SUMMARY).url(summary)).status_code == 404


def test_the_old_approve_url_is_gone():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("servicedesk:summary_approve", args=["2026-10"])


# --- the old first-complaint clocks become the duty's ------------------------------------------


def test_migration_turns_old_first_complaint_clocks_into_the_duty(office):
    migration = importlib.import_module("guanjia.servicedesk.migrations.0006_rc10_summary_duty")
    community_type = ContentType.objects.get_for_model(Community)
    common = {"community": office.community, "rule": "RC-10", "subject_type": community_type}
    old = Deadline.objects.create(
        **common,
        subject_id=str(office.community.pk),
        title="2026年9月月度投诉汇总公布",
        starts_at=at(2026, 9, 1, 0, 0),
        due_at=at(2026, 10, 6, 0, 0),
        met_at=at(2026, 10, 7, 9, 0),  # published late: kept late
    )
    twin = Deadline.objects.create(  # the due day changed in September: the old code opened a second
        **common,
        subject_id=str(office.community.pk),
        title="2026年9月月度投诉汇总公布",
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
        at(2026, 10, 7, 9),
    )
    assert Deadline.objects.with_state().get(pk=old.pk).state == DeadlineState.LATE
    assert twin.duty == "" and twin.cancelled_at is not None
    with clock.frozen(at(2026, 10, 2, 9, 0)):
        assert duties.duties_open([office.community], keys=[SUMMARY]) == 2  # July and August, not September again
    assert Deadline.objects.filter(duty=SUMMARY, period="2026-09").get() == old
