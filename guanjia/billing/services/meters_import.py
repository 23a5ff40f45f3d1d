"""Meter readings from Excel (FE-1), a kind of core's one importer ("billing.readings").

Columns: 表号, 表计类型, 抄表日期, 读数, 换表, 备注 (a title row above the header is fine). 换表 says
是/换表 for a replaced meter and 翻转 for a rolled-over one; empty otherwise. Every row is checked
with the rules of `reading_record` (services.meters.assess: future dates, billed months, twice a day,
older than the meter's latest reading, lower than the latest unless replaced or rolled over, the
check list), in date order per meter, each good row counting as the meter's latest for the rows after
it; every problem is reported with its Excel row number. The check reads what it needs in bulk (the
community's meters, the issued months, each meter's last six readings): a fixed number of queries.

The commit (all or nothing, or only the rows without problems by the clerk's choice) checks again
that no meter has been read since the check and no month billed since (else the file is checked
again, nothing written: core.importing.StaleRows) and writes the readings with one bulk insert.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F, Max, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.importing import kinds
from guanjia.core.importing.kinds import Check, Checked, Commit, ImportTemplates, StaleRows
from guanjia.core.policies import policy
from guanjia.core.textnorm import clean
from guanjia.estates.importing.records import parse_date

from ..choices import MeterKind, ReadingSource, RunStatus
from ..models import BillingRun, Meter, MeterReading
from .meters import HISTORY, OCCUPIED, Prior, as_value, assess

KIND = "billing.readings"
COLUMNS = {
    "表号": "number",
    "表计类型": "kind",
    "抄表日期": "read_on",
    "读数": "value",
    "换表": "change",
    "备注": "note",
}
REQUIRED = ("number", "kind", "read_on", "value")
HEADER_SEARCH_ROWS = 10
_KIND_NAMES = {**{str(label): value for value, label in MeterKind.choices}, **{v: v for v in MeterKind.values}}
_KIND_NAMES |= {"水": "water", "电": "electricity", "燃气": "gas", "气表": "gas", "热表": "heat", "热量": "heat"}
_YES = {"是", "换表", "y", "yes", "1", "√", "true"}
_ROLL = {"翻转", "表计翻转", "回零"}


def _header(values) -> dict[int, str]:
    return {i: COLUMNS[clean(str(v))] for i, v in enumerate(values) if v is not None and clean(str(v)) in COLUMNS}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean(str(value))


def _priors(meter_ids) -> dict[int, Prior]:
    """Each meter's latest reading and last usages: one query (a window over the meter's readings)."""
    rows = (
        MeterReading.objects.filter(meter_id__in=meter_ids)
        .annotate(n=Window(RowNumber(), partition_by=[F("meter_id")], order_by=[F("read_on").desc(), F("id").desc()]))
        .filter(n__lte=HISTORY)
        .order_by("meter_id", "n")
        .values_list("meter_id", "read_on", "value", "usage")
    )
    priors: dict[int, Prior] = {}
    for meter_id, read_on, value, usage in rows:
        prior = priors.get(meter_id)
        if prior is None:
            priors[meter_id] = Prior(last_on=read_on, last_value=value, usages=[usage])
        else:
            prior.usages.append(usage)
    return priors


def _billed(community) -> set[dt.date]:
    return set(BillingRun.objects.filter(community=community, status=RunStatus.ISSUED).values_list("period", flat=True))


def _check(check: Check) -> Checked:
    community = check.community
    table = check.table(
        header=_header,
        is_header=lambda keys: bool(keys & {"number", "value"}),
        required={key: label for label, key in COLUMNS.items() if key in REQUIRED},
        search_rows=HEADER_SEARCH_ROWS,
        no_header=_("没有找到表头（表号、表计类型、抄表日期、读数、换表、备注）。"),
    )
    if (refused := table.refused()) is not None:
        return refused
    header_row, rows, total, errors = table.header_row, table.rows, table.total, table.errors
    meters = {
        (m.kind, m.number): m
        for m in Meter.objects.filter(community=community).only("pk", "kind", "number", "multiplier", "active")
    }
    uses = dict(
        Meter.objects.filter(community=community, room__isnull=False).values_list("pk", "room__use")
    )  # who lives there (the zero-usage check)
    parsed, bad = [], set()

    def error(row, column, message):
        bad.add(row)
        errors.append({"row": row, "column": column, "message": str(message)})

    for row, cells in rows:
        kind = _KIND_NAMES.get(_text(cells.get("kind")))
        if kind is None:
            error(
                row,
                "表计类型",
                _("“%(v)s”不是表计类型（可填：水表、电表、燃气表、热量表）。") % {"v": _text(cells.get("kind"))},
            )
            continue
        number = _text(cells.get("number"))
        meter = meters.get((kind, number))
        if meter is None:
            error(row, "表号", _("本小区没有%(kind)s %(n)s。") % {"kind": MeterKind(kind).label, "n": number or "—"})
            continue
        try:
            read_on = parse_date(cells.get("read_on"))
        except (ValueError, OverflowError):
            read_on = None
        if read_on is None:
            error(row, "抄表日期", _("请填写有效的抄表日期（如 2026-10-25）。"))
            continue
        try:
            value = as_value(cells.get("value"))
        except ServiceError as refusal:
            error(row, "读数", refusal.message)
            continue
        change = _text(cells.get("change")).lower()
        if change and change not in _YES and change not in _ROLL:
            error(row, "换表", _("“%(v)s”：换表一列填“是”（换表）或“翻转”（表计翻转），否则留空。") % {"v": change})
            continue
        note = _text(cells.get("note"))[:200]
        parsed.append((meter, read_on, value, change in _YES, change in _ROLL, note, row))
    priors = _priors({p[0].pk for p in parsed})
    seen_last = {pk: (prior.last_on.isoformat() if prior.last_on else None) for pk, prior in priors.items()}
    billed, today = _billed(community), clock.today()
    check_pct = policy(community, "FE-1.usage_check_pct")
    records, counts = [], {"readings": 0, "check": 0, "replaced": 0}
    labels = {"read_on": "抄表日期", "value": "读数", "rollover": "换表", "replacement": "换表", "meter": "表号"}
    for meter, read_on, value, replacement, rollover, note, row in sorted(parsed, key=lambda p: (p[0].pk, p[1], p[6])):
        prior = priors.setdefault(meter.pk, Prior())
        try:
            assessed = assess(
                meter=meter,
                occupied=uses.get(meter.pk) in OCCUPIED,
                prior=prior,
                read_on=read_on,
                value=value,
                replacement=replacement,
                rollover=rollover,
                today=today,
                billed=read_on.replace(day=1) in billed,
                check_pct=check_pct,
            )
        except ServiceError as refusal:
            error(row, labels.get(refusal.field, ""), refusal.message)
            continue
        prior.last_on, prior.last_value = read_on, value
        prior.usages = [assessed.usage, *prior.usages][:HISTORY]
        counts["readings"] += 1
        counts["check"] += assessed.status == "check"
        counts["replaced"] += replacement
        records.append(
            {
                "row": row,
                "meter": meter.pk,
                "last_on": seen_last.get(meter.pk),
                "read_on": read_on.isoformat(),
                "value": str(value),
                "usage": None if assessed.usage is None else str(assessed.usage),
                "status": assessed.status,
                "reason": str(assessed.check_reason)[:200],
                "replacement": replacement,
                "rollover": rollover,
                "note": note,
            }
        )
    records.sort(key=lambda r: r["row"])
    excluded = sorted(bad)
    return Checked(
        total_rows=total,
        header_row=header_row,
        errors=sorted(errors, key=lambda e: e["row"] or 0),
        excluded_rows=excluded,
        counts=counts,
        sample=[
            {"row": r["row"], "read_on": r["read_on"], "value": r["value"], "usage": r["usage"], "status": r["status"]}
            for r in records[:10]
        ],
        records=records,
    )


def _commit(commit: Commit) -> dict:
    records = list(commit.records)
    if not records:
        return {"readings": 0, "check": 0}
    meter_ids = {r["meter"] for r in records}
    # What the check relied on: no reading since, no month billed since.
    latest = dict(
        MeterReading.objects.filter(meter_id__in=meter_ids)
        .values("meter_id")
        .annotate(last=Max("read_on"))
        .values_list("meter_id", "last")
    )
    for r in records:
        seen = r["last_on"]
        if (latest.get(r["meter"]).isoformat() if latest.get(r["meter"]) else None) != seen:
            raise StaleRows
    billed = _billed(commit.community)
    if any(dt.date.fromisoformat(r["read_on"]).replace(day=1) in billed for r in records):
        raise StaleRows
    community_id = commit.community.pk
    MeterReading.objects.bulk_create(
        [
            MeterReading(
                community_id=community_id,
                meter_id=r["meter"],
                read_on=dt.date.fromisoformat(r["read_on"]),
                value=Decimal(r["value"]),
                usage=None if r["usage"] is None else Decimal(r["usage"]),
                source=ReadingSource.IMPORT,
                reader=commit.actor,
                replacement=r["replacement"],
                rollover=r["rollover"],
                status=r["status"],
                check_reason=r["reason"],
                recorded_at=commit.now,
            )
            for r in records
        ],
        batch_size=1000,
    )
    replaced = {r["meter"]: r["read_on"] for r in records if r["replacement"]}
    for meter_id, read_on in replaced.items():  # a replaced meter was installed that day (rare: per meter)
        Meter.objects.filter(pk=meter_id).update(installed_on=dt.date.fromisoformat(read_on))
    return {"readings": len(records), "check": sum(1 for r in records if r["status"] == "check")}


def describe(result: dict) -> str:
    return _("读数 %(n)s 条（待复核 %(c)s 条）") % {"n": result.get("readings", 0), "c": result.get("check", 0)}


def template() -> bytes:
    """The readings template: the header row, the columns sized."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "抄表读数"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (16, 10, 14, 14, 8, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def register() -> None:
    kinds.register(
        kinds.ImportKind(
            key=KIND,
            title=gettext_lazy("抄表读数"),
            permission="billing.read_meters",
            check=_check,
            commit=_commit,
            describe=describe,
            templates=ImportTemplates(counts="billing/meters_import_counts.html"),
            start_url=lambda batch: reverse("billing:readings_import"),
        )
    )
