"""Excel workbooks of the register: the import templates, and exports in the same column layout.

An export re-imports unchanged (into another community, or after a rebuild): it has the
template's headers under a title row, one row per current owner (a room without owners
gets one row). It contains personal data, so it is scoped to the current community,
needs `estates.export`, and every export is logged (LW-1); only roles allowed to see full
ID numbers get them, everybody else gets them masked.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import has_perm, require
from guanjia.core.activity import log
from guanjia.core.crypto import decrypt
from guanjia.core.masking import mask_id, mask_phone
from guanjia.core.textnorm import without_controls

from .choices import Acquisition, Handover, IdType, ImportKind, RoomKind, RoomUse
from .importing import COLUMNS, EXAMPLE_MARK, Layout, layout_columns
from .models import Lease, Ownership, Person, Phone, Room

CHUNK = 2000
TEXT_COLUMNS = ("id_number", "phones", "code", "building", "unit", "number", "certificate_no", "registration_no")


def _styles():
    from openpyxl.styles import Alignment, Font, PatternFill

    return Font, PatternFill, Alignment


# --- The template ---------------------------------------------------------------------------


def build_template(kind: str, layout: str = Layout.CODE) -> bytes:
    """The downloadable import template: bold headers, an example row, and a 填写说明 sheet.

    Two layouts, as offices keep their registers: one 房屋编号 column (3-2-1201), or 楼栋, 单元
    and 房号 in three columns (`Layout.SPLIT`). The reader takes either."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    Font, PatternFill, Alignment = _styles()
    kind = ImportKind(kind)
    columns = layout_columns(kind, layout)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(kind.label)
    bold = Font(bold=True)
    for i, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=i, value=str(column.label) + ("*" if column.required else ""))
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="FFF2CC" if column.required else "E7EEF7")
        sheet.column_dimensions[get_column_letter(i)].width = column.width
        # Text format where Excel would mangle the value (18-digit ID numbers lose digits as numbers).
        if column.key in TEXT_COLUMNS:
            for row in range(2, 1002):
                sheet.cell(row=row, column=i).number_format = "@"
        example = EXAMPLE_MARK + _("（导入时自动跳过，可删除）") if column.key == "note" else column.example
        cell = sheet.cell(row=2, column=i, value=example)
        cell.font = Font(italic=True, color="808080")
        if isinstance(example, dt.date):
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet(_("填写说明"))
    notes.append([_("列名"), _("是否必填"), _("说明"), _("可填的值")])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        allowed = "、".join(str(label) for label in column.choices.labels) if column.choices else ""
        notes.append([str(column.label), _("必填") if column.required else "", str(column.help), allowed])
    notes.append([])
    general = _(
        "房屋可以写在一列“房屋编号”（如 3-2-1201），也可以分写在“楼栋”“单元”“房号”三列。"
        "表头上方可以有标题行；数字、字母可为全角，面积可带单位，电话中可有空格；姓名和备注按原样保存；空白行会被跳过。"
        "上传后先预览，逐行列出有问题的行（可下载后修改再上传），确认无误后才写入系统；"
        "也可以明确选择“只导入无问题的行”。"
    )
    notes.append([_("通用说明"), "", general, ""])
    for letter, width in (("A", 16), ("B", 10), ("C", 70), ("D", 40)):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Exports --------------------------------------------------------------------------------


def _phones(person: Person, full: bool) -> str:
    return "/".join(p.number if full else mask_phone(p.number) for p in person.phones.all())


def _id_number(person: Person, full: bool) -> str:
    number = decrypt(person.id_encrypted) if person.id_encrypted else ""
    return number if full else mask_id(number)


def _person_cells(person: Person, full_ids: bool, full_phones: bool) -> dict:
    return {
        "id_type": str(IdType(person.id_type).label) if person.id_type else "",
        "id_number": _id_number(person, full_ids),
        "phones": _phones(person, full_phones),
    }


def _share(value) -> object:
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def room_rows(community, full_ids: bool, full_phones: bool):
    """One dict per current owner of each room, keyed like the import columns."""
    owners = Prefetch(
        "ownerships",
        queryset=Ownership.objects.filter(until__isnull=True).select_related("person").order_by("-share", "id"),
        to_attr="current_owners",
    )
    rooms = (
        Room.objects.filter(community=community)
        .select_related("building", "unit")
        .prefetch_related(owners, Prefetch("current_owners__person__phones", queryset=Phone.objects.order_by("id")))
        .order_by("sort_key")  # natural order: 1-2-602 before 10-1-101
    )
    for room in rooms.iterator(chunk_size=CHUNK):
        base = {
            "code": room.code,
            "kind": str(RoomKind(room.kind).label),
            "floor": room.floor,
            "building_area": room.building_area,
            "usable_area": room.usable_area,
            "land_area": room.land_area,
            "use": str(RoomUse(room.use).label),
            "handover": str(Handover(room.handover).label),
            "moved_in_on": room.moved_in_on,
            "facilities": room.facilities,
            "garage": room.garage,
            "note": room.note,
        }
        if not room.current_owners:
            yield base
        for ownership in room.current_owners:
            yield {
                **base,
                "owner": ownership.person.name,
                **_person_cells(ownership.person, full_ids, full_phones),
                "share": _share(ownership.share),
                "since": ownership.since,
                "acquisition": str(Acquisition(ownership.acquisition).label),
                "certificate_no": ownership.certificate_no,
            }


def lease_rows(community, full_ids: bool, full_phones: bool):
    leases = (
        Lease.objects.filter(community=community)
        .select_related("room", "tenant")
        .prefetch_related(Prefetch("tenant__phones", queryset=Phone.objects.order_by("id")))
        .order_by("room__sort_key", "start", "id")
    )
    for lease in leases.iterator(chunk_size=CHUNK):
        yield {
            "code": lease.room.code,
            "tenant": lease.tenant.name,
            **_person_cells(lease.tenant, full_ids, full_phones),
            "start": lease.start,
            "end": lease.end,
            "ended_on": lease.ended_on,
            "registration_no": lease.registration_no,
            "decoration": lease.decoration,
            "note": lease.note,
        }


def write_workbook(kind: str, title: str, rows, target) -> int:
    """Stream `rows` into an .xlsx (openpyxl write-only): a title row, the template headers, the data."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    Font, PatternFill, _Alignment = _styles()
    columns = COLUMNS[ImportKind(kind)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(ImportKind(kind).label))
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    heading = WriteOnlyCell(sheet, value=without_controls(title))
    heading.font = Font(bold=True, size=13)
    sheet.append([heading])
    headers = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.label) + ("*" if column.required else ""))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E7EEF7")
        headers.append(cell)
    sheet.append(headers)
    count = 0
    for row in rows:
        values = []
        for column in columns:
            value = row.get(column.key)
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                value = cell
            values.append("" if value is None else without_controls(value))  # stored text never breaks it
        sheet.append(values)
        count += 1
    workbook.save(target)
    return count


def register_export(*, community, actor, kind: str):
    """Export the current rooms and owners, or the leases, of `community`; returns (filename, file)."""
    require(actor, "estates.export", community)
    kind = ImportKind(kind)
    full_ids = has_perm(actor, "people.view_id", community)  # LW-1: others get masked ID numbers
    full_phones = has_perm(actor, "people.view_phone", community)  # AR-4: the archivist and quality do not call
    now = timezone.localtime(clock.now())
    label = _("房屋及业主清单") if kind == ImportKind.ROOMS else _("租赁清单")
    title = _("%(community)s %(label)s（导出时间 %(at)s）") % {
        "community": community.name,
        "label": label,
        "at": now.strftime("%Y-%m-%d %H:%M"),
    }
    rows = (room_rows if kind == ImportKind.ROOMS else lease_rows)(community, full_ids, full_phones)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    with transaction.atomic():  # one consistent snapshot of the register
        count = write_workbook(kind, title, rows, target)
        log(
            actor,
            "estates.register.exported",
            None,
            community=community,
            summary=_("导出%(label)s（%(rows)s 行%(ids)s）")
            % {"label": label, "rows": count, "ids": "" if full_ids else _("，证件号已遮蔽")},
            kind=kind.value,
            rows=count,
            full_ids=full_ids,
        )
    target.seek(0)
    filename = f"{community.code}-{label}-{now:%Y%m%d}.xlsx"
    return filename, target
