"""The approvals panels show each subject's latest round only: the dashboard's 待我审批 lists the open
step of the round now running, the subject's panel the steps of its latest round (DESIGN §12)."""

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from guanjia.core import approvals, clock
from guanjia.core.approvals import ApprovalKind, StepDefault
from guanjia.core.deadlines import deadline_open
from guanjia.core.roles import Role
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.views_approvals import waiting_panel

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))

ROUNDS = ApprovalKind(
    key="TEST.rounds",
    label="测试多轮审批",
    rule="PR-4",
    steps=(StepDefault(Role.FRONT_DESK, 8), StepDefault(Role.OFFICE_MANAGER, 24)),
)


@pytest.fixture(autouse=True)
def toy_kind():
    approvals.register(ROUNDS)
    yield
    approvals.unregister(ROUNDS.key)


@pytest.fixture
def office():
    community = CommunityFactory()
    people = {role: staff(role, community) for role in ("front_desk", "office_manager", "cs_supervisor")}
    subjects = [
        deadline_open(
            subject=community,
            rule="X",
            title=f"申请{n}",
            due_at=dt.datetime(2026, 12, 31, tzinfo=SH),
            community=community,
        )
        for n in range(2)
    ]
    return community, people, subjects


def _request(user, community):
    request = RequestFactory().get("/console/")
    request.user, request.community = user, community
    return request


def _decide(approval, actor, outcome, moment, comment=""):
    with clock.frozen(moment):
        return approvals.approval_decide(approval=approval, actor=actor, outcome=outcome, comment=comment)


def _start(subject, actor, moment):
    with clock.frozen(moment):
        return approvals.approval_start(subject=subject, key=ROUNDS.key, actor=actor)


def test_a_subject_sent_again_after_a_return_waits_once_in_its_latest_round(office):
    community, people, (first, second) = office
    desk, manager, cs = people["front_desk"], people["office_manager"], people["cs_supervisor"]
    round1 = _start(first, cs, dt.datetime(2026, 12, 2, 9, tzinfo=SH))
    round1 = _decide(round1, desk, "approve", dt.datetime(2026, 12, 2, 10, tzinfo=SH))
    _decide(round1, manager, "return", dt.datetime(2026, 12, 2, 11, tzinfo=SH), comment="补充附件")
    round2 = _start(first, cs, dt.datetime(2026, 12, 2, 14, tzinfo=SH))
    other = _start(second, cs, dt.datetime(2026, 12, 2, 15, tzinfo=SH))

    panel = waiting_panel(_request(desk, community))
    assert [d.approval_id for d in panel["decisions"]] == [round2.pk, other.pk] and panel["count"] == 2
    assert waiting_panel(_request(manager, community)) is None  # round 1's step is decided, not waiting

    round2 = _decide(round2, desk, "approve", dt.datetime(2026, 12, 3, 9, tzinfo=SH))
    panel = waiting_panel(_request(manager, community))
    assert [(d.approval_id, d.position) for d in panel["decisions"]] == [(round2.pk, 1)]


def test_the_subjects_panel_shows_the_steps_of_its_latest_round_only(office):
    community, people, (subject, _other) = office
    desk, manager, cs = people["front_desk"], people["office_manager"], people["cs_supervisor"]
    round1 = _start(subject, cs, dt.datetime(2026, 12, 2, 9, tzinfo=SH))
    _decide(round1, desk, "return", dt.datetime(2026, 12, 2, 10, tzinfo=SH), comment="第一轮意见")
    round2 = _start(subject, cs, dt.datetime(2026, 12, 2, 14, tzinfo=SH))
    html = Template('{% load approvals %}{% approval_panel subject "TEST.rounds" %}').render(
        Context({"request": _request(manager, community), "subject": subject, "csrf_token": "x"})
    )
    assert "审批中" in html and "第一轮意见" not in html and html.count("<li>") == 1
    assert approvals.current_approval(subject, ROUNDS.key) == round2
