"""A month's lists through the office manager's review (PR-4, the "PR-4.lists" approval chain) and
into the archivist's hands (AR-2), each a recurring duty owed whether or not anyone opened the month."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import approvals, clock, duties
from guanjia.core.approval_models import ApprovalStatus
from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.periods import Period
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.estates import monthly_lists
from guanjia.estates.models import MonthlyLists, RegisterReview
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, RoomFactory, approve_lists

pytestmark = pytest.mark.django_db

MARCH = Period.parse("2025-03")


# By the 5th: 2025-04-05 24:00, the first moment of the 6th (PR-4.review_day, AR-2.handover_day).
DUE = at(2025, 4, 6, 0, 0)
SENT, DECIDED = at(2025, 4, 2, 9, 0), at(2025, 4, 3, 15, 0)


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


@pytest.fixture
def archivist(community):
    return staff("archivist", community)


def submit(community, actor, moment=SENT):
    with clock.frozen(moment):
        return monthly_lists.lists_submit(community=community, period=MARCH, actor=actor)


def decide(approval, actor, outcome="approve", comment="", moment=DECIDED):
    with clock.frozen(moment):
        return approvals.approval_decide(approval=approval, actor=actor, outcome=outcome, comment=comment)


def occurrence(community, key, period=MARCH) -> Deadline:
    return duties.occurrence(community, key, period)  # opened if nobody has yet


# --- PR-4: the review is an approval --------------------------------------------------------


def test_sending_the_month_asks_the_office_manager_on_the_chains_clock(community, supervisor, manager):
    approval = submit(community, supervisor)
    assert approval.subject == MonthlyLists.objects.get(community=community, month=MARCH.start)
    decision = approval.decisions.get()
    assert decision.role == "office_manager" and decision.due_at == at(2025, 4, 4, 9, 0)  # 48 hours
    assert deadlines_of(decision).get().rule == "PR-4"
    assert list(approvals.waiting_for(manager)) == [decision] and not approvals.waiting_for(supervisor).exists()
    assert manager.notifications.filter(title="待您审批：月度产权清单、租赁清单审核").exists()
    assert ActivityLog.objects.filter(verb="core.approval.started", actor=supervisor).exists()


def test_approval_freezes_both_sign_offs_and_meets_the_months_pr4_duty(community, supervisor, manager):
    for _n in range(2):
        OwnershipFactory(room=RoomFactory(unit__building__community=community), since=dt.date(2020, 1, 1))
    LeaseFactory(room=RoomFactory(unit__building__community=community), start=dt.date(2025, 1, 1))
    LeaseFactory(room=RoomFactory(unit__building__community=community), start=dt.date(2025, 4, 1))  # not March's
    approval = decide(submit(community, supervisor), manager, comment="核对无误")
    assert approval.status == ApprovalStatus.APPROVED

    reviews = {r.kind: r for r in RegisterReview.objects.filter(community=community, month=MARCH.start)}
    assert (reviews["property"].rows, reviews["lease"].rows) == (4, 1)
    for review in reviews.values():
        assert (review.reviewed_by, review.reviewed_at, review.comment) == (manager, DECIDED, "核对无误")
    duty = occurrence(community, "PR-4.lists")
    assert (duty.met_at, duty.met_by, duty.due_at) == (DECIDED, manager, DUE)
    assert duty.state_at(at(2025, 4, 10)) == "met"
    entry = ActivityLog.objects.get(verb="estates.register.reviewed")
    assert entry.actor == manager and entry.subject == approval.subject
    assert entry.data == {"month": "2025-03", "property_rows": 4, "lease_rows": 1}

    RoomFactory(unit__building__community=community)  # the signed count is what the manager saw
    assert RegisterReview.objects.get(kind="property").rows == 4
    with pytest.raises(Conflict, match="已审核"):
        submit(community, supervisor, moment=at(2025, 4, 8))


def test_a_return_goes_back_to_the_cs_supervisors_and_the_month_is_sent_again(community, supervisor, manager):
    colleague = staff("cs_supervisor", community)
    approval = decide(submit(community, manager), manager, outcome="return", comment="3-1-602 缺产权证号")
    assert approval.status == ApprovalStatus.RETURNED and not RegisterReview.objects.exists()
    for user in (supervisor, colleague, manager):  # the CS desk, and whoever sent it
        note = user.notifications.get(title="2025年3月月度清单被退回")
        assert note.body == "3-1-602 缺产权证号" and note.url == "/console/estates/lists/?month=2025-03"
    assert occurrence(community, "PR-4.lists").met_at is None  # still owed

    again = submit(community, supervisor, moment=at(2025, 4, 4, 9, 0))
    assert monthly_lists.month_lists(community, MARCH, now=at(2025, 4, 4, 10)).review == "in_review"
    decide(again, manager, moment=at(2025, 4, 7, 9, 0))  # after the 5th: the duty is met late
    assert occurrence(community, "PR-4.lists").state_at(at(2025, 4, 8)) == "late"


def test_a_community_changes_its_chain_without_code(client, community, supervisor, manager):
    """The chain's steps are the community's setting (设置 › 审批流程), seeded from the PR-4 default."""
    client.force_login(manager)
    page = client.get(reverse("core:approval_chains")).text
    assert "月度产权清单、租赁清单审核" in page and reverse("core:approval_chain_edit", args=["PR-4.lists"]) in page
    assert [(s.role, s.limit_hours) for s in approvals.chain_steps(community, "PR-4.lists")] == [("office_manager", 48)]
    approvals.chain_set(
        community=community, key="PR-4.lists", steps=[("archivist", 8), ("office_manager", 24)], actor=manager
    )
    archivist = staff("archivist", community)
    approval = decide(submit(community, supervisor), archivist, moment=at(2025, 4, 2, 10, 0))
    assert approval.current_role == "office_manager" and not RegisterReview.objects.exists()
    decide(approval, manager)
    assert RegisterReview.objects.get(kind="lease").reviewed_by == manager  # the last step signs
    assert len(approvals.chain_steps(CommunityFactory(), "PR-4.lists")) == 1  # another community keeps its own


def test_who_may_send_and_when(community, supervisor, manager):
    for role in ("front_desk", "archivist"):
        with pytest.raises(Forbidden):
            submit(community, staff(role, community))
    with pytest.raises(ServiceError, match="尚未结束") as refused:
        submit(community, supervisor, moment=at(2025, 3, 31, 23, 59))
    assert refused.value.field == "month"
    submit(community, supervisor)
    with pytest.raises(Conflict, match="正在审批中"):
        submit(community, supervisor)
    with pytest.raises(Forbidden):
        submit(community, staff("cs_supervisor", CommunityFactory()))


def test_another_communitys_manager_cannot_decide(community, supervisor):
    approval = submit(community, supervisor)
    outsider = staff("office_manager", CommunityFactory())
    assert not approvals.may_decide(outsider, approval) and not approvals.waiting_for(outsider).exists()
    with pytest.raises(Forbidden):
        decide(approval, outsider)
    assert not RegisterReview.objects.exists()


# --- The duties are owed by the calendar ----------------------------------------------------


def test_a_month_with_no_activity_still_owes_its_review_and_hand_over(client, community, manager, supervisor):
    made = duties.duties_open([community], now=at(2025, 4, 1, 9, 0), keys=monthly_lists.DUTIES)
    assert made == 6  # March, just ended, and the two months before it, for both duties
    review, handover = (Deadline.objects.get(duty=key, period="2025-03") for key in monthly_lists.DUTIES)
    assert (review.rule, review.owner_role, review.due_at) == ("PR-4", "office_manager", DUE)
    assert (handover.rule, handover.owner_role, handover.due_at) == ("AR-2", "cs_supervisor", DUE)
    assert review.starts_at == handover.starts_at == at(2025, 4, 1, 0, 0)
    assert duties.duties_open([community], now=at(2025, 4, 2), keys=monthly_lists.DUTIES) == 0  # idempotent
    assert not Deadline.objects.filter(period="2025-04").exists()  # April is owed once it is over

    with clock.frozen(at(2025, 4, 7, 9, 0)):
        assert set(Deadline.objects.overdue().filter(period="2025-03").values_list("duty", flat=True)) == {
            "PR-4.lists",
            "AR-2.handover",
        }
        client.force_login(manager)
        page = client.get(reverse("servicedesk:due"), {"tab": "overdue", "scope": "office"}).text
    assert "月度产权清单、租赁清单经理审核" in page and "月度业户资料及清单移交文档管理员签收" in page


def test_the_lists_page_opens_the_duties_on_read(client, community, supervisor):
    client.force_login(supervisor)
    with clock.frozen(at(2025, 4, 1, 9, 0)):
        page = client.get(reverse("estates:lists")).text
    assert Deadline.objects.filter(community=community, period="2025-03").count() == 2
    assert "2025-04-05 24:00" in page  # both limits, as a clerk says them


def test_the_due_day_is_the_communitys_policy(community, manager):
    policy_set(community=community, key="AR-2.handover_day", raw_value="3", actor=manager)
    duties.duties_open([community], now=at(2025, 4, 1), keys=monthly_lists.DUTIES)
    assert occurrence(community, "AR-2.handover").due_at == at(2025, 4, 4, 0, 0)
    assert occurrence(community, "PR-4.lists").due_at == DUE


# --- AR-2: the archivist signs for the month ------------------------------------------------


@pytest.mark.parametrize(
    "moment, state, on_time",
    [(at(2025, 4, 5, 23, 59), "met", True), (at(2025, 4, 6, 0, 1), "late", False)],
    ids=["before 5th 24:00", "after 5th 24:00"],
)
def test_the_archivists_receipt_meets_ar2_on_time_or_late(community, archivist, moment, state, on_time):
    with clock.frozen(moment):
        row = monthly_lists.lists_receive(community=community, period=MARCH, actor=archivist, note=" 资料 38 份 ")
    assert (row.duty, row.period, row.met_at, row.met_by) == ("AR-2.handover", "2025-03", moment, archivist)
    assert row.state_at(at(2025, 4, 10)) == state
    entry = ActivityLog.objects.get(verb="estates.lists.received")
    assert entry.actor == archivist and entry.community == community
    assert entry.data == {"month": "2025-03", "lists_approved": False, "on_time": on_time, "note": "资料 38 份"}
    assert entry.summary == "签收2025年3月业户资料、产权清单和租赁清单（清单尚未经经理审核）"
    with clock.frozen(moment + dt.timedelta(hours=1)), pytest.raises(Conflict, match="已于"):
        monthly_lists.lists_receive(community=community, period=MARCH, actor=archivist)


def test_a_receipt_after_the_review_records_the_lists_as_approved(community, archivist):
    with clock.frozen(at(2025, 4, 2, 9, 0)):
        approve_lists(community, MARCH)
    with clock.frozen(at(2025, 4, 3, 9, 0)):
        monthly_lists.lists_receive(community=community, period=MARCH, actor=archivist)
    entry = ActivityLog.objects.get(verb="estates.lists.received")
    assert entry.data["lists_approved"] is True and "尚未" not in entry.summary
    month = monthly_lists.month_lists(community, MARCH, now=at(2025, 4, 3, 10, 0))
    assert month.approved and month.received and month.handover_state == "met"


def test_only_the_archivist_signs_and_only_for_an_ended_month(community, supervisor, manager, archivist):
    for user in (supervisor, manager, staff("archivist", CommunityFactory())):
        with clock.frozen(at(2025, 4, 2)), pytest.raises(Forbidden):
            monthly_lists.lists_receive(community=community, period=MARCH, actor=user)
    with clock.frozen(at(2025, 3, 31, 18, 0)), pytest.raises(ServiceError, match="尚未结束"):
        monthly_lists.lists_receive(community=community, period=MARCH, actor=archivist)
    assert not Deadline.objects.filter(met_at__isnull=False).exists()
    assert not ActivityLog.objects.filter(verb="estates.lists.received").exists()
