"""Writes to the register (PR-1 … PR-4, AR-1). Views, API, imports and commands all call these."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanjia.core import clock, uploads
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.crypto import encrypt, lookup_hash
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.textnorm import clean, clean_prose, clean_text
from guanjia.core.validators import normalise_phone, parse_cn_id

from .choices import Acquisition, Handover, IdType, RoomUse
from .models import (
    Building,
    HouseholdDocument,
    Lease,
    Ownership,
    Person,
    Phone,
    Resident,
    Room,
    Unit,
)
from .names import pinyin_keys

ROOM_FIELDS = (
    "kind",
    "floor",
    "building_area",
    "usable_area",
    "land_area",
    "use",
    "handover",
    "moved_in_on",
    "facilities",
    "garage",
    "note",
)


def _full_clean(obj, exclude=None) -> None:
    """full_clean(), with Django's errors turned into one ServiceError naming the field."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        label = obj._meta.get_field(field).verbose_name if field != "__all__" else ""
        text = f"{label}：{messages[0]}" if label else messages[0]
        raise ServiceError("invalid", text, field=None if field == "__all__" else field) from None


# --- Rooms ------------------------------------------------------------------------------


def building_for(community, code: str) -> Building:
    code = clean(code).upper()
    building, _created = Building.objects.get_or_create(community=community, code=code)
    return building


def unit_for(building: Building, code: str) -> Unit | None:
    code = clean(code).upper()
    if not code:
        return None
    unit, _created = Unit.objects.get_or_create(community=building.community, building=building, code=code)
    return unit


def room_create(*, community, actor, building_code: str, unit_code: str = "", number: str, **fields) -> Room:
    """Register a room (PR-2). The code is derived from building-unit-number."""
    from guanjia.core.textnorm import room_code

    require(actor, "estates.edit", community)
    number = clean(number).upper()
    if not clean(building_code) or not number:
        raise ServiceError("invalid", _("楼栋和房号不能为空。"), field="number")
    with transaction.atomic():
        building = building_for(community, building_code)
        unit = unit_for(building, unit_code)
        room = Room(
            community=community,
            building=building,
            unit=unit,
            number=number,
            code=room_code(building.code, unit.code if unit else "", number),
            **{k: v for k, v in fields.items() if k in ROOM_FIELDS},
        )
        if Room.objects.filter(community=community, code=room.code).exists():
            raise Conflict("room_exists", _("房屋 %(code)s 已存在。") % {"code": room.code}, field="number")
        _full_clean(room, exclude=["building", "unit", "community"])
        room.save()
        log(actor, "estates.room.created", room, household=room, summary=_("登记房屋 %(code)s") % {"code": room.code})
    return room


def room_update(*, room: Room, actor, **fields) -> Room:
    """Change a room's particulars; a change of use is recorded with its date (PR-1)."""
    require(actor, "estates.edit", room.community)
    changes = {}
    for name, value in fields.items():
        if name not in ROOM_FIELDS:
            raise ServiceError("invalid", _("不能修改字段 %(field)s。") % {"field": name}, field=name)
        old = getattr(room, name)
        if old != value:
            changes[name] = [str(old) if old is not None else "", str(value) if value is not None else ""]
            setattr(room, name, value)
    if not changes:
        return room
    if "handover" in changes and room.handover == Handover.MOVED_IN and room.moved_in_on is None:
        room.moved_in_on = clock.today()
    with transaction.atomic():
        _full_clean(room, exclude=["building", "unit", "community"])
        room.save()
        verb = "estates.room.use_changed" if "use" in changes else "estates.room.updated"
        summary = (
            _("用途变更：%(old)s → %(new)s")
            % {"old": RoomUse(changes["use"][0]).label, "new": RoomUse(changes["use"][1]).label}
            if "use" in changes
            else _("修改房屋资料：%(fields)s")
            % {"fields": "、".join(str(Room._meta.get_field(f).verbose_name) for f in changes)}
        )
        log(actor, verb, room, household=room, summary=summary, changes=changes)
    return room


# --- People -----------------------------------------------------------------------------


def _apply_identity(person: Person, id_type: str, id_number: str) -> None:
    """Validate, encrypt and index an ID number; derive gender and birth date (GB 11643)."""
    id_number = clean(id_number).upper()
    person.id_type = id_type or IdType.RESIDENT_ID
    if not id_number:
        person.id_encrypted = person.id_hash = person.id_last4 = ""
        return
    if person.id_type == IdType.RESIDENT_ID:
        try:
            info = parse_cn_id(id_number)
        except ValidationError as error:
            raise ServiceError("invalid_id_number", error.messages[0], field="id_number") from None
        id_number, person.gender, person.birth_date = info.number, info.gender, info.birth_date
    person.id_encrypted = encrypt(id_number)
    person.id_hash = lookup_hash(f"{person.id_type}:{id_number}")
    person.id_last4 = id_number[-4:]


def _phones(raw) -> list[str]:
    numbers = []
    for value in raw or []:
        if not clean(value):
            continue
        try:
            number = normalise_phone(value)
        except ValidationError as error:
            raise ServiceError("invalid_phone", error.messages[0], field="phones") from None
        if number not in numbers:
            numbers.append(number)
    return numbers


def person_find_by_id(community, id_type: str, id_number: str) -> Person | None:
    id_number = clean(id_number).upper()
    if not id_number:
        return None
    return Person.objects.filter(community=community, id_hash=lookup_hash(f"{id_type}:{id_number}")).first()


def person_create(
    *,
    community,
    actor,
    name: str,
    id_type: str = IdType.RESIDENT_ID,
    id_number: str = "",
    phones=(),
    gender: str = "",
    birth_date: dt.date | None = None,
    note: str = "",
) -> Person:
    require(actor, "estates.edit", community)
    name = clean_text(name)
    if not name:
        raise ServiceError("invalid", _("姓名不能为空。"), field="name")
    person = Person(community=community, name=name, gender=gender, birth_date=birth_date, note=note)
    person.name_pinyin, person.name_initials = pinyin_keys(name)
    _apply_identity(person, id_type, id_number)
    numbers = _phones(phones)
    if person.id_hash and Person.objects.filter(community=community, id_hash=person.id_hash).exists():
        raise Conflict("person_exists", _("证件号已登记在本小区的其他人员名下。"), field="id_number")
    with transaction.atomic():
        _full_clean(person, exclude=["community", "user"])
        person.save()
        Phone.objects.bulk_create([Phone(community=community, person=person, number=n, last4=n[-4:]) for n in numbers])
        log(actor, "estates.person.created", person, summary=_("登记人员 %(name)s") % {"name": name})
    return person


def person_update(
    *, person: Person, actor, name: str, id_type: str, id_number: str | None = None, phones=(), note: str = ""
) -> Person:
    """Update a person. `id_number=None` keeps the stored number (forms never echo it back)."""
    require(actor, "estates.edit", person.community)
    name = clean_text(name)
    if not name:
        raise ServiceError("invalid", _("姓名不能为空。"), field="name")
    person.name, person.note = name, note
    person.name_pinyin, person.name_initials = pinyin_keys(name)
    if id_number is not None:
        _apply_identity(person, id_type, id_number)
        clash = Person.objects.filter(community=person.community, id_hash=person.id_hash).exclude(pk=person.pk)
        if person.id_hash and clash.exists():
            raise Conflict("person_exists", _("证件号已登记在本小区的其他人员名下。"), field="id_number")
    numbers = _phones(phones)
    with transaction.atomic():
        _full_clean(person, exclude=["community", "user"])
        person.save()
        person.phones.all().delete()
        Phone.objects.bulk_create(
            [Phone(community=person.community, person=person, number=n, last4=n[-4:]) for n in numbers]
        )
        log(actor, "estates.person.updated", person, summary=_("修改人员资料 %(name)s") % {"name": name})
    return person


def person_reveal_id(*, person: Person, actor) -> str:
    """The full ID number, for roles that need it; every full view is logged (LW-1)."""
    require(actor, "people.view_id", person.community)
    log(actor, "estates.person.id_viewed", person, summary=_("查看完整证件号 %(name)s") % {"name": person.name})
    return person.id_number


# --- Ownership (PR-1) -------------------------------------------------------------------


def _check_shares(owners) -> None:
    if not owners:
        raise ServiceError("no_owner", _("至少需要一位业主。"), field="owners")
    persons = [p.pk for p, _share in owners]
    if len(set(persons)) != len(persons):
        raise ServiceError("duplicate_owner", _("同一业主不能重复登记。"), field="owners")
    total = sum((Decimal(str(s)) for _p, s in owners), Decimal(0))
    if any(Decimal(str(s)) <= 0 for _p, s in owners) or total != 100:
        raise ServiceError(
            "bad_shares", _("各业主份额之和应为100%%，当前为 %(total)s%%。") % {"total": total}, field="owners"
        )


def ownership_register(
    *,
    room: Room,
    actor,
    owners: list[tuple[Person, Decimal]],
    since: dt.date | None,
    acquisition: str = Acquisition.PURCHASE,
    certificate_no: str = "",
) -> list[Ownership]:
    """First registration of a room's owners (e.g. bought from the developer).

    `since=None` records an unknown acquisition date as unknown (PR-1: never invented)."""
    require(actor, "estates.edit", room.community)
    _check_shares(owners)
    if room.ownerships.filter(until__isnull=True).exists():
        raise Conflict("has_owner", _("该房屋已有业主，请办理产权转移。"), field="owners")
    return _start_ownerships(room, actor, owners, since, acquisition, certificate_no, "estates.ownership.registered")


def _start_ownerships(room, actor, owners, since, acquisition, certificate_no, verb) -> list[Ownership]:
    if acquisition not in Acquisition.values:
        raise ServiceError("invalid", _("取得方式无效。"), field="acquisition")
    for person, _share in owners:
        if person.community_id != room.community_id:
            raise ServiceError("invalid", _("业主须属于同一小区。"), field="owners")
    with transaction.atomic():
        created = Ownership.objects.bulk_create(
            [
                Ownership(
                    community=room.community,
                    room=room,
                    person=person,
                    share=Decimal(str(share)),
                    since=since,
                    acquisition=acquisition,
                    certificate_no=clean(certificate_no),
                )
                for person, share in owners
            ]
        )
        names = "、".join(p.name for p, _s in owners)
        log(
            actor,
            verb,
            room,
            household=room,
            summary=_("%(manner)s：%(names)s（%(date)s）")
            % {
                "manner": Acquisition(acquisition).label,
                "names": names,
                "date": since.isoformat() if since else _("取得日期不详"),
            },
            owners=[{"person": p.pk, "share": str(s)} for p, s in owners],
            since=since.isoformat() if since else None,
            acquisition=acquisition,
        )
    return created


def ownership_transfer(
    *,
    room: Room,
    actor,
    owners: list[tuple[Person, Decimal]],
    on: dt.date,
    acquisition: str,
    certificate_no: str = "",
) -> list[Ownership]:
    """Transfer a room (PR-1): the current ownerships end on `on`, the new ones start that day.

    History is never overwritten: ended ownerships stay, with their end date.
    """
    require(actor, "estates.transfer", room.community)
    _check_shares(owners)
    with transaction.atomic():
        current = list(Ownership.objects.select_for_update().filter(room=room, until__isnull=True).order_by("pk"))
        if not current:
            raise Conflict("no_owner", _("该房屋尚无在册业主，请先登记产权。"), field="owners")
        # An owner whose acquisition date is unknown (null) sets no lower bound.
        latest = max((o.since for o in current if o.since), default=None)
        if latest and on <= latest:
            raise ServiceError(
                "bad_date",
                _("转移日期须晚于现业主取得日期（%(date)s）。") % {"date": latest.isoformat()},
                field="on",
            )
        if {o.person_id: o.share for o in current} == {p.pk: Decimal(str(s)) for p, s in owners}:
            raise ServiceError("same_owners", _("新业主与现业主相同，无需转移。"), field="owners")
        Ownership.objects.filter(pk__in=[o.pk for o in current]).update(until=on)
        created = _start_ownerships(
            room, actor, owners, on, acquisition, certificate_no, "estates.ownership.transferred"
        )
    return created


# --- Leases and residents (PR-3) --------------------------------------------------------


def lease_create(
    *,
    room: Room,
    tenant: Person,
    actor,
    start: dt.date,
    end: dt.date,
    registration_no: str = "",
    decoration: str = "",
    note: str = "",
) -> Lease:
    require(actor, "estates.edit", room.community)
    if tenant.community_id != room.community_id:
        raise ServiceError("invalid", _("租户须属于同一小区。"), field="tenant")
    if end < start:
        raise ServiceError("bad_period", _("到期日期不能早于起租日期。"), field="end")
    with transaction.atomic():
        overlapping = [
            lease
            for lease in Lease.objects.select_for_update().filter(room=room, start__lte=end).order_by("pk")
            if lease.last_day >= start
        ]
        if overlapping:
            other = overlapping[0]
            raise Conflict(
                "lease_overlap",
                _("该房屋在 %(start)s 至 %(end)s 已有租赁（%(tenant)s）。")
                % {"start": other.start, "end": other.last_day, "tenant": other.tenant.name},
                field="start",
            )
        lease = Lease(
            community=room.community,
            room=room,
            tenant=tenant,
            start=start,
            end=end,
            registration_no=clean(registration_no),
            decoration=clean_prose(decoration),
            note=clean_prose(note),
        )
        _full_clean(lease, exclude=["community", "room", "tenant"])
        lease.save()
        log(
            actor,
            "estates.lease.created",
            lease,
            household=room,
            summary=_("出租给 %(tenant)s，%(start)s 至 %(end)s") % {"tenant": tenant.name, "start": start, "end": end},
        )
        if start <= clock.today() <= end and room.use != RoomUse.RENTED:
            room_update(room=room, actor=actor, use=RoomUse.RENTED)
    return lease


def lease_end(*, lease: Lease, actor, on: dt.date) -> Lease:
    require(actor, "estates.edit", lease.community)
    if lease.ended_on:
        raise Conflict("lease_ended", _("该租赁已于 %(date)s 退租。") % {"date": lease.ended_on}, field="on")
    if on < lease.start:
        raise ServiceError("bad_date", _("退租日期不能早于起租日期。"), field="on")
    with transaction.atomic():
        lease.ended_on = on
        lease.save(update_fields=["ended_on"])
        log(
            actor,
            "estates.lease.ended",
            lease,
            household=lease.room,
            summary=_("退租：%(tenant)s（%(date)s）") % {"tenant": lease.tenant.name, "date": on},
        )
    return lease


def resident_add(*, room: Room, person: Person, actor, relationship: str, since: dt.date | None = None) -> Resident:
    require(actor, "estates.edit", room.community)
    if person.community_id != room.community_id:
        raise ServiceError("invalid", _("住户须属于同一小区。"), field="person")
    if room.residents.filter(person=person, until__isnull=True).exists():
        raise Conflict("resident_exists", _("%(name)s 已是该房屋的住户。") % {"name": person.name}, field="person")
    resident = Resident(community=room.community, room=room, person=person, relationship=relationship, since=since)
    with transaction.atomic():
        _full_clean(resident, exclude=["community", "room", "person"])
        resident.save()
        log(
            actor,
            "estates.resident.added",
            resident,
            household=room,
            summary=_("登记住户 %(name)s（%(rel)s）")
            % {"name": person.name, "rel": resident.get_relationship_display()},
        )
    return resident


def resident_remove(*, resident: Resident, actor, until: dt.date) -> Resident:
    require(actor, "estates.edit", resident.community)
    if resident.until:
        raise Conflict("resident_left", _("该住户已迁出。"))
    with transaction.atomic():
        resident.until = until
        resident.save(update_fields=["until"])
        log(
            actor,
            "estates.resident.removed",
            resident,
            household=resident.room,
            summary=_("住户迁出 %(name)s") % {"name": resident.person.name},
        )
    return resident


# --- Household documents (AR-1) ---------------------------------------------------------


def document_upload(*, room: Room, actor, category: str, title: str, file) -> HouseholdDocument:
    require(actor, "estates.upload_document", room.community)
    # Issue 10: the type is the content's (a PDF named .jpg is stored as .pdf), images re-encoded.
    file = uploads.accept(file, kind=uploads.DOCUMENT, field="file")
    document = HouseholdDocument(
        community=room.community,
        room=room,
        category=category,
        title=clean_prose(title) or file.name,
        file=file,
        uploaded_by=actor,
    )
    with transaction.atomic():
        _full_clean(document, exclude=["community", "room", "uploaded_by"])
        try:
            document.save()
        except IntegrityError as error:  # pragma: no cover - defensive
            raise ServiceError("invalid", str(error)) from error
        log(
            actor,
            "estates.document.uploaded",
            document,
            household=room,
            summary=_("上传档案：%(title)s（%(cat)s）")
            % {"title": document.title, "cat": document.get_category_display()},
        )
    return document


def document_open(*, document: HouseholdDocument, actor):
    """Open a household document for download. A copy of an ID card is protected data:
    only roles that see ID numbers may open it, and every view is logged (LW-1)."""
    from .choices import DocumentCategory

    require(actor, "estates.view", document.community)
    if document.category == DocumentCategory.ID_COPY:
        require(actor, "people.view_id", document.community)
        log(actor, "estates.document.viewed", document, household=document.room_id, summary=document.title)
    return document.file.open("rb")
