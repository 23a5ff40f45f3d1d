"""The register's part of the demo (estates.demo_lists): every ended month's lists sent, approved by the
office manager (PR-4) and signed for by the archivist (AR-2) when an office would have done it."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from guanjia.core import approvals, clock
from guanjia.core.approval_models import ApprovalStatus
from guanjia.core.demo import build_demo
from guanjia.core.models import ActivityLog, Community
from guanjia.core.periods import Period
from guanjia.estates import demo_lists, monthly_lists
from guanjia.estates.choices import ListsReview

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=SH)
MONTHS = [Period.parse(key) for key in ("2026-08", "2026-09", "2026-10")]  # what the calendar owes by NOW


@pytest.fixture
def community(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with clock.frozen(NOW):
        build_demo(scale=0.05, seed=7)
    return Community.objects.get(code="cuiyuan")


def test_each_ended_month_is_approved_and_received_on_time(community):
    for month in monthly_lists.months_overview(community, MONTHS, now=NOW):
        assert month.review == ListsReview.APPROVED, month.key
        assert month.property_review.reviewed_by.username == "cuiyuan_manager"
        assert month.received and month.handover.met_at <= month.handover.due_at, month.key
        assert month.handover.met_by.username == "cuiyuan_archivist"
        assert month.review_duty.met_at <= month.review_duty.due_at
    received = ActivityLog.objects.filter(verb="estates.lists.received", community=community)
    assert sorted(e.data["month"] for e in received) == [m.key for m in MONTHS]
    assert all(e.data["lists_approved"] and e.data["on_time"] for e in received)


def test_the_oldest_month_went_round_twice_and_its_panel_shows_the_last_round(community, client):
    lists = monthly_lists.month_lists(community, MONTHS[0], now=NOW).lists
    rounds = list(approvals.approvals_of(lists, monthly_lists.REVIEW).order_by("started_at"))
    assert [r.status for r in rounds] == [ApprovalStatus.RETURNED, ApprovalStatus.APPROVED]
    assert rounds[0].decisions.get().comment == demo_lists.RETURN_COMMENT
    client.force_login(get_user_model().objects.get(username="cuiyuan_manager"))
    with clock.frozen(NOW):
        page = client.get(reverse("estates:lists"), {"month": MONTHS[0].key}).content.decode()
    assert "已批准" in page and demo_lists.RETURN_COMMENT not in page
    later = monthly_lists.month_lists(community, MONTHS[1], now=NOW).lists
    assert approvals.approvals_of(later, monthly_lists.REVIEW).count() == 1
