"""The service desk's rules, each test citing its rule ID (RC-1 … RC-11)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from guanjia.core import approvals, clock, duties
from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog, Deadline, DeadlineState, Notification
from guanjia.core.policies import policy_set
from guanjia.quality import services as quality
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind, Status
from guanjia.servicedesk.models import Callback
from guanjia.servicedesk.services.rectifications import SOURCE

from .factories import Office, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


def repair(office, category="leakage", when=None, **kw):
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.REPAIR,
        channel="window",
        category=category,
        room=office.room,
        reporter=office.owner,
        description="卫生间天花板渗水",
        received_at=when or at(2026, 11, 18, 10, 0),
        **kw,
    )


def complaint(office, severity="general", when=None):
    return sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.COMPLAINT,
        channel="phone",
        topic="cleaning",
        severity=severity,
        room=office.room,
        description="楼道垃圾两天没人清理",
        received_at=when or at(2026, 11, 18, 10, 0),
    )


def deadline(subject, rule):
    return deadlines_of(subject).get(rule=rule)


def run_repair(office, ticket, done=None):
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    sd.ticket_arrive(ticket=ticket, actor=office.technician, at=ticket.clock_starts_at + dt.timedelta(hours=1))
    sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="更换防水层", at=done)
    sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True, at=done)
    return Callback.objects.get(ticket=ticket, done_at__isnull=True)


class TestIntake:
    def test_ticket_numbered_logged_and_reporter_filled(self, office):
        ticket = repair(office)
        assert ticket.number.startswith("GD-")
        assert ticket.reporter_name == office.owner.name
        assert ticket.status == Status.RECEIVED
        assert ActivityLog.objects.filter(verb="servicedesk.ticket.received", household_id=office.room.pk).exists()

    def test_repair_needs_category_and_complaint_a_topic(self, office):
        with pytest.raises(ServiceError) as err:
            repair(office, category="")
        assert err.value.field == "category"
        with pytest.raises(ServiceError) as err:
            sd.ticket_create(
                community=office.community, actor=office.desk, kind="complaint", channel="phone", description="x"
            )
        assert err.value.field == "topic"

    def test_rc2_outside_hours_the_clock_waits_for_opening(self, office):
        late = repair(office, category="other", when=at(2026, 11, 18, 22, 30))  # Wednesday after 21:00
        assert late.clock_starts_at == at(2026, 11, 19, 9, 0)
        assert deadline(late, "RC-8.response").due_at == at(2026, 11, 19, 11, 0)
        saturday = repair(office, category="other", when=at(2026, 11, 21, 17, 30))  # weekend closes at 17:00
        assert saturday.clock_starts_at == at(2026, 11, 22, 9, 0)

    @pytest.mark.parametrize("category", ["utilities", "emergency"])
    def test_rc2_rc8_water_power_lift_and_emergencies_start_at_once_out_of_hours(self, office, category):
        # RC-8: water, power and lift faults are repaired on report (随报随修); RC-2: emergencies 24 h.
        night = repair(office, category=category, when=at(2026, 11, 18, 22, 30))  # Wednesday after 21:00
        assert night.clock_starts_at == at(2026, 11, 18, 22, 30)
        assert deadline(night, "RC-8.response").due_at == at(2026, 11, 19, 0, 30)
        sunday = repair(office, category=category, when=at(2026, 11, 22, 7, 0))  # before the weekend opening
        assert sunday.clock_starts_at == at(2026, 11, 22, 7, 0)

    def test_rc2_emergencies_start_at_once(self, office):
        night = repair(office, category="emergency", when=at(2026, 11, 18, 2, 0))
        assert night.clock_starts_at == at(2026, 11, 18, 2, 0)
        assert deadline(night, "RC-8.response").due_at == at(2026, 11, 18, 4, 0)

    def test_rc2_national_day_holiday_keeps_weekend_hours(self, office):
        # 2026-10-01 is a holiday (weekend hours 9:00–17:00); 2026-10-10 is a make-up workday (weekday hours).
        holiday = repair(office, category="other", when=at(2026, 10, 1, 18, 0))
        assert holiday.clock_starts_at == at(2026, 10, 2, 9, 0)
        makeup = repair(office, category="other", when=at(2026, 10, 10, 18, 0))
        assert makeup.clock_starts_at == at(2026, 10, 10, 18, 0)

    def test_reception_hours_are_policy(self, office):
        policy_set(community=office.community, key="RC-2.weekday_close", raw_value="23:00", actor=office.manager)
        ticket = repair(office, category="other", when=at(2026, 11, 18, 22, 30))
        assert ticket.clock_starts_at == at(2026, 11, 18, 22, 30)


class TestRepairs:
    def test_rc8_response_met_on_arrival(self, office):
        ticket = repair(office, category="utilities")
        sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
        d = deadline(ticket, "RC-8.response")
        assert d.owner == office.technician
        assert Notification.objects.filter(user=office.technician).exists()
        sd.ticket_arrive(ticket=ticket, actor=office.technician, at=at(2026, 11, 18, 11, 30))
        d.refresh_from_db()
        assert d.state_at() == DeadlineState.MET

    def test_rc8_response_late(self, office):
        ticket = repair(office, category="utilities")
        sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
        sd.ticket_arrive(ticket=ticket, actor=office.technician, at=at(2026, 11, 18, 12, 30))
        assert deadline(ticket, "RC-8.response").state_at() == DeadlineState.LATE

    def test_rc8_civil_works_within_three_days(self, office):
        ticket = repair(office, category="civil", when=at(2026, 11, 18, 10, 0))
        assert deadline(ticket, "RC-8.civil").due_at == at(2026, 11, 22, 0, 0)  # 24:00 on 21 November

    def test_dispatch_twice_to_same_technician_refused(self, office):
        ticket = repair(office)
        sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
        with pytest.raises(ServiceError, match="不能重复派单"):
            sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)

    def test_only_technicians_take_dispatches_and_only_dispatchers_dispatch(self, office):
        ticket = repair(office)
        with pytest.raises(ServiceError) as err:
            sd.ticket_dispatch(ticket=ticket, technician=office.desk, actor=office.desk)
        assert err.value.field == "technician"
        with pytest.raises(ServiceError) as err:
            sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.technician)
        assert err.value.status == 403

    def test_failed_check_reopens_and_counts_against_pass_rate(self, office):
        ticket = repair(office)
        sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
        sd.ticket_arrive(ticket=ticket, actor=office.technician)
        sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="打胶")
        sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=False, note="仍渗水")
        assert (ticket.status, ticket.reopen_count, ticket.check_passed) == (Status.DISPATCHED, 1, False)
        sd.ticket_arrive(ticket=ticket, actor=office.technician)
        sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="重做防水")
        sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True)
        ticket.refresh_from_db()
        assert ticket.status == Status.CALLBACK
        assert ticket.check_passed is False  # the first check decides the pass rate (RC-8)

    def test_cancel_stops_the_clocks(self, office):
        ticket = repair(office, category="civil")
        sd.ticket_cancel(ticket=ticket, actor=office.desk, reason="业主自行修好")
        states = {d.rule: d.state for d in deadlines_of(ticket)}
        assert states == {"RC-8.response": DeadlineState.CANCELLED, "RC-8.civil": DeadlineState.CANCELLED}


class TestCallbacks:
    @pytest.mark.parametrize(
        ("category", "due"),
        [
            ("safety", at(2026, 11, 21, 0, 0)),  # RC-4: 2 days → 24:00 on 20 November
            ("leakage", at(2026, 11, 22, 0, 0)),  # RC-4: 3 days
            ("other", at(2026, 11, 26, 0, 0)),  # RC-4: one week
        ],
    )
    def test_rc4_callback_due_by_category(self, office, category, due):
        ticket = repair(office, category=category)
        callback = run_repair(office, ticket, done=at(2026, 11, 18, 15, 0))
        assert callback.due_at == due
        assert deadline(callback, "RC-4").due_at == due

    def test_rc4_satisfied_callback_closes_ticket(self, office):
        ticket = repair(office)
        callback = run_repair(office, ticket)
        sd.callback_record(callback=callback, actor=office.supervisor, method="phone", satisfied=True)
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        assert deadline(callback, "RC-4").met_at is not None

    def test_rc4_callback_counts_from_completion_not_from_the_check(self, office):
        # RC-4: leakage called back within 3 days of the repair's completion. Completed Wednesday 18 Nov,
        # checked only on Friday 20 Nov: the callback is still due 24:00 on Saturday 21 Nov, not 23 Nov.
        ticket = repair(office, category="leakage")
        sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
        sd.ticket_arrive(ticket=ticket, actor=office.technician, at=at(2026, 11, 18, 11, 0))
        sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="更换防水层", at=at(2026, 11, 18, 15, 0))
        sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True, at=at(2026, 11, 20, 9, 0))
        callback = Callback.objects.get(ticket=ticket)
        assert callback.due_at == at(2026, 11, 22, 0, 0)  # 21 November 24:00
        clock_ = deadline(callback, "RC-4")
        assert (clock_.starts_at, clock_.due_at) == (at(2026, 11, 18, 15, 0), at(2026, 11, 22, 0, 0))

    def test_rc4_after_a_failed_check_the_callback_counts_from_the_final_completion(self, office):
        ticket = repair(office, category="safety")  # RC-4: 2 days
        sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
        sd.ticket_arrive(ticket=ticket, actor=office.technician, at=at(2026, 11, 18, 11, 0))
        sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="修门禁", at=at(2026, 11, 18, 12, 0))
        sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=False, note="仍失灵", at=at(2026, 11, 18, 13, 0))
        sd.ticket_arrive(ticket=ticket, actor=office.technician, at=at(2026, 11, 19, 9, 0))
        sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="换读卡器", at=at(2026, 11, 19, 10, 0))
        sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True, at=at(2026, 11, 20, 16, 0))
        assert Callback.objects.get(ticket=ticket).due_at == at(2026, 11, 22, 0, 0)  # 19 Nov + 2 days, 24:00

    def test_rc5_unsatisfied_callback_owes_a_written_notice_within_24_hours(self, office):
        ticket = repair(office)
        callback = run_repair(office, ticket, done=at(2026, 11, 18, 15, 0))
        with pytest.raises(ServiceError) as err:
            sd.callback_record(callback=callback, actor=office.supervisor, method="phone", satisfied=False)
        assert err.value.field == "remarks"
        sd.callback_record(
            callback=callback,
            actor=office.supervisor,
            method="visit",
            satisfied=False,
            remarks="墙面仍潮湿",
            at=at(2026, 11, 20, 10, 0),
        )
        # RC-5: the callback opens the 24-hour clock of the written notice; no notice exists yet.
        assert not callback.rectification_notices.exists()
        issue = deadline(ticket, "RC-5.issue")
        assert (issue.starts_at, issue.due_at, issue.met_at) == (at(2026, 11, 20, 10, 0), at(2026, 11, 21, 10, 0), None)
        assert issue.owner_role == "cs_supervisor"
        assert Notification.objects.filter(user=office.supervisor, title__contains="请下达整改通知书").exists()
        assert sd.awaiting_notice(callback)

    def test_rc5_issuing_meets_the_24_hours_and_opens_the_fix_period(self, office):
        ticket = repair(office)
        callback = run_repair(office, ticket, done=at(2026, 11, 18, 15, 0))
        sd.callback_record(
            callback=callback, actor=office.supervisor, method="visit", satisfied=False, remarks="墙面仍潮湿"
        )
        with pytest.raises(ServiceError) as err:  # the technician does not issue notices (RC-5)
            notice_issue(callback, office.technician)
        assert err.value.status == 403
        with clock.frozen(at(2026, 11, 20, 16, 0)):
            notice = notice_issue(callback, office.supervisor)
        assert notice.number.startswith("ZG-") and notice.recipient == office.technician
        assert notice.problem == "墙面仍潮湿" and notice.issued_at == at(2026, 11, 20, 16, 0)
        # RC-5.fix_days (3): the fix is due 24:00 on 23 November, not 24 hours after issue.
        assert notice.due_at == at(2026, 11, 24, 0, 0)
        assert deadline(ticket, "RC-5.issue").met_at == notice.issued_at
        fix = deadline(notice, "RC-5.fix")
        assert (fix.due_at, fix.owner) == (notice.due_at, office.technician)
        assert ActivityLog.objects.filter(verb="quality.notice.issued", subject_id=str(notice.pk)).exists()
        assert Notification.objects.filter(user=office.technician, title__contains=notice.number).exists()
        with pytest.raises(ServiceError, match="已下达"):
            notice_issue(callback, office.supervisor)
        with clock.frozen(at(2026, 11, 22, 9, 0)):
            quality.notice_close(notice=notice, actor=office.technician, result="重新做防水")
        assert deadline(notice, "RC-5.fix").state_at() == DeadlineState.MET
        again = Callback.objects.get(ticket=ticket, done_at__isnull=True)  # called back again (RC-4)
        assert again.due_at == at(2026, 11, 26, 0, 0)  # leakage: 3 days from the fix, 25 Nov 24:00

    def test_rc5_the_issuer_sets_another_fix_date_and_the_period_is_a_policy(self, office):
        policy_set(community=office.community, key="RC-5.fix_days", raw_value="5", actor=office.manager)
        first = run_repair(office, repair(office), done=at(2026, 11, 18, 15, 0))
        second = run_repair(office, repair(office), done=at(2026, 11, 18, 15, 0))
        for callback in (first, second):
            sd.callback_record(
                callback=callback, actor=office.supervisor, method="phone", satisfied=False, remarks="漏"
            )
        with clock.frozen(at(2026, 11, 20, 16, 0)):
            by_policy = notice_issue(first, office.manager)
            with pytest.raises(ServiceError) as err:
                notice_issue(second, office.manager, fix_due=dt.date(2026, 11, 19))
            by_hand = notice_issue(second, office.manager, fix_due=dt.date(2026, 11, 21))
        assert err.value.field == "fix_due"  # a past date is refused, nothing issued
        assert by_policy.due_at == at(2026, 11, 26, 0, 0)  # 5 days: 25 Nov 24:00
        assert by_hand.due_at == at(2026, 11, 22, 0, 0)  # 21 Nov 24:00, as the manager wrote
        assert deadline(by_hand, "RC-5.fix").due_at == by_hand.due_at

    def test_rc5_a_notice_issued_late_is_met_late(self, office):
        ticket = repair(office)
        callback = run_repair(office, ticket, done=at(2026, 11, 18, 15, 0))
        sd.callback_record(
            callback=callback,
            actor=office.supervisor,
            method="phone",
            satisfied=False,
            remarks="仍漏",
            at=at(2026, 11, 20, 10, 0),
        )
        with clock.frozen(at(2026, 11, 21, 10, 30)):  # 24 h 30 min after the callback
            notice_issue(callback, office.supervisor)
        assert deadline(ticket, "RC-5.issue").state_at() == DeadlineState.LATE

    def test_rc9_special_services_sampled(self, office):
        policy_set(community=office.community, key="RC-9.special_callback_pct", raw_value="0", actor=office.manager)
        ticket = repair(office, category="other", paid=True)
        sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
        sd.ticket_arrive(ticket=ticket, actor=office.technician)
        sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="疏通下水", charge=50)
        sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True)
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        assert Callback.objects.get(ticket=ticket).skipped


class TestComplaints:
    def test_rc3_reply_within_72_hours(self, office):
        ticket = complaint(office, when=at(2026, 11, 20, 23, 0))  # complaints are taken 24 h (RC-3)
        d = deadline(ticket, "RC-3")
        assert d.due_at == at(2026, 11, 23, 23, 0)
        assert d.owner_role == "cs_supervisor"

    def test_rc11_reply_needs_a_verdict_then_rc9_callback(self, office):
        ticket = complaint(office)
        with pytest.raises(ServiceError) as err:
            sd.ticket_reply(ticket=ticket, actor=office.supervisor, reply="已安排保洁")
        assert err.value.field == "valid"
        sd.ticket_reply(ticket=ticket, actor=office.supervisor, reply="已安排保洁加密清理", valid=True)
        assert ticket.status == Status.CALLBACK
        assert deadline(ticket, "RC-3").state_at() in (DeadlineState.MET, DeadlineState.LATE)
        assert Callback.objects.filter(ticket=ticket).count() == 1  # RC-9: 100% callback

    def test_rc7_major_complaint_goes_to_the_manager_at_once(self, office):
        ticket = complaint(office, severity="major")
        assert Notification.objects.filter(user=office.manager, title__contains=ticket.number).exists()
        assert deadline(ticket, "RC-3").owner_role == "office_manager"
        sd.ticket_reply(ticket=ticket, actor=office.manager, reply="经理上门致歉并整改", valid=True)
        callback = Callback.objects.get(ticket=ticket)
        with pytest.raises(ServiceError, match="RC-9"):
            sd.callback_record(callback=callback, actor=office.supervisor, method="phone", satisfied=True)
        sd.callback_record(callback=callback, actor=office.manager, method="visit", satisfied=True)

    def test_unsatisfied_complaint_callback_reopens_with_a_new_reply_clock(self, office):
        ticket = complaint(office)
        sd.ticket_reply(ticket=ticket, actor=office.supervisor, reply="无效投诉说明", valid=False)
        callback = Callback.objects.get(ticket=ticket)
        sd.callback_record(
            callback=callback, actor=office.supervisor, method="phone", satisfied=False, remarks="不认可"
        )
        ticket.refresh_from_db()
        assert (ticket.status, ticket.reopen_count) == (Status.RECEIVED, 1)
        assert deadlines_of(ticket).filter(rule="RC-3", met_at__isnull=True).count() == 1

    def test_escalate(self, office):
        ticket = complaint(office)
        sd.ticket_escalate(ticket=ticket, actor=office.supervisor)
        assert deadline(ticket, "RC-3").owner_role == "office_manager"
        with pytest.raises(ServiceError, match="已是重大投诉"):
            sd.ticket_escalate(ticket=ticket, actor=office.supervisor)


class TestPortalAndLog:
    def test_owner_reports_only_for_own_home(self, office):
        owner_user = get_user_model().objects.create_user("owner1", password="pw-123456")
        office.owner.user = owner_user
        office.owner.save()
        ticket = sd.ticket_create(
            community=office.community,
            actor=owner_user,
            kind="repair",
            channel="window",
            category="leakage",
            room=office.room,
            description="厨房漏水",
        )
        assert (ticket.channel, ticket.reporter) == ("portal", office.owner)
        stranger = get_user_model().objects.create_user("stranger", password="pw-123456")
        with pytest.raises(ServiceError) as err:
            sd.ticket_create(
                community=office.community,
                actor=stranger,
                kind="repair",
                channel="portal",
                category="leakage",
                room=office.room,
                description="x",
            )
        assert err.value.status == 403

    def test_ic3_call_log_marks_outside_information(self, office):
        entry = sd.calllog_record(
            community=office.community, actor=office.desk, content="自来水公司通知明日停水", outside=True
        )
        assert ActivityLog.objects.get(verb="servicedesk.call.recorded").summary.startswith("*")
        assert entry.outside


def test_rc10_monthly_summary_is_the_months_duty_not_opened_by_a_complaint_and_met_on_publication(office):
    complaint(office, when=at(2026, 10, 3, 10, 0))
    complaint(office, when=at(2026, 10, 20, 10, 0))
    assert not Deadline.objects.filter(community=office.community, rule="RC-10").exists()  # the calendar's
    with clock.frozen(at(2026, 11, 1, 0, 5)):
        duties.duties_open([office.community], keys=["RC-10.summary"])
    deadline = Deadline.objects.get(community=office.community, duty="RC-10.summary", period="2026-10")
    assert deadline.due_at == at(2026, 11, 6, 0, 0)  # 24:00 on 5 November
    assert deadline.owner_role == "cs_supervisor" and deadline.rule == "RC-10"
    for ticket in office.community.ticket_set.all():
        sd.ticket_reply(ticket=ticket, actor=office.supervisor, reply="已处理", valid=True)
    summary = sd.complaint_summary_prepare(
        community=office.community,
        month=dt.date(2026, 10, 1),
        actor=office.supervisor,
        explanation="两件保洁投诉已答复，待回访确认。",
    )
    sd.complaint_summary_submit(summary=summary, actor=office.supervisor)
    approvals.approval_decide(
        approval=approvals.current_approval(summary, "RC-10.summary"), actor=office.manager, outcome="approve"
    )
    sd.complaint_summary_publish(summary=summary, actor=office.supervisor)
    deadline.refresh_from_db()
    assert deadline.met_at == summary.published_at


def test_rc5_notices_issued_before_the_two_clocks_keep_their_fix_clock_under_one_name(office):
    """Migration 0005: an old notice's "RC-5" clock timed the fix, so it becomes RC-5.fix; others stay.
    (The notice model of that time, servicedesk's, is named by its content type as the migration read it.)"""
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    migration = importlib.import_module("guanjia.servicedesk.migrations.0005_rectification_fix_clock")
    callback = run_repair(office, repair(office), done=at(2026, 11, 18, 15, 0))
    sd.callback_record(callback=callback, actor=office.supervisor, method="phone", satisfied=False, remarks="漏")
    old_notice = ContentType.objects.create(app_label="servicedesk", model="rectificationnotice")
    fix = Deadline.objects.create(
        community=office.community,
        rule="RC-5",  # as a notice issued before this change
        title="整改 ZG-2026-000001",
        subject_type=old_notice,
        subject_id="1",
        starts_at=at(2026, 11, 20, 10, 0),
        due_at=at(2026, 11, 24, 0, 0),
    )
    unrelated = deadlines_of(callback.ticket).filter(rule="RC-5.issue")
    unrelated.update(rule="RC-5")
    migration.rename(apps, None)
    fix.refresh_from_db()
    assert fix.rule == "RC-5.fix"
    assert deadlines_of(callback.ticket).filter(rule="RC-5").count() == 1  # not a notice's: untouched


def notice_issue(callback, actor, **kw):
    """RC-5's written notice for `callback`, through the quality app that keeps notices."""
    return quality.notice_issue(source=SOURCE, subject=callback, actor=actor, **kw)
