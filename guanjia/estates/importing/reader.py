"""Reading a workbook: finding the header row, then every room or lease row, every problem collected."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from guanjia.core.errors import ServiceError
from guanjia.core.textnorm import clean, parse_room_code, room_code

from ..choices import Acquisition, Handover, IdType, ImportKind, RoomKind, RoomUse
from ..models import Lease, Person, Room
from .columns import COLUMNS, EXAMPLE_MARK, HEADER_SEARCH_ROWS, SHARE_LABEL, _header_key, header_map
from .records import (
    LeaseRecord,
    OwnerRecord,
    PersonRecord,
    Preview,
    RoomRecord,
    Row,
    _number,
    _person,
    _phones,
    _share,
    _split,
    _text,
)

# --- Reading the workbook -----------------------------------------------------------------


def _open_sheet(file):
    from openpyxl import load_workbook

    if hasattr(file, "seek"):
        file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a file that is not .xlsx
        raise ServiceError(
            "bad_file", _("无法读取该文件，请上传 Excel（.xlsx）文件；.xls 请先另存为 .xlsx。"), field="file"
        ) from None
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # some writers record a wrong sheet size; read what is there
    return workbook, sheet


def _find_header(rows, kind: str, preview: Preview):
    """The first row (within the first ten) that names the key column and at least one other."""
    mapping = header_map(kind)
    for number, values in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        found = {}
        ignored = []
        for index, cell in enumerate(values):
            key = mapping.get(_header_key(cell)) if cell not in (None, "") else None
            if key and key not in found.values():
                found[index] = key
            elif cell not in (None, ""):
                ignored.append(_text(cell))
        if "code" in found.values() and len(found) >= 2:
            preview.header_row = number
            preview.ignored_columns = ignored
            return number, found
    return None, None


def parse(kind: str, file, *, community=None) -> Preview:
    """Read and check an import file. With `community`, also check it against the register."""
    kind = ImportKind(kind)
    preview = Preview(kind=kind)
    workbook, sheet = _open_sheet(file)
    try:
        rows = sheet.iter_rows(values_only=True)
        header_row, index = _find_header(rows, kind, preview)
        if header_row is None:
            names = "、".join(str(c.label) for c in COLUMNS[kind][:4])
            preview.error(
                None,
                "",
                _("未找到表头：前%(n)s行中没有“房屋编号”等列名（应包含 %(names)s 等）。请使用下载的模板。")
                % {"n": HEADER_SEARCH_ROWS, "names": names},
            )
            return preview
        columns = {c.key: c for c in COLUMNS[kind]}
        missing = [c for c in COLUMNS[kind] if c.required and c.key not in index.values()]
        for column in missing:
            preview.error(header_row, column.label, _("缺少必填列“%(label)s”。") % {"label": column.label})
        if missing:
            return preview
        reader = _read_rooms if kind == ImportKind.ROOMS else _read_leases
        reader(rows, header_row, index, columns, preview, community)
    finally:
        workbook.close()
    preview.errors.sort(key=lambda e: e["row"] or 0)
    return preview


def _data_rows(rows, header_row: int, index: dict[int, str], columns, preview: Preview):
    for number, values in enumerate(rows, start=header_row + 1):
        data = {key: values[i] for i, key in index.items() if i < len(values) and values[i] not in (None, "")}
        if not data or all(not clean(v) for v in data.values()):
            continue
        if "note" in data and _text(data["note"]).startswith(EXAMPLE_MARK):
            continue
        preview.total_rows += 1
        yield Row(number, data, preview, columns)


ROOM_PARTICULARS = (
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


def _read_rooms(rows, header_row, index, columns, preview: Preview, community) -> None:
    rooms: dict[str, RoomRecord] = {}
    people: dict[str, PersonRecord] = {}  # id_hash → the first row naming that person
    for row in _data_rows(rows, header_row, index, columns, preview):
        raw_code = row.required("code")
        parts = parse_room_code(raw_code) if raw_code else None
        if raw_code and not parts:
            row.fail("code", _("“%(value)s”无法识别，应写成 3-2-1201 或 3栋2单元1201室。") % {"value": raw_code})
        building, unit, number = parts or ("", "", "")
        code = room_code(building, unit, number) if parts else ""
        if len(building) > 20 or len(unit) > 20 or len(number) > 20:
            row.fail("code", _("楼栋、单元或房号过长。"))
        fields = {
            "kind": row.choice("kind", RoomKind, RoomKind.RESIDENCE),
            "floor": row.floor(number),
            "building_area": row.area("building_area"),
            "usable_area": row.area("usable_area"),
            "land_area": row.area("land_area"),
            "use": row.choice("use", RoomUse, RoomUse.VACANT),
            "handover": row.choice("handover", Handover, Handover.UNDELIVERED),
            "moved_in_on": row.date("moved_in_on"),
            "facilities": row.text("facilities"),
            "garage": row.text("garage"),
            "note": row.text("note"),
        }
        owners = _read_owners(row)
        if not code:
            continue
        record = rooms.get(code)
        if record is None:
            rooms[code] = record = RoomRecord(row.number, code, building, unit, number, fields)
        else:
            # A further owner of the same room; its particulars, where given, must agree.
            given = [k for k in ROOM_PARTICULARS if k in row.values and k != "note"]
            if not owners:
                row.fail("code", _("房屋 %(code)s 与第 %(row)s 行重复。") % {"code": code, "row": record.row})
            for key in given:
                if fields[key] != record.fields[key]:
                    row.fail(
                        key, _("与第 %(row)s 行同一房屋 %(code)s 的填写不一致。") % {"row": record.row, "code": code}
                    )
        for owner in owners:
            person = owner.person
            if person.id_hash:
                first = people.setdefault(person.id_hash, person)
                if first is not person:
                    if first.name != person.name:
                        row.fail(
                            "id_number",
                            _("与第 %(row)s 行的证件号码相同，但姓名不同（%(a)s / %(b)s）。")
                            % {"row": first.row, "a": first.name, "b": person.name},
                        )
                    # The same person (e.g. owner of a flat and a garage) is one Person.
                    for phone in person.phones:
                        if phone not in first.phones:
                            first.phones.append(phone)
                    owner.person = first
            if any(
                o.person is owner.person or (person.id_hash and o.person.id_hash == person.id_hash)
                for o in record.owners
            ):
                row.fail("owner", _("业主 %(name)s 在房屋 %(code)s 中重复。") % {"name": person.name, "code": code})
                continue
            record.owners.append(owner)
    _check_shares(rooms.values(), preview)
    if community is not None:
        codes, existing = list(rooms), set()
        for start in range(0, len(codes), 5000):
            chunk = codes[start : start + 5000]
            existing.update(Room.objects.filter(community=community, code__in=chunk).values_list("code", flat=True))
        for code in sorted(existing, key=lambda c: rooms[c].row):
            preview.error(
                rooms[code].row,
                columns["code"].label,
                _("房屋编号：房屋 %(code)s 已在系统中登记，不能重复导入。") % {"code": code},
            )
        _match_people(people, community, preview, columns)
    preview.records = list(rooms.values())


def _read_owners(row: Row) -> list[OwnerRecord]:
    names = _split(row.text("owner"))
    id_type = row.choice("id_type", IdType, IdType.RESIDENT_ID)
    id_cell = row.raw("id_number")
    share_text = _text(row.raw("share"))
    since = row.date("since")
    acquisition = row.choice("acquisition", Acquisition, Acquisition.PURCHASE)
    certificate = row.text("certificate_no")
    if not names:
        if any(row.raw(k) not in (None, "") for k in ("id_number", "phones", "share", "since")):
            row.fail("owner", _("填写了业主资料但缺少业主姓名。"))
        return []
    if since is None and "since" not in row.values:
        row.fail("since", _("填写业主时不能为空。"))
    # A number typed into a numeric cell stays a number, so the hint about Excel's precision can be given.
    ids = [id_cell] if len(names) == 1 else _split(_text(id_cell))
    shares = _split(share_text)
    if len(names) == 1:
        phone_groups = [_phones(row, row.raw("phones"))]
    else:
        groups = [g for g in re.split(r"[、;；]", _text(row.raw("phones"))) if g.strip()]
        if groups and len(groups) not in (1, len(names)):
            row.fail("phones", _("有 %(n)s 位业主，号码应用“、”隔开逐一对应。") % {"n": len(names)})
            groups = []
        phone_groups = [_phones(row, g) for g in groups]
    if len(ids) > 1 and len(ids) != len(names):
        row.fail("id_number", _("有 %(n)s 位业主，证件号码应用“、”隔开逐一对应。") % {"n": len(names)})
        ids = []
    if len(shares) > 1 and len(shares) != len(names):
        row.fail("share", _("有 %(n)s 位业主，份额应用“、”隔开逐一对应。") % {"n": len(names)})
        shares = []
    owners = []
    for i, name in enumerate(names):
        if len(name) > 50:
            row.fail("owner", _("姓名过长。"))
        id_value = ids[i] if i < len(ids) else None
        phones = phone_groups[i] if i < len(phone_groups) else []
        person = _person(row, name, id_type, id_value, phones)
        share = _share(row, shares[i]) if i < len(shares) else None
        owners.append(OwnerRecord(person, share, since, acquisition, certificate))
    return owners


def _check_shares(rooms, preview: Preview) -> None:
    """Each room's owners hold 100% between them (PR-1); blank shares are split equally."""
    for room in rooms:
        if not room.owners:
            continue
        given = [o.share for o in room.owners]
        if all(s is None for s in given):
            n = len(room.owners)
            each = (Decimal(100) / n).quantize(Decimal("0.01"))
            for owner in room.owners:
                owner.share = each
            room.owners[0].share += Decimal(100) - each * n
            continue
        if any(s is None for s in given):
            preview.error(
                room.row, SHARE_LABEL, _("产权份额：房屋 %(code)s 有多位业主，须逐一填写份额。") % {"code": room.code}
            )
            continue
        total = sum(given, Decimal(0))
        if total != 100:
            preview.error(
                room.row,
                SHARE_LABEL,
                _("产权份额：房屋 %(code)s 各业主份额之和应为100，当前为 %(total)s。")
                % {"code": room.code, "total": _number(total)},
            )


def _match_people(people: dict[str, PersonRecord], community, preview: Preview, columns) -> None:
    """People already in the community's register (same ID number) are reused, not duplicated."""
    hashes = list(people)
    for start in range(0, len(hashes), 5000):
        chunk = hashes[start : start + 5000]
        for pk, id_hash, name in Person.objects.filter(community=community, id_hash__in=chunk).values_list(
            "pk", "id_hash", "name"
        ):
            preview.existing_people[id_hash] = pk
            record = people[id_hash]
            if name != record.name:
                preview.error(
                    record.row,
                    columns["id_number"].label,
                    _("证件号码：该证件号已登记为“%(old)s”，与本行姓名“%(new)s”不一致。")
                    % {"old": name, "new": record.name},
                )


def _read_leases(rows, header_row, index, columns, preview: Preview, community) -> None:
    records: list[LeaseRecord] = []
    people: dict[str, PersonRecord] = {}
    for row in _data_rows(rows, header_row, index, columns, preview):
        raw_code = row.required("code")
        parts = parse_room_code(raw_code) if raw_code else None
        if raw_code and not parts:
            row.fail("code", _("“%(value)s”无法识别，应写成 3-2-1201 或 3栋2单元1201室。") % {"value": raw_code})
        name = row.required("tenant")
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
        registration_no, decoration, note = row.text("registration_no"), row.text("decoration"), row.text("note")
        if not (parts and name and start and end):
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
        records.append(
            LeaseRecord(
                row.number, room_code(*parts), None, tenant, start, end, ended_on, registration_no, decoration, note
            )
        )
    by_room: dict[str, list[LeaseRecord]] = defaultdict(list)
    for record in records:
        by_room[record.code].append(record)
    if community is not None:
        room_ids = dict(Room.objects.filter(community=community).values_list("code", "id"))
        existing: dict[int, list[Lease]] = defaultdict(list)
        wanted = [room_ids[c] for c in by_room if c in room_ids]
        for start in range(0, len(wanted), 5000):
            for lease in Lease.objects.filter(room_id__in=wanted[start : start + 5000]).select_related("tenant"):
                existing[lease.room_id].append(lease)
        for record in records:
            record.room_id = room_ids.get(record.code)
            if record.room_id is None:
                preview.error(
                    record.row,
                    columns["code"].label,
                    _("房屋编号：房屋 %(code)s 未在系统中登记，请先导入房屋。") % {"code": record.code},
                )
                continue
            for lease in existing[record.room_id]:
                if lease.start <= record.last_day and record.start <= lease.last_day:
                    preview.error(
                        record.row,
                        columns["start"].label,
                        _("起租日期：房屋 %(code)s 在 %(start)s 至 %(end)s 已有租赁（%(tenant)s）。")
                        % {
                            "code": record.code,
                            "start": lease.start,
                            "end": lease.last_day,
                            "tenant": lease.tenant.name,
                        },
                    )
                    break
        _match_people(people, community, preview, columns)
    # Leases of one room in the file must not overlap each other (PR-3).
    for code, leases in by_room.items():
        leases.sort(key=lambda r: r.start)
        for before, after in zip(leases, leases[1:], strict=False):
            if after.start <= before.last_day:
                preview.error(
                    after.row,
                    columns["start"].label,
                    _("起租日期：与第 %(row)s 行房屋 %(code)s 的租期重叠。") % {"row": before.row, "code": code},
                )
    preview.records = records
