"""Reading the rows of a lease file (PR-3): each lease's room must be registered, leases must not overlap."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from ..choices import IdType
from ..models import Lease, Room
from .places import Place, ambiguity_message
from .reader import _match_people, _place_column, _place_text, read_place
from .records import LeaseRecord, PersonRecord, Preview, _person, _phones


def read_leases(rows, columns, preview: Preview, community) -> list[LeaseRecord]:
    records: list[LeaseRecord] = []
    people: dict[str, PersonRecord] = {}
    places: dict[int, tuple[Place, str, str]] = {}  # row → a room typed without its entrance
    for row in rows:
        place = read_place(row)
        name = row.free_text("tenant")
        if not name:
            row.fail("tenant", _("不能为空。"))
        id_type = row.choice("id_type", IdType, IdType.RESIDENT_ID)
        tenant = _person(row, name, id_type, row.raw("id_number"), _phones(row, row.raw("phones")))
        start, end = row.date("start", required=True), row.date("end", required=True)
        ended_on = row.date("ended_on")
        if start and end and end < start:
            row.fail("end", _("不能早于起租日期。"))
            continue
        if start and ended_on and ended_on < start:
            row.fail("ended_on", _("不能早于起租日期。"))
            continue
        registration_no, decoration, note = (
            row.text("registration_no"),
            row.free_text("decoration"),
            row.free_text("note"),
        )
        if not (place and name and start and end):
            continue
        if tenant.id_hash:
            first = people.setdefault(tenant.id_hash, tenant)
            if first is not tenant:
                if first.name != tenant.name:
                    row.fail(
                        "id_number",
                        _("与第 %(row)s 行的证件号码相同，但姓名不同（%(a)s / %(b)s）。")
                        % {"row": first.row, "a": first.name, "b": tenant.name},
                    )
                tenant = first
        if place.alternatives():
            places[row.number] = (place, _place_text(row), _place_column(row))
        records.append(
            LeaseRecord(row.number, place.code, None, tenant, start, end, ended_on, registration_no, decoration, note)
        )
    if community is not None:
        _match_lease_rooms(records, places, preview, community, columns)
        _match_people(people, community, preview, columns)
    # Leases of one room in the file must not overlap each other (PR-3).
    by_room: dict[str, list[LeaseRecord]] = defaultdict(list)
    for record in records:
        by_room[record.code].append(record)
    for code, leases in by_room.items():
        leases.sort(key=lambda r: r.start)
        for before, after in zip(leases, leases[1:], strict=False):
            if after.start <= before.last_day:
                preview.error(
                    after.row,
                    columns["start"].label,
                    _("起租日期：与第 %(row)s 行房屋 %(code)s 的租期重叠。") % {"row": before.row, "code": code},
                )
    return records


def _match_lease_rooms(records: list[LeaseRecord], places, preview: Preview, community, columns) -> None:
    """Each lease's room must be registered; a code with two readings is resolved only by the register."""
    wanted = {r.code for r in records} | {p.code for place, _raw, _col in places.values() for p in place.alternatives()}
    wanted_list, room_ids = list(wanted), {}
    for start in range(0, len(wanted_list), 5000):
        chunk = wanted_list[start : start + 5000]
        room_ids.update(Room.objects.filter(community=community, code__in=chunk).order_by().values_list("code", "id"))
    for record in records:
        if record.row in places:
            place, raw, column = places[record.row]
            registered = [p for p in (place, *place.alternatives()) if p.code in room_ids]
            if len(registered) > 1:
                readings = [p for p in registered if p is not place]
                preview.error(
                    record.row,
                    columns[column].label,
                    f"{columns[column].label}：" + ambiguity_message(raw, place, readings, split=column != "code"),
                )
                continue
            if registered:
                record.code = registered[0].code
        record.room_id = room_ids.get(record.code)
        if record.room_id is None:
            preview.error(
                record.row,
                columns["code"].label,
                _("房屋编号：房屋 %(code)s 未在系统中登记，请先导入房屋。") % {"code": record.code},
            )
    existing: dict[int, list[Lease]] = defaultdict(list)
    ids = sorted({r.room_id for r in records if r.room_id})
    for start in range(0, len(ids), 5000):
        for lease in Lease.objects.filter(room_id__in=ids[start : start + 5000]).select_related("tenant").order_by():
            existing[lease.room_id].append(lease)
    for record in records:
        for lease in existing[record.room_id] if record.room_id else ():
            if lease.start <= record.last_day and record.start <= lease.last_day:
                preview.error(
                    record.row,
                    columns["start"].label,
                    _("起租日期：房屋 %(code)s 在 %(start)s 至 %(end)s 已有租赁（%(tenant)s）。")
                    % {"code": record.code, "start": lease.start, "end": lease.last_day, "tenant": lease.tenant.name},
                )
                break
