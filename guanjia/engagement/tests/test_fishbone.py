"""The fishbone of a survey item (SV-5): causes under 人机料法环, layer by layer, drawn as SVG."""

import datetime as dt
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from django.urls import reverse

from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.engagement import actions, charts, surveys
from guanjia.engagement.choices import SurveyKind
from guanjia.engagement.models import Cause
from guanjia.engagement.tests.factories import survey_office
from guanjia.servicedesk.tests.factories import Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return survey_office(households=5)


def issued_survey(office, marks=None):
    """A questionnaire of two items, issued; `marks` = [(security, cleaning)] per returned sheet."""
    s = surveys.survey_create(
        community=office.community,
        actor=office.supervisor,
        kind=SurveyKind.QUESTIONNAIRE,
        year=2026,
        period=2,
        items=[("治安", "security"), ("清洁", "cleaning")],
    )
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    sec, cle = s.items.all()
    marks = marks or [("satisfied", "dissatisfied"), ("satisfied", "dissatisfied"), ("dissatisfied", "basic")]
    for sheet, (a, b) in zip(s.sheets.all(), marks, strict=False):
        surveys.sheet_record(sheet=sheet, actor=office.desk, answers={sec.pk: a, cle.pk: b})
    return s, sec, cle


def test_sv5_cause_tree_three_levels_deep(office):
    s, _sec, cle = issued_survey(office)
    man = actions.cause_add(item=cle, actor=office.supervisor, category="man", text="保洁员人手不足")
    sub = actions.cause_add(item=cle, actor=office.supervisor, text="招聘困难", parent=man)
    subsub = actions.cause_add(item=cle, actor=office.supervisor, text="工资低于周边小区", parent=sub)
    actions.cause_add(item=cle, actor=office.supervisor, category="method", text="清扫频次不够")
    assert subsub.category == "man"  # a sub-cause stays on its parent's bone
    bones = {category: nodes for category, _label, nodes in actions.cause_tree(cle)}
    assert [n.text for n in bones["man"]] == ["保洁员人手不足"]
    assert bones["man"][0].children[0].children[0].text == "工资低于周边小区"
    assert bones["man"][0].children[0].children[0].level == 3
    assert [n.text for n in bones["method"]] == ["清扫频次不够"]
    assert ActivityLog.objects.filter(verb="engagement.cause.added").count() == 4


def test_sv5_cause_validation_names_the_field(office):
    s, sec, cle = issued_survey(office)
    with pytest.raises(ServiceError) as e:
        actions.cause_add(item=cle, actor=office.supervisor, category="", text="原因")
    assert e.value.field == "category"
    with pytest.raises(ServiceError) as e:
        actions.cause_add(item=cle, actor=office.supervisor, category="man", text="  ")
    assert e.value.field == "text" and "原因" in str(e.value)
    other = actions.cause_add(item=sec, actor=office.supervisor, category="man", text="巡逻少")
    with pytest.raises(ServiceError) as e:
        actions.cause_add(item=cle, actor=office.supervisor, text="x", parent=other)
    assert e.value.field == "parent"
    with pytest.raises(Forbidden):
        actions.cause_add(item=cle, actor=office.desk, category="man", text="原因")


def test_sv5_update_and_delete_refused_with_actions(office):
    s, _sec, cle = issued_survey(office)
    man = actions.cause_add(item=cle, actor=office.supervisor, category="man", text="人手不足")
    sub = actions.cause_add(item=cle, actor=office.supervisor, text="招聘难", parent=man)
    actions.cause_update(cause=sub, actor=office.supervisor, text="招聘困难")
    sub.refresh_from_db()
    assert sub.text == "招聘困难"
    actions.action_create(
        community=office.community,
        actor=office.supervisor,
        cause=sub,
        problem="清洁不到位",
        measure="增加两名保洁员",
        owner=office.supervisor,
        due_on=dt.date.today() + dt.timedelta(days=10),
    )
    with pytest.raises(ServiceError) as e:
        actions.cause_delete(cause=man, actor=office.supervisor)  # the action hangs on its sub-cause
    assert e.value.status == 409 and "措施" in str(e.value)
    assert Cause.objects.filter(pk=man.pk).exists()
    lone = actions.cause_add(item=cle, actor=office.supervisor, category="machine", text="设备旧")
    actions.cause_delete(cause=lone, actor=office.supervisor)
    assert not Cause.objects.filter(pk=lone.pk).exists()


def node(text, *children):
    return SimpleNamespace(text=text, children=list(children))


def test_sv5_fishbone_svg_parses_has_every_cause_and_grows():
    few = [("人", [node("人手不足", node("招聘困难"))]), ("机", []), ("料", []), ("法", [node("频次不够")]), ("环", [])]
    svg = charts.fishbone_svg("清洁（不满意 12）", few)
    root = ET.fromstring(svg)
    text = "".join(root.itertext())
    for t in ("人手不足", "招聘困难", "频次不够", "清洁（不满意 12）"[:10], "人", "机", "料", "法", "环"):
        assert t in text
    many = [
        ("人", [node(f"人员原因{i}", node(f"下级{i}", node(f"再下级{i}"))) for i in range(8)]),
        ("机", [node(f"设备原因{i}") for i in range(5)]),
        ("料", []),
        ("法", [node(f"方法原因{i}") for i in range(12)]),
        ("环", []),
    ]
    big = charts.fishbone_svg("清洁", many)
    big_root = ET.fromstring(big)
    big_text = "".join(big_root.itertext())
    assert all(f"再下级{i}" in big_text and f"方法原因{i}" in big_text for i in range(8))
    assert float(big_root.get("height")) > float(root.get("height")) * 2
    # rows never share a y on the same side: each cause has its own line
    ys = [t.get("y") for t in big_root.iter("{http://www.w3.org/2000/svg}text") if t.get("font-size") in ("11", "13")]
    assert len(ys) >= 8 * 3 + 5 + 12


def test_fishbone_page_permissions_and_404(office, client):
    s, sec, cle = issued_survey(office)
    url = reverse("engagement:fishbone", args=[s.pk, cle.pk])
    client.force_login(office.desk)
    page = client.get(url)
    assert page.status_code == 200 and "重点改进项目" in page.content.decode()
    assert client.post(url, {"op": "add", "category": "man", "text": "x"}).status_code == 403
    client.force_login(office.supervisor)
    page = client.post(url, {"op": "add", "category": "man", "text": "保洁员人手不足"}, follow=True)
    assert "保洁员人手不足" in page.content.decode()
    cause = Cause.objects.get(text="保洁员人手不足")
    client.post(url, {"op": "add", "parent": cause.pk, "text": "招聘困难"})
    assert cause.children.get().text == "招聘困难"
    # an item of another survey, or a survey of another community, is not found
    other = Office()
    assert client.get(reverse("engagement:fishbone", args=[s.pk, 999999])).status_code == 404
    other_s = surveys.survey_create(
        community=other.community, actor=other.supervisor, kind=SurveyKind.QUESTIONNAIRE, year=2026, period=2
    )
    assert client.get(reverse("engagement:fishbone", args=[other_s.pk, other_s.items.first().pk])).status_code == 404
    pdf = client.get(reverse("engagement:fishbone_pdf", args=[s.pk, cle.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
