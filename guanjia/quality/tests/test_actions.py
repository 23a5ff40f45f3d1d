"""Corrective and preventive actions (QA-3): owner, due date and its clock, completion and verification
through the action's state machine, the pages and their steps, and who may answer for an action
(the community's staff only: never an owner's portal account nor another community's staff)."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock, workdays
from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline, DeadlineState
from guanjia.core.tests.assertions import assert_transition
from guanjia.core.tests.factories import staff
from guanjia.engagement.tests.factories import survey_office
from guanjia.portal.tests.factories import portal_user
from guanjia.quality import selectors
from guanjia.quality import services as quality
from guanjia.quality.choices import ActionStatus
from guanjia.quality.models import Action

from .factories import Office, answered_survey, at

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 10, 10, 0)  # after the questionnaire went out (1 December)
SOON = dt.date(2026, 12, 20)
MESSAGE = "责任人必须是本小区的工作人员；业主账户和其他小区的人员不能作为责任人（QA-3）。"


@pytest.fixture
def office():
    return survey_office(households=5)


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


def new_action(office, owner=None, due_on=SOON, **kw):
    kw.setdefault("problem", "楼道清洁不到位")
    kw.setdefault("measure", "每日清扫两次并检查")
    return quality.action_create(
        community=office.community, actor=office.supervisor, owner=owner or office.supervisor, due_on=due_on, **kw
    )


def qa3(action):
    return list(deadlines_of(action).filter(rule="QA-3"))


def test_qa3_create_opens_a_deadline_to_24h_of_due_date(office):
    s, _sec, cle = answered_survey(office)
    cause = quality.cause_add(item=cle, actor=office.supervisor, category="method", text="清扫频次不够")
    a = new_action(office, owner=office.desk, cause=cause, problem="")
    assert (a.survey, a.item, a.cause_text, a.problem) == (s, cle, "清扫频次不够", "清洁")
    [deadline] = qa3(a)
    assert deadline.owner == office.desk and deadline.due_at == workdays.deadline_end(SOON)
    assert deadline.state == DeadlineState.OPEN
    assert ActivityLog.objects.filter(verb="quality.action.created", subject_id=str(a.pk)).exists()
    assert list(s.actions.all()) == [a] and list(cle.actions.all()) == [a]  # engagement reads them by relation


def test_qa3_create_refusals_name_the_field(office):
    with pytest.raises(ServiceError) as e:
        new_action(office, due_on=NOW.date() - dt.timedelta(days=1))
    assert e.value.field == "due_on"
    with pytest.raises(ServiceError) as e:
        new_action(office, owner=Office().supervisor)  # staff of another community
    assert e.value.field == "owner"
    with pytest.raises(ServiceError) as e:
        new_action(office, measure=" ")
    assert e.value.field == "measure"
    with pytest.raises(Forbidden):
        quality.action_create(
            community=office.community, actor=office.desk, problem="p", measure="m", owner=office.desk, due_on=SOON
        )


def test_qa3_overdue_then_completed_by_its_owner(office):
    a = new_action(office, owner=office.desk)
    Deadline.objects.filter(pk=qa3(a)[0].pk).update(due_at=NOW - dt.timedelta(hours=1))
    assert qa3(a)[0].state == DeadlineState.OVERDUE
    assert list(selectors.with_overdue(Action.objects.all()).filter(overdue=True)) == [a]
    with pytest.raises(Forbidden):  # neither the owner nor an analyst
        quality.action_complete(action=a, actor=office.technician, note="done")
    with pytest.raises(ServiceError) as e:
        quality.action_complete(action=a, actor=office.desk, note="")
    assert e.value.field == "note"
    with assert_transition(
        a,
        state=ActionStatus.DONE,
        verb="quality.action.done",
        actor=office.desk,
        deadline={"rule": "QA-3", "state": DeadlineState.LATE, "met_by": office.desk},  # met after its time
        notification=None,
    ):
        quality.action_complete(action=a, actor=office.desk, note="已调整排班")


def test_qa3_completed_on_time_is_met_and_only_once(office):
    a = new_action(office)
    quality.action_complete(action=a, actor=office.supervisor, note="已完成")
    assert qa3(a)[0].state == DeadlineState.MET
    with pytest.raises(Conflict, match="不在进行中"):
        quality.action_complete(action=a, actor=office.supervisor, note="again")


def test_qa3_verify_ineffective_reopens_with_a_new_deadline(office):
    a = new_action(office)
    with pytest.raises(Conflict, match="完成后才能验证"):
        quality.action_verify(action=a, actor=office.manager, effective=True, verification="ok")
    quality.action_complete(action=a, actor=office.supervisor, note="已完成")
    with pytest.raises(Forbidden):  # the CS supervisor may not verify (QA-3)
        quality.action_verify(action=a, actor=office.supervisor, effective=True, verification="ok")
    with pytest.raises(ServiceError) as e:
        quality.action_verify(action=a, actor=office.manager, effective=True, verification="")
    assert e.value.field == "verification"
    with pytest.raises(ServiceError) as e:
        quality.action_verify(action=a, actor=office.manager, effective=False, verification="仍有投诉")
    assert e.value.field == "new_due_on"
    later = SOON + dt.timedelta(days=20)
    with assert_transition(
        a,
        state=ActionStatus.OPEN,
        verb="quality.action.reopened",
        deadline={"rule": "QA-3", "state": DeadlineState.OPEN, "due_at": workdays.deadline_end(later)},
        notification=None,
    ):
        quality.action_verify(
            action=a, actor=office.manager, effective=False, verification="仍有投诉", new_due_on=later
        )
    assert (a.due_on, a.done_at) == (later, None)
    assert [c.state for c in qa3(a)] == [DeadlineState.MET, DeadlineState.OPEN]
    quality.action_complete(action=a, actor=office.supervisor, note="再次整改")
    with assert_transition(
        a, state=ActionStatus.VERIFIED, verb="quality.action.verified", deadline=None, notification=None
    ):
        quality.action_verify(action=a, actor=office.manager, effective=True, verification="连续一月无投诉")
    assert a.verified_by == office.manager


def test_the_state_machine_is_what_the_page_offers(office):
    a = new_action(office, owner=office.desk)
    assert [t.name for t in a.get_available_user_status_transitions(office.desk)] == ["complete"]
    assert not list(a.get_available_user_status_transitions(office.technician))
    quality.action_complete(action=a, actor=office.desk, note="已完成")
    assert {t.name for t in a.get_available_user_status_transitions(office.manager)} == {"verify", "reopen"}
    assert not list(a.get_available_user_status_transitions(office.desk))


# --- Pages ---------------------------------------------------------------------------------------


def test_action_list_budget_filters_and_404(office, client, django_assert_max_num_queries):
    _s, _sec, cle = answered_survey(office)
    for n in range(12):
        new_action(office, owner=office.desk if n % 2 else office.supervisor, item=cle, problem=f"问题{n}")
    late = new_action(office, owner=office.desk, problem="超期的问题")
    Deadline.objects.filter(pk=qa3(late)[0].pk).update(due_at=NOW - dt.timedelta(hours=1))
    client.force_login(office.desk)
    url = reverse("quality:actions")
    client.get(url)
    with django_assert_max_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "问题11" in html and "已超时" in html
    overdue = client.get(url, {"overdue": "1"}).content.decode()
    assert "超期的问题" in overdue and "问题3" not in overdue
    mine = client.get(url, {"mine": "1"}).content.decode()
    assert "问题1" in mine and "问题2<" not in mine
    client.force_login(Office().supervisor)
    assert client.get(reverse("quality:action", args=[late.pk])).status_code == 404
    assert "超期的问题" not in client.get(url).content.decode()


def test_action_page_offers_the_steps_its_state_allows(office, client):
    a = new_action(office, owner=office.desk)
    complete = reverse("quality:action_step", args=[a.pk, "complete"])
    verify = reverse("quality:action_step", args=[a.pk, "verify"])
    client.force_login(office.desk)
    page = client.get(reverse("quality:action", args=[a.pk])).content.decode()
    assert f'action="{complete}"' in page and f'action="{verify}"' not in page
    response = client.post(complete, {"note": "已处理"}, follow=True)
    assert "已完成待验证" in response.content.decode() and "已报完成，等待验证。" in response.content.decode()
    assert client.post(verify, {"effective": "1", "verification": "ok"}).status_code == 403  # not the owner's
    client.force_login(office.manager)
    page = client.get(reverse("quality:action", args=[a.pk])).content.decode()
    assert f'action="{verify}"' in page and f'action="{complete}"' not in page
    response = client.post(verify, {"effective": "0", "verification": "仍有投诉", "new_due_on": ""})
    assert response.status_code == 400 and "措施验证无效时，请给出新的完成期限。" in response.content.decode()
    response = client.post(verify, {"effective": "1", "verification": "连续一月无投诉"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == ActionStatus.VERIFIED
    assert client.post(complete, {"note": "x"}).status_code == 409  # its state offers nothing more
    client.force_login(Office().manager)
    assert client.post(verify, {"effective": "1", "verification": "x"}).status_code == 404


def test_action_create_page_from_a_cause(office, client):
    _s, _sec, cle = answered_survey(office)
    cause = quality.cause_add(item=cle, actor=office.supervisor, category="man", text="保洁员人手不足")
    client.force_login(office.supervisor)
    url = reverse("quality:action_new") + f"?cause={cause.pk}"
    assert "保洁员人手不足" in client.get(url).content.decode()
    data = {"kind": "corrective", "problem": "清洁", "cause_text": "", "measure": "增加保洁员", "owner": office.desk.pk}
    page = client.post(url, {**data, "due_on": "2026-11-30"})
    assert "完成期限不能早于今天" in page.content.decode()
    page = client.post(url, {**data, "due_on": SOON.isoformat()})
    assert page.status_code == 302
    assert cause.actions.get().cause_text == "保洁员人手不足"
    client.force_login(office.desk)
    assert client.get(url).status_code == 403


# --- Who may answer for an action --------------------------------------------------------------


@pytest.fixture
def people(office):
    office.owner_user = portal_user(office.owner)  # the owner's portal account: no role anywhere
    office.other_staff = Office().supervisor  # staff of another community
    office.quality = staff("quality")  # the company's quality department: company-wide
    office.retired = staff("front_desk", office.community)
    office.retired.is_active = False
    office.retired.save()
    return office


def test_qa3_action_form_picker_lists_staff_only(client, people):
    office = people
    s, _sec, cle = answered_survey(office)
    client.force_login(office.supervisor)
    cause = quality.cause_add(item=cle, actor=office.supervisor, category="man", text="人手不足")
    for url in (  # on its own, from a key item, from a cause on the fishbone (SV-5)
        reverse("quality:action_new"),
        reverse("quality:action_new") + f"?survey={s.pk}&item={cle.pk}",
        reverse("quality:action_new") + f"?cause={cause.pk}",
    ):
        form = client.get(url).context["form"]
        ids = {getattr(v, "value", v) for v, _label in form.fields["owner"].choices if v}
        assert office.supervisor.pk in ids and office.quality.pk in ids
        assert office.owner_user.pk not in ids and office.other_staff.pk not in ids and office.retired.pk not in ids


def test_qa3_crafted_post_with_an_owner_is_refused_with_a_clear_message(client, people):
    office = people
    client.force_login(office.supervisor)
    response = client.post(
        reverse("quality:action_new"),
        {
            "kind": "corrective",
            "problem": "楼道清洁不到位",
            "measure": "每日清扫两次",
            "owner": office.owner_user.pk,
            "due_on": SOON.isoformat(),
        },
    )
    assert response.status_code == 400 and response.context["form"].errors["owner"] == [MESSAGE]
    assert MESSAGE in response.content.decode() and not Action.objects.exists()


@pytest.mark.parametrize("who", ["owner_user", "other_staff", "retired"])
def test_qa3_service_refuses_anyone_but_the_communitys_staff(people, who):
    with pytest.raises(ServiceError) as e:
        new_action(people, owner=getattr(people, who))
    assert (e.value.code, e.value.field, e.value.message) == ("owner_not_staff", "owner", MESSAGE)
    assert not Action.objects.exists()


def test_qa3_company_quality_department_may_own_an_action(people):
    assert new_action(people, owner=people.quality).owner == people.quality
