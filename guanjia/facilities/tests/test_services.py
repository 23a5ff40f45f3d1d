"""Services of the equipment ledger (FM-1): devices (every refusal names its field), the statutory
inspection as a core Deadline (opened, moved, met by an inspection record, cancelled when the device
is taken out of use), the contractor's licence expiry, fault tickets linked from the ledger's side,
documents, permissions (the equipment supervisor and office manager manage, technicians only read)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guanjia.core import clock
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.roles import Role
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.estates.tests.factories import BuildingFactory
from guanjia.servicedesk.services.tickets import ticket_create

from .. import services
from ..choices import Maintainer, RecordKind
from ..models import DeviceRecord, DeviceTicket
from .factories import device_type, make_device, make_lift

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 10, 0)
TODAY = dt.date(2026, 11, 20)


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


def pending(device):
    return list(Deadline.objects.filter(subject_id=str(device.pk), rule="FM-1").pending())


def test_fm1_device_create_logs_and_opens_the_inspection_deadline(community, supervisor):
    lift = make_lift(community, supervisor, next_inspection_on=dt.date(2027, 3, 1))
    [deadline] = pending(lift)
    assert deadline.due_at == at(2027, 3, 2, 0, 0)  # 24:00 of the day
    assert deadline.owner_role == Role.EQUIPMENT_SUPERVISOR and deadline.owner is None
    assert "1号客梯" in deadline.title and deadline.community == community
    entry = ActivityLog.objects.get(verb="facilities.device.created")
    assert entry.actor == supervisor and entry.subject_id == str(lift.pk)


def test_fm1_a_responsible_person_owns_the_deadline(community, supervisor):
    lift = make_lift(community, supervisor, responsible=supervisor)
    [deadline] = pending(lift)
    assert deadline.owner == supervisor and deadline.owner_role == ""


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"code": ""}, "code", "设备编号"),
        ({"name": " "}, "name", "设备名称"),
        ({"place": ""}, "place", "房间/公共区域"),
        ({"commissioned_on": dt.date(2026, 12, 1)}, "commissioned_on", "启用日期"),
        (
            {"commissioned_on": dt.date(2020, 1, 1), "warranty_ends_on": dt.date(2019, 1, 1)},
            "warranty_ends_on",
            "保修期至",
        ),
        ({"last_inspection_on": dt.date(2026, 12, 1)}, "last_inspection_on", "上次法定检验"),
        (
            {"last_inspection_on": dt.date(2026, 3, 1), "next_inspection_on": dt.date(2026, 2, 1)},
            "next_inspection_on",
            "下次法定检验",
        ),
        ({"maintainer": Maintainer.CONTRACTOR}, "contractor", "维保单位"),
        ({"brand": "x" * 51}, "brand", "品牌"),
    ],
)
def test_fm1_device_refusals_name_the_field(community, supervisor, fields, field, words):
    with pytest.raises(ServiceError) as refused:
        make_device(community, supervisor, **fields)
    assert refused.value.field == field and words in str(refused.value.message)


def test_fm1_special_equipment_needs_registration_and_inspection(community, supervisor):
    with pytest.raises(ServiceError) as refused:
        make_lift(community, supervisor, registration_no="")
    assert refused.value.field == "registration_no" and "特种设备" in str(refused.value.message)
    with pytest.raises(ServiceError) as refused:
        make_lift(community, supervisor, next_inspection_on=None)
    assert refused.value.field == "next_inspection_on"


def test_fm1_code_unique_per_community_only(community, supervisor):
    make_device(community, supervisor, code="SB-01")
    with pytest.raises(Conflict) as refused:
        make_device(community, supervisor, code="SB-01")
    assert refused.value.field == "code" and "SB-01" in str(refused.value.message)
    make_device(CommunityFactory(), code="SB-01")  # another community may use it


def test_fm1_another_communitys_building_or_contractor_is_refused(community, supervisor):
    elsewhere = CommunityFactory()
    with pytest.raises(ServiceError) as refused:
        make_device(community, supervisor, building=BuildingFactory(community=elsewhere))
    assert refused.value.field == "building" and refused.value.status == 404
    contractor = services.contractor_create(community=elsewhere, actor=staff("office_manager", elsewhere), name="X")
    with pytest.raises(ServiceError) as refused:
        make_device(community, supervisor, maintainer=Maintainer.CONTRACTOR, contractor=contractor)
    assert refused.value.field == "contractor"


def test_fm1_permissions_technicians_only_read(community, supervisor):
    technician = staff("technician", community)
    with pytest.raises(Forbidden):
        make_device(community, technician)
    device = make_device(community, staff("office_manager", community))
    with pytest.raises(Forbidden):
        services.device_record_add(
            device=device, actor=technician, kind="maintenance", done_on=TODAY, done_by="我", content="保养"
        )
    with pytest.raises(Forbidden):
        make_device(community, staff("equipment_supervisor", CommunityFactory()))  # another office's supervisor


def test_fm1_update_moves_the_deadline_and_out_of_use_cancels_it(community, supervisor):
    lift = make_lift(community, supervisor, next_inspection_on=dt.date(2027, 3, 1))
    services.device_update(device=lift, actor=supervisor, next_inspection_on=dt.date(2027, 4, 1))
    [deadline] = pending(lift)
    assert deadline.due_at == at(2027, 4, 2, 0, 0)
    assert Deadline.objects.filter(subject_id=str(lift.pk), cancelled_at__isnull=False).count() == 1
    services.device_update(device=lift, actor=supervisor, brand="奥的斯")  # not a date: the deadline stays
    assert [d.pk for d in pending(lift)] == [deadline.pk]
    services.device_update(device=lift, actor=supervisor, active=False)
    assert pending(lift) == []
    entry = ActivityLog.objects.filter(verb="facilities.device.updated").latest("id")
    assert entry.data["changed"] == ["active"]


def test_fm1_an_inspection_record_meets_the_deadline_and_opens_the_next(community, supervisor):
    lift = make_lift(community, supervisor, next_inspection_on=dt.date(2026, 12, 5))
    [first] = pending(lift)
    record = services.device_record_add(
        device=lift,
        actor=supervisor,
        kind=RecordKind.INSPECTION,
        done_on=dt.date(2026, 11, 18),
        done_by="市特检院",
        content="定期检验",
        result="合格",
        next_due_on=dt.date(2027, 11, 17),
        certificate_no="TJ-1118",
    )
    first.refresh_from_db()
    assert first.met_at == at(2026, 11, 19, 0, 0) and first.met_by == supervisor  # met on the day it was done
    lift.refresh_from_db()
    assert lift.last_inspection_on == dt.date(2026, 11, 18) and lift.next_inspection_on == dt.date(2027, 11, 17)
    assert lift.certificate_no == "TJ-1118"
    [second] = pending(lift)
    assert second.due_at == at(2027, 11, 18, 0, 0)
    assert record.recorded_by == supervisor
    assert ActivityLog.objects.filter(verb="facilities.record.added", subject_id=str(lift.pk)).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"done_on": dt.date(2026, 11, 21)}, "done_on"),
        ({"done_by": ""}, "done_by"),
        ({"content": " "}, "content"),
        ({"kind": "inspection"}, "next_due_on"),
        ({"kind": "inspection", "next_due_on": dt.date(2026, 11, 1)}, "next_due_on"),
        ({"next_due_on": dt.date(2027, 1, 1)}, "next_due_on"),
        ({"kind": "nonsense"}, "kind"),
        ({"cost": Decimal("-1")}, "cost"),
    ],
)
def test_fm1_record_refusals_name_the_field(community, supervisor, fields, field):
    device = make_device(community, supervisor)
    values = {"kind": "maintenance", "done_on": dt.date(2026, 11, 2), "done_by": "工程部", "content": "保养"}
    values.update(fields)
    with pytest.raises(ServiceError) as refused:
        services.device_record_add(device=device, actor=supervisor, **values)
    assert refused.value.field == field
    assert DeviceRecord.objects.count() == 0


def test_fm1_contractor_licence_expiry_is_a_deadline_renewal_meets_it(community, supervisor):
    contractor = services.contractor_create(
        community=community,
        actor=supervisor,
        name="通达电梯",
        licence_no="TS-1",
        licence_expires_on=dt.date(2026, 12, 10),
    )
    [deadline] = Deadline.objects.filter(subject_id=str(contractor.pk), rule="FM-1").pending()
    assert deadline.due_at == at(2026, 12, 11, 0, 0) and "通达电梯" in deadline.title
    services.contractor_update(contractor=contractor, actor=supervisor, licence_expires_on=dt.date(2029, 12, 10))
    deadline.refresh_from_db()
    assert deadline.met_at == NOW
    [renewed] = Deadline.objects.filter(subject_id=str(contractor.pk), rule="FM-1").pending()
    assert renewed.due_at == at(2029, 12, 11, 0, 0)
    with pytest.raises(Conflict) as refused:
        services.contractor_create(community=community, actor=supervisor, name="通达电梯")
    assert refused.value.field == "name"
    with pytest.raises(ServiceError) as refused:
        services.contractor_create(community=community, actor=supervisor, name="B", licence_expires_on=TODAY)
    assert refused.value.field == "licence_no"


def test_fm1_fault_tickets_link_from_the_ledger_side(community, supervisor):
    device = make_device(community, supervisor)
    desk = staff("front_desk", community)
    ticket = ticket_create(
        community=community,
        actor=desk,
        kind="repair",
        channel="phone",
        description="水泵异响",
        area="地下水泵房",
        category="utilities",
    )
    link = services.device_ticket_link(device=device, ticket=ticket, actor=supervisor)
    assert link.community == community and list(ticket.device_links.all()) == [link]
    with pytest.raises(Conflict):
        services.device_ticket_link(device=device, ticket=ticket, actor=supervisor)
    other = make_device(CommunityFactory())
    with pytest.raises(ServiceError) as refused:
        services.device_ticket_link(device=other, ticket=ticket, actor=staff("company_admin"))
    assert refused.value.status == 404
    services.device_ticket_unlink(device=device, ticket=ticket, actor=supervisor)
    assert not DeviceTicket.objects.exists()
    assert ActivityLog.objects.filter(verb__startswith="facilities.ticket.").count() == 2


def test_fm1_documents_are_checked_and_kept(community, supervisor):
    device = make_device(community, supervisor)
    pdf = SimpleUploadedFile(
        "合格证.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", content_type="application/pdf"
    )
    document = services.device_document_add(
        device=device, actor=supervisor, title="检验合格证", kind="certificate", file=pdf
    )
    assert document.file.name.endswith(".pdf") and document.community == community
    fake = SimpleUploadedFile("x.pdf", b"<?php echo 1; ?>", content_type="application/pdf")
    with pytest.raises(ServiceError) as refused:
        services.device_document_add(device=device, actor=supervisor, title="x", file=fake)
    assert refused.value.field == "file"
    with pytest.raises(ServiceError) as refused:
        services.device_document_add(device=device, actor=supervisor, title="", file=pdf)
    assert refused.value.field == "title"


def test_fm1_types_are_seeded_as_a_tree():
    lift = device_type("lift")
    assert lift.name == "电梯" and lift.special
    assert set(lift.children.values_list("name", flat=True)) == {"客梯", "货梯", "自动扶梯"}
    for code in ("water-pump", "fire-pump", "alarm-panel", "generator", "substation", "water-tank", "gate", "cctv"):
        assert device_type(code).parent is not None
