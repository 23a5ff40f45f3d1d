"""The register import's part of the demo (core.demo): this morning each office's CS supervisor
uploaded the month's new tenancies; the check found a row naming a room not in the register, and
the list waits for him to correct it or to confirm the rows without problems. Nothing is written
to the register, so the demo's households stay as the register part made them."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from guanjia.core.demo import DemoBuild
from guanjia.core.importing.services import import_upload
from guanjia.core.roles import Role

from ..models import Room
from .columns import LEASE_COLUMNS
from .kinds import LEASES

TENANTS = ("周晓梅", "吴建国")


def _file(codes: list[str], today: dt.date) -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([_("本月新增租赁")])
    sheet.append([str(c.label) for c in LEASE_COLUMNS if c.key in ("code", "tenant", "start", "end", "note")])
    for code, tenant in zip(codes, TENANTS, strict=False):
        sheet.append([code, tenant, today - dt.timedelta(days=3), today + dt.timedelta(days=362), ""])
    sheet.append(["99-9-9901", "郑小雨", today, today + dt.timedelta(days=365), _("房号待核对")])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(_("本月新增租赁.xlsx"), buffer.getvalue())


def build(context: DemoBuild) -> str:
    uploaded = 0
    with context.timeline() as timeline:
        if not timeline.reached(context.now - dt.timedelta(hours=2)):
            return ""
        for community in context.communities:
            free = Room.objects.filter(community=community, leases__isnull=True).order_by("pk")
            codes = list(free.values_list("code", flat=True)[: len(TENANTS)])
            import_upload(
                kind=LEASES,
                community=community,
                actor=context.member(community, Role.CS_SUPERVISOR),
                file=_file(codes, context.today),
            )
            uploaded += 1
    return _("%(n)s 份待确认的导入文件") % {"n": uploaded}
