"""The checked records of a register file as they are kept for the commit, and the commit itself.

The check keeps its records compactly (core.importing.store), one line each: first every person
the file names ("P": name, pinyin, ID number already encrypted, its lookup hash …, phones), then
every room with its owners ("R") or every lease ("L"), each pointing at its people by their
position. The commit reads them back a chunk at a time and writes them with prepared bulk INSERTs
(core.importing.bulk): no model instance per row, no query per row. What the check relied on —
no room of the file registered, no other person with an ID number of the file, no lease of the
room overlapping — is checked again per chunk inside the commit's transaction; if it no longer
holds, `StaleRows` makes the core check the file again and write nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from functools import lru_cache

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.crypto import encrypt
from guanjia.core.importing.bulk import CHUNK, BulkInsert, Ids
from guanjia.core.importing.kinds import Commit, StaleRows
from guanjia.core.models import ActivityLog

from ..choices import ImportKind, RoomUse
from ..models import Building, Lease, Ownership, Person, Phone, Room, Unit
from ..names import pinyin_keys
from ..sorting import SORT_KEY_LENGTH, natural_key
from .records import Preview, by_id_number

# --- What the check keeps ----------------------------------------------------------------------


@lru_cache(maxsize=50000)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


def _text(value) -> str | None:
    """Dates and Decimals as the commit reads them back (str(date) is its ISO form)."""
    return None if value is None else str(value)


def kept_records(preview: Preview):
    """The preview's importable records as the lines the commit reads (see the module docstring).

    Numbers each person (`PersonRecord.position`) as it goes: read it once, for one check."""
    count = 0
    for person in preview.people():
        if person.position >= 0:
            continue  # the same person, owner of another room too
        person.position, count = count, count + 1
        full, initials = _pinyin(person.name)
        yield [
            "P",
            person.name,
            full,
            initials,
            person.id_type,
            encrypt(person.id_number),
            person.id_hash,
            person.id_number[-4:],
            person.gender,
            _text(person.birth_date),
            list(person.phones),
        ]
    if preview.kind == ImportKind.ROOMS:
        for room in preview.records:
            yield [
                "R",
                room.row,
                room.code,
                room.building,
                room.unit,
                room.number,
                room.kind,
                room.floor,
                _text(room.building_area),
                _text(room.usable_area),
                _text(room.land_area),
                room.use,
                room.handover,
                _text(room.moved_in_on),
                room.facilities,
                room.garage,
                room.note,
                [
                    [o.person.position, _text(o.share), _text(o.since), o.acquisition, o.certificate_no]
                    for o in room.owners
                ],
                "、".join(o.person.name for o in room.owners),
            ]
    else:
        for lease in preview.records:
            yield [
                "L",
                lease.row,
                lease.code,
                lease.room_id,
                lease.tenant.position,
                _text(lease.start),
                _text(lease.end),
                _text(lease.ended_on),
                lease.registration_no,
                lease.decoration,
                lease.note,
                lease.tenant.name,
            ]


# --- The commit ---------------------------------------------------------------------------------


def _date(text):
    return None if text is None else dt.date.fromisoformat(text)


class _RoomSortKeys:
    """`natural_key(code)` of each room, composed from the keys of its parts, each worked out once.

    A room's code is its building, entrance and number joined by "-" (textnorm.room_code), and
    natural_key rewrites runs of digits only, none of which crosses a "-": the key of "3-2-1201"
    is the key of "3-2-" followed by the key of "1201". A register repeats its entrances and its
    numbers (every entrance has a 1201): 100,000 codes have a few hundred distinct of each, so
    this is two dictionary look-ups a room instead of a regular-expression substitution. A code
    not so joined, or a key reaching the length natural_key cuts at, is keyed whole."""

    def __init__(self):
        self.entrances: dict[tuple[str, str], tuple[str, str]] = {}  # (building, unit) → ("3-2-", its key)
        self.numbers: dict[str, str] = {}  # "1201" → its key

    def __call__(self, code: str, building: str, unit: str, number: str) -> str:
        entrance = self.entrances.get((building, unit))
        if entrance is None:
            text = f"{building}-{unit}-" if unit else f"{building}-"
            entrance = self.entrances[(building, unit)] = (text, natural_key(text))
        if code != entrance[0] + number:
            return natural_key(code)
        tail = self.numbers.get(number)
        if tail is None:
            tail = self.numbers[number] = natural_key(number)
        key = entrance[1] + tail
        return key if len(key) < SORT_KEY_LENGTH else natural_key(code)


def _chunks(lines, size: int = CHUNK):
    while chunk := list(itertools.islice(lines, size)):
        yield chunk


def _write_people(lines, commit: Commit) -> tuple[list[int], int, int, object]:
    """Write the "P" lines: new people and their phones; people already registered (same ID
    number) are reused, with the phones they do not have yet. Returns (person id by position,
    how many new, how many reused, the lines after the people)."""
    community = commit.community
    ids = Ids(Person)
    people = BulkInsert(
        Person,
        [
            "id",
            "name",
            "name_pinyin",
            "name_initials",
            "id_type",
            "id_encrypted",
            "id_hash",
            "id_last4",
            "gender",
            "birth_date",
        ],
        constants={"community_id": community.pk, "user_id": None, "note": "", "created_at": commit.now},
    )
    phones = BulkInsert(Phone, ["person_id", "number", "last4"], constants={"community_id": community.pk})
    pks: list[int] = []
    new = reused = 0
    rest = None
    for chunk in _chunks(lines):
        if chunk[-1][0] != "P":
            cut = next(i for i, line in enumerate(chunk) if line[0] != "P")
            chunk, rest = chunk[:cut], chunk[cut:]
        hashes = [line[6] for line in chunk if line[6]]
        known = {}
        if hashes:
            for pk, id_hash, name in by_id_number(community, hashes).values_list("pk", "id_hash", "name"):
                known[id_hash] = (pk, name)
        have = set()
        if known:
            have = set(
                Phone.objects.filter(person_id__in=[pk for pk, _name in known.values()])
                .order_by()
                .values_list("person_id", "number")
            )
        fresh = iter(ids.take(sum(1 for line in chunk if line[6] not in known)))
        for line in chunk:
            _p, name, full, initials, id_type, id_encrypted, id_hash, last4, gender, birth, numbers = line
            if id_hash in known:
                pk, registered_name = known[id_hash]
                if registered_name != name:
                    raise StaleRows  # registered meanwhile under another name: the check would say so
                reused += 1
            else:
                pk = next(fresh)
                people.add((pk, name, full, initials, id_type, id_encrypted, id_hash, last4, gender, birth))
                new += 1
            pks.append(pk)
            for number in numbers:
                if (pk, number) not in have:
                    have.add((pk, number))
                    phones.add((pk, number, number[-4:]))
        if rest is not None:
            break
    people.flush()
    phones.flush()
    return pks, new, reused, itertools.chain(rest or (), lines)


def commit_rooms(commit: Commit) -> dict:
    community, batch = commit.community, commit.batch
    people, people_new, people_reused, lines = _write_people(iter(commit.records), commit)
    buildings = dict(Building.objects.filter(community=community).order_by().values_list("code", "pk"))
    units = Unit.objects.filter(community=community).order_by().values_list("pk", "building_id", "code")
    units = {(b, code): pk for pk, b, code in units}
    building_ids, unit_ids, room_ids = Ids(Building), Ids(Unit), Ids(Room)
    new_buildings = BulkInsert(
        Building, ["id", "code", "sort_key"], constants={"community_id": community.pk, "name": "", "floors": None}
    )
    new_units = BulkInsert(Unit, ["id", "building_id", "code", "sort_key"], constants={"community_id": community.pk})
    rooms = BulkInsert(
        Room,
        [
            "id",
            "building_id",
            "unit_id",
            "number",
            "code",
            "sort_key",
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
        ],
        constants={"community_id": community.pk, "created_at": commit.now, "updated_at": commit.now},
    )
    ownerships = BulkInsert(
        Ownership,
        ["room_id", "person_id", "share", "since", "acquisition", "certificate_no"],
        constants={"community_id": community.pk, "until": None, "note": ""},
    )
    entries = _entries(commit, Room, "estates.room.imported")
    sort_key = _RoomSortKeys()
    # One entry per household, so each household file shows where it came from (AR-1).
    said = _("批量导入登记（%(file)s 第 %(row)s 行）%(owners)s")
    owner_word = _("业主")
    count = owned = 0
    for chunk in _chunks(lines):
        codes = [line[2] for line in chunk]
        if Room.objects.filter(community=community, code__in=codes).order_by().exists():
            raise StaleRows  # registered meanwhile: the check would now refuse it
        # The chunk's new buildings and entrances first, their ids taken together (one query each on PostgreSQL).
        fresh = list(dict.fromkeys(line[3] for line in chunk if line[3] not in buildings))
        for code, pk in zip(fresh, building_ids.take(len(fresh)), strict=True):
            buildings[code] = pk
            new_buildings.add((pk, code, natural_key(code)))
        fresh = list(dict.fromkeys((buildings[line[3]], line[4]) for line in chunk if line[4]))
        fresh = [key for key in fresh if key not in units]
        for key, pk in zip(fresh, unit_ids.take(len(fresh)), strict=True):
            units[key] = pk
            new_units.add((pk, key[0], key[1], natural_key(key[1])))
        for line, pk in zip(chunk, room_ids.take(len(chunk)), strict=True):
            (_r, row, code, building, unit, number, kind, floor, area, usable, land, use, handover) = line[:13]
            moved_in, facilities, garage, note, owners, names = line[13:]
            building_pk = buildings[building]
            unit_pk = units[(building_pk, unit)] if unit else None
            rooms.add(
                (
                    pk,
                    building_pk,
                    unit_pk,
                    number,
                    code,
                    sort_key(code, building, unit, number),
                    kind,
                    floor,
                    area,
                    usable,
                    land,
                    use,
                    handover,
                    moved_in,
                    facilities,
                    garage,
                    note,
                )
            )
            for person, share, since, acquisition, certificate in owners:
                ownerships.add((pk, people[person], share, since, acquisition, certificate))
                owned += 1
            summary = said % {"file": batch.filename, "row": row, "owners": f"：{owner_word}{names}" if names else ""}
            entries.add((str(pk), pk, summary[:300], {"batch": batch.pk, "row": row}))
            count += 1
    for table in (new_buildings, new_units, rooms, ownerships, entries):
        table.flush()
    return {
        "rooms": count,
        "buildings_new": new_buildings.written,
        "units_new": new_units.written,
        "people_new": people_new,
        "people_existing": people_reused,
        "ownerships": owned,
    }


def _entries(commit: Commit, model, verb: str) -> BulkInsert:
    return BulkInsert(
        ActivityLog,
        ["subject_id", "household_id", "summary", "data"],
        constants={
            "at": commit.now,
            "actor_id": commit.actor.pk,
            "verb": verb,
            "community_id": commit.community.pk,
            "subject_type_id": ContentType.objects.get_for_model(model).pk,
        },
    )


def commit_leases(commit: Commit) -> dict:
    community, batch = commit.community, commit.batch
    people, people_new, people_reused, lines = _write_people(iter(commit.records), commit)
    lease_ids = Ids(Lease)
    leases = BulkInsert(
        Lease,
        ["id", "room_id", "tenant_id", "start", "end", "ended_on", "registration_no", "decoration", "note"],
        constants={"community_id": community.pk},
    )
    entries = _entries(commit, Lease, "estates.lease.imported")
    said = _("批量导入租赁（%(file)s 第 %(row)s 行）：%(tenant)s，%(start)s 至 %(end)s")
    today = clock.today()
    count = 0
    let: list[int] = []
    for chunk in _chunks(lines):
        registered = defaultdict(list)
        for room, start, end, ended in (
            Lease.objects.filter(room_id__in={line[3] for line in chunk})
            .order_by()
            .values_list("room_id", "start", "end", "ended_on")
        ):
            registered[room].append((start, ended or end))
        for line, pk in zip(chunk, lease_ids.take(len(chunk)), strict=True):
            _l, row, _code, room, tenant, start, end, ended_on, registration_no, decoration, note, name = line
            start, end, ended_on = _date(start), _date(end), _date(ended_on)
            last_day = ended_on or end
            if any(s <= last_day and start <= e for s, e in registered[room]):
                raise StaleRows  # a lease of the room was registered meanwhile (PR-3: no overlap)
            leases.add((pk, room, people[tenant], start, end, ended_on, registration_no, decoration, note))
            if start <= today <= last_day:
                let.append(room)  # a room let today is "出租", as lease_create does
            summary = said % {"file": batch.filename, "row": row, "tenant": name, "start": start, "end": end}
            entries.add((str(pk), room, summary[:300], {"batch": batch.pk, "row": row}))
            count += 1
    leases.flush()
    entries.flush()
    for start in range(0, len(let), CHUNK):
        Room.objects.filter(pk__in=let[start : start + CHUNK]).exclude(use=RoomUse.RENTED).update(use=RoomUse.RENTED)
    return {"leases": count, "people_new": people_new, "people_existing": people_reused}
