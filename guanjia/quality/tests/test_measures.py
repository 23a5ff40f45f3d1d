"""The measures notice 整改措施公示 (SV-6): refused while a key item (SV-4) has no measure, published
once, late or on time against the survey's 30 working days, and printed for the bulletin board
without a name or a room (LW-1)."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.deadlines import deadlines_of
from guanjia.core.documents import document_url
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.pdf import pdf_text
from guanjia.engagement import timeliness
from guanjia.engagement.tests.factories import survey_office
from guanjia.engagement.views_results import results_context
from guanjia.quality import selectors
from guanjia.quality import services as quality

from .factories import Office, answered_survey, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return survey_office(households=10)


def html(response) -> str:
    return response.content.decode()


def with_measure(office, **kw):
    s, _sec, cle = answered_survey(office)  # issued Tue 1 Dec 2026: due 24:00 of Wed 13 Jan 2027
    with clock.frozen(at(2026, 12, 20, 10, 0)):
        quality.action_create(
            community=office.community,
            actor=office.supervisor,
            item=cle,
            problem=kw.get("problem", "楼道清洁不到位"),
            measure=kw.get("measure", "每日清扫两次"),
            owner=office.supervisor,
            due_on=dt.date(2027, 1, 30),
        )
    return s


def test_sv6_publish_refused_until_every_key_item_has_a_measure(office):
    with clock.frozen(at(2026, 12, 20, 10, 0)):
        s, _sec, cle = answered_survey(office)  # dissatisfied: cleaning 2 (66.7% cumulative, key), security 1
        assert [m.item.text for m in selectors.measures_of(s)] == ["清洁"]
        with pytest.raises(ServiceError) as e:
            quality.survey_publish_measures(survey=s, actor=office.supervisor)
        assert "清洁" in str(e.value) and "治安" not in str(e.value)
        with pytest.raises(Forbidden):
            quality.survey_publish_measures(survey=s, actor=office.desk)
        quality.action_create(
            community=office.community,
            actor=office.supervisor,
            item=cle,
            problem="楼道清洁不到位",
            measure="每日清扫两次",
            owner=office.supervisor,
            due_on=dt.date(2027, 1, 30),
        )
        quality.survey_publish_measures(survey=s, actor=office.supervisor)
        with pytest.raises(ServiceError):  # once
            quality.survey_publish_measures(survey=s, actor=office.supervisor)
    s.refresh_from_db()
    assert s.measures_published_at == at(2026, 12, 20, 10, 0)
    [deadline] = [d for d in deadlines_of(s) if d.rule == "SV-6.measures"]
    assert deadline.met_at == s.measures_published_at
    assert ActivityLog.objects.get(verb="quality.measures.published").subject == s


def test_sv6_published_after_the_limit_shows_as_late_everywhere(client, office):
    s = with_measure(office)
    with clock.frozen(at(2027, 1, 20, 9, 0)):
        client.force_login(office.supervisor)
        response = client.post(reverse("quality:survey_measures", args=[s.pk]))
        assert response.status_code == 302
        s.refresh_from_db()
        check = timeliness.measures_timeliness(s)
        detail = html(client.get(reverse("engagement:survey", args=[s.pk])))
        measures = html(client.get(reverse("quality:survey_measures", args=[s.pk])))
        listing = html(client.get(reverse("engagement:surveys")))
    assert check.late and check.text == "2027-01-20 09:00 公布，已超过期限 2027-01-13 24:00"
    assert "逾期公布" in detail.split('id="survey-measures"')[1].split("</dd>")[0]
    assert reverse("quality:survey_measures", args=[s.pk]) in detail
    assert (
        "整改措施逾期公布：2027-01-20 09:00 公布，已超过期限 2027-01-13 24:00（SV-6：发放后 30 个工作日内公布）"
        in measures
    )
    row = listing.split(s.title)[1].split("</tr>")[0]
    assert "逾期公布" in row and "已超过期限 2027-01-13 24:00" in row


def test_sv6_on_time_and_not_yet_due_are_not_late(client, office):
    s = with_measure(office)
    with clock.frozen(at(2027, 1, 13, 23, 0)):
        assert timeliness.measures_timeliness(s).label == "待公布"
        quality.survey_publish_measures(survey=s, actor=office.supervisor)
        check = timeliness.measures_timeliness(s)
        client.force_login(office.supervisor)
        measures = html(client.get(reverse("quality:survey_measures", args=[s.pk])))
    assert (check.late, check.label) == (False, "按时公布")
    assert 'id="measures-late"' not in measures


def test_sv6_not_published_past_the_limit_is_overdue(client, office):
    s = with_measure(office)
    client.force_login(office.supervisor)
    with clock.frozen(at(2027, 1, 14, 8, 0)):
        check = timeliness.measures_timeliness(s)
        listing = html(client.get(reverse("engagement:surveys")))
        measures = html(client.get(reverse("quality:survey_measures", args=[s.pk])))
    assert check.overdue and check.text == "期限 2027-01-13 24:00 已过，尚未公布"
    assert "已超期未公布" in listing.split(s.title)[1].split("</tr>")[0]
    assert "整改措施已超过公布期限" in measures


def test_sv6_the_printed_notice_has_no_names_or_rooms_and_others_get_404(client, office):
    office.supervisor.first_name, office.supervisor.last_name = "明", "李"
    office.supervisor.save()
    s = with_measure(office, measure="每日清扫两次")
    with clock.frozen(at(2026, 12, 21, 10, 0)):
        quality.survey_publish_measures(survey=s, actor=office.supervisor)
        client.force_login(office.supervisor)
        page = html(client.get(reverse("quality:survey_measures", args=[s.pk])))
        assert document_url("quality.measures", s.pk) in page
        text = "".join(pdf_text(client.get(document_url("quality.measures", s.pk)).content).split())
        client.force_login(Office().supervisor)
        assert client.get(reverse("quality:survey_measures", args=[s.pk])).status_code == 404
        assert client.get(document_url("quality.measures", s.pk)).status_code == 404
    assert "整改措施公示" in text and "每日清扫两次" in text and "管理处" in text and "客服主管" in text
    assert office.supervisor.username not in text and "李明" not in text and office.owner.name not in text
    for room in s.sheets.values_list("room__code", flat=True):
        assert room not in text


def test_the_published_results_show_the_measures_to_owners(client, office):
    s = with_measure(office, measure="每日清扫两次")
    with clock.frozen(at(2026, 12, 21, 10, 0)):
        quality.survey_publish_measures(survey=s, actor=office.supervisor)
        context = results_context(s, public=True)
    assert [a.measure for a in context["actions"]] == ["每日清扫两次"]  # engagement reads them by relation
