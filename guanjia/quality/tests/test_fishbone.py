"""The fishbone of a survey item (SV-5): causes under 人机料法环, layer by layer, drawn as SVG, and
printed through core's one PDF view."""

import datetime as dt
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.document_models import IssuedDocument
from guanjia.core.documents import document_url
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.engagement import charts, surveys
from guanjia.engagement.choices import SurveyKind
from guanjia.engagement.tests.factories import survey_office
from guanjia.quality import selectors
from guanjia.quality import services as quality
from guanjia.quality.models import Cause

from .factories import Office, answered_survey, at

pytestmark = pytest.mark.django_db
NOW = at(2026, 12, 10, 10, 0)


@pytest.fixture
def office():
    return survey_office(households=5)


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


def test_sv5_cause_tree_three_levels_deep(office):
    _s, _sec, cle = answered_survey(office)
    man = quality.cause_add(item=cle, actor=office.supervisor, category="man", text="保洁员人手不足")
    sub = quality.cause_add(item=cle, actor=office.supervisor, text="招聘困难", parent=man)
    subsub = quality.cause_add(item=cle, actor=office.supervisor, text="工资低于周边小区", parent=sub)
    quality.cause_add(item=cle, actor=office.supervisor, category="method", text="清扫频次不够")
    assert subsub.category == "man"  # a sub-cause stays on its parent's bone
    bones = {category: nodes for category, _label, nodes in selectors.cause_tree(cle)}
    assert [n.text for n in bones["man"]] == ["保洁员人手不足"]
    assert bones["man"][0].children[0].children[0].text == "工资低于周边小区"
    assert bones["man"][0].children[0].children[0].level == 3
    assert [n.text for n in bones["method"]] == ["清扫频次不够"]
    assert ActivityLog.objects.filter(verb="quality.cause.added").count() == 4


def test_sv5_cause_validation_names_the_field(office):
    _s, sec, cle = answered_survey(office)
    with pytest.raises(ServiceError) as e:
        quality.cause_add(item=cle, actor=office.supervisor, category="", text="原因")
    assert e.value.field == "category"
    with pytest.raises(ServiceError) as e:
        quality.cause_add(item=cle, actor=office.supervisor, category="man", text="  ")
    assert e.value.field == "text" and "原因" in str(e.value)
    other = quality.cause_add(item=sec, actor=office.supervisor, category="man", text="巡逻少")
    with pytest.raises(ServiceError) as e:
        quality.cause_add(item=cle, actor=office.supervisor, text="x", parent=other)
    assert e.value.field == "parent"
    with pytest.raises(Forbidden):
        quality.cause_add(item=cle, actor=office.desk, category="man", text="原因")


def test_sv5_update_and_delete_refused_with_actions(office):
    _s, _sec, cle = answered_survey(office)
    man = quality.cause_add(item=cle, actor=office.supervisor, category="man", text="人手不足")
    sub = quality.cause_add(item=cle, actor=office.supervisor, text="招聘难", parent=man)
    quality.cause_update(cause=sub, actor=office.supervisor, text="招聘困难")
    sub.refresh_from_db()
    assert sub.text == "招聘困难"
    quality.action_create(
        community=office.community,
        actor=office.supervisor,
        cause=sub,
        problem="清洁不到位",
        measure="增加两名保洁员",
        owner=office.supervisor,
        due_on=dt.date(2026, 12, 20),
    )
    with pytest.raises(ServiceError) as e:
        quality.cause_delete(cause=man, actor=office.supervisor)  # the action hangs on its sub-cause
    assert e.value.status == 409 and "措施" in str(e.value)
    assert Cause.objects.filter(pk=man.pk).exists()
    lone = quality.cause_add(item=cle, actor=office.supervisor, category="machine", text="设备旧")
    quality.cause_delete(cause=lone, actor=office.supervisor)
    assert not Cause.objects.filter(pk=lone.pk).exists()


def node(text, *children):
    return SimpleNamespace(text=text, children=list(children))


def test_sv5_fishbone_svg_parses_has_every_cause_and_grows():
    few = [("人", [node("人手不足", node("招聘困难"))]), ("机", []), ("料", []), ("法", [node("频次不够")]), ("环", [])]
    root = ET.fromstring(charts.fishbone_svg("清洁（不满意 12）", few))
    text = "".join(root.itertext())
    for t in ("人手不足", "招聘困难", "频次不够", "人", "机", "料", "法", "环"):
        assert t in text
    many = [
        ("人", [node(f"人员原因{i}", node(f"下级{i}", node(f"再下级{i}"))) for i in range(8)]),
        ("机", [node(f"设备原因{i}") for i in range(5)]),
        ("料", []),
        ("法", [node(f"方法原因{i}") for i in range(12)]),
        ("环", []),
    ]
    big_root = ET.fromstring(charts.fishbone_svg("清洁", many))
    big_text = "".join(big_root.itertext())
    assert all(f"再下级{i}" in big_text and f"方法原因{i}" in big_text for i in range(8))
    assert float(big_root.get("height")) > float(root.get("height")) * 2


def test_fishbone_page_permissions_404_and_the_printed_copy(office, client):
    s, _sec, cle = answered_survey(office)
    url = reverse("quality:fishbone", args=[s.pk, cle.pk])
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
    assert document_url("quality.fishbone", s.pk, cle.pk) in client.get(url).content.decode()
    pdf = client.get(document_url("quality.fishbone", s.pk, cle.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert IssuedDocument.objects.get(kind="quality.fishbone").number.startswith("YG-")
    other = Office()
    assert client.get(reverse("quality:fishbone", args=[s.pk, 999999])).status_code == 404
    other_s = surveys.survey_create(
        community=other.community, actor=other.supervisor, kind=SurveyKind.QUESTIONNAIRE, year=2026, period=2
    )
    other_item = other_s.items.first()
    assert client.get(reverse("quality:fishbone", args=[other_s.pk, other_item.pk])).status_code == 404
    assert client.get(document_url("quality.fishbone", other_s.pk, other_item.pk)).status_code == 404
    assert client.get(document_url("quality.fishbone", s.pk, other_item.pk)).status_code == 404


def test_the_results_page_leads_to_the_fishbone_of_a_key_item(office, client):
    s, _sec, cle = answered_survey(office)
    client.force_login(office.supervisor)
    html = client.get(reverse("engagement:survey_results", args=[s.pk])).content.decode()
    assert reverse("quality:fishbone", args=[s.pk, cle.pk]) in html
