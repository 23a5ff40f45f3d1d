"""The import services: preview, queue and the atomic bulk commit."""

from __future__ import annotations

import io
import os
import uuid
from functools import lru_cache

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.crypto import encrypt
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog

from ..choices import ImportKind, ImportStatus, RoomUse
from ..models import Building, ImportBatch, Lease, Ownership, Person, Phone, Room, Unit
from ..names import pinyin_keys
from .columns import CHUNK, MAX_FILE_BYTES
from .reader import parse
from .records import PersonRecord, Preview

# --- Services -----------------------------------------------------------------------------


def import_preview(*, community, actor, kind: str, file) -> ImportBatch:
    """Check an uploaded file and keep it with its problems; nothing is written to the register yet."""
    require(actor, "estates.import", community)
    if kind not in ImportKind.values:
        raise ServiceError("invalid", _("导入内容：请选择要导入的清单。"), field="kind")
    name = os.path.basename(getattr(file, "name", "") or "import.xlsx")
    if os.path.splitext(name)[1].lower() != ".xlsx":
        raise ServiceError("bad_file", _("文件：仅支持 Excel（.xlsx）文件；.xls 请先另存为 .xlsx。"), field="file")
    if getattr(file, "size", 0) > MAX_FILE_BYTES:
        raise ServiceError("file_too_large", _("文件：不能超过 20MB。"), field="file")
    content = file.read()
    preview = parse(kind, io.BytesIO(content), community=community)
    batch = ImportBatch(
        community=community,
        kind=kind,
        filename=name[:200],
        status=ImportStatus.PREVIEWED,
        total_rows=preview.total_rows,
        errors=preview.errors,
        result={"preview": preview.summary()},
        created_by=actor,
    )
    with transaction.atomic():
        batch.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(content), save=False)
        batch.save()
        log(
            actor,
            "estates.import.previewed",
            batch,
            summary=_("上传导入文件 %(name)s：%(rows)s 行，%(errors)s 处问题")
            % {"name": batch.filename, "rows": preview.total_rows, "errors": len(preview.errors)},
        )
    return batch


def import_queue(*, batch: ImportBatch, actor, valid_only: bool = False, left_out: int | None = None) -> ImportBatch:
    """Mark a checked batch as waiting for the background worker.

    The default is all or nothing: a batch with problems is refused. `valid_only=True` is the
    clerk's explicit choice to write only the rows without problems; `left_out` is the number of
    rows the clerk was shown as left out, so a file that changed meanwhile is not written."""
    require(actor, "estates.import", batch.community)
    _check_committable(batch, valid_only=valid_only)
    if valid_only and left_out is not None and left_out != len(_excluded_rows(batch)):
        raise ServiceError("changed", _("预览已更新，请核对不导入的行数后重新确认。"), status=409)
    mode = "valid_only" if valid_only else "all"
    result = {**batch.result, "mode": mode}
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
        status=ImportStatus.QUEUED, result=result
    )
    if not updated:
        raise ServiceError("bad_status", _("该批次已在导入或已处理，不能重复提交。"), status=409)
    batch.status, batch.result = ImportStatus.QUEUED, result
    return batch


def _excluded_rows(batch: ImportBatch) -> list[int]:
    return list(batch.result.get("preview", {}).get("excluded_rows", []))


def _check_committable(batch: ImportBatch, *, valid_only: bool = False) -> None:
    if batch.status not in (ImportStatus.PREVIEWED, ImportStatus.QUEUED):
        raise ServiceError(
            "bad_status", _("该批次状态为“%(status)s”，不能导入。") % {"status": batch.get_status_display()}, status=409
        )
    if not batch.errors:
        return
    if not valid_only:
        raise ServiceError("has_errors", _("文件中还有 %(n)s 处问题，请修改后重新上传。") % {"n": len(batch.errors)})
    preview = batch.result.get("preview", {})
    if preview.get("fatal", True):
        raise ServiceError("has_errors", _("文件本身有问题（表头或必填列），不能只导入部分行，请修改后重新上传。"))
    if not preview.get("counts", {}).get("valid_rows"):
        raise ServiceError("nothing_valid", _("没有可以导入的行，请修改后重新上传。"))


def import_commit(*, batch: ImportBatch, actor, valid_only: bool | None = None) -> ImportBatch:
    """Write a checked batch to the register: all of it in one transaction, or nothing.

    With `valid_only` (or a batch queued that way) the rows the preview held back are left out,
    the rest is written in one transaction, and the log entry says how many rows were left out."""
    require(actor, "estates.import", batch.community)
    if valid_only is None:
        valid_only = batch.result.get("mode") == "valid_only"
    _check_committable(batch, valid_only=valid_only)
    excluded = _excluded_rows(batch) if valid_only else []
    with batch.file.open("rb") as handle:
        preview = parse(batch.kind, io.BytesIO(handle.read()), community=batch.community, skip_rows=excluded)
    if preview.errors or preview.skipped_rows != len(excluded):
        # The register changed since the preview (e.g. a room was registered meanwhile).
        if valid_only:
            preview = _reparse(batch)
        batch.errors, batch.status = preview.errors, ImportStatus.PREVIEWED
        batch.result = {"preview": preview.summary()}
        batch.save(update_fields=["errors", "status", "result"])
        raise ServiceError(
            "has_errors", _("重新检查时发现 %(n)s 处问题，未导入任何数据。") % {"n": len(preview.errors)}
        )
    try:
        with transaction.atomic():
            writer = _write_rooms if batch.kind == ImportKind.ROOMS else _write_leases
            result = writer(preview, batch, actor)
            if valid_only:
                result["left_out"] = len(excluded)
            batch.status, batch.committed_at = ImportStatus.COMMITTED, clock.now()
            batch.result = {
                "preview": batch.result.get("preview", preview.summary()),
                "committed": result,
                "mode": "valid_only" if valid_only else "all",
            }
            batch.save(update_fields=["status", "committed_at", "result"])
            summary = _("导入%(kind)s %(name)s：%(result)s") % {
                "kind": batch.get_kind_display(),
                "name": batch.filename,
                "result": _describe(result),
            }
            if valid_only:
                summary = _("%(summary)s；只导入无问题的行，%(n)s 行有问题未导入") % {
                    "summary": summary,
                    "n": len(excluded),
                }
            log(
                actor,
                "estates.import.committed",
                batch,
                summary=summary,
                mode="valid_only" if valid_only else "all",
                left_out_rows=excluded[:1000],
                **result,
            )
    except Exception as error:
        reason = str(error) or error.__class__.__name__
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED, result={**batch.result, "failure": reason[:500]}
        )
        batch.status = ImportStatus.FAILED
        batch.result = {**batch.result, "failure": reason[:500]}
        raise ServiceError(
            "import_failed", _("导入失败，未写入任何数据：%(reason)s") % {"reason": reason[:200]}
        ) from error
    return batch


def _reparse(batch: ImportBatch) -> Preview:
    with batch.file.open("rb") as handle:
        return parse(batch.kind, io.BytesIO(handle.read()), community=batch.community)


def _describe(result: dict) -> str:
    labels = {
        "rooms": _("房屋"),
        "people_new": _("新增人员"),
        "ownerships": _("产权"),
        "leases": _("租赁"),
    }
    return "，".join(f"{labels[k]} {v}" for k, v in result.items() if k in labels)


@lru_cache(maxsize=50000)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


def _write_people(records: list[PersonRecord], preview: Preview, community) -> dict[int, int]:
    """Create the people not yet registered; return id(record) → Person pk."""
    ids: dict[int, int] = {}
    new: list[tuple[PersonRecord, Person]] = []
    seen: set[int] = set()
    for record in records:
        if id(record) in seen:
            continue
        seen.add(id(record))
        existing = preview.existing_people.get(record.id_hash) if record.id_hash else None
        if existing:
            ids[id(record)] = existing
            continue
        full, initials = _pinyin(record.name)
        new.append(
            (
                record,
                Person(
                    community=community,
                    name=record.name,
                    name_pinyin=full,
                    name_initials=initials,
                    id_type=record.id_type,
                    id_encrypted=encrypt(record.id_number),
                    id_hash=record.id_hash,
                    id_last4=record.id_number[-4:],
                    gender=record.gender,
                    birth_date=record.birth_date,
                ),
            )
        )
    Person.objects.bulk_create([p for _r, p in new], batch_size=CHUNK)
    for record, person in new:
        ids[id(record)] = person.pk
    # Phones: all of a new person's, and those an existing person does not have yet.
    known = set(preview.existing_people.values())
    reused = sorted({pk for pk in ids.values() if pk in known})
    have: set[tuple[int, str]] = set()
    for start in range(0, len(reused), 5000):
        have.update(Phone.objects.filter(person_id__in=reused[start : start + 5000]).values_list("person_id", "number"))
    phones = []
    done: set[int] = set()
    for record in records:
        if id(record) in done:
            continue
        done.add(id(record))
        pk = ids[id(record)]
        for number in record.phones:
            if (pk, number) not in have:
                have.add((pk, number))
                phones.append(Phone(community=community, person_id=pk, number=number, last4=number[-4:]))
    Phone.objects.bulk_create(phones, batch_size=CHUNK)
    return ids


def _write_rooms(preview: Preview, batch: ImportBatch, actor) -> dict:
    community = batch.community
    buildings = {b.code: b for b in Building.objects.filter(community=community)}
    new_buildings = [
        Building(community=community, code=code)
        for code in dict.fromkeys(r.building for r in preview.records)
        if code not in buildings
    ]
    Building.objects.bulk_create(new_buildings, batch_size=CHUNK)
    buildings.update({b.code: b for b in new_buildings})
    units = {(u.building_id, u.code): u for u in Unit.objects.filter(community=community)}
    new_units = []
    for key in dict.fromkeys((buildings[r.building].pk, r.unit) for r in preview.records if r.unit):
        if key not in units:
            unit = Unit(community=community, building_id=key[0], code=key[1])
            units[key] = unit
            new_units.append(unit)
    Unit.objects.bulk_create(new_units, batch_size=CHUNK)

    rooms = []
    for record in preview.records:
        building = buildings[record.building]
        unit = units[(building.pk, record.unit)] if record.unit else None
        rooms.append(
            Room(
                community=community,
                building=building,
                unit=unit,
                number=record.number,
                code=record.code,
                **record.fields,
            )
        )
    Room.objects.bulk_create(rooms, batch_size=CHUNK)

    people = _write_people([o.person for r in preview.records for o in r.owners], preview, community)
    ownerships = [
        Ownership(
            community=community,
            room=room,
            person_id=people[id(owner.person)],
            share=owner.share,
            since=owner.since,
            acquisition=owner.acquisition,
            certificate_no=owner.certificate_no,
        )
        for record, room in zip(preview.records, rooms, strict=False)
        for owner in record.owners
    ]
    Ownership.objects.bulk_create(ownerships, batch_size=CHUNK)

    # One entry per household, so each household file shows where it came from (AR-1).
    room_type = ContentType.objects.get_for_model(Room)
    now = clock.now()
    entries = [
        ActivityLog(
            at=now,
            actor=actor,
            verb="estates.room.imported",
            community=community,
            subject_type=room_type,
            subject_id=str(room.pk),
            household_id=room.pk,
            summary=(
                _("批量导入登记（%(file)s 第 %(row)s 行）%(owners)s")
                % {
                    "file": batch.filename,
                    "row": record.row,
                    "owners": ("：" + _("业主") + "、".join(o.person.name for o in record.owners))
                    if record.owners
                    else "",
                }
            )[:300],
            data={"batch": batch.pk, "row": record.row},
        )
        for record, room in zip(preview.records, rooms, strict=False)
    ]
    ActivityLog.objects.bulk_create(entries, batch_size=CHUNK)
    return {
        "rooms": len(rooms),
        "buildings_new": len(new_buildings),
        "units_new": len(new_units),
        "people_new": len(set(people.values()) - set(preview.existing_people.values())),
        "people_existing": len(set(people.values()) & set(preview.existing_people.values())),
        "ownerships": len(ownerships),
    }


def _write_leases(preview: Preview, batch: ImportBatch, actor) -> dict:
    community = batch.community
    people = _write_people([r.tenant for r in preview.records], preview, community)
    leases = [
        Lease(
            community=community,
            room_id=r.room_id,
            tenant_id=people[id(r.tenant)],
            start=r.start,
            end=r.end,
            ended_on=r.ended_on,
            registration_no=r.registration_no,
            decoration=r.decoration,
            note=r.note,
        )
        for r in preview.records
    ]
    Lease.objects.bulk_create(leases, batch_size=CHUNK)
    # A room let today is "出租" (as lease_create does).
    today = clock.today()
    let = [r.room_id for r in preview.records if r.start <= today <= r.last_day]
    for start in range(0, len(let), 5000):
        Room.objects.filter(pk__in=let[start : start + 5000]).exclude(use=RoomUse.RENTED).update(use=RoomUse.RENTED)
    lease_type = ContentType.objects.get_for_model(Lease)
    now = clock.now()
    ActivityLog.objects.bulk_create(
        [
            ActivityLog(
                at=now,
                actor=actor,
                verb="estates.lease.imported",
                community=community,
                subject_type=lease_type,
                subject_id=str(lease.pk),
                household_id=record.room_id,
                summary=(
                    _("批量导入租赁（%(file)s 第 %(row)s 行）：%(tenant)s，%(start)s 至 %(end)s")
                    % {
                        "file": batch.filename,
                        "row": record.row,
                        "tenant": record.tenant.name,
                        "start": record.start,
                        "end": record.end,
                    }
                )[:300],
                data={"batch": batch.pk, "row": record.row},
            )
            for record, lease in zip(preview.records, leases, strict=False)
        ],
        batch_size=CHUNK,
    )
    return {
        "leases": len(leases),
        "people_new": len(set(people.values()) - set(preview.existing_people.values())),
        "people_existing": len(set(people.values()) & set(preview.existing_people.values())),
    }
