"""The demo carries out what an office would have done by its present: no occurrence of any registered
recurring duty (core.duties) before the demo's now is overdue, only each duty's latest period may be
open, and no approval step is left past its time. Whatever parts and duties the apps register."""

import datetime as dt
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from guanjia.core import clock, duties
from guanjia.core.approval_models import Approval, ApprovalDecision, ApprovalStatus
from guanjia.core.models import Community, Deadline

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build(now: dt.datetime) -> list[Community]:
    with clock.frozen(now):
        call_command("demo", "--scale", "0.05", stdout=io.StringIO())
        communities = list(Community.objects.all())
        duties.duties_open(communities, now=now)  # what 到期事项 opens when it is first read
    return communities


@pytest.mark.parametrize(
    ("now", "settled"),
    [
        (dt.datetime(2026, 11, 20, 18, 0, tzinfo=SH), True),  # mid-month: every ended month's paperwork done
        (dt.datetime(2026, 12, 2, 18, 0, tzinfo=SH), False),  # before the 5th: last month's on its way
    ],
)
def test_no_duty_of_a_past_period_is_left_overdue(fast_hasher, now, settled):
    communities = build(now)
    rows = Deadline.objects.with_state(now).exclude(duty="")
    overdue = rows.filter(state="overdue")
    assert not overdue.exists(), list(overdue.values_list("title", flat=True))
    for duty in duties.registered():
        latest = duty.occurrence_period(now)
        for community in communities:
            if duty.applies is not None and not duty.applies(community):
                continue
            owed = rows.filter(duty=duty.key, community=community)
            assert {p.key for p in duty.owed_periods(now)} <= set(owed.values_list("period", flat=True)), duty.key
            still_open = set(owed.filter(met_at__isnull=True).values_list("period", flat=True))
            assert still_open <= {latest.key}, (duty.key, community.code, still_open)
    steps = Deadline.objects.with_state(now).filter(subject_type=ContentType.objects.get_for_model(ApprovalDecision))
    assert not steps.filter(state="overdue").exists()
    if settled:  # each ended month met on time, every approval through its chain
        assert set(rows.values_list("state", flat=True)) == {"met"}
        # the month's paperwork is through its chains; the fee office's demo leaves a refund and a
        # voided receipt waiting for the manager on purpose (待我审批), within their limits (above)
        assert not Approval.objects.filter(status=ApprovalStatus.IN_PROGRESS).exclude(kind__startswith="FE-").exists()
        assert Approval.objects.filter(status=ApprovalStatus.APPROVED).values("kind").distinct().count() >= 3
    else:  # the month just ended is still open somewhere: the demo shows work under way
        assert rows.filter(state="open").exists()
