"""Writes of the equipment ledger (FM-1): devices, their history, contractors, fault tickets, documents.

Statutory dates are core Deadlines (rule FM-1, the equipment supervisor's, or the device's
responsible person's, due at 24:00 of the day): a device's next statutory inspection 法定检验, and a
contractor's licence expiry 资质到期. An inspection recorded meets the device's deadline and opens the
next one; a changed date (or a device taken out of use) moves it. Open/overdue is the clock's.

A special-equipment device 特种设备 (a lift, a pressure vessel: its type says so) must carry its
registration number 使用登记证号 and its next inspection date (特种设备安全法 arts. 33, 40).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanjia.core import clock, uploads, workdays
from guanjia.core.access import require, roles_of
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_cancel, deadline_meet, deadline_open
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.roles import Role

from .choices import DocumentKind, Maintainer, RecordKind
from .models import Checkpoint, Contractor, Device, DeviceDocument, DeviceRecord, DeviceTicket

RULE = "FM-1"
DEVICE_FIELDS = (
    "code",
    "name",
    "type",
    "brand",
    "model",
    "serial_no",
    "building",
    "floor",
    "place",
    "importance",
    "commissioned_on",
    "warranty_ends_on",
    "value",
    "responsible",
    "maintainer",
    "contractor",
    "registration_no",
    "last_inspection_on",
    "next_inspection_on",
    "certificate_no",
    "active",
    "note",
)
CONTRACTOR_FIELDS = ("name", "licence_no", "licence_expires_on", "contact", "phone", "note")
_TEXT = {"code", "name", "brand", "model", "serial_no", "floor", "place", "registration_no", "certificate_no", "note"}
_TEXT |= {"licence_no", "contact", "phone"}


def _first_error(error: ValidationError) -> ServiceError:
    if hasattr(error, "error_dict"):
        name, errors = next(iter(error.error_dict.items()))
        field = None if name == "__all__" else name
        label = f"{Device._meta.get_field(field).verbose_name}：" if field in DEVICE_FIELDS else ""
        return ServiceError("invalid", label + errors[0].messages[0], field=field)
    return ServiceError("invalid", error.messages[0])


def _set(obj, allowed, fields: dict) -> None:
    for name, value in fields.items():
        if name not in allowed:
            raise TypeError(name)
        setattr(obj, name, value.strip() if name in _TEXT and isinstance(value, str) else value)


# --- Deadlines (FM-1) ----------------------------------------------------------------------------


def _open_inspection(device: Device) -> None:
    """FM-1: the next statutory inspection is a deadline, 24:00 of its day."""
    if device.next_inspection_on is None or not device.active:
        return
    deadline_open(
        subject=device,
        rule=RULE,
        title=_("设备法定检验：%(code)s %(name)s") % {"code": device.code, "name": device.name},
        due_at=workdays.deadline_end(device.next_inspection_on),
        owner=device.responsible,
        owner_role="" if device.responsible_id else Role.EQUIPMENT_SUPERVISOR,
    )


def _open_licence(contractor: Contractor) -> None:
    """FM-1: a contractor maintaining the devices must hold a valid licence; its expiry is a deadline."""
    if contractor.licence_expires_on is None:
        return
    deadline_open(
        subject=contractor,
        rule=RULE,
        title=_("维保单位资质到期：%(name)s") % {"name": contractor.name},
        due_at=workdays.deadline_end(contractor.licence_expires_on),
        owner_role=Role.EQUIPMENT_SUPERVISOR,
    )


# --- Devices -------------------------------------------------------------------------------------


_FOREIGN = ["community", "type", "building", "contractor", "responsible"]


def check_device_rules(device: Device, community, today: dt.date) -> None:
    """Every rule of a device row that needs no query (its related rows assigned as objects): the
    console, the API and the import (facilities.importing) refuse the same things with the same words."""
    if not device.code:
        raise ServiceError("code_required", _("设备编号：请填写设备编号。"), field="code")
    if not device.name:
        raise ServiceError("name_required", _("设备名称：请填写设备名称。"), field="name")
    if device.type_id is None:
        raise ServiceError("type_required", _("设备类型：请选择设备类型。"), field="type")
    if not device.place:
        raise ServiceError("place_required", _("房间/公共区域：请填写设备所在的房间或公共区域。"), field="place")
    if device.building_id is not None and device.building.community_id != community.pk:
        raise ServiceError("not_found", _("楼栋：所选楼栋不在本小区。"), field="building", status=404)
    if device.contractor_id is not None and device.contractor.community_id != community.pk:
        raise ServiceError("not_found", _("维保单位：所选维保单位不在本小区。"), field="contractor", status=404)
    if device.maintainer == Maintainer.CONTRACTOR and device.contractor_id is None:
        raise ServiceError("contractor_required", _("维保单位：委托维保的设备须选择维保单位。"), field="contractor")
    if device.maintainer == Maintainer.IN_HOUSE and device.contractor_id is not None:
        raise ServiceError("contractor_in_house", _("维保单位：自行维护的设备不选维保单位。"), field="contractor")
    if device.commissioned_on and device.commissioned_on > today:
        raise ServiceError("commissioned_future", _("启用日期：不能晚于今天。"), field="commissioned_on")
    if device.commissioned_on and device.warranty_ends_on and device.warranty_ends_on < device.commissioned_on:
        raise ServiceError("warranty_before", _("保修期至：不能早于启用日期。"), field="warranty_ends_on")
    if device.value is not None and device.value < 0:
        raise ServiceError("value", _("原值：不能为负数。"), field="value")
    if device.last_inspection_on and device.last_inspection_on > today:
        raise ServiceError("inspection_future", _("上次法定检验：不能晚于今天。"), field="last_inspection_on")
    if (
        device.last_inspection_on
        and device.next_inspection_on
        and device.next_inspection_on <= device.last_inspection_on
    ):
        raise ServiceError("next_before", _("下次法定检验：须晚于上次法定检验日期。"), field="next_inspection_on")
    if device.type.special and device.active:
        if not device.registration_no:
            raise ServiceError(
                "registration_required",
                _("特种设备使用登记证号：%(type)s是特种设备，须填写使用登记证号。") % {"type": device.type.name},
                field="registration_no",
            )
        if device.next_inspection_on is None:
            raise ServiceError(
                "inspection_required",
                _("下次法定检验：%(type)s是特种设备，须填写下次法定检验日期。") % {"type": device.type.name},
                field="next_inspection_on",
            )
    try:
        device.full_clean(exclude=_FOREIGN, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise _first_error(error) from None


def _check_device(device: Device, community) -> None:
    check_device_rules(device, community, clock.today())
    if device.responsible_id is not None and not roles_of(device.responsible, community):
        raise ServiceError("responsible", _("责任人：所选人员不是本小区的员工。"), field="responsible")
    clash = Device.objects.filter(community=community, code=device.code).exclude(pk=device.pk).exists()
    if clash:
        raise _duplicate_code(device.code)


def _duplicate_code(code: str) -> Conflict:
    return Conflict("duplicate_code", _("设备编号：本小区已有设备 %(code)s。") % {"code": code}, field="code")


def _save_device(device: Device) -> None:
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError:  # the same code saved concurrently
        raise _duplicate_code(device.code) from None


def device_create(*, community, actor, **fields) -> Device:
    """Enter a device in the ledger (FM-1); its next statutory inspection becomes a deadline."""
    require(actor, "facilities.manage", community)
    device = Device(community=community)
    _set(device, DEVICE_FIELDS, fields)
    _check_device(device, community)
    with transaction.atomic():
        _save_device(device)
        _open_inspection(device)
        log(actor, "facilities.device.created", device, summary=str(device))
    return device


def device_update(*, device: Device, actor, **fields) -> Device:
    """Change a device; a new inspection date, responsible person or status moves its FM-1 deadline."""
    require(actor, "facilities.manage", device.community_id)
    before = Device.objects.get(pk=device.pk)
    _set(device, DEVICE_FIELDS, fields)
    _check_device(device, device.community)
    changed = [name for name in DEVICE_FIELDS if getattr(before, name) != getattr(device, name)]
    with transaction.atomic():
        _save_device(device)
        if {"next_inspection_on", "active", "responsible", "code", "name"} & set(changed):
            deadline_cancel(device, RULE)
            _open_inspection(device)
        log(actor, "facilities.device.updated", device, summary=str(device), changed=changed)
    return device


def device_record_add(
    *,
    device: Device,
    actor,
    kind: str,
    done_on: dt.date,
    done_by: str,
    content: str,
    result: str = "",
    next_due_on: dt.date | None = None,
    certificate_no: str = "",
    cost: Decimal | None = None,
) -> DeviceRecord:
    """Add to a device's history (FM-1). A statutory inspection meets its deadline and opens the next."""
    require(actor, "facilities.manage", device.community_id)
    content, done_by = (content or "").strip(), (done_by or "").strip()
    if kind not in RecordKind.values:
        raise ServiceError("kind", _("类别：请选择维护保养、法定检验、维修或其他。"), field="kind")
    if done_on is None or done_on > clock.today():
        raise ServiceError("done_future", _("日期：请填写日期，且不能晚于今天。"), field="done_on")
    if not done_by:
        raise ServiceError("done_by_required", _("执行人/单位：请填写由谁完成。"), field="done_by")
    if not content:
        raise ServiceError("content_required", _("工作内容：请填写做了什么。"), field="content")
    if kind == RecordKind.INSPECTION:
        if next_due_on is None:
            raise ServiceError("next_required", _("下次检验日期：法定检验须填写下次检验日期。"), field="next_due_on")
        if next_due_on <= done_on:
            raise ServiceError("next_before", _("下次检验日期：须晚于本次检验日期。"), field="next_due_on")
    elif next_due_on is not None:
        raise ServiceError("next_not_inspection", _("下次检验日期：只有法定检验填写。"), field="next_due_on")
    if cost is not None and cost < 0:
        raise ServiceError("cost", _("费用：不能为负数。"), field="cost")
    record = DeviceRecord(
        community_id=device.community_id,
        device=device,
        kind=kind,
        done_on=done_on,
        done_by=done_by,
        content=content,
        result=(result or "").strip(),
        next_due_on=next_due_on,
        certificate_no=(certificate_no or "").strip(),
        cost=cost,
        recorded_by=actor,
    )
    try:
        record.full_clean()
    except ValidationError as error:
        raise _first_error(error) from None
    with transaction.atomic():
        record.save()
        if kind == RecordKind.INSPECTION:
            deadline_meet(device, RULE, at=min(clock.now(), workdays.deadline_end(done_on)), by=actor)
            device.last_inspection_on, device.next_inspection_on = done_on, next_due_on
            if record.certificate_no:
                device.certificate_no = record.certificate_no
            device.save(update_fields=["last_inspection_on", "next_inspection_on", "certificate_no"])
            _open_inspection(device)
        log(
            actor,
            "facilities.record.added",
            device,
            summary=_("%(kind)s：%(content)s") % {"kind": record.get_kind_display(), "content": content[:200]},
            record=record.pk,
            kind=kind,
        )
    return record


# --- Contractors ---------------------------------------------------------------------------------


def _check_contractor(contractor: Contractor, community) -> None:
    if not contractor.name:
        raise ServiceError("name_required", _("单位名称：请填写维保单位名称。"), field="name")
    if contractor.licence_expires_on and not contractor.licence_no:
        raise ServiceError(
            "licence_no_required", _("资质证书编号：填写了有效期，请同时填写证书编号。"), field="licence_no"
        )
    try:
        contractor.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise _first_error(error) from None
    if Contractor.objects.filter(community=community, name=contractor.name).exclude(pk=contractor.pk).exists():
        raise Conflict(
            "duplicate_name", _("单位名称：本小区已有维保单位“%(name)s”。") % {"name": contractor.name}, field="name"
        )


def contractor_create(*, community, actor, **fields) -> Contractor:
    require(actor, "facilities.manage", community)
    contractor = Contractor(community=community)
    _set(contractor, CONTRACTOR_FIELDS, fields)
    _check_contractor(contractor, community)
    with transaction.atomic():
        contractor.save()
        _open_licence(contractor)
        log(actor, "facilities.contractor.created", contractor, summary=contractor.name)
    return contractor


def contractor_update(*, contractor: Contractor, actor, **fields) -> Contractor:
    """Change a contractor; a renewed licence meets the old expiry deadline and opens the new one."""
    require(actor, "facilities.manage", contractor.community_id)
    before = Contractor.objects.get(pk=contractor.pk)
    _set(contractor, CONTRACTOR_FIELDS, fields)
    _check_contractor(contractor, contractor.community)
    changed = [name for name in CONTRACTOR_FIELDS if getattr(before, name) != getattr(contractor, name)]
    with transaction.atomic():
        contractor.save()
        if "licence_expires_on" in changed or "name" in changed:
            renewed = (
                before.licence_expires_on is not None
                and contractor.licence_expires_on is not None
                and contractor.licence_expires_on > before.licence_expires_on
            )
            if renewed:
                deadline_meet(contractor, RULE, by=actor)
            else:
                deadline_cancel(contractor, RULE)
            _open_licence(contractor)
        log(actor, "facilities.contractor.updated", contractor, summary=contractor.name, changed=changed)
    return contractor


# --- Fault tickets -------------------------------------------------------------------------------


def device_ticket_link(*, device: Device, ticket, actor) -> DeviceTicket:
    """Say that a service-desk ticket is a fault of this device (its page then lists it)."""
    require(actor, "facilities.manage", device.community_id)
    if ticket.community_id != device.community_id:
        raise ServiceError("not_found", _("工单：所选工单不在本小区。"), field="ticket", status=404)
    if DeviceTicket.objects.filter(device=device, ticket=ticket).exists():
        raise Conflict("already_linked", _("工单：%(n)s 已关联到该设备。") % {"n": ticket.number}, field="ticket")
    with transaction.atomic():
        link = DeviceTicket.objects.create(
            community_id=device.community_id, device=device, ticket=ticket, linked_by=actor
        )
        log(actor, "facilities.ticket.linked", device, summary=ticket.number, ticket=ticket.pk)
    return link


def device_ticket_unlink(*, device: Device, ticket, actor) -> None:
    require(actor, "facilities.manage", device.community_id)
    with transaction.atomic():
        deleted, _rows = DeviceTicket.objects.filter(device=device, ticket=ticket).delete()
        if not deleted:
            raise ServiceError("not_linked", _("工单：该工单没有关联到此设备。"), field="ticket", status=404)
        log(actor, "facilities.ticket.unlinked", device, summary=ticket.number, ticket=ticket.pk)


# --- Documents -----------------------------------------------------------------------------------


def device_document_add(*, device: Device, actor, title: str, file, kind: str = DocumentKind.OTHER) -> DeviceDocument:
    """Keep a certificate, a manual, a contract or a photo with the device (checked by core.uploads)."""
    require(actor, "facilities.manage", device.community_id)
    title = (title or "").strip()
    if not title:
        raise ServiceError("title_required", _("资料名称：请填写资料名称。"), field="title")
    if kind not in DocumentKind.values:
        raise ServiceError("kind", _("资料类别：请选择资料类别。"), field="kind")
    if file is None:
        raise ServiceError("file_required", _("文件：请选择要上传的文件。"), field="file")
    stored = uploads.accept(file, kind=uploads.DOCUMENT, field="file")
    document = DeviceDocument(
        community_id=device.community_id, device=device, kind=kind, title=title[:100], uploaded_by=actor
    )
    with transaction.atomic():
        document.file.save(stored.name, stored, save=False)
        document.save()
        log(actor, "facilities.document.added", device, summary=title[:200], document=document.pk)
    return document


# --- Checkpoints (FM-3, FM-5) -----------------------------------------------------------------------

CHECKPOINT_FIELDS = ("code", "name", "building", "place", "critical", "active")


def checkpoint_create(*, community, actor, **fields) -> Checkpoint:
    """A patrol point 巡更点 with its QR token (its tag is printed from the console)."""
    require(actor, "facilities.patrol.manage", community)
    checkpoint = Checkpoint(community=community)
    for name, value in fields.items():
        if name not in CHECKPOINT_FIELDS:
            raise TypeError(name)
        setattr(checkpoint, name, value.strip() if isinstance(value, str) else value)
    if checkpoint.building_id and checkpoint.building.community_id != community.pk:
        raise ServiceError("invalid", _("楼栋：不属于本小区。"), field="building")
    if Checkpoint.objects.filter(community=community, code=checkpoint.code).exists():
        raise ServiceError(
            "duplicate", _("巡更点编号：“%(code)s”本小区已有。") % {"code": checkpoint.code}, field="code"
        )
    try:
        checkpoint.full_clean()
    except ValidationError as error:
        name, errors = next(iter(error.message_dict.items()))
        label = f"{Checkpoint._meta.get_field(name).verbose_name}：" if name in CHECKPOINT_FIELDS else ""
        raise ServiceError("invalid", label + errors[0], field=name) from None
    with transaction.atomic():
        checkpoint.save()
        log(actor, "facilities.checkpoint.created", checkpoint, summary=str(checkpoint))
    return checkpoint
