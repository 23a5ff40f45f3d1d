"""The monthly property list 产权清单 and lease list 租赁清单 (PR-2, PR-3, PR-4, AR-2).

Each list shows the register as it stood at 24:00 of the month's last day. Ownership and
leases are historical (PR-1 keeps every period), so an old month's list does not change
when a room is transferred later. Room attributes (type, areas, use, facilities, garage)
are kept as current values only; the lists say so in their footnote.

Names are shown (internal register), but never ID numbers or phones (LW-1, AR-4).
"""

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError
from guanjia.core.periods import Period
from guanjia.core.textnorm import without_controls

from .choices import RegisterKind
from .models import Lease, Ownership, RegisterReview, Room
from .sorting import natural_key

# --- What belongs to a month (a core.periods.Period of kind MONTH) ------------------------


def held_at(day: dt.date) -> Q:
    """Ownerships held at 24:00 of `day` (a transfer on `day` already counts for the new owner).

    An ownership whose start is unknown (null) is held on every day before its end."""
    return (Q(since__isnull=True) | Q(since__lte=day)) & (Q(until__isnull=True) | Q(until__gt=day))


def lease_in_month(period: Period) -> Q:
    """Leases running on any day of the month (the last day is ended_on, else end)."""
    first, last = period.start, period.last_day
    return Q(start__lte=last) & (Q(ended_on__gte=first) | Q(ended_on__isnull=True, end__gte=first))


def changed_in_month(period: Period) -> Q:
    """Ownerships that began or ended on a day of the month (PR-1)."""
    days = (period.start, period.last_day)
    return Q(since__range=days) | Q(until__range=days)


# Natural order of codes (1-2-602 before 10-1-101), the same key the database sorts rooms by.
_natural = natural_key


def _fmt_date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _fmt_since(day: dt.date | None) -> str:
    """An acquisition date, or 不详 when the register does not know it (never invented)."""
    return day.isoformat() if day else str(_("不详"))


def _fmt_share(share: Decimal) -> str:
    return f"{share.normalize():f}%"


# --- Property list (PR-2) -----------------------------------------------------------------


@dataclass
class Holder:
    name: str
    share: Decimal
    acquisition: str
    since: dt.date | None
    certificate_no: str

    @property
    def label(self) -> str:
        return f"{self.name}（{_fmt_share(self.share)}）"


@dataclass
class PropertyRow:
    room: Room
    holders: list[Holder]
    changed: bool = False

    code = property(lambda self: self.room.code)
    kind = property(lambda self: self.room.get_kind_display())
    building_area = property(lambda self: self.room.building_area)
    usable_area = property(lambda self: self.room.usable_area)
    land_area = property(lambda self: self.room.land_area)
    use = property(lambda self: self.room.get_use_display())
    facilities = property(lambda self: self.room.facilities)
    garage = property(lambda self: self.room.garage)

    @property
    def owners(self) -> str:
        return "、".join(h.label for h in self.holders)

    @property
    def changed_label(self) -> str:
        return _("是") if self.changed else ""

    def _distinct(self, values) -> str:
        return "、".join(dict.fromkeys(v for v in values if v))

    @property
    def acquisition(self) -> str:
        return self._distinct(h.acquisition for h in self.holders)

    @property
    def since(self) -> str:
        return self._distinct(_fmt_since(h.since) for h in self.holders)

    @property
    def certificate_no(self) -> str:
        return self._distinct(h.certificate_no for h in self.holders)


@dataclass
class OwnershipChange:
    """A transfer (or start/end) of ownership during the month, with its date and manner (PR-1)."""

    code: str
    day: dt.date
    manner: str
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    sort_key: str = ""

    @property
    def before_label(self) -> str:
        return "、".join(self.before)

    @property
    def after_label(self) -> str:
        return "、".join(self.after)


def _ownerships():
    # Names only: the encrypted ID and its hash are never loaded for a list (LW-1).
    return Ownership.objects.select_related("person").defer(
        "person__id_encrypted", "person__id_hash", "person__id_last4", "person__birth_date"
    )


def _holder(o: Ownership) -> Holder:
    return Holder(o.person.name, o.share, o.get_acquisition_display(), o.since, o.certificate_no)


def property_changes(community, period: Period) -> list[OwnershipChange]:
    """Every change of ownership dated within the month, oldest first (PR-1)."""
    first, last = period.start, period.last_day
    events: dict[tuple[int, dt.date], dict] = defaultdict(lambda: {"room": None, "started": [], "ended": []})
    rows = _ownerships().select_related("room").filter(community=community).filter(changed_in_month(period))
    for o in rows:
        if o.since and first <= o.since <= last:
            event = events[(o.room_id, o.since)]
            event["room"] = o.room
            event["started"].append(o)
        if o.until and first <= o.until <= last:
            event = events[(o.room_id, o.until)]
            event["room"] = o.room
            event["ended"].append(o)
    changes = []
    for (_room_id, day), event in events.items():
        started = event["started"]
        if started:
            manner = "、".join(dict.fromkeys(o.get_acquisition_display() for o in started))
        else:
            manner = _("产权终止")
        changes.append(
            OwnershipChange(
                sort_key=event["room"].sort_key,
                code=event["room"].code,
                day=day,
                manner=manner,
                before=[_holder(o).label for o in event["ended"]],
                after=[_holder(o).label for o in started],
            )
        )
    changes.sort(key=lambda c: (c.day, c.sort_key))
    return changes


def property_list(community, period: Period, *, changes: list[OwnershipChange] | None = None) -> list[PropertyRow]:
    """Every room of the community with the owners it had at 24:00 of the month's last day (PR-2)."""
    last = period.last_day
    if changes is None:
        changes = property_changes(community, period)
    changed_codes = {c.code for c in changes}
    rooms = (
        Room.objects.filter(community=community)
        .select_related("building", "unit")
        .prefetch_related(
            Prefetch(
                "ownerships",
                queryset=_ownerships().filter(held_at(last)).order_by(F("since").asc(nulls_first=True), "id"),
                to_attr="held",
            )
        )
        .order_by("sort_key")  # natural order, from the (community, sort_key) index
    )
    return [
        PropertyRow(room=room, holders=[_holder(o) for o in room.held], changed=room.code in changed_codes)
        for room in rooms
    ]


# --- Lease list (PR-3) --------------------------------------------------------------------


class LeaseState(models.TextChoices):
    ACTIVE = "active", gettext_lazy("在租")
    EXPIRING = "expiring", gettext_lazy("本月到期")
    ENDED = "ended", gettext_lazy("本月退租")

    @property
    def colour(self) -> str:
        return {"active": "green", "expiring": "amber", "ended": "grey"}[self.value]


@dataclass
class LeaseRow:
    lease: Lease
    state: LeaseState

    code = property(lambda self: self.lease.room.code)
    address = property(lambda self: self.lease.room.display_name)
    tenant = property(lambda self: self.lease.tenant.name)
    registration_no = property(lambda self: self.lease.registration_no)
    decoration = property(lambda self: self.lease.decoration)

    @property
    def period(self) -> str:
        text = _("%(start)s 至 %(end)s") % {"start": _fmt_date(self.lease.start), "end": _fmt_date(self.lease.end)}
        if self.lease.ended_on:
            text += _("（%(day)s 退租）") % {"day": _fmt_date(self.lease.ended_on)}
        return text

    @property
    def status(self) -> str:
        return str(self.state.label)


def lease_state(lease: Lease, period: Period) -> LeaseState:
    first, last = period.start, period.last_day
    if lease.ended_on and first <= lease.ended_on <= last:
        return LeaseState.ENDED
    if first <= lease.end <= last and not (lease.ended_on and lease.ended_on > last):
        return LeaseState.EXPIRING
    return LeaseState.ACTIVE


def lease_list(community, period: Period) -> list[LeaseRow]:
    """Leases running at any time in the month, with their state at its end (PR-3)."""
    leases = (
        Lease.objects.filter(community=community)
        .filter(lease_in_month(period))
        .select_related("room__building", "room__unit", "tenant")
        .defer("tenant__id_encrypted", "tenant__id_hash", "tenant__id_last4", "tenant__birth_date")
        .order_by("room__sort_key", "start", "pk")
    )
    return [LeaseRow(lease=lease, state=lease_state(lease, period)) for lease in leases]


def register_rows(community, period: Period, kind: str) -> list:
    if kind == RegisterKind.PROPERTY:
        return property_list(community, period)
    if kind == RegisterKind.LEASE:
        return lease_list(community, period)
    raise ValueError(kind)


def list_sizes(community, period: Period) -> dict[str, int]:
    """How many rows each list of the month has (two counts, without building the lists)."""
    return {
        RegisterKind.PROPERTY: Room.objects.filter(community=community).count(),
        RegisterKind.LEASE: Lease.objects.filter(community=community).filter(lease_in_month(period)).count(),
    }


def review_for(community, period: Period, kind: str) -> RegisterReview | None:
    return (
        RegisterReview.objects.select_related("reviewed_by")
        .filter(community=community, month=period.start, kind=kind)
        .first()
    )


def reviewer_name(review: RegisterReview) -> str:
    user = review.reviewed_by
    return user.get_full_name() or user.get_username()


def receipt_line(receipt) -> str:
    """The AR-2 hand-over line of a printed list: who signed for it, or blanks to sign by hand.

    `receipt` is the month's "AR-2.handover" occurrence (core.duties), met by the archivist."""
    if receipt is not None and receipt.met_at:
        user = receipt.met_by
        who = (user.get_full_name() or user.get_username()) if user else "—"
        return _("文档管理员签收：%(who)s    签收日期：%(day)s（AR-2）") % {
            "who": who,
            "day": timezone.localtime(receipt.met_at).date().isoformat(),
        }
    return _("移交人：__________    接收人：__________    移交日期：__________（AR-2）")


# --- The export log -----------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in RegisterKind.values:
        raise ServiceError("invalid", _("清单类型无效。"), field="kind")


def register_export_log(*, community, period: Period, kind: str, fmt: str, rows: int, actor) -> None:
    """Record a download of a monthly list (AR-4: who took the register out, and when)."""
    require(actor, "estates.export", community)
    _check_kind(kind)
    log(
        actor,
        "estates.register.exported",
        community,
        community=community,
        summary=_("导出%(month)s%(list)s（%(fmt)s，%(rows)d 条）")
        % {"month": period.label, "list": RegisterKind(kind).label, "fmt": fmt.upper(), "rows": rows},
        month=period.key,
        kind=kind,
        format=fmt,
        rows=rows,
    )


# --- Excel --------------------------------------------------------------------------------


def footnote(period: Period) -> str:
    return _(
        "产权与租赁按 %(day)s 24:00 的登记记录生成（历史数据）；房屋类型、面积、用途、附属设施、"
        "车库使用为导出时的现值，不是当月的历史值。本清单不含证件号码和电话。"
    ) % {"day": period.last_day.isoformat()}


def property_columns() -> list[tuple[str, str, int]]:
    """(header, row attribute, Excel width)."""
    return [
        (_("房屋编号"), "code", 12),
        (_("类型"), "kind", 7),
        (_("建筑面积(㎡)"), "building_area", 11),
        (_("使用面积(㎡)"), "usable_area", 11),
        (_("分摊土地面积(㎡)"), "land_area", 14),
        (_("用途"), "use", 7),
        (_("附属设施"), "facilities", 16),
        (_("车库使用"), "garage", 12),
        (_("业主（份额）"), "owners", 26),
        (_("取得方式"), "acquisition", 10),
        (_("取得日期"), "since", 12),
        (_("产权证号"), "certificate_no", 24),
        (_("本月变动"), "changed_label", 9),
    ]


def lease_columns() -> list[tuple[str, str, int]]:
    return [
        (_("房屋编号"), "code", 12),
        (_("地址"), "address", 18),
        (_("租户"), "tenant", 12),
        (_("租期"), "period", 36),
        (_("登记备案号"), "registration_no", 20),
        (_("室内装修"), "decoration", 24),
        (_("状态"), "status", 10),
    ]


def columns_for(kind: str) -> list[tuple[str, str, int]]:
    return property_columns() if kind == RegisterKind.PROPERTY else lease_columns()


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):
        return without_controls(str(value))
    return without_controls(value) if value is not None else ""  # stored text never breaks the file


def register_workbook(
    *,
    community,
    period: Period,
    kind: str,
    rows: list,
    changes: list[OwnershipChange] | None = None,
    review=None,
    receipt=None,
) -> bytes:
    """The list as an .xlsx file: a title row, frozen Chinese headers, fitted widths, the sign-off below."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    title = f"{community.name} {RegisterKind(kind).label} {period.label}"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="E8F3EE")
    wrap = Alignment(vertical="top", wrap_text=True)

    def sheet(ws, heading: str, columns, values):
        ws.append([_cell(heading)])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        ws["A1"].font = Font(size=14, bold=True)
        ws.row_dimensions[1].height = 24
        ws.append([c[0] for c in columns])
        for col, (_h, _a, width) in enumerate(columns, start=1):
            cell = ws.cell(row=2, column=col)
            cell.font, cell.fill, cell.border = Font(bold=True), head_fill, border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            ws.column_dimensions[get_column_letter(col)].width = width
        for row in values:
            ws.append([_cell(v) for v in row])
            for col in range(1, len(columns) + 1):
                cell = ws.cell(row=ws.max_row, column=col)
                cell.border, cell.alignment = border, wrap
        ws.freeze_panes = "A3"
        ws.print_title_rows = "2:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    wb = Workbook()
    ws = wb.active
    ws.title = str(RegisterKind(kind).label)
    columns = columns_for(kind)
    sheet(ws, title, columns, ([getattr(r, attr) for _h, attr, _w in columns] for r in rows))
    ws.append([])
    ws.append([footnote(period)])
    ws.append(
        [
            _cell(
                _("审核人：%(who)s    审核日期：%(day)s    审核意见：%(comment)s")
                % {
                    "who": reviewer_name(review),
                    "day": timezone.localtime(review.reviewed_at).date().isoformat(),
                    "comment": review.comment or "—",
                }
                if review
                else _("审核人：__________    审核日期：__________（尚未审核）")
            )
        ]
    )
    ws.append([_cell(receipt_line(receipt))])
    if kind == RegisterKind.PROPERTY and changes is not None:
        change_cols = [
            (_("变动日期"), 12),
            (_("房屋编号"), 12),
            (_("变动方式"), 12),
            (_("原业主"), 30),
            (_("新业主"), 30),
        ]
        ws2 = wb.create_sheet(str(_("本月产权变动")))
        sheet(
            ws2,
            f"{community.name} {_('本月产权变动')} {period.label}",
            [(h, "", w) for h, w in change_cols],
            ([c.day, c.code, c.manner, c.before_label, c.after_label] for c in changes),
        )
        for row in ws2.iter_rows(min_row=3, max_col=1):
            row[0].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
