"""Corrective and preventive actions (QA-3) and the measures posted on time (SV-6)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.core import workdays
from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline, DeadlineState
from guanjia.core.tests.pdf import pdf_text
from guanjia.engagement import actions
from guanjia.engagement.choices import ActionStatus
from guanjia.engagement.models import Action
from guanjia.engagement.tests.factories import survey_office
from guanjia.engagement.tests.test_fishbone import issued_survey
from guanjia.servicedesk.tests.factories import Office

pytestmark = pytest.mark.django_db

SOON = dt.date.today() + dt.timedelta(days=10)


@pytest.fixture
def office():
    return survey_office(households=5)


def new_action(office, owner=None, due_on=SOON, **kw):
    kw.setdefault("problem", "楼道清洁不到位")
    kw.setdefault("measure", "每日清扫两次并检查")
    return actions.action_create(
        community=office.community, actor=office.supervisor, owner=owner or office.supervisor, due_on=due_on, **kw
    )


def qa3(action):
    return list(deadlines_of(action).filter(rule="QA-3"))


def test_qa3_create_opens_a_deadline_to_24h_of_due_date(office):
    s, _sec, cle = issued_survey(office)
    cause = actions.cause_add(item=cle, actor=office.supervisor, category="method", text="清扫频次不够")
    a = new_action(office, owner=office.desk, cause=cause, problem="")
    assert (a.survey, a.item, a.cause_text, a.problem) == (s, cle, "清扫频次不够", "清洁")
    [clock] = qa3(a)
    assert clock.owner == office.desk
    assert clock.due_at == workdays.deadline_end(SOON)
    assert clock.state == DeadlineState.OPEN
    assert ActivityLog.objects.filter(verb="engagement.action.created", subject_id=str(a.pk)).exists()


def test_qa3_create_refusals_name_the_field(office):
    with pytest.raises(ServiceError) as e:
        new_action(office, due_on=dt.date.today() - dt.timedelta(days=1))
    assert e.value.field == "due_on"
    stranger = Office().supervisor  # staff of another community
    with pytest.raises(ServiceError) as e:
        new_action(office, owner=stranger)
    assert e.value.field == "owner"
    with pytest.raises(ServiceError) as e:
        new_action(office, measure=" ")
    assert e.value.field == "measure"
    with pytest.raises(Forbidden):
        actions.action_create(
            community=office.community,
            actor=office.desk,
            problem="p",
            measure="m",
            owner=office.desk,
            due_on=SOON,
        )


def test_qa3_overdue_then_completed_by_owner(office):
    a = new_action(office, owner=office.desk)
    Deadline.objects.filter(pk=qa3(a)[0].pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert qa3(a)[0].state == DeadlineState.OVERDUE
    assert list(actions.with_overdue(Action.objects.all()).filter(overdue=True)) == [a]
    with pytest.raises(Forbidden):  # neither the owner nor an analyst
        actions.action_complete(action=a, actor=office.technician, note="done")
    with pytest.raises(ServiceError) as e:
        actions.action_complete(action=a, actor=office.desk, note="")
    assert e.value.field == "note"
    actions.action_complete(action=a, actor=office.desk, note="已调整排班")
    assert a.status == ActionStatus.DONE
    assert qa3(a)[0].state == DeadlineState.LATE  # met, but after its due time


def test_qa3_completed_on_time_is_met(office):
    a = new_action(office)
    actions.action_complete(action=a, actor=office.supervisor, note="已完成")
    assert qa3(a)[0].state == DeadlineState.MET
    with pytest.raises(ServiceError):
        actions.action_complete(action=a, actor=office.supervisor, note="again")


def test_qa3_verify_ineffective_reopens_with_a_new_deadline(office):
    a = new_action(office)
    with pytest.raises(ServiceError):  # not done yet
        actions.action_verify(action=a, actor=office.manager, effective=True, verification="ok")
    actions.action_complete(action=a, actor=office.supervisor, note="已完成")
    with pytest.raises(Forbidden):  # the CS supervisor may not verify (QA-3)
        actions.action_verify(action=a, actor=office.supervisor, effective=True, verification="ok")
    with pytest.raises(ServiceError) as e:
        actions.action_verify(action=a, actor=office.manager, effective=True, verification="")
    assert e.value.field == "verification"
    with pytest.raises(ServiceError) as e:
        actions.action_verify(action=a, actor=office.manager, effective=False, verification="仍有投诉")
    assert e.value.field == "new_due_on"
    later = SOON + dt.timedelta(days=20)
    actions.action_verify(action=a, actor=office.manager, effective=False, verification="仍有投诉", new_due_on=later)
    a.refresh_from_db()
    assert (a.status, a.due_on, a.done_at) == (ActionStatus.OPEN, later, None)
    clocks = qa3(a)
    assert [c.state for c in clocks] == [DeadlineState.MET, DeadlineState.OPEN]
    assert clocks[1].due_at == workdays.deadline_end(later)
    actions.action_complete(action=a, actor=office.supervisor, note="再次整改")
    actions.action_verify(action=a, actor=office.manager, effective=True, verification="连续一月无投诉")
    assert a.status == ActionStatus.VERIFIED and a.verified_by == office.manager
    assert ActivityLog.objects.filter(verb="engagement.action.reopened").count() == 1


def test_sv6_publish_refused_until_every_key_item_has_a_measure(office):
    s, sec, cle = issued_survey(office)  # dissatisfied: cleaning 2 (66.7% cumulative, key), security 1 (100%)
    keys = [m.item.text for m in actions.measures_of(s)]
    assert keys == ["清洁"]
    with pytest.raises(ServiceError) as e:
        actions.survey_publish_measures(survey=s, actor=office.supervisor)
    assert "清洁" in str(e.value) and "治安" not in str(e.value)
    with pytest.raises(Forbidden):
        actions.survey_publish_measures(survey=s, actor=office.desk)
    new_action(office, item=cle, problem="楼道清洁不到位")
    actions.survey_publish_measures(survey=s, actor=office.supervisor)
    s.refresh_from_db()
    assert s.measures_published_at is not None
    [clock] = [d for d in deadlines_of(s) if d.rule == "SV-6.measures"]
    assert clock.met_at is not None
    with pytest.raises(ServiceError):  # once
        actions.survey_publish_measures(survey=s, actor=office.supervisor)


def test_action_pages_list_budget_filters_and_404(office, client, django_assert_max_num_queries):
    s, _sec, cle = issued_survey(office)
    for n in range(12):
        new_action(office, owner=office.desk if n % 2 else office.supervisor, item=cle, problem=f"问题{n}")
    late = new_action(office, owner=office.desk, problem="超期的问题")
    Deadline.objects.filter(pk=qa3(late)[0].pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(office.desk)
    url = reverse("engagement:actions")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "问题11" in html and "已超时" in html
    overdue = client.get(url, {"overdue": "1"}).content.decode()
    assert "超期的问题" in overdue and "问题3" not in overdue
    mine = client.get(url, {"mine": "1"}).content.decode()
    assert "问题1" in mine and "问题2<" not in mine
    assert client.get(reverse("engagement:action", args=[late.pk])).status_code == 200
    page = client.post(reverse("engagement:action", args=[late.pk]), {"op": "complete", "note": "已处理"}, follow=True)
    assert "已完成待验证" in page.content.decode()
    other = Office()
    client.force_login(other.supervisor)
    assert client.get(reverse("engagement:action", args=[late.pk])).status_code == 404
    assert client.get(reverse("engagement:survey_measures", args=[s.pk])).status_code == 404


def test_action_create_page_from_a_cause(office, client):
    s, _sec, cle = issued_survey(office)
    cause = actions.cause_add(item=cle, actor=office.supervisor, category="man", text="保洁员人手不足")
    client.force_login(office.supervisor)
    url = reverse("engagement:action_new") + f"?cause={cause.pk}"
    assert "保洁员人手不足" in client.get(url).content.decode()
    page = client.post(
        url,
        {
            "kind": "corrective",
            "problem": "清洁",
            "cause_text": "",
            "measure": "增加保洁员",
            "owner": office.desk.pk,
            "due_on": (SOON - dt.timedelta(days=30)).isoformat(),
        },
    )
    assert "完成期限不能早于今天" in page.content.decode()
    page = client.post(
        url,
        {
            "kind": "corrective",
            "problem": "清洁",
            "cause_text": "",
            "measure": "增加保洁员",
            "owner": office.desk.pk,
            "due_on": SOON.isoformat(),
        },
    )
    assert page.status_code == 302
    assert cause.actions.get().cause_text == "保洁员人手不足"
    client.force_login(office.desk)
    assert client.get(url).status_code == 403


def test_sv6_measures_notice_pdf_has_no_names_or_rooms(office, client, tmp_path):
    s, _sec, cle = issued_survey(office)
    office.supervisor.first_name, office.supervisor.last_name = "明", "李"
    office.supervisor.save()
    new_action(office, item=cle, problem="楼道清洁不到位", measure="每日清扫两次")
    actions.survey_publish_measures(survey=s, actor=office.supervisor)
    client.force_login(office.supervisor)
    text = pdf_text(client.get(reverse("engagement:survey_measures_pdf", args=[s.pk])).content)
    text = "".join(text.split())
    assert "整改措施公示" in text and "每日清扫两次" in text and "管理处" in text and "客服主管" in text
    assert office.supervisor.username not in text and "李明" not in text
    assert office.owner.name not in text
    for room in s.sheets.values_list("room__code", flat=True):
        assert room not in text
