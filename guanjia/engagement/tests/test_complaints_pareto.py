"""The complaints Pareto on the SV-7 topic axis (SV-4): what counts, the period bounds, the page."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.engagement import complaints, surveys
from guanjia.engagement.choices import SurveyKind
from guanjia.servicedesk.models import Ticket
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db
URL = reverse("engagement:complaints_pareto")
_numbers = itertools.count(1)


def ticket(office, received_at, topic="cleaning", kind="complaint", status="received"):
    return Ticket.objects.create(
        community=office.community,
        number=f"T-{next(_numbers):06d}",
        kind=kind,
        channel="phone",
        topic=topic,
        description="x",
        received_at=received_at,
        clock_starts_at=received_at,
        status=status,
    )


@pytest.fixture
def office():
    return Office()


def test_last_full_quarter():
    assert complaints.last_full_quarter(dt.date(2026, 11, 5)) == complaints.Period(
        dt.date(2026, 7, 1), dt.date(2026, 9, 30)
    )
    assert complaints.last_full_quarter(dt.date(2026, 1, 1)) == complaints.Period(
        dt.date(2025, 10, 1), dt.date(2025, 12, 31)
    )


def test_sv4_counts_per_topic_with_period_bounds(client, office):
    # Period 2026-10-01 … 2026-12-31: start inclusive at 00:00, end inclusive until 24:00 (< 2027-01-01 00:00).
    ticket(office, at(2026, 10, 1, 0, 0), "cleaning")  # first moment: in
    ticket(office, at(2026, 12, 31, 23, 59), "cleaning")  # last day: in
    ticket(office, at(2026, 11, 2, 9), "cleaning")
    ticket(office, at(2026, 11, 3, 9), "security")
    ticket(office, at(2026, 11, 4, 9), "")  # no topic → 未分类
    ticket(office, at(2027, 1, 1, 0, 0), "security")  # end + 1 day 00:00: out
    ticket(office, at(2026, 9, 30, 23, 59), "security")  # before the start: out
    ticket(office, at(2026, 11, 5, 9), "security", status="cancelled")  # cancelled: out
    ticket(office, at(2026, 11, 6, 9), "", kind="repair")  # a repair: out
    other = Office()
    ticket(other, at(2026, 11, 6, 9), "security")  # another community: out

    client.force_login(office.supervisor)
    response = client.get(URL, {"start": "2026-10-01", "end": "2026-12-31"})
    pareto = {r.item: r for r in response.context["pareto"]}
    assert response.context["total"] == 5
    assert pareto["清洁"].dissatisfied == 3 and pareto["治安"].dissatisfied == 1 and pareto["未分类"].dissatisfied == 1
    assert [r.item for r in response.context["pareto"]][:3] == ["清洁", "治安", "未分类"]  # ties keep topic order
    assert pareto["清洁"].key and pareto["治安"].key  # 60%, then 80% ≤ 80% (SV-4)
    assert not pareto["未分类"].key  # 100%
    html = response.content.decode()
    assert "60.0%" in html and "<svg" in html


def test_sv4_cumulative_80_is_key(client, office):
    for topic, n in (("cleaning", 3), ("security", 1), ("greening", 1)):
        for d in range(n):
            ticket(office, at(2026, 11, 2 + d, 9), topic)
    client.force_login(office.supervisor)
    rows = client.get(URL, {"start": "2026-10-01", "end": "2026-12-31"}).context["pareto"]
    keys = [r.item for r in rows if r.key]
    assert keys == ["清洁", "治安"]  # 60%, 80% (≤ 80% is key), 绿化 at 100% is not


def test_no_topic_row_only_when_needed(client, office):
    ticket(office, at(2026, 11, 2, 9), "cleaning")
    client.force_login(office.supervisor)
    rows = client.get(URL, {"start": "2026-10-01", "end": "2026-12-31"}).context["pareto"]
    assert "未分类" not in [r.item for r in rows]
    assert len(rows) == 10  # every SV-7 topic, zeros included


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-01", "end": "2026-12-31"}, "开始日期格式不正确"),
        ({"start": "2026-10-01", "end": "abc"}, "结束日期格式不正确"),
        ({"start": "2026-10-01", "end": ""}, "请填写结束日期"),
        ({"start": "2026-12-01", "end": "2026-10-01"}, "结束日期不能早于开始日期"),
    ],
)
def test_bad_dates_name_the_field(client, office, params, message):
    client.force_login(office.supervisor)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_default_period_is_last_full_quarter(client, office):
    client.force_login(office.supervisor)
    period = client.get(URL).context["period"]
    assert period == complaints.last_full_quarter(timezone.localdate())


def test_comparison_with_latest_published_survey(client, office):
    office.room.handover = "moved_in"
    office.room.save()
    s = surveys.survey_create(
        community=office.community,
        actor=office.supervisor,
        kind=SurveyKind.QUESTIONNAIRE,
        year=2026,
        period=2,
        items=[("小区治安", "security"), ("楼道清洁", "cleaning")],
    )
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    cle = s.items.get(topic="cleaning")
    surveys.sheet_record(sheet=s.sheets.get(), actor=office.desk, answers={cle.pk: "dissatisfied"})
    surveys.survey_close(survey=s, actor=office.supervisor)
    surveys.survey_publish_results(survey=s, actor=office.supervisor)
    ticket(office, at(2026, 11, 2, 9), "cleaning")
    client.force_login(office.supervisor)
    response = client.get(URL, {"start": "2026-10-01", "end": "2026-12-31"})
    html = response.content.decode()
    assert "问卷与投诉的关键项" in html and s.title in html
    assert response.context["comparison"]["both"] == ["清洁"]
    assert "楼道清洁" in html


def test_query_budget(client, office, django_assert_max_num_queries):
    for d in range(60):
        ticket(office, at(2026, 10, 1 + d % 28, 9), ["cleaning", "security", "greening", ""][d % 4])
    client.force_login(office.supervisor)
    with django_assert_max_num_queries(15):
        response = client.get(URL, {"start": "2026-10-01", "end": "2026-12-31"})
    assert response.context["total"] == 60
