"""Console pages of the equipment ledger (FM-1): the device list (filters; query budget constant in the
page size), one device with its whole history in one timeline, the device form (the service's
refusals beside the field), records, ticket links, documents, the QR tag, contractors, the type
tree, the dashboard panel, the menu entry; another community's device is a 404, a technician reads
but cannot write (403)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guanjia.core import clock
from guanjia.core.tests.factories import CommunityFactory, at, login, staff
from guanjia.estates.tests.factories import BuildingFactory
from guanjia.servicedesk.services.tickets import ticket_create

from .. import services
from ..models import Device
from .factories import device_type, make_device, make_lift

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


def devices(community, supervisor, n, building=None):
    contractor = services.contractor_create(
        community=community, actor=supervisor, name=f"维保{Device.objects.count()}", licence_no="L1"
    )
    for i in range(n):
        make_lift(
            community,
            supervisor,
            building=building,
            maintainer="contractor",
            contractor=contractor,
            next_inspection_on=dt.date(2026, 12, 1) + dt.timedelta(days=40 * i),
        )


def test_fm1_device_list_filters_and_query_budget(client, community, supervisor, django_assert_max_num_queries):
    building = BuildingFactory(community=community, code="3")
    devices(community, supervisor, 3, building=building)
    pump = make_device(community, supervisor, code="SB-X", importance="C")
    login(client, supervisor, community)
    url = reverse("facilities:devices")
    with django_assert_max_num_queries(30) as few:
        page = client.get(url)
    assert page.status_code == 200
    devices(community, supervisor, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)  # 34 devices: the same number of queries as 4
    assert len(page.context["devices"]) == 34
    body = page.content.decode()
    assert "即将到期检验" in body and "SB-X" in body
    due = client.get(url, {"due": "1"})  # within FM-1.inspection_warn_days (30): each batch's 2026-12-01 only
    assert [d.next_inspection_on for d in due.context["devices"]] == [dt.date(2026, 12, 1)] * 2
    lifts = client.get(url, {"type": device_type("lift").pk})  # the parent type lists its children
    assert len(lifts.context["devices"]) == 33 and pump not in lifts.context["devices"]
    assert list(client.get(url, {"importance": "C"}).context["devices"]) == [pump]
    assert len(client.get(url, {"building": building.pk}).context["devices"]) == 3
    assert list(client.get(url, {"q": "SB-X"}).context["devices"]) == [pump]


def test_fm1_device_detail_shows_the_whole_history_in_one_timeline(client, community, supervisor):
    lift = make_lift(community, supervisor, next_inspection_on=dt.date(2026, 12, 5))
    services.device_record_add(
        device=lift,
        actor=supervisor,
        kind="maintenance",
        done_on=dt.date(2026, 11, 10),
        done_by="通达电梯",
        content="半月保养",
    )
    ticket = ticket_create(
        community=community,
        actor=staff("front_desk", community),
        kind="repair",
        channel="phone",
        description="电梯异响",
        area="1幢电梯厅",
        category="utilities",
    )
    services.device_ticket_link(device=lift, ticket=ticket, actor=supervisor)
    pdf = SimpleUploadedFile("证.pdf", b"%PDF-1.4\ntrailer<<>>\n%%EOF")
    document = services.device_document_add(
        device=lift, actor=supervisor, title="使用登记证", kind="registration", file=pdf
    )
    login(client, staff("technician", community), community)
    page = client.get(reverse("facilities:device", args=[lift.pk]))
    assert page.status_code == 200
    kinds = [e.kind for e in page.context["events"]]
    assert sorted(kinds[:2]) == ["document", "ticket"] and kinds[2] == "record"  # today's, then 11-10's
    body = page.content.decode()
    assert "半月保养" in body and ticket.number in body and "使用登记证" in body and "即将到期检验" in body
    assert "记录履历" not in body  # a technician reads
    assert client.get(reverse("facilities:document", args=[document.pk])).status_code == 200
    assert client.get(reverse("facilities:device_record_add", args=[lift.pk])).status_code == 403


def test_fm1_another_communitys_device_is_a_404(client, community, supervisor):
    theirs = make_device(CommunityFactory())
    login(client, supervisor, community)
    for name in (
        "facilities:device",
        "facilities:device_edit",
        "facilities:device_tag",
        "facilities:device_record_add",
    ):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404


def test_fm1_device_form_creates_and_shows_refusals_beside_the_field(client, community, supervisor):
    login(client, supervisor, community)
    url = reverse("facilities:device_new")
    assert client.get(url).status_code == 200
    data = {
        "code": "DT-09",
        "name": "9号客梯",
        "type": device_type("lift-passenger").pk,
        "place": "9号电梯井",
        "importance": "A",
        "maintainer": "in_house",
        "active": "on",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "须填写使用登记证号" in str(refused.context["form"].errors["registration_no"])
    data.update(registration_no="梯11沪A9", next_inspection_on="2027-01-10", value="120000.50")
    saved = client.post(url, data)
    lift = Device.objects.get(code="DT-09")
    assert saved.status_code == 302 and saved.url == reverse("facilities:device", args=[lift.pk])
    assert str(lift.value) == "120000.50"
    again = client.post(url, data)
    assert again.status_code == 409 and "DT-09" in str(again.context["form"].errors["code"])
    edit = client.post(reverse("facilities:device_edit", args=[lift.pk]), {**data, "name": "9号梯"})
    assert edit.status_code == 302
    lift.refresh_from_db()
    assert lift.name == "9号梯"


def test_fm1_record_inspection_from_the_console(client, community, supervisor):
    lift = make_lift(community, supervisor, next_inspection_on=dt.date(2026, 12, 5))
    login(client, supervisor, community)
    url = reverse("facilities:device_record_add", args=[lift.pk])
    assert client.get(url, {"kind": "inspection"}).status_code == 200
    data = {"kind": "inspection", "done_on": "2026-11-19", "done_by": "特检院", "content": "定期检验"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "下次检验日期" in refused.content.decode()
    done = client.post(url, {**data, "next_due_on": "2027-11-18", "result": "合格"})
    assert done.status_code == 302
    lift.refresh_from_db()
    assert lift.next_inspection_on == dt.date(2027, 11, 18)


def test_fm1_ticket_link_by_number(client, community, supervisor):
    lift = make_lift(community, supervisor)
    ticket = ticket_create(
        community=community,
        actor=staff("front_desk", community),
        kind="repair",
        channel="phone",
        description="电梯困人",
        area="1幢",
        category="emergency",
    )
    login(client, supervisor, community)
    url = reverse("facilities:device_ticket_link", args=[lift.pk])
    missing = client.post(url, {"number": "NOPE"})
    assert missing.status_code == 404 and "本小区没有这个工单" in missing.content.decode()
    assert client.post(url, {"number": ticket.number}).status_code == 302
    assert client.post(url, {"number": ticket.number}).status_code == 409
    link = lift.ticket_links.get()
    unlink = client.post(reverse("facilities:device_ticket_unlink", args=[lift.pk, link.pk]))
    assert unlink.status_code == 302 and not lift.ticket_links.exists()


def test_fm1_qr_tag_encodes_the_device_page(client, community, supervisor):
    lift = make_lift(community, supervisor)
    login(client, staff("technician", community), community)
    page = client.get(reverse("facilities:device_tag", args=[lift.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and lift.code in body
    assert page.context["url"] == f"http://testserver{reverse('facilities:device', args=[lift.pk])}"


def test_fm1_contractors_pages_and_licence_state(client, community, supervisor):
    login(client, supervisor, community)
    created = client.post(
        reverse("facilities:contractor_new"),
        {"name": "安消消防", "licence_no": "XF-1", "licence_expires_on": "2026-12-01"},
    )
    assert created.status_code == 302
    page = client.get(reverse("facilities:contractors"))
    assert "安消消防" in page.content.decode() and "资质即将到期" in page.content.decode()
    duplicate = client.post(reverse("facilities:contractor_new"), {"name": "安消消防"})
    assert duplicate.status_code == 409 and "已有维保单位" in duplicate.content.decode()
    login(client, staff("technician", community), community)
    assert client.get(reverse("facilities:contractors")).status_code == 200
    assert client.get(reverse("facilities:contractor_new")).status_code == 403


def test_fm1_type_tree_page(client, community, supervisor):
    make_lift(community, supervisor)
    login(client, supervisor, community)
    page = client.get(reverse("facilities:types"))
    body = page.content.decode()
    assert page.status_code == 200 and "电梯" in body and "消防水泵" in body and "视频监控" in body
    counts = {node.type.code: node.count for node in page.context["nodes"]}
    assert counts["lift-passenger"] == 1
    depths = {node.type.code: node.depth for node in page.context["nodes"]}
    assert depths["lift"] == 0 and depths["lift-passenger"] == 1


def test_fm1_menu_and_dashboard_panel(client, community, supervisor):
    make_lift(community, supervisor, next_inspection_on=dt.date(2026, 12, 1))
    login(client, supervisor, community)
    page = client.get(reverse("core:dashboard"))
    body = page.content.decode()
    assert "设备台账" in body and "facilities-inspection-panel" in body and "1号客梯" in body
    login(client, staff("cashier", community), community)
    assert "设备台账" not in client.get(reverse("core:dashboard")).content.decode()
    assert client.get(reverse("facilities:devices")).status_code == 403
