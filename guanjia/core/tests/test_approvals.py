"""Approval chains as data (DESIGN §12): ordered steps by role, one decision row per step, each on a clock."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from guanjia.core import approvals, clock
from guanjia.core.approval_models import Approval, ApprovalDecision, ApprovalOutcome, ApprovalStatus
from guanjia.core.approvals import ApprovalKind, StepDefault
from guanjia.core.deadlines import deadline_open, deadlines_of
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Notification
from guanjia.core.roles import Role
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SH)
done: list = []

TOY = ApprovalKind(
    key="TEST.review",
    label="测试审批",
    rule="RN-3",
    steps=(StepDefault(Role.FRONT_DESK, 8), StepDefault(Role.EQUIPMENT_SUPERVISOR, 16)),
    on_approved=lambda approval, actor: done.append(("approved", approval.pk, actor.pk)),
    on_returned=lambda approval, actor, comment: done.append(("returned", approval.pk, comment)),
)


@pytest.fixture(autouse=True)
def toy_kind():
    approvals.register(TOY)
    yield
    approvals.unregister(TOY.key)


@pytest.fixture
def office():
    community = CommunityFactory()
    people = {role: staff(role, community) for role in ("front_desk", "equipment_supervisor", "office_manager")}
    subject = deadline_open(subject=community, rule="X", title="申请", due_at=START, community=community)
    done.clear()
    return community, people, subject


def test_chain_is_made_from_the_registered_defaults_once(office):
    community, _people, _subject = office
    steps = approvals.chain_steps(community, "TEST.review")
    assert [(s.role, s.limit_hours) for s in steps] == [("front_desk", 8), ("equipment_supervisor", 16)]
    assert approvals.chain_of(community, "TEST.review") == steps[0].chain  # not made twice


def test_each_step_is_decided_by_its_role_on_its_own_clock_and_logged(office):
    community, people, subject = office
    desk, equipment = people["front_desk"], people["equipment_supervisor"]
    with clock.frozen(START):
        approval = approvals.approval_start(subject=subject, key="TEST.review", actor=desk)
    first = approval.decisions.get()
    assert first.role == "front_desk" and first.due_at == START + dt.timedelta(hours=8)
    (clock_row,) = deadlines_of(first)
    assert clock_row.rule == "RN-3" and clock_row.owner_role == "front_desk" and clock_row.due_at == first.due_at
    assert list(approvals.waiting_for(desk)) == [first] and not approvals.waiting_for(equipment).exists()

    with pytest.raises(Forbidden):
        approvals.approval_decide(approval=approval, actor=equipment, outcome="approve")
    with clock.frozen(START + dt.timedelta(hours=2)):
        approval = approvals.approval_decide(approval=approval, actor=desk, outcome="approve", comment="资料齐全")
    assert approval.status == ApprovalStatus.IN_PROGRESS and approval.current_role == "equipment_supervisor"
    assert deadlines_of(first).get().state == "met"
    second = approvals.waiting_for(equipment).get()
    assert second.due_at == START + dt.timedelta(hours=18)
    assert Notification.objects.filter(user=equipment, title="待您审批：测试审批").exists()  # the next role is told

    with clock.frozen(START + dt.timedelta(hours=30)):  # after its 16 hours: met late
        approval = approvals.approval_decide(approval=approval, actor=equipment, outcome="approve")
    assert approval.status == ApprovalStatus.APPROVED and approval.finished_at == START + dt.timedelta(hours=30)
    assert deadlines_of(second).get().state == "late"
    assert done == [("approved", approval.pk, equipment.pk)]
    rows = list(approval.decisions.values_list("position", "role", "decided_by", "outcome", "comment"))
    assert rows == [
        (0, "front_desk", desk.pk, "approve", "资料齐全"),
        (1, "equipment_supervisor", equipment.pk, "approve", ""),
    ]
    verbs = list(
        ActivityLog.objects.filter(verb__startswith="core.approval").order_by("at", "id").values_list("verb", flat=True)
    )
    assert verbs == ["core.approval.started", "core.approval.approved", "core.approval.approved"]


def test_return_needs_a_comment_and_ends_the_approval(office):
    community, people, subject = office
    desk = people["front_desk"]
    approval = approvals.approval_start(subject=subject, key="TEST.review", actor=desk)
    with pytest.raises(ServiceError) as refused:
        approvals.approval_decide(approval=approval, actor=desk, outcome=ApprovalOutcome.RETURN, comment="  ")
    assert refused.value.field == "comment"
    approval = approvals.approval_decide(approval=approval, actor=desk, outcome="return", comment="缺少图纸")
    assert approval.status == ApprovalStatus.RETURNED
    assert done == [("returned", approval.pk, "缺少图纸")]
    with pytest.raises(Conflict):
        approvals.approval_decide(approval=approval, actor=desk, outcome="approve")
    again = approvals.approval_start(subject=subject, key="TEST.review", actor=desk)  # resubmitted after changes
    assert approvals.current_approval(subject, "TEST.review") == again


def test_one_running_approval_per_subject(office):
    _community, people, subject = office
    first = approvals.approval_start(subject=subject, key="TEST.review", actor=people["front_desk"])
    with pytest.raises(Conflict):
        approvals.approval_start(subject=subject, key="TEST.review", actor=people["front_desk"])
    # the database holds it too, for two requests at the same moment (the check above sees neither)
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            community=first.community,
            kind=first.kind,
            steps=first.steps,
            started_by=people["front_desk"],
            subject_type=first.subject_type,
            subject_id=first.subject_id,
        )


def test_a_community_adds_a_step_without_code_and_running_approvals_keep_theirs(office):
    community, people, subject = office
    manager = people["office_manager"]
    running = approvals.approval_start(subject=subject, key="TEST.review", actor=people["front_desk"])
    approvals.chain_set(
        community=community,
        key="TEST.review",
        steps=[("front_desk", 8), ("equipment_supervisor", 16), ("office_manager", 24)],
        actor=manager,
    )
    assert [s.role for s in approvals.chain_steps(community, "TEST.review")][-1] == "office_manager"
    assert len(running.steps) == 2  # started before the change
    log = ActivityLog.objects.get(verb="core.approval_chain.changed")
    assert log.data["after"][-1] == ["office_manager", 24]
    other = CommunityFactory()
    assert len(approvals.chain_steps(other, "TEST.review")) == 2  # another community's chain is its own


@pytest.mark.parametrize(
    "steps, field_error",
    [([], "至少需要一个步骤"), ([("quality", 8)], "管理处的岗位"), ([("front_desk", 0)], "1 至 2160 小时")],
)
def test_chain_changes_are_validated_and_need_the_manager(office, steps, field_error):
    community, people, _subject = office
    with pytest.raises(ServiceError) as refused:
        approvals.chain_set(community=community, key="TEST.review", steps=steps, actor=people["office_manager"])
    assert field_error in str(refused.value)
    with pytest.raises(Forbidden):
        approvals.chain_set(
            community=community, key="TEST.review", steps=[("front_desk", 8)], actor=people["front_desk"]
        )


def test_waiting_for_is_one_list_across_communities_and_never_another_role(office):
    community, people, subject = office
    other = CommunityFactory()
    desk_b = staff("front_desk", other)
    other_subject = deadline_open(subject=other, rule="X", title="b", due_at=START, community=other)
    approvals.approval_start(subject=subject, key="TEST.review", actor=people["front_desk"])
    approvals.approval_start(subject=other_subject, key="TEST.review", actor=desk_b)
    assert approvals.waiting_for(people["front_desk"]).get().community == community
    assert approvals.waiting_for(desk_b).get().community == other
    assert not approvals.waiting_for(people["office_manager"]).exists()
    assert not approvals.waiting_for(staff("company_admin")).exists()  # company roles never sign for an office


def test_cancel_stops_the_open_steps_clock(office):
    _community, people, subject = office
    approval = approvals.approval_start(subject=subject, key="TEST.review", actor=people["front_desk"])
    approvals.approval_cancel(approval=approval, actor=people["front_desk"], reason="业主撤回申请")
    decision = ApprovalDecision.objects.get(approval=approval)
    assert deadlines_of(decision).get().state == "cancelled"
    assert not approvals.waiting_for(people["front_desk"]).exists()


def test_unknown_kind_says_where_to_register():
    with pytest.raises(KeyError, match="AppConfig.ready"):
        approvals.kind_of("NOPE.kind")


def test_toy_kind_is_registered():
    assert TOY in approvals.kinds()


# -- console ------------------------------------------------------------------------------------


def _session(client, user, community):
    client.force_login(user)
    session = client.session
    session["community_id"] = community.pk
    session.save()


def test_waiting_page_lists_my_steps_and_deciding_moves_the_chain_on(client, office):
    community, people, subject = office
    desk = people["front_desk"]
    approval = approvals.approval_start(subject=subject, key="TEST.review", actor=desk)
    _session(client, desk, community)
    page = client.get(reverse("core:approvals_waiting")).content.decode()
    assert "测试审批" in page and "第 1 步 · 接待员" in page
    response = client.post(
        reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve", "comment": "", "next": "/console/"}
    )
    assert response.status_code == 302 and response["Location"] == "/console/"
    approval.refresh_from_db()
    assert approval.current_role == "equipment_supervisor"
    assert "没有等待您审批的事项" in client.get(reverse("core:approvals_waiting")).content.decode()


def test_deciding_another_communitys_approval_is_not_found(client, office):
    _community, people, subject = office
    approval = approvals.approval_start(subject=subject, key="TEST.review", actor=people["front_desk"])
    other = CommunityFactory()
    outsider = staff("front_desk", other)
    _session(client, outsider, other)
    assert client.post(reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve"}).status_code == 404


def test_manager_adds_a_step_in_the_console(client, office):
    community, people, _subject = office
    _session(client, people["office_manager"], community)
    url = reverse("core:approval_chain_edit", args=["TEST.review"])
    assert "接待员" in client.get(url).content.decode()
    data = {"form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "2", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "10"}
    data |= {"form-0-role": "front_desk", "form-0-limit_hours": "8", "form-1-role": "equipment_supervisor"}
    data |= {"form-1-limit_hours": "16", "form-2-role": "office_manager", "form-2-limit_hours": "24"}
    assert client.post(url, data).status_code == 302
    assert [s.role for s in approvals.chain_steps(community, "TEST.review")] == [
        "front_desk",
        "equipment_supervisor",
        "office_manager",
    ]
    data["form-2-limit_hours"] = ""
    page = client.post(url, data).content.decode()
    assert "第 3 步：请填写时限。" in page
    _session(client, people["front_desk"], community)
    assert client.post(url, data).status_code == 403
    assert client.get(reverse("core:approval_chain_edit", args=["NOPE"])).status_code in (403, 404)
