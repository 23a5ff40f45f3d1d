"""Reading a workbook: finding the header row, then every room or lease row, every problem collected."""

from __future__ import annotations

import itertools
import operator
import re
from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from guanjia.core.textnorm import clean

from ..choices import Acquisition, Handover, IdType, ImportKind, RoomKind, RoomUse
from ..models import Room, Unit
from .columns import EXAMPLE_MARK, HEADER_SEARCH_ROWS, READ_COLUMNS, SHARE_LABEL, _header_key, header_map
from .places import Place, ambiguity_message, parse_building, parse_code, parse_number, parse_unit
from .records import (
    ROOM_PARTICULARS,
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
    by_id_number,
)

# Fees are billed on the building area (FE-1), so these kinds of room cannot be registered without it.
AREA_REQUIRED = frozenset({RoomKind.RESIDENCE, RoomKind.SHOP})
WHOLE = Decimal("100.00")
PARTICULARS = frozenset(ROOM_PARTICULARS)

# --- Reading the rows ----------------------------------------------------------------------


def _header_candidates(values, mapping) -> tuple[dict[int, str], list[str]]:
    found: dict[int, str] = {}
    ignored = []
    for index, cell in enumerate(values):
        if cell in (None, ""):
            continue
        key = mapping.get(_header_key(cell))
        if key and key not in found.values():
            found[index] = key
        else:
            ignored.append(_text(cell))
    keys = set(found.values())
    if "number" in keys and "building" not in keys:
        # "房号" without a 楼栋 column holds the whole code (3-2-1201), as many offices write it.
        if "code" in keys:
            ignored.append(_text(values[next(i for i, k in found.items() if k == "number")]))
            found = {i: k for i, k in found.items() if k != "number"}
        else:
            found = {i: ("code" if k == "number" else k) for i, k in found.items()}
    return found, ignored


def find_header(rows, kind: str) -> tuple[int | None, dict[int, str] | None, list[str], object]:
    """The header: of the first rows (title rows above it are common), the one naming the most columns.

    It must name where the room is (房屋编号, or 楼栋 and 房号) and one more column. `rows` are
    (row number, values); returns the header's row number, {column index: key}, the names not
    recognised, and the rows below it."""
    mapping = header_map(kind)
    rows = iter(rows)
    head, after = [], []
    for number, values in rows:
        if number > HEADER_SEARCH_ROWS:
            after.append((number, values))
            break
        head.append((number, values))
    best = None
    for number, values in head:
        found, ignored = _header_candidates(values or (), mapping)
        keys = set(found.values())
        if not ("code" in keys or {"building", "number"} <= keys) or len(found) < 2:
            continue
        if best is None or len(found) > len(best[1]):
            best = (number, found, ignored)
    if best is None:
        return None, None, [], iter(())
    number, found, ignored = best
    return number, found, ignored, itertools.chain([r for r in head if r[0] > number], after, rows)


def parse(kind: str, rows, *, community=None) -> Preview:
    """Check the rows of an import file ((row number, values), as core.importing.xlsx reads them).
    With `community`, also check them against the register."""
    kind = ImportKind(kind)
    preview = Preview(kind=kind)
    header_row, index, ignored, rows = find_header(rows, kind)
    if header_row is None:
        preview.error(
            None,
            "",
            _("未找到表头：前%(n)s行中没有“房屋编号”（或“楼栋”“房号”）等列名。表头上方可以有标题行；请使用下载的模板。")
            % {"n": HEADER_SEARCH_ROWS},
        )
        return preview
    preview.header_row, preview.ignored_columns = header_row, ignored
    preview.split_layout = "number" in index.values()
    columns = {c.key: c for c in READ_COLUMNS[kind]}
    present = set(index.values())
    missing = [c for c in READ_COLUMNS[kind] if c.required and c.key not in present and c.key not in PLACE_KEYS]
    for column in missing:
        preview.error(header_row, column.label, _("缺少必填列“%(label)s”。") % {"label": column.label})
    if missing:
        return preview
    if kind == ImportKind.ROOMS:
        reader = _read_rooms
    else:
        from .leases import read_leases as reader
    data = _data_rows(rows, index, columns, preview)
    records = reader(data, columns, preview, community)
    preview.settle(records)
    return preview


PLACE_KEYS = frozenset({"code", "building", "unit", "number"})


def _data_rows(rows, index: dict[int, str], columns, preview: Preview):
    pairs = list(index.items())
    keys, needed = [key for _i, key in pairs], max(index) + 1
    # One C call picks a row's cells (the rows come padded to the widest so far: nearly all are wide enough).
    pick = operator.itemgetter(*index) if len(index) > 1 else (lambda values: (values[pairs[0][0]],))
    for number, values in rows:
        if len(values) >= needed:
            data = {
                key: value for key, value in zip(keys, pick(values), strict=True) if value is not None and value != ""
            }
        else:
            width = len(values)
            data = {key: values[i] for i, key in pairs if i < width and values[i] not in (None, "")}
        if not data or all(not clean(v) for v in data.values()):
            continue
        if "note" in data and _text(data["note"]).startswith(EXAMPLE_MARK):
            continue
        preview.total_rows += 1
        yield Row(number, data, preview, columns)


def read_place(row: Row) -> Place | None:
    """The room of a row, from its 房屋编号, or from its 楼栋/单元/房号 cells; None (and an error) if unreadable."""
    raw_code = row.text("code")
    if raw_code or not row.preview.split_layout:
        if not raw_code:
            row.fail("code", _("不能为空。"))
            return None
        place = parse_code(raw_code)
        if place is None:
            row.fail("code", _("“%(value)s”无法识别，应写成 3-2-1201 或 3栋2单元1201室。") % {"value": raw_code})
        return place
    building_cell, unit_cell, number_cell = row.text("building"), row.text("unit"), row.text("number")
    if not building_cell:
        row.fail("building", _("不能为空。"))
    if not number_cell:
        row.fail("number", _("不能为空。"))
    if not (building_cell and number_cell):
        return None
    building = parse_building(building_cell)
    if not building:
        row.fail("building", _("“%(value)s”无法识别，应写成 3 或 3栋。") % {"value": building_cell})
    unit = parse_unit(unit_cell) if unit_cell else ""
    if unit is None:
        row.fail("unit", _("“%(value)s”无法识别，应写成 2 或 2单元；没有单元的填“无”。") % {"value": unit_cell})
    number = parse_number(number_cell)
    whole = None if number else parse_code(number_cell)
    if whole is not None:
        # The whole code typed into the 房号 cell ("3-2-1201"): its parts must agree with the others.
        if (building and whole.building != building) or (unit_cell and unit is not None and whole.unit != unit):
            row.fail(
                "number",
                _("“%(value)s”与楼栋“%(b)s”、单元“%(u)s”不一致。")
                % {"value": number_cell, "b": building_cell, "u": unit_cell},
            )
            return None
        return whole if building and unit is not None else None
    if not number:
        row.fail("number", _("“%(value)s”无法识别，应写成 1201 或 1201室。") % {"value": number_cell})
    if not (building and number) or unit is None:
        return None
    return Place(building, unit, number, unit_stated=bool(unit_cell))


def _place_column(row: Row) -> str:
    return "code" if "code" in row.values or not row.preview.split_layout else "number"


def _read_rooms(rows, columns, preview: Preview, community) -> list[RoomRecord]:
    rooms: dict[str, RoomRecord] = {}
    people: dict[str, PersonRecord] = {}  # id_hash → the first row naming that person
    places: dict[str, tuple[Place, str, str]] = {}  # code → (place, as typed, column) of rooms without 单元
    share = preview.share
    for row in rows:
        place = read_place(row)
        number = place.number if place else ""
        fields = {
            "kind": row.choice("kind", RoomKind, RoomKind.RESIDENCE),
            "floor": row.floor(number),
            "building_area": row.area("building_area"),
            "usable_area": row.area("usable_area"),
            "land_area": row.area("land_area"),
            "use": row.choice("use", RoomUse, RoomUse.VACANT),
            "handover": row.choice("handover", Handover, Handover.UNDELIVERED),
            "moved_in_on": row.date("moved_in_on"),
            "facilities": row.free_text("facilities"),
            "garage": row.free_text("garage"),
            "note": row.free_text("note"),
        }
        _check_areas(row, fields)
        owners = _read_owners(row)
        if place is None:
            continue
        if max(len(place.building), len(place.unit), len(place.number)) > 20:
            row.fail(_place_column(row), _("楼栋、单元或房号过长。"))
            continue
        code = place.code
        record = rooms.get(code)
        if record is None:
            given = share(frozenset(row.values.keys() & PARTICULARS))
            building, unit, room_number = share(place.building), share(place.unit), share(place.number)
            rooms[code] = record = RoomRecord(row.number, code, building, unit, room_number, **fields, given=given)
            if place.alternatives():
                places[code] = (place, _place_text(row), _place_column(row))
        else:
            _merge_particulars(row, record, fields)
            if not owners:
                row.fail(_place_column(row), _("与第 %(row)s 行房号重复。") % {"row": record.row})
            elif not (_shares_stated(record.owners) and _shares_stated(owners)):
                # Two rows, two owners, no shares: a duplicate, or co-owners whose shares are not stated.
                row.fail(
                    _place_column(row),
                    _("与第 %(row)s 行房号重复。同一房屋有多位业主的，请在每行填写产权份额（合计100）。")
                    % {"row": record.row},
                )
            record.more_rows += (row.number,)
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
                    first.phones += tuple(phone for phone in person.phones if phone not in first.phones)
                    owner.person = first
            if any(
                o.person is owner.person or (person.id_hash and o.person.id_hash == person.id_hash)
                for o in record.owners
            ):
                row.fail("owner", _("业主 %(name)s 在房屋 %(code)s 中重复。") % {"name": person.name, "code": code})
                continue
            record.owners += (owner,)
    for record in rooms.values():
        if record.kind in AREA_REQUIRED and "building_area" not in record.given:
            preview.error(
                record.row,
                columns["building_area"].label,
                _("建筑面积：%(kind)s必须填写建筑面积（物业费按建筑面积计收）。")
                % {"kind": RoomKind(record.kind).label},
            )
    _check_ambiguous(rooms, places, preview, community, columns)
    _check_shares(rooms.values(), preview)
    if community is not None:
        codes, existing = list(rooms), set()
        for start in range(0, len(codes), 5000):
            chunk = codes[start : start + 5000]
            existing.update(
                Room.objects.filter(community=community, code__in=chunk).order_by().values_list("code", flat=True)
            )
        for code in sorted(existing, key=lambda c: rooms[c].row):
            preview.error(
                rooms[code].row,
                columns["code"].label,
                _("房屋编号：房屋 %(code)s 已在系统中登记，不能重复导入。") % {"code": code},
            )
        _match_people(people, community, preview, columns)
    return list(rooms.values())


def _place_text(row: Row) -> str:
    if "code" in row.values:
        return row.text("code")
    return "".join(row.text(k) for k in ("building", "unit", "number"))


def _check_areas(row: Row, fields: dict) -> None:
    building, usable = fields["building_area"], fields["usable_area"]
    if building is not None and usable is not None and usable > building:
        row.fail(
            "usable_area",
            _("使用面积 %(usable)s 大于建筑面积 %(building)s。")
            % {"usable": _number(usable), "building": _number(building)},
        )


def _merge_particulars(row: Row, record: RoomRecord, fields: dict) -> None:
    """A further row of the same room (another owner): particulars it gives must agree with earlier rows."""
    for key in ROOM_PARTICULARS:
        if key not in row.values or key == "note":
            continue
        if key not in record.given:
            setattr(record, key, fields[key])
            record.given = record.given | {key}
        elif fields[key] != getattr(record, key):
            row.fail(
                key, _("与第 %(row)s 行同一房屋 %(code)s 的填写不一致。") % {"row": record.row, "code": record.code}
            )


def _shares_stated(owners: list[OwnerRecord]) -> bool:
    return bool(owners) and all(o.share is not None for o in owners)


def _check_ambiguous(rooms: dict[str, RoomRecord], places, preview: Preview, community, columns) -> None:
    """A room number typed without its entrance, in a building that has that entrance, has two readings."""
    units: dict[str, set[str]] = defaultdict(set)
    for record in rooms.values():
        if record.unit:
            units[record.building].add(record.unit)
    if community is not None and places:
        buildings = {place.building for place, _raw, _col in places.values()}
        for building, unit in (
            Unit.objects.filter(community=community, building__code__in=buildings)
            .order_by()
            .values_list("building__code", "code")
        ):
            units[building].add(unit)
    for code, (place, raw, column) in places.items():
        readings = [p for p in place.alternatives() if p.unit in units[place.building]]
        if readings:
            preview.error(
                rooms[code].row,
                columns[column].label,
                f"{columns[column].label}：" + ambiguity_message(raw, place, readings, split=column != "code"),
            )


def _read_owners(row: Row) -> list[OwnerRecord]:
    names = _split(row.free_text("owner"))
    id_type = row.choice("id_type", IdType, IdType.RESIDENT_ID)
    id_cell = row.raw("id_number")
    share_text = _text(row.raw("share"))
    # 取得日期 is optional: a developer's handover register has none; unknown is stored as unknown.
    since = row.date("since")
    acquisition = row.choice("acquisition", Acquisition, Acquisition.PURCHASE)
    certificate = row.text("certificate_no")
    if not names:
        if any(row.raw(k) not in (None, "") for k in ("id_number", "phones", "share", "since")):
            row.fail("owner", _("填写了业主资料但缺少业主姓名。"))
        return []
    # A number typed into a numeric cell stays a number, so the hint about Excel's precision can be given.
    ids = [id_cell] if len(names) == 1 else _split(_text(id_cell))
    shares = _split(share_text)
    if len(names) == 1:
        phone_groups = [_phones(row, row.raw("phones"))]
    else:
        groups = [g for g in _split_groups(_text(row.raw("phones"))) if g.strip()]
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
        phones = phone_groups[i] if i < len(phone_groups) else ()
        person = _person(row, name, id_type, id_value, phones)
        share = _share(row, shares[i]) if i < len(shares) else None
        owners.append(OwnerRecord(person, share, since, acquisition, certificate))
    return owners


def _split_groups(text: str) -> list[str]:
    return re.split(r"[、;；]", text)


def _check_shares(rooms, preview: Preview) -> None:
    """Each room's owners hold 100% between them (PR-1); one row naming several owners without shares splits equally."""
    bad_rows = {e["row"] for e in preview.errors}
    for room in rooms:
        if not room.owners or not bad_rows.isdisjoint(room.rows):
            continue
        given = [o.share for o in room.owners]
        if all(s is None for s in given):
            n = len(room.owners)
            if n == 1:
                room.owners[0].share = WHOLE
                continue
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
        for pk, id_hash, name in by_id_number(community, chunk).values_list("pk", "id_hash", "name"):
            preview.existing_people[id_hash] = pk
            record = people[id_hash]
            if name != record.name:
                preview.error(
                    record.row,
                    columns["id_number"].label,
                    _("证件号码：该证件号已登记为“%(old)s”，与本行姓名“%(new)s”不一致。")
                    % {"old": name, "new": record.name},
                )
