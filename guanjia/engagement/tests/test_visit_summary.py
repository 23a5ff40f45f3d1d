"""The monthly visit summary for the director (VS-5): its duty, its computed figures, the
beyond-authority section, prepare/submit and the printable PDF. (The duty's calendar and the
director's approval in depth: test_visit_summary_approval.py.)"""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import approvals, clock, duties, periods
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.periods import Period
from guanjia.core.tests.factories import login, staff
from guanjia.core.tests.pdf import pdf_text
from guanjia.engagement import visit_reports
from guanjia.engagement.services import (
    SUMMARY,
    visit_give_feedback,
    visit_record,
    visit_summary_prepare,
    visit_summary_submit,
)
from guanjia.estates.tests.factories import RoomFactory
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db

OCT = dt.date(2026, 10, 1)
NOW = at(2026, 11, 3, 10, 0)  # October is over; its summary is due by 24:00 of 5 November


@pytest.fixture(autouse=True)
def _pinned():
    """Every test here runs on 3 November 2026 (unless it pins another moment), whatever today is."""
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def october_duty(office) -> Deadline:
    return Deadline.objects.get(community=office.community, duty=SUMMARY, period="2026-10")


def rooms(office, n):
    c = office.community
    return [RoomFactory(community=c, unit__building__community=c, unit__community=c) for _ in range(n)]


def record(office, room=None, **kw):
    kw.setdefault("form", "office")
    kw.setdefault("visited_at", at(2026, 10, 10, 10, 0))
    return visit_record(community=office.community, actor=office.supervisor, room=room or office.room, **kw)


# --- VS-5: the duty ---------------------------------------------------------------------------


def test_vs5_visits_open_nothing_the_calendar_opens_the_month(office):
    """Not opened by the month's first visit (DESIGN §13): recording visits, callbacks or not, opens
    no VS-5 clock; the calendar opens October's once October is over, due 24:00 of 5 November."""
    record(office, visited_at=at(2026, 10, 3, 9, 0))
    record(office, visited_at=at(2026, 10, 20, 9, 0), is_callback=True)
    assert not Deadline.objects.filter(rule="VS-5").exists()
    duties.duties_open([office.community], now=NOW, keys=[SUMMARY])
    october = october_duty(office)
    assert october.due_at == at(2026, 11, 6, 0, 0)  # 24:00 of 5 November = 00:00 of 6 November
    assert october.starts_at == at(2026, 11, 1, 0, 0) and october.owner_role == "cs_supervisor"
    assert october.rule == "VS-5" and october.subject == office.community
    assert duties.duties_open([office.community], now=at(2026, 11, 20, 9, 0), keys=[SUMMARY]) == 0
    assert duties.duties_open([office.community], now=at(2026, 12, 1, 0, 0), keys=[SUMMARY]) == 1  # November


def test_vs5_summary_day_is_a_policy(office):
    from guanjia.core.policies import policy_set

    policy_set(community=office.community, key="VS-5.summary_day", raw_value="3", actor=office.manager)
    row = visit_reports.summary_duty(office.community, Period.parse("2026-10"))
    assert row.due_at == at(2026, 11, 4, 0, 0)


def test_vs5_submit_meets_the_duty_and_starts_the_approval(office):
    record(office)
    summary = visit_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, text="总体平稳")
    duties.duties_open([office.community], keys=[SUMMARY])
    assert october_duty(office).met_at is None
    visit_summary_submit(summary=summary, actor=office.supervisor)
    summary.refresh_from_db()
    deadline = october_duty(office)
    assert deadline.met_at == summary.submitted_at == NOW and deadline.met_by == office.supervisor
    entry = ActivityLog.objects.get(verb="engagement.visit_summary.submitted")
    assert entry.data["on_time"] is True and entry.data["month"] == "2026-10"
    assert approvals.current_approval(summary, SUMMARY).current_role == "office_manager"
    with pytest.raises(Conflict):
        visit_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, text="改")
    with pytest.raises(Conflict):
        visit_summary_submit(summary=summary, actor=office.supervisor)
    with pytest.raises(ServiceError) as e:  # the director's figures stay true: no late records into October
        record(office, visited_at=at(2026, 10, 30, 9, 0))
    assert e.value.field == "visited_at" and "已报送" in e.value.message
    record(office, visited_at=at(2026, 11, 2, 9, 0))  # a late visit goes into November's summary


def test_vs5_prepare_twice_keeps_one_summary(office):
    visit_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, text="一")
    summary = visit_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, text="二")
    assert summary.text == "二"
    assert summary.__class__.objects.count() == 1


def test_vs5_month_must_have_ended(office):
    this_month = Period.of(periods.MONTH, clock.now())  # November, pinned
    with pytest.raises(ServiceError) as e:
        visit_summary_prepare(community=office.community, month=this_month, actor=office.supervisor, text="x")
    assert e.value.field == "month" and "尚未结束" in str(e.value.message)


def test_vs5_submit_needs_the_text(office):
    summary = visit_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, text="")
    with pytest.raises(ServiceError) as e:
        visit_summary_submit(summary=summary, actor=office.supervisor)
    assert e.value.field == "text"
    summary.refresh_from_db()
    assert summary.submitted_at is None


def test_vs5_front_desk_may_not_prepare(office):
    with pytest.raises(Forbidden):
        visit_summary_prepare(community=office.community, month=OCT, actor=office.desk, text="x")


# --- VS-5: the figures, a worked example -----------------------------------------------------


def worked_example(office):
    """8 moved-in households (4% → quota 1). Five visits in October to three households, one callback."""
    a, b, c, d, e, f, g = rooms(office, 7)
    v1 = record(
        office,
        room=a,
        form="home",
        appointment_at=at(2026, 10, 1, 9, 0),
        topics=["cleaning"],
        opinions="楼道脏",
        signed=True,
        feedback_owed=True,
    )
    visit_give_feedback(visit=v1, actor=office.supervisor, feedback="已安排保洁")
    record(
        office,
        room=b,
        form="phone",
        topics=["cleaning", "security"],
        opinions="门禁坏了",
        signature_refused=True,
        feedback_owed=True,
        beyond_authority=True,
    )
    record(office, room=b, form="phone", visited_at=at(2026, 10, 12, 10, 0))
    record(office, room=c, form="office", key_customer=True, measures="每月上门一次", opinions="停车位不足")
    record(office, room=a, form="outdoors", is_callback=True, visited_at=at(2026, 10, 28, 10, 0))
    record(office, room=d, visited_at=at(2026, 9, 30, 10, 0))  # September: not counted
    return a, b, c


def test_vs5_figures_of_a_worked_example(office):
    worked_example(office)
    f = visit_reports.month_figures(office.community, OCT)
    assert (f.progress.households, f.progress.quota, f.progress.visited) == (8, 1, 3)  # VS-1: distinct, no callbacks
    assert (f.total, f.callbacks) == (5, 1)
    forms = dict(f.by_form)
    assert (forms["上门"], forms["电话"], forms["来访/办公室"], forms["户外"], forms["问卷"]) == (1, 2, 1, 1, 0)
    assert dict(f.by_topic) == {"清洁": 2, "治安": 1}
    assert (f.signed, f.refused, f.unsigned) == (1, 1, 3)
    assert (f.feedback_owed, f.feedback_given, f.feedback_pending) == (2, 1, 1)
    assert f.key_customer_count == 1 and f.key_customers[0].measures == "每月上门一次"
    assert [v.opinions for v in f.opinions] == ["楼道脏", "门禁坏了", "停车位不足"]
    assert [v.opinions for v in f.beyond_authority] == ["门禁坏了"]


# --- The page and the PDF ----------------------------------------------------------------------


def test_summary_page_shows_figures_and_beyond_authority(client, office, django_assert_max_num_queries):
    a, b, c = worked_example(office)
    client.force_login(office.supervisor)
    url = reverse("engagement:visit_summary") + "?month=2026-10"
    client.get(url)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 / 1" in html  # visited / quota
    beyond = html.split('id="summary-beyond"')[1].split("</section>")[0]
    assert "超出管理处权限事项（报公司投诉中心）" in beyond
    assert b.code in beyond and "门禁坏了" in beyond and "楼道脏" not in beyond
    key = html.split('id="summary-key-customers"')[1].split("</section>")[0]
    assert c.code in key and "每月上门一次" in key
    assert "2026-11-05 24:00" in html  # due 24:00 of the 5th, as a clerk says it


def test_summary_query_count_does_not_grow(client, office, django_assert_max_num_queries):
    for room in rooms(office, 25):
        record(office, room=room, opinions="意见", feedback_owed=True)
    client.force_login(office.supervisor)
    url = reverse("engagement:visit_summary") + "?month=2026-10"
    client.get(url)
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "submitted, verdict",
    [(at(2026, 11, 5, 23, 59), "按时完成"), (at(2026, 11, 6, 0, 1), "超时完成")],
    ids=["by-5th-24:00", "after-5th-24:00"],
)
def test_summary_prepare_and_submit_from_the_page(client, office, submitted, verdict):
    """VS-5: the summary is due by 24:00 of the 5th; submitting a minute either side is met on time or late."""
    record(office)
    client.force_login(office.supervisor)
    url = reverse("engagement:visit_summary")
    with clock.frozen(at(2026, 11, 2, 10, 0)):
        response = client.post(url, {"month": "2026-10", "text": "本月拜访正常", "action": "prepare"})
    back = f"{url}?month=2026-10&community={office.community.pk}"
    assert response.status_code == 302 and response["Location"] == back
    assert [str(m) for m in response.wsgi_request._messages] == ["拜访汇总已保存。"]
    with clock.frozen(submitted):
        response = client.post(url, {"month": "2026-10", "text": "本月拜访正常。", "action": "submit"})
        assert response.status_code == 302 and response["Location"] == back
        assert [str(m) for m in response.wsgi_request._messages][-1] == "拜访汇总已报送管理处经理。"
        page = client.get(url + "?month=2026-10").content.decode()
    assert verdict in page and "本月拜访正常。" in page and 'id="summary-form"' not in page
    assert october_duty(office).met_at == submitted


def test_summary_submit_without_text_shows_error_beside_field(client, office):
    """VS-5 on core.console.ActionView: the refusal is beside the text at 400, on the month as now stored."""
    client.force_login(office.supervisor)
    response = client.post(reverse("engagement:visit_summary"), {"month": "2026-10", "text": "", "action": "submit"})
    assert response.status_code == 400
    assert response.context["form"].errors["text"] == ["请填写汇总意见后再报送。"]
    html = response.content.decode()
    assert 'id="summary-form"' in html and "请填写汇总意见后再报送。" in html
    # the text was saved before sending was refused (as before): the page reads the month again
    assert response.context["summary"] is not None and "已编制，未报送" in html
    assert october_duty(office).met_at is None


def test_summary_sent_is_not_rewritten_from_the_page(client, office):
    """VS-5: once with the director, the text stays: a stale form's POST is a 409 and changes nothing."""
    summary = visit_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, text="总体平稳")
    visit_summary_submit(summary=summary, actor=office.supervisor)
    client.force_login(office.supervisor)
    url = reverse("engagement:visit_summary")
    response = client.post(url, {"month": "2026-10", "text": "改", "action": "prepare"})
    assert response.status_code == 409
    assert response.context["form"].non_field_errors() == ["2026年10月的拜访汇总已报送，不能再修改。"]
    summary.refresh_from_db()
    assert summary.text == "总体平稳"


def test_summary_front_desk_sees_but_may_not_write(client, office):
    """AR-4: reading the month is engagement.view_visits; the form is engagement.visit_summary's."""
    client.force_login(office.desk)
    url = reverse("engagement:visit_summary")
    response = client.get(url + "?month=2026-10")
    assert response.status_code == 200 and 'id="summary-form"' not in response.content.decode()
    assert client.post(url, {"month": "2026-10", "text": "x"}).status_code == 403
    assert client.post(url, {"month": "2026-10", "text": "x", "action": "submit"}).status_code == 403
    assert not visit_reports.summary_of(office.community, Period.of(periods.MONTH, OCT))


def test_summary_pdf_has_rooms_sections_and_sign_off_but_no_phone(client, office, tmp_path):
    a, b, c = worked_example(office)
    office.owner.phones.create(community=office.community, number="13812345678")
    record(office, room=office.room, opinions="业主本人意见")
    visit_summary_prepare(community=office.community, month=OCT, actor=office.supervisor, text="总体平稳")
    client.force_login(office.supervisor)
    response = client.get(reverse("core:document_pdf", args=["VS-5.summary", f"{office.community.pk}-2026-10"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "业户拜访工作汇总" in text and "2026年10月" in text
    assert "超出管理处权限事项（报公司投诉中心）" in text and "门禁坏了" in text
    assert b.code in text and "每月上门一次" in text and "总体平稳" in text
    assert "管理处经理" in text and "客服主管" in text and "总经理" not in text  # VS-5: the office's director
    assert "13812345678" not in text and office.owner.name not in text


def test_the_summary_lists_visits_so_roles_without_visits_neither_see_nor_print_it(client, office):
    """AR-4: the summary shows the month's visited rooms and their opinions — what
    engagement.view_visits keeps from the technician and the cashier."""
    record(office)
    cashier = staff("cashier", office.community)
    for user in (office.technician, cashier):
        login(client, user, office.community)
        assert client.get(reverse("engagement:visit_summary") + "?month=2026-10").status_code == 403
        pdf = client.get(reverse("core:document_pdf", args=["VS-5.summary", f"{office.community.pk}-2026-10"]))
        assert pdf.status_code in (403, 404)
        assert reverse("engagement:visit_summary") not in client.get(reverse("core:dashboard")).content.decode()
    login(client, office.supervisor, office.community)
    assert client.get(reverse("engagement:visit_summary") + "?month=2026-10").status_code == 200
