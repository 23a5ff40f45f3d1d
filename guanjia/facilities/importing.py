"""The equipment ledger from Excel (FM-1), a kind of core's one importer ("facilities.devices").

Columns (a title row above the header is fine): 设备编号, 设备名称, 设备类型, 品牌, 型号, 出厂编号, 楼栋,
楼层, 位置, 重要程度, 启用日期, 保修期至, 原值, 维保单位, 使用登记证号, 上次法定检验, 下次法定检验,
检验合格证编号, 备注. The type, the building and the contractor are named as the ledger names them and
must exist (a type by its name or code, a building by its name or number, a contractor of this
community by its name; an empty 维保单位 is in-house maintenance); a code may appear once in the file
and not already be in the ledger. Every row is checked with the console's rules
(services.check_device_rules), every problem reported with its Excel row number and column.

The check reads what it needs in bulk (the types, the community's buildings and contractors, the
codes of the file already in the ledger): a fixed number of queries whatever the file's length. The
commit checks again that no code was taken meanwhile (else core.importing.StaleRows: checked again,
nothing written), then inserts the devices and their FM-1 inspection deadlines in bulk.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock, workdays
from guanjia.core.errors import ServiceError
from guanjia.core.importing import kinds
from guanjia.core.importing.kinds import Check, Checked, Commit, ImportTemplates, StaleRows
from guanjia.core.models import Deadline
from guanjia.core.roles import Role
from guanjia.core.textnorm import clean, clean_text
from guanjia.estates.importing.records import parse_date
from guanjia.estates.models import Building

from .choices import Importance, Maintainer
from .models import Contractor, Device, DeviceType
from .services import RULE, check_device_rules

KIND = "facilities.devices"
PERMISSION = "facilities.import"
COLUMNS = {
    "设备编号": "code",
    "设备名称": "name",
    "设备类型": "type",
    "品牌": "brand",
    "型号": "model",
    "出厂编号": "serial_no",
    "楼栋": "building",
    "楼层": "floor",
    "位置": "place",
    "重要程度": "importance",
    "启用日期": "commissioned_on",
    "保修期至": "warranty_ends_on",
    "原值": "value",
    "维保单位": "contractor",
    "使用登记证号": "registration_no",
    "上次法定检验": "last_inspection_on",
    "下次法定检验": "next_inspection_on",
    "检验合格证编号": "certificate_no",
    "备注": "note",
}
ALIASES = {"房间/公共区域": "place", "安装位置": "place", "原值(元)": "value", "类型": "type", "编号": "code"}
LABELS = {key: label for label, key in COLUMNS.items()}
REQUIRED = ("code", "name", "type", "place")
DATES = ("commissioned_on", "warranty_ends_on", "last_inspection_on", "next_inspection_on")
CODES = ("code", "serial_no", "floor", "registration_no", "certificate_no")  # no inner spaces
HEADER_SEARCH_ROWS = 10
_IMPORTANCE = {"A": "A", "B": "B", "C": "C", "A类": "A", "B类": "B", "C类": "C", "关键": "A", "重要": "B", "一般": "C"}


def _key(cell) -> str | None:
    text = clean(cell).replace("*", "")
    return COLUMNS.get(text) or ALIASES.get(text)


def _header(values) -> dict[int, str]:
    return {i: key for i, v in enumerate(values) if v not in (None, "") and (key := _key(v))}


def _text(value, *, code: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean(str(value)) if code else clean_text(str(value)).strip()


def _money(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValueError(value) from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(value)
    return amount.quantize(Decimal("0.01"))


def _lookups(community):
    """Types by name and code, buildings by name and number, contractors by name: three queries."""
    types: dict[str, DeviceType | None] = {}
    for t in DeviceType.objects.all():
        for name in {clean(t.name), clean(t.code)}:
            types[name] = None if name in types and types[name] != t else t  # None: two types share it
    buildings: dict[str, Building | None] = {}
    for b in Building.objects.filter(community=community):
        for name in {clean(str(b)), clean(b.code), clean(f"{b.code}栋"), clean(f"{b.code}幢")} - {""}:
            buildings[name] = None if name in buildings and buildings[name] != b else b
    contractors = {clean(c.name): c for c in Contractor.objects.filter(community=community)}
    return types, buildings, contractors


def _check(check: Check) -> Checked:
    community = check.community
    table = check.table(
        header=_header,
        is_header=lambda keys: {"code", "name"} <= keys,
        required={key: LABELS[key] for key in REQUIRED},
        search_rows=HEADER_SEARCH_ROWS,
        no_header=_("没有找到表头（设备编号、设备名称、设备类型、位置……）。"),
    )
    if (refused := table.refused()) is not None:
        return refused
    header_row, rows, total, errors = table.header_row, table.rows, table.total, table.errors

    types, buildings, contractors = _lookups(community)
    codes_in_file = [_text(cells.get("code"), code=True) for _row, cells in rows]
    taken = set(
        Device.objects.filter(community=community, code__in=[c for c in codes_in_file if c]).values_list(
            "code", flat=True
        )
    )
    today, seen, bad, records = clock.today(), {}, set(), []
    counts = {"devices": 0, "special": 0, "contracted": 0, "inspections": 0}

    def error(row, key, message):
        bad.add(row)
        errors.append({"row": row, "column": LABELS.get(key, ""), "message": str(message)})

    for row, cells in rows:
        values = {key: _text(cells.get(key), code=key in CODES) for key in COLUMNS.values() if key not in DATES}
        problems = len(bad)
        for key in REQUIRED:
            if not values[key]:
                error(row, key, _("请填写%(column)s。") % {"column": LABELS[key]})
        if len(bad) > problems:
            continue
        code = values["code"]
        if code in seen:
            error(row, "code", _("设备编号 %(code)s 与第 %(row)s 行重复。") % {"code": code, "row": seen[code]})
            continue
        seen[code] = row
        if code in taken:
            error(row, "code", _("本小区已有设备 %(code)s。") % {"code": code})
            continue
        device_type = types.get(clean(values["type"]))
        if device_type is None:
            message = (
                _("“%(v)s”对应多个设备类型，请填写类型编码。")
                if clean(values["type"]) in types
                else _("没有设备类型“%(v)s”（见 设备类型 页）。")
            )
            error(row, "type", message % {"v": values["type"]})
            continue
        building = None
        if values["building"]:
            building = buildings.get(clean(values["building"]))
            if building is None:
                error(row, "building", _("本小区没有楼栋“%(v)s”。") % {"v": values["building"]})
                continue
        contractor = None
        if values["contractor"]:
            contractor = contractors.get(clean(values["contractor"]))
            if contractor is None:
                error(
                    row,
                    "contractor",
                    _("本小区没有维保单位“%(v)s”（请先在 维保单位 页登记）。") % {"v": values["contractor"]},
                )
                continue
        importance = Importance.B
        if values["importance"]:
            importance = _IMPORTANCE.get(values["importance"].upper())
            if importance is None:
                error(row, "importance", _("“%(v)s”：重要程度填 A、B 或 C。") % {"v": values["importance"]})
                continue
        dates, failed = {}, False
        for key in DATES:
            try:
                dates[key] = parse_date(cells.get(key))
            except (ValueError, OverflowError, TypeError):
                error(row, key, _("请填写有效的日期（如 2026-10-25）。"))
                failed = True
                break
        if failed:
            continue
        try:
            value = _money(cells.get("value"))
        except ValueError:
            error(row, "value", _("原值须为不小于 0、最多两位小数的金额。"))
            continue
        device = Device(
            community=community,
            code=code,
            name=values["name"],
            type=device_type,
            brand=values["brand"],
            model=values["model"],
            serial_no=values["serial_no"],
            building=building,
            floor=values["floor"],
            place=values["place"],
            importance=importance,
            value=value,
            maintainer=Maintainer.CONTRACTOR if contractor else Maintainer.IN_HOUSE,
            contractor=contractor,
            registration_no=values["registration_no"],
            certificate_no=values["certificate_no"],
            note=values["note"],
            **dates,
        )
        try:
            check_device_rules(device, community, today)
        except ServiceError as refusal:
            key = refusal.field if refusal.field in LABELS else ""
            message = str(refusal.message)
            message = message.split("：", 1)[1] if key and "：" in message else message  # the column says which
            error(row, key, message)
            continue
        counts["devices"] += 1
        counts["special"] += device_type.special
        counts["contracted"] += contractor is not None
        counts["inspections"] += dates["next_inspection_on"] is not None
        records.append(
            {
                "row": row,
                **{k: v for k, v in values.items() if k not in ("type", "building", "contractor", "importance")},
                "type": device_type.pk,
                "type_name": device_type.name,
                "building": building.pk if building else None,
                "contractor": contractor.pk if contractor else None,
                "importance": importance,
                "value": None if value is None else str(value),
                **{k: v.isoformat() if v else None for k, v in dates.items()},
            }
        )
    return Checked(
        total_rows=total,
        header_row=header_row,
        errors=sorted(errors, key=lambda e: e["row"] or 0),
        excluded_rows=sorted(bad),
        counts=counts,
        sample=[
            {"row": r["row"], "code": r["code"], "name": r["name"], "type": r["type_name"], "place": r["place"]}
            for r in records[:10]
        ],
        records=records,
    )


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _commit(commit: Commit) -> dict:
    records = list(commit.records)
    if not records:
        return {"devices": 0, "inspections": 0}
    community = commit.community
    if Device.objects.filter(community=community, code__in=[r["code"] for r in records]).exists():
        raise StaleRows  # a code entered in the console since the check
    wanted = {r["contractor"] for r in records if r["contractor"]}
    if len(Contractor.objects.filter(community=community, pk__in=wanted)) != len(wanted):
        raise StaleRows
    devices = Device.objects.bulk_create(
        [
            Device(
                community=community,
                code=r["code"],
                name=r["name"],
                type_id=r["type"],
                brand=r["brand"],
                model=r["model"],
                serial_no=r["serial_no"],
                building_id=r["building"],
                floor=r["floor"],
                place=r["place"],
                importance=r["importance"],
                commissioned_on=_date(r["commissioned_on"]),
                warranty_ends_on=_date(r["warranty_ends_on"]),
                value=None if r["value"] is None else Decimal(r["value"]),
                maintainer=Maintainer.CONTRACTOR if r["contractor"] else Maintainer.IN_HOUSE,
                contractor_id=r["contractor"],
                registration_no=r["registration_no"],
                last_inspection_on=_date(r["last_inspection_on"]),
                next_inspection_on=_date(r["next_inspection_on"]),
                certificate_no=r["certificate_no"],
                note=r["note"],
                created_at=commit.now,
            )
            for r in records
        ],
        batch_size=1000,
    )
    if any(d.pk is None for d in devices):  # a backend without RETURNING: read the ids back by code
        ids = dict(
            Device.objects.filter(community=community, code__in=[d.code for d in devices]).values_list("code", "pk")
        )
        for d in devices:
            d.pk = ids[d.code]
    # FM-1: each imported inspection date is the same deadline the console opens (services._open_inspection).
    subject_type = ContentType.objects.get_for_model(Device)
    deadlines = Deadline.objects.bulk_create(
        [
            Deadline(
                community=community,
                rule=RULE,
                title=(_("设备法定检验：%(code)s %(name)s") % {"code": d.code, "name": d.name})[:200],
                subject_type=subject_type,
                subject_id=str(d.pk),
                starts_at=commit.now,
                due_at=workdays.deadline_end(d.next_inspection_on),
                owner_role=Role.EQUIPMENT_SUPERVISOR,
                created_at=commit.now,
            )
            for d in devices
            if d.next_inspection_on is not None
        ],
        batch_size=1000,
    )
    return {"devices": len(devices), "inspections": len(deadlines)}


def describe(result: dict) -> str:
    return _("设备 %(n)s 台（法定检验时限 %(i)s 条）") % {
        "n": result.get("devices", 0),
        "i": result.get("inspections", 0),
    }


def template() -> bytes:
    """The ledger's template: the header row, one example row, the columns sized."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "设备台账"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(
        [
            "DT-01",
            "1号客梯",
            "客梯",
            "奥的斯",
            "GeN2",
            "OT2019-1102",
            "1",
            "B1",
            "1号电梯井",
            "A",
            "2019-06-01",
            "2021-06-01",
            "380000",
            "",
            "梯11沪A01234",
            "2026-03-10",
            "2027-03-09",
            "TJ-2026-0310",
            "",
        ]
    )
    for index in range(len(COLUMNS)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def register() -> None:
    kinds.register(
        kinds.ImportKind(
            key=KIND,
            title=gettext_lazy("设备台账"),
            permission=PERMISSION,
            check=_check,
            commit=_commit,
            describe=describe,
            templates=ImportTemplates(counts="facilities/import_counts.html", sample="facilities/import_sample.html"),
            start_url=lambda batch: reverse("facilities:import"),
        )
    )
