"""Written rectification notices 整改通知书 (QA-2): issued for a registered kind of finding — RC-5's
unsatisfied repair callback, and a toy finding addressed to a contractor — with their clocks, closed
with the result, and what the finding's app does then (RC-4: the household is called back again)."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from guanjia.core import clock, workdays
from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline, DeadlineState
from guanjia.core.policies import policy_set
from guanjia.core.tests.assertions import assert_transition
from guanjia.estates.models import Room
from guanjia.quality import registry
from guanjia.quality import services as quality
from guanjia.quality.choices import NoticeStatus, RecipientKind
from guanjia.quality.models import RectificationNotice
from guanjia.servicedesk.models import Callback, Ticket

from .factories import NOW, SOURCE, Office, at, done_repair, issue, unsatisfied

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


def issue_clock(callback):
    return Deadline.objects.get(
        subject_type=ContentType.objects.get_for_model(Ticket), subject_id=str(callback.ticket_id), rule="RC-5.issue"
    )


class TestRC5:
    def test_the_notice_goes_to_the_technician_within_the_24_hours_and_runs_its_own_clock(self, office):
        with clock.frozen(NOW):
            callback = unsatisfied(office)
        assert issue_clock(callback).due_at == NOW + dt.timedelta(hours=24)  # RC-5.hours, opened by the callback
        with clock.frozen(NOW + dt.timedelta(hours=3)):
            notice = issue(office, callback, requirement="重做防水")
        assert (notice.source, notice.subject, notice.household_id) == (SOURCE, callback, office.room.pk)
        assert (notice.recipient_kind, notice.recipient, notice.problem) == ("staff", office.technician, "墙角仍有水迹")
        assert notice.status == NoticeStatus.ISSUED and notice.number.startswith("ZG-")
        met = issue_clock(callback)
        assert met.met_at == notice.issued_at and met.met_by == office.supervisor
        [fix] = deadlines_of(notice)
        assert (fix.rule, fix.owner, fix.household_id) == ("RC-5.fix", office.technician, office.room.pk)
        assert workdays.deadline_text(fix.due_at) == "2026-11-21 24:00"  # RC-5.fix_days: 3 days
        entry = ActivityLog.objects.get(verb="quality.notice.issued")
        assert entry.subject == notice and entry.household_id == office.room.pk
        assert entry.summary == f"下达整改通知书 {notice.number}，限 2026-11-21 24:00 前整改"
        note = office.technician.notifications.get(title=f"整改通知书 {notice.number}")
        assert note.url == notice.get_absolute_url() and "2026-11-21 24:00" in note.body

    def test_another_date_for_the_fix_and_the_house_period_from_the_policy(self, office):
        policy_set(community=office.community, key="RC-5.fix_days", raw_value="5", actor=office.manager)
        with clock.frozen(NOW):
            by_policy = issue(office)
            with pytest.raises(ServiceError) as error:
                issue(office, fix_due=dt.date(2026, 11, 17))
            assert error.value.field == "fix_due" and "不能早于今天" in str(error.value)
            by_hand = issue(office, fix_due=dt.date(2026, 11, 30))
        assert workdays.deadline_text(by_policy.due_at) == "2026-11-23 24:00"
        assert workdays.deadline_text(by_hand.due_at) == "2026-11-30 24:00"

    def test_refused_unless_a_repairs_unsatisfied_callback_by_a_checker_and_only_once(self, office):
        with clock.frozen(NOW):
            satisfied = done_repair(office)
            with pytest.raises(ServiceError, match="只有维修回访不满意时"):
                issue(office, satisfied)
            callback = unsatisfied(office)
            with pytest.raises(Forbidden):  # RC-5 is issued by those who check repairs, never the technician
                quality.notice_issue(source=SOURCE, subject=callback, actor=office.technician)
            notice = issue(office, callback)
            with pytest.raises(Conflict):
                issue(office, callback)
        assert RectificationNotice.objects.get() == notice
        assert not Callback.objects.filter(rectification_notices__isnull=True, satisfied=False).exists()

    def test_closing_stops_the_clock_and_calls_the_household_back(self, office):
        with clock.frozen(NOW):
            notice = issue(office)
        with (
            clock.frozen(NOW + dt.timedelta(days=1)),
            assert_transition(
                notice,
                state=NoticeStatus.CLOSED,
                verb="quality.notice.closed",
                actor=office.technician,
                deadline=[
                    {"rule": "RC-5.fix", "state": DeadlineState.MET, "met_by": office.technician},
                    {"rule": "RC-4", "subject": Callback, "state": DeadlineState.OPEN},  # RC-4 again
                ],
                notification=None,
            ),
        ):
            quality.notice_close(notice=notice, actor=office.technician, result="重做防水，已不渗水")
        assert notice.closed_by == office.technician and notice.result == "重做防水，已不渗水"
        assert Callback.objects.filter(ticket=notice.subject.ticket, done_at__isnull=True).count() == 1
        with pytest.raises(Conflict, match="已完成"):
            quality.notice_close(notice=notice, actor=office.technician, result="again")

    def test_closing_needs_the_result_and_the_permission(self, office):
        with clock.frozen(NOW):
            notice = issue(office)
            with pytest.raises(ServiceError) as error:
                quality.notice_close(notice=notice, actor=office.supervisor, result=" ")
            assert error.value.field == "result" and "请填写整改结果" in str(error.value)
            with pytest.raises(Forbidden):  # the front desk does not answer for repair work
                quality.notice_close(notice=notice, actor=office.desk, result="已整改")
        notice.refresh_from_db()
        assert notice.status == NoticeStatus.ISSUED and notice.closed_at is None

    def test_another_communitys_callback_cannot_be_named(self, office):
        other = Office()
        with clock.frozen(NOW):
            callback = unsatisfied(office)
            with pytest.raises(Forbidden):
                quality.notice_issue(source=SOURCE, subject=callback, actor=other.supervisor)


# --- A finding of another kind, to a contractor ---------------------------------------------------


@pytest.fixture
def toy_source():
    """A kind of finding no app registers yet (a move-in defect, MI-4): the room itself stands for it."""
    closed = []
    source = registry.notice_source(
        registry.NoticeSource(
            key="TOY.defect",
            rule="MI-4",
            label="验房发现的问题",
            model="estates.Room",
            issue_permission="quality.analyse",
            check=lambda room, actor: None,
            recipient=lambda room: None,
            problem=lambda room: f"{room.code} 墙面空鼓",
            household=lambda room: room,
            fix_days_policy="RC-5.fix_days",
            fix_rule="MI-4.fix",
            subject_link=lambda room: (room.code, ""),
            facts=lambda room: [("房屋", room.code)],
            on_closed=lambda notice, actor, at: closed.append((notice.pk, at)),
            owner_role="cs_supervisor",
        )
    )
    yield source, closed
    registry.unregister(source.key)


def test_a_notice_to_a_contractor_for_a_finding_of_another_kind(office, toy_source):
    source, closed = toy_source
    with clock.frozen(NOW):
        with pytest.raises(ServiceError) as error:
            quality.notice_issue(source=source.key, subject=office.room, actor=office.manager)
        assert error.value.field == "recipient_name"
        notice = quality.notice_issue(
            source=source.key,
            subject=office.room,
            actor=office.manager,
            recipient_kind=RecipientKind.CONTRACTOR,
            recipient_name="某某建筑工程有限公司",
        )
    assert notice.recipient is None and notice.recipient_label == "某某建筑工程有限公司"
    assert notice.problem == f"{office.room.code} 墙面空鼓" and notice.subject == Room.objects.get(pk=office.room.pk)
    [fix] = deadlines_of(notice)
    assert (fix.rule, fix.owner, fix.owner_role) == ("MI-4.fix", None, "cs_supervisor")  # followed up by the office
    with clock.frozen(NOW + dt.timedelta(days=2)):
        quality.notice_close(notice=notice, actor=office.supervisor, result="已返修")
    assert closed == [(notice.pk, NOW + dt.timedelta(days=2))]


def test_an_unregistered_source_is_a_programming_error(office):
    with pytest.raises(KeyError, match="register it"):
        quality.notice_issue(source="NOPE", subject=office.room, actor=office.manager)


def test_the_fix_clock_is_read_from_the_clock_not_stored(office):
    with clock.frozen(at(2026, 11, 18, 10, 0)):
        notice = issue(office)
    with clock.frozen(at(2026, 11, 22, 0, 1)):
        assert deadlines_of(notice).get().state == DeadlineState.OVERDUE
        assert RectificationNotice.objects.filter(status=NoticeStatus.ISSUED, due_at__lt=clock.now()).exists()
