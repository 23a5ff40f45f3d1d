"""Visits' part of the demo (engagement.demo_visits): each ended month the calendar owes has its visits
and its VS-5 summary, sent by the 5th and approved by the director; this month's visits are under way."""

import datetime as dt

import pytest

from guanjia.core import approvals, clock
from guanjia.core.approval_models import ApprovalStatus
from guanjia.core.demo import build_demo
from guanjia.core.models import Community
from guanjia.core.periods import Period
from guanjia.engagement import demo_visits, services, visit_reports
from guanjia.engagement.models import Visit

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def _build(now):
    with clock.frozen(now):
        build_demo(scale=0.05, seed=7)
    return Community.objects.get(code="jinxiu")


def test_past_months_have_their_visits_and_an_approved_summary(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    now = dt.datetime(2026, 11, 20, 18, 0, tzinfo=SH)
    community = _build(now)
    for key in ("2026-08", "2026-09", "2026-10"):
        month = Period.parse(key)
        start, end = month.bounds()
        visits = Visit.objects.filter(community=community, visited_at__gte=start, visited_at__lt=end)
        assert visits.count() == demo_visits.VISITS_PER_MONTH, key
        summary = visit_reports.summary_of(community, month)
        assert summary.submitted_at < month.due_on_day(5) and summary.submitted_by.username == "jinxiu_cs"
        assert str(demo_visits.VISITS_PER_MONTH) in summary.text
        approval = approvals.current_approval(summary, services.SUMMARY)
        assert approval.status == ApprovalStatus.APPROVED
        assert approval.decisions.get().decided_by.username == "jinxiu_manager"
    start, _end = Period.parse("2026-11").bounds()
    assert Visit.objects.filter(community=community, visited_at__gte=start).exists()  # this month's


def test_before_the_5th_last_months_summary_is_sent_and_waits_for_the_director(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    now = dt.datetime(2026, 12, 2, 18, 0, tzinfo=SH)
    community = _build(now)
    summary = visit_reports.summary_of(community, Period.parse("2026-11"))
    assert summary.submitted_at is not None  # sent on the 2nd at 10:00
    assert approvals.current_approval(summary, services.SUMMARY).status == ApprovalStatus.IN_PROGRESS
    assert visit_reports.summary_duty(community, Period.parse("2026-11"), now=now).state == "met"
