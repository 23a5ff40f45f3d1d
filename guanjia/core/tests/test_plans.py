"""The plan engine (DESIGN §13, issue 12 FM-2/FM-3): tasks made by the calendar, idempotent, their
state derived from the clock; results, completion, hand-over."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core import clock, roles
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.plans import selectors as plans_selectors
from guanjia.core.plans import services as plans
from guanjia.core.plans.models import (
    Checklist,
    ChecklistItem,
    ItemKind,
    OnHoliday,
    Plan,
    Task,
    TaskState,
    TaskStatus,
)
from guanjia.core.tests.factories import CommunityFactory, at, staff

pytestmark = pytest.mark.django_db
KIND = plans.PlanKind(key="test.rounds", title="测试巡检", manage="test.plans.manage", perform="test.plans.perform")
MADE = at(2026, 11, 28, 9, 0)  # a Saturday


@pytest.fixture(autouse=True)
def toy_kind():
    roles.register({"test.plans.manage": ["equipment_supervisor"], "test.plans.perform": ["technician", "security"]})
    plans.register_kind(KIND)
    yield
    plans.unregister_kind(KIND.key)
    roles.unregister("test.plans.manage", "test.plans.perform")


@pytest.fixture
def office():
    community = CommunityFactory()
    return community, staff("equipment_supervisor", community), staff("technician", community)


def make(office, moment=MADE, targets=(), **fields):
    community, supervisor, _tech = office
    values = {"title": "泵房巡检", "rule": "FM-3", "window_start": dt.time(9, 0), "window_hours": 8}
    values |= {"assignee_role": "technician", "ahead_days": 7, "starts_on": moment.date()} | fields
    with clock.frozen(moment):
        return plans.plan_create(community=community, kind=KIND.key, actor=supervisor, targets=targets, **values)


def dates(plan):
    return list(Task.objects.filter(plan=plan).order_by("occurs_on").values_list("occurs_on", flat=True))


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def test_a_daily_plan_is_made_to_its_horizon_across_the_month_and_only_once(office):
    plan = make(office)
    assert dates(plan) == days(dt.date(2026, 11, 28), dt.date(2026, 12, 5))  # today + 7 days ahead
    with clock.frozen(MADE):
        assert plans.tasks_generate(community=plan.community) == 0  # nothing owed again
    assert Task.objects.filter(plan=plan).count() == 8
    task = Task.objects.get(plan=plan, occurs_on=dt.date(2026, 12, 1))
    assert (task.window_start, task.window_end) == (at(2026, 12, 1, 9, 0), at(2026, 12, 1, 17, 0))
    assert task.missed_at == at(2026, 12, 2, 9, 0)  # when the next one begins
    assert task.assignee_role == "technician"


def test_no_day_is_missing_when_the_generation_did_not_run_for_weeks(office):
    plan = make(office)
    with clock.frozen(at(2026, 12, 30, 8, 0)):  # three weeks with no job: the list reads, and makes them
        plans.tasks_generate(community=plan.community)
    stepwise = make(office, title="对照")
    for day in range(1, 31):
        with clock.frozen(at(2026, 12, day, 8, 0)):
            plans.tasks_generate(community=plan.community)
    assert dates(plan) == days(dt.date(2026, 11, 28), dt.date(2027, 1, 6)) == dates(stepwise)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (OnHoliday.KEEP, [dt.date(2026, 9, 30), dt.date(2026, 10, 1), dt.date(2026, 10, 2)]),
        (OnHoliday.SKIP, [dt.date(2026, 9, 30)]),
        # National Day 2026: 1–7 October off; the tasks of the 1st and 2nd are done on the 8th
        (OnHoliday.NEXT_WORKDAY, [dt.date(2026, 9, 30), dt.date(2026, 10, 8), dt.date(2026, 10, 8)]),
    ],
)
def test_holidays_keep_skip_or_move_the_task_to_the_next_working_day(office, rule, expected):
    plan = make(office, at(2026, 9, 30, 8, 0), on_holiday=rule, ahead_days=2)
    tasks = Task.objects.filter(plan=plan).order_by("occurs_on")
    assert [timezone_date(t.window_start) for t in tasks] == expected


def timezone_date(moment):
    return moment.astimezone(at(2026, 1, 1).tzinfo).date()


def test_weekly_monthly_yearly_and_every_fifteen_days(office):
    weekly = make(office, frequency="weekly", weekdays="1,4", ahead_days=14)  # Mondays and Thursdays
    assert [d.isoweekday() for d in dates(weekly)] == [1, 4, 1, 4]
    monthly = make(office, frequency="monthly", monthdays="10", months="1,4,7,10", ahead_days=366, title="季度")
    assert dates(monthly) == [dt.date(2027, m, 10) for m in (1, 4, 7, 10)]
    lift = make(office, interval=15, ahead_days=60, title="电梯维保")  # FM-2: at least every 15 days
    assert [(b - a).days for a, b in zip(dates(lift), dates(lift)[1:], strict=False)] == [15, 15, 15, 15]
    yearly = make(office, frequency="yearly", starts_on=dt.date(2026, 12, 20), ahead_days=366, title="年检")
    assert dates(yearly) == [dt.date(2026, 12, 20)]


def test_bad_recurrence_is_refused_naming_the_field(office):
    with pytest.raises(ServiceError) as error:
        make(office, frequency="weekly", weekdays="1,8")
    assert error.value.field == "weekdays" and "“8”" in str(error.value.message)
    with pytest.raises(ServiceError) as error:
        make(office, assignee_role="")
    assert error.value.field == "assignee_role"
    assert not Plan.objects.exists()


def test_state_comes_from_the_clock_pending_overdue_missed(office):
    plan = make(office)
    task = Task.objects.get(plan=plan, occurs_on=dt.date(2026, 12, 1))

    def state(moment):
        return Task.objects.with_state(moment).get(pk=task.pk).state

    assert state(at(2026, 12, 1, 10, 0)) == TaskState.PENDING
    assert state(at(2026, 12, 1, 18, 0)) == TaskState.OVERDUE
    assert state(at(2026, 12, 2, 9, 0)) == TaskState.MISSED
    _community, _supervisor, tech = office
    with pytest.raises(Conflict) as error:
        plans.task_start(task=task, actor=tech, at=at(2026, 12, 2, 9, 30))
    assert error.value.code == "task_missed"
    with pytest.raises(Conflict) as error:  # made a week ahead, but done on its day
        plans.task_start(task=task, actor=tech, at=at(2026, 11, 30, 23, 0))
    assert error.value.code == "task_early"
    plans.task_start(task=task, actor=tech, at=at(2026, 12, 1, 17, 30))  # late, but before it is missed
    assert state(at(2026, 12, 1, 17, 40)) == TaskState.OVERDUE
    plans.task_complete(task=task, actor=tech, at=at(2026, 12, 1, 18, 0))
    assert state(at(2026, 12, 3, 0, 0)) == TaskState.DONE


def test_a_changed_plan_remakes_only_the_untouched_tasks_ahead(office):
    plan = make(office)
    _community, supervisor, tech = office
    started = Task.objects.get(plan=plan, occurs_on=dt.date(2026, 11, 30))
    plans.task_start(task=started, actor=tech, at=at(2026, 11, 30, 9, 5))
    later = Task.objects.get(plan=plan, occurs_on=dt.date(2026, 12, 3))
    with clock.frozen(at(2026, 11, 30, 12, 0)):
        plans.plan_update(plan=plan, actor=supervisor, frequency="weekly", weekdays="2")  # Tuesdays only
    assert dates(plan) == [dt.date(2026, 11, 28), dt.date(2026, 11, 29), dt.date(2026, 11, 30), dt.date(2026, 12, 1)]
    assert Task.objects.get(pk=started.pk).status == TaskStatus.IN_PROGRESS  # kept as it was
    assert not Task.objects.filter(pk=later.pk).exists()
    assert ActivityLog.objects.filter(verb="core.plan.updated", subject_id=str(plan.pk)).exists()


def checklist(office):
    community = office[0]
    sheet = Checklist.objects.create(community=community, kind=KIND.key, title="水泵房")
    ok = ChecklistItem.objects.create(checklist=sheet, position=0, label="运行无异响")
    pressure = ChecklistItem.objects.create(
        checklist=sheet, position=1, label="出水压力", kind=ItemKind.NUMBER, low=Decimal("0.3"), high=Decimal("0.6")
    )
    return sheet, ok, pressure


def test_results_are_checked_against_the_items_and_completion_returns_what_failed(office):
    community, _supervisor, tech = office
    sheet, ok, pressure = checklist(office)
    plan = make(office, checklist=sheet, targets=[community])
    task = Task.objects.get(plan=plan, occurs_on=dt.date(2026, 11, 29))
    target = plan.targets.get()
    moment = at(2026, 11, 29, 10, 0)
    with pytest.raises(ServiceError) as error:
        plans.task_record(task=task, actor=tech, target=target, item=pressure, number="", at=moment)
    assert error.value.field == "number" and "出水压力" in str(error.value.message)
    with pytest.raises(ServiceError) as error:
        plans.task_record(task=task, actor=tech, at=moment)  # neither a target nor an item
    assert error.value.field == "target"
    plans.task_record(task=task, actor=tech, target=target, item=pressure, number="0.72", at=moment)
    with pytest.raises(ServiceError) as error:
        plans.task_complete(task=task, actor=tech, at=moment)
    assert error.value.code == "incomplete" and "运行无异响" in str(error.value.message)
    plans.task_record(task=task, actor=tech, target=target, item=ok, passed=True, at=moment)
    plans.task_record(task=task, actor=tech, target=target, item=ok, passed=True, at=moment)  # again: replaced
    failed = plans.task_complete(task=task, actor=tech, at=moment)
    assert [(r.item.label, r.passed, r.number) for r in failed] == [("出水压力", False, Decimal("0.720"))]
    assert task.results.count() == 2
    entry = ActivityLog.objects.get(verb="core.task.done", subject_id=str(task.pk))
    assert entry.data == {"failed": 1, "late": False}


def test_only_the_assigned_person_or_role_or_a_supervisor_may_do_a_task(office):
    community, supervisor, tech = office
    guard, other = staff("security", community), staff("technician", CommunityFactory())
    plan = make(office)
    task = Task.objects.get(plan=plan, occurs_on=dt.date(2026, 11, 29))
    for outsider in (guard, other):  # the wrong role; a technician of another community
        with pytest.raises(Forbidden):
            plans.task_start(task=task, actor=outsider, at=at(2026, 11, 29, 10, 0))
    with pytest.raises(ServiceError) as error:
        plans.task_handover(task=task, to=guard, reason=" ", actor=supervisor, at=at(2026, 11, 29, 10, 0))
    assert error.value.field == "reason"
    with pytest.raises(ServiceError) as error:
        plans.task_handover(task=task, to=other, reason="病假", actor=supervisor, at=at(2026, 11, 29, 10, 0))
    assert error.value.field == "to"
    plans.task_handover(task=task, to=guard, reason="维修工病假", actor=supervisor, at=at(2026, 11, 29, 10, 0))
    with pytest.raises(Forbidden):
        plans.task_start(task=task, actor=tech, at=at(2026, 11, 29, 10, 5))  # now the guard's
    plans.task_start(task=task, actor=guard, at=at(2026, 11, 29, 10, 5))
    entry = ActivityLog.objects.get(verb="core.task.handed_over", subject_id=str(task.pk))
    assert (entry.summary, entry.data["to"]) == ("维修工病假", guard.pk)


def test_generation_costs_the_same_queries_for_five_plans_or_fifty(office):
    def cost(n):
        community = CommunityFactory()
        with clock.frozen(MADE):
            for i in range(n):
                Plan.objects.create(
                    community=community,
                    kind=KIND.key,
                    title=f"计划{i}",
                    window_start=dt.time(9),
                    assignee_role="technician",
                    starts_on=MADE.date(),
                )
        with clock.frozen(at(2026, 12, 10, 8, 0)), CaptureQueriesContext(connection) as queries:
            made = plans.tasks_generate(community=community)
        inserts = [q for q in queries if q["sql"].startswith("INSERT")]
        return made, len(queries) - len(inserts), len(inserts)

    (five, other5, _inserts5), (fifty, other50, inserts50) = cost(5), cost(50)
    assert (five, fifty) == (5 * 20, 50 * 20)  # 28 Nov – 17 Dec
    assert other5 == other50 <= 3  # the plans read, the horizons written: not a query per plan
    assert inserts50 <= -(-fifty // 50)  # bulk: at least 50 tasks a statement (SQLite's parameter limit)


def test_my_tasks_lists_what_i_owe_today_and_completion_counts_it(office):
    community, _supervisor, tech = office
    other = staff("technician", community)
    plan = make(office)
    mine = make(office, title="我的", assignee=tech, assignee_role="")
    now = at(2026, 11, 30, 12, 0)
    listed = list(plans_selectors.my_tasks(tech, community, now=now))
    # the role's plan: today's (29th missed at 9:00 today); my own plan's likewise; none of tomorrow's
    assert [(t.plan_id, t.occurs_on, t.state) for t in listed] == [
        (plan.pk, dt.date(2026, 11, 30), TaskState.PENDING),
        (mine.pk, dt.date(2026, 11, 30), TaskState.PENDING),
    ]
    assert [t.plan_id for t in plans_selectors.my_tasks(other, community, now=now)] == [plan.pk]
    task = listed[0]
    plans.task_complete(task=task, actor=tech, at=at(2026, 11, 30, 12, 5))
    figures = plans_selectors.completion(
        community, kind=KIND.key, start=at(2026, 11, 28, 0, 0), end=at(2026, 12, 1, 0, 0), now=now
    )
    # the 28th, 29th and 30th of both plans: both plans' 28th and 29th missed, one of the 30th done
    assert figures == {"owed": 6, "done": 1, "on_time": 1, "missed": 4}


def test_a_kinds_own_check_refuses_a_plan_on_create_and_on_update(office):
    """The owning app's rule on its plans (FM-2's "tighten, not loosen" is one) runs before any save."""

    def at_most_weekly(plan):
        if plan.frequency == "daily" and plan.interval > 7:
            raise ServiceError("too_rare", "间隔：不能超过7天。", field="interval")

    checked = plans.PlanKind(KIND.key, KIND.title, KIND.manage, KIND.perform, check=at_most_weekly)
    plans.unregister_kind(KIND.key)
    plans.register_kind(checked)
    with pytest.raises(ServiceError) as error:
        make(office, interval=8)
    assert error.value.field == "interval" and not Plan.objects.exists()
    plan = make(office, interval=7)
    _community, supervisor, _tech = office
    with clock.frozen(MADE), pytest.raises(ServiceError) as error:
        plans.plan_update(plan=plan, actor=supervisor, interval=10)
    assert error.value.code == "too_rare"
    plan.refresh_from_db()
    assert plan.interval == 7
