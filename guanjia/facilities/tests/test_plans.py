"""Facilities' plan kinds on core's plan engine (issue 12: FM-2, FM-3, FM-5): the two kinds and who may
manage and perform them, the seeded templates with their source, "tighten, not loosen" (FM-2) with
its maximum as a policy, checkpoints with their QR tag and page (another community's is a 404)."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.plans import services as plans
from guanjia.core.plans.models import Checklist, Plan, Task
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import CommunityFactory, at, login, staff

from .. import services
from ..models import Checkpoint, SeededChecklist
from ..plans import MAINTENANCE, PATROL, TEMPLATES, templates_seed
from .factories import make_lift

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 10, 0)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("equipment_supervisor", community)


def lift_plan(community, supervisor, checklist, **fields):
    values = {"title": "1号梯半月维保", "rule": "FM-2", "checklist": checklist, "frequency": "daily"}
    values |= {"interval": 15, "window_start": dt.time(9, 0), "window_hours": 8, "assignee_role": "technician"}
    values |= {"starts_on": dt.date(2026, 11, 20)} | fields
    lift = make_lift(community, supervisor)
    return plans.plan_create(community=community, kind=MAINTENANCE, actor=supervisor, targets=[lift], **values)


def seeded(community, supervisor, key):
    templates_seed(community=community, actor=supervisor)
    return SeededChecklist.objects.get(community=community, template=key).checklist


def test_both_kinds_are_registered_with_their_actions(community, supervisor):
    assert plans.KINDS[MAINTENANCE].manage == "facilities.maintenance.manage"
    assert plans.KINDS[MAINTENANCE].perform == "facilities.maintenance.perform"
    assert plans.KINDS[PATROL].perform == "facilities.patrol.perform"
    guard = staff("security", community)
    with pytest.raises(Forbidden):
        plans.plan_create(
            community=community,
            kind=PATROL,
            actor=guard,
            title="夜间巡更",
            window_start=dt.time(22, 0),
            assignee_role="security",
            starts_on=dt.date(2026, 11, 20),
        )
    patrol = plans.plan_create(
        community=community,
        kind=PATROL,
        actor=supervisor,
        title="夜间巡更",
        window_start=dt.time(22, 0),
        window_hours=2,
        assignee_role="security",
        starts_on=dt.date(2026, 11, 20),
    )
    task = Task.objects.filter(plan=patrol).first()
    assert plans.may_perform(guard, task)
    assert not plans.may_perform(staff("cashier", community), task)


def test_templates_are_seeded_once_per_community_with_their_source(community, supervisor):
    first = templates_seed(community=community, actor=supervisor)
    again = templates_seed(community=community, actor=supervisor)
    assert [c.pk for c in first] == [c.pk for c in again]
    assert Checklist.objects.filter(community=community).count() == len(TEMPLATES)
    lift = SeededChecklist.objects.get(community=community, template="lift_maintenance").checklist
    assert "特种设备安全监察条例第31条" in lift.source and "15日" in lift.source
    assert lift.items.filter(photo_required=True).exists()
    other = CommunityFactory()
    templates_seed(community=other, actor=staff("equipment_supervisor", other))
    assert Checklist.objects.filter(community=other).count() == len(TEMPLATES)
    with pytest.raises(Forbidden):
        templates_seed(community=community, actor=staff("technician", community))


def test_fm2_a_statutory_template_may_be_tightened_not_loosened(community, supervisor):
    checklist = seeded(community, supervisor, "lift_maintenance")
    with pytest.raises(ServiceError) as error:
        lift_plan(community, supervisor, checklist, interval=16)
    assert error.value.field == "interval" and error.value.code == "too_rare"
    assert "15" in str(error.value.message) and "16" in str(error.value.message)
    assert not Plan.objects.filter(kind=MAINTENANCE).exists()
    # Monthly is rarer than every 15 days: refused too.
    with pytest.raises(ServiceError):
        lift_plan(community, supervisor, checklist, frequency="monthly", interval=1)
    plan = lift_plan(community, supervisor, checklist, interval=10)  # tighter: accepted
    with pytest.raises(ServiceError) as error:
        plans.plan_update(plan=plan, actor=supervisor, interval=20)
    assert error.value.field == "interval"
    plan.refresh_from_db()
    assert plan.interval == 10


def test_fm2_the_maximum_is_a_policy_the_community_can_tighten(community, supervisor):
    checklist = seeded(community, supervisor, "lift_maintenance")
    policy_set(
        community=community,
        key="FM-2.lift_maintenance_max_days",
        raw_value="10",
        actor=staff("office_manager", community),
    )
    with pytest.raises(ServiceError):
        lift_plan(community, supervisor, checklist, interval=15)
    assert lift_plan(community, supervisor, checklist, interval=7).pk
    with pytest.raises(ServiceError):  # the policy cannot loosen beyond the source's 15 days
        policy_set(
            community=community,
            key="FM-2.lift_maintenance_max_days",
            raw_value="20",
            actor=staff("office_manager", community),
        )


def test_a_non_statutory_or_own_checklist_has_no_maximum(community, supervisor):
    generator = seeded(community, supervisor, "generator_run")
    assert lift_plan(community, supervisor, generator, frequency="monthly", interval=3).pk
    own = Checklist.objects.create(community=community, kind=MAINTENANCE, title="自定义保养")
    assert lift_plan(community, supervisor, own, frequency="yearly", interval=1).pk


def test_checkpoint_with_qr_tag_and_page_scoped_to_its_community(client, community, supervisor):
    point = services.checkpoint_create(
        community=community, actor=supervisor, code="R1", name="3栋屋顶门", place="3栋屋顶", critical=True
    )
    assert len(point.token) >= 20
    with pytest.raises(ServiceError) as error:
        services.checkpoint_create(community=community, actor=supervisor, code="R1", name="重复", place="x")
    assert error.value.field == "code"
    with pytest.raises(Forbidden):
        services.checkpoint_create(
            community=community, actor=staff("security", community), code="R2", name="n", place="p"
        )
    login(client, supervisor, community)
    tag = client.get(reverse("facilities:checkpoint_tag", args=[point.token]))
    assert tag.status_code == 200
    body = tag.content.decode()
    assert "<svg" in body and "R1" in body and point.get_absolute_url() in body
    guard = staff("security", community)
    login(client, guard, community)
    page = client.get(reverse("facilities:checkpoint", args=[point.token]))
    assert page.status_code == 200 and "3栋屋顶门" in page.content.decode() and "关键点" in page.content.decode()
    assert client.get(reverse("facilities:checkpoint_tag", args=[point.token])).status_code == 403
    other = CommunityFactory()
    login(client, staff("security", other), other)
    assert client.get(reverse("facilities:checkpoint", args=[point.token])).status_code == 404
    assert Checkpoint.objects.count() == 1


def patrol(community, supervisor, title, **fields):
    values = {"title": title, "window_start": dt.time(9, 0), "window_hours": 4, "assignee_role": "security"}
    values |= {"starts_on": dt.date(2026, 11, 20)} | fields
    return plans.plan_create(community=community, kind=PATROL, actor=supervisor, **values)


def test_supervisor_task_list_filters_states_and_query_budget(
    client, community, supervisor, django_assert_max_num_queries
):
    checklist = seeded(community, supervisor, "lift_maintenance")
    lift_plan(community, supervisor, checklist, interval=1)  # one task a day
    guard = staff("security", community)
    for i in range(3):
        patrol(community, supervisor, f"巡更{i}")
    later = at(2026, 11, 23, 10, 0)
    with clock.frozen(later):
        task = Task.objects.filter(plan__title="巡更0", occurs_on=dt.date(2026, 11, 23)).get()
        plans.task_start(task=task, actor=guard)
        login(client, supervisor, community)
        url = reverse("facilities:tasks")
        with django_assert_max_num_queries(14):
            small = client.get(url)
        assert small.status_code == 200
        body = small.content.decode()
        assert "已漏检" in body and "执行中" in body and "待执行" in body
        for i in range(3, 12):
            patrol(community, supervisor, f"巡更{i}", starts_on=dt.date(2026, 11, 20))
        with django_assert_max_num_queries(14):
            big = client.get(url)
        assert big.status_code == 200
        only = client.get(url, {"state": "in_progress"}).context["tasks"]
        assert [t.pk for t in only] == [task.pk]
        kinds = {t.plan.kind for t in client.get(url, {"kind": MAINTENANCE}).context["tasks"]}
        assert kinds == {MAINTENANCE}
        day = client.get(url, {"date": "2026-11-21"}).context["tasks"]
        assert day and {t.window_start.date() for t in day} == {dt.date(2026, 11, 21)}
        login(client, guard, community)
        assert client.get(url).status_code == 403


def test_fm2_annual_plan_each_device_months_what_who(client, community, supervisor, django_assert_max_num_queries):
    checklist = seeded(community, supervisor, "lift_maintenance")
    plan = lift_plan(community, supervisor, checklist, starts_on=dt.date(2026, 1, 1), interval=15)
    lift = plan.targets.get().target
    login(client, staff("technician", community), community)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("facilities:annual_plan"), {"year": "2026"})
    assert response.status_code == 200
    row = response.context["rows"][0]
    assert row["devices"] == [lift] and row["months"][0] == 3 and row["total"] == 25  # Jan 1, 16, 31 …
    body = response.content.decode()
    assert lift.code in body and "电梯半月维保" in body and "维修工" in body
    assert client.get(reverse("facilities:annual_plan"), {"year": "2025"}).context["rows"] == []
