"""The monthly property list 产权清单 and lease list 租赁清单 (PR-2, PR-3, PR-4, AR-2).

Each list shows the register as it stood at 24:00 of the month's last day. Ownership and
leases are historical (PR-1 keeps every period), so an old month's list does not change
when a room is transferred later. Room attributes (type, areas, use, facilities, garage)
are kept as current values only; the lists say so in their footnote.

Names are shown (internal register), but never ID numbers or phones (LW-1, AR-4).
"""

import calendar
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError

from .choices import RegisterKind
from .models import Lease, Ownership, RegisterReview, Room

# --- Months -------------------------------------------------------------------------------

_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(value: str | None) -> dt.date | None:
    """'2026-03' → 2026-03-01; None for anything else."""
    match = _MONTH_RE.match((value or "").strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def month_key(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_label(month: dt.date) -> str:
    return _("%(year)d年%(month)d月") % {"year": month.year, "month": month.month}


def last_month(today: dt.date | None = None) -> dt.date:
    return add_months(month_start(today or clock.today()), -1)


def month_has_ended(month: dt.date, today: dt.date | None = None) -> bool:
    return month_end(month) < (today or clock.today())


def recent_months(today: dt.date | None = None, count: int = 12) -> list[dt.date]:
    """The last `count` ended months, newest first."""
    newest = last_month(today)
    return [add_months(newest, -i) for i in range(count)]


def held_at(day: dt.date) -> Q:
    """Ownerships held at 24:00 of `day` (a transfer on `day` already counts for the new owner)."""
    return Q(since__lte=day) & (Q(until__isnull=True) | Q(until__gt=day))


def lease_in_month(first: dt.date, last: dt.date) -> Q:
    """Leases running at any time between `first` and `last` (the last day is ended_on, else end)."""
    return Q(start__lte=last) & (Q(ended_on__gte=first) | Q(ended_on__isnull=True, end__gte=first))


def _natural(text: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text or ""))


def _room_key(room: Room) -> tuple:
    return (_natural(room.building.code), _natural(room.unit.code if room.unit_id else ""), _natural(room.number))


def _fmt_date(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _fmt_share(share: Decimal) -> str:
    return f"{share.normalize():f}%"


# --- Property list (PR-2) -----------------------------------------------------------------


@dataclass
class Holder:
    name: str
    share: Decimal
    acquisition: str
    since: dt.date
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
        return self._distinct(_fmt_date(h.since) for h in self.holders)

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


def property_changes(community, month: dt.date) -> list[OwnershipChange]:
    """Every change of ownership dated within the month, oldest first (PR-1)."""
    first, last = month, month_end(month)
    events: dict[tuple[int, dt.date], dict] = defaultdict(lambda: {"room": None, "started": [], "ended": []})
    rows = (
        _ownerships()
        .select_related("room")
        .filter(community=community)
        .filter(Q(since__range=(first, last)) | Q(until__range=(first, last)))
    )
    for o in rows:
        if first <= o.since <= last:
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
                code=event["room"].code,
                day=day,
                manner=manner,
                before=[_holder(o).label for o in event["ended"]],
                after=[_holder(o).label for o in started],
            )
        )
    changes.sort(key=lambda c: (c.day, _natural(c.code)))
    return changes


def property_list(community, month: dt.date, *, changes: list[OwnershipChange] | None = None) -> list[PropertyRow]:
    """Every room of the community with the owners it had at 24:00 of the month's last day (PR-2)."""
    last = month_end(month)
    if changes is None:
        changes = property_changes(community, month)
    changed_codes = {c.code for c in changes}
    rooms = (
        Room.objects.filter(community=community)
        .select_related("building", "unit")
        .prefetch_related(
            Prefetch("ownerships", queryset=_ownerships().filter(held_at(last)).order_by("since", "id"), to_attr="held")
        )
    )
    rows = [
        PropertyRow(room=room, holders=[_holder(o) for o in room.held], changed=room.code in changed_codes)
        for room in rooms
    ]
    rows.sort(key=lambda r: _room_key(r.room))
    return rows


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


def lease_state(lease: Lease, month: dt.date) -> LeaseState:
    first, last = month, month_end(month)
    if lease.ended_on and first <= lease.ended_on <= last:
        return LeaseState.ENDED
    if first <= lease.end <= last and not (lease.ended_on and lease.ended_on > last):
        return LeaseState.EXPIRING
    return LeaseState.ACTIVE


def lease_list(community, month: dt.date) -> list[LeaseRow]:
    """Leases running at any time in the month, with their state at its end (PR-3)."""
    leases = (
        Lease.objects.filter(community=community)
        .filter(lease_in_month(month, month_end(month)))
        .select_related("room__building", "room__unit", "tenant")
        .defer("tenant__id_encrypted", "tenant__id_hash", "tenant__id_last4", "tenant__birth_date")
    )
    rows = [LeaseRow(lease=lease, state=lease_state(lease, month)) for lease in leases]
    rows.sort(key=lambda r: (_room_key(r.lease.room), r.lease.start, r.lease.pk))
    return rows


def register_rows(community, month: dt.date, kind: str) -> list:
    if kind == RegisterKind.PROPERTY:
        return property_list(community, month)
    if kind == RegisterKind.LEASE:
        return lease_list(community, month)
    raise ValueError(kind)


# --- Overview of recent months ------------------------------------------------------------


def months_overview(community, months: list[dt.date]) -> list[dict]:
    """For each month: list sizes, owned rooms, changes and both sign-offs; a fixed number of queries."""
    if not months:
        return []
    rooms = Room.objects.filter(community=community).count()
    owned = Ownership.objects.filter(community=community).aggregate(
        **{f"owned_{i}": Count("room", distinct=True, filter=held_at(month_end(m))) for i, m in enumerate(months)},
        **{
            f"changed_{i}": Count(
                "room",
                distinct=True,
                filter=Q(since__range=(m, month_end(m))) | Q(until__range=(m, month_end(m))),
            )
            for i, m in enumerate(months)
        },
    )
    leases = Lease.objects.filter(community=community).aggregate(
        **{f"leases_{i}": Count("id", filter=lease_in_month(m, month_end(m))) for i, m in enumerate(months)}
    )
    reviews = {
        (r.month, r.kind): r
        for r in RegisterReview.objects.filter(community=community, month__in=months).select_related("reviewed_by")
    }
    return [
        {
            "month": m,
            "key": month_key(m),
            "label": month_label(m),
            "ended": month_has_ended(m),
            "property_rows": rooms,
            "owned_rooms": owned[f"owned_{i}"],
            "changed_rooms": owned[f"changed_{i}"],
            "lease_rows": leases[f"leases_{i}"],
            "property_review": reviews.get((m, RegisterKind.PROPERTY)),
            "lease_review": reviews.get((m, RegisterKind.LEASE)),
        }
        for i, m in enumerate(months)
    ]


def review_for(community, month: dt.date, kind: str) -> RegisterReview | None:
    return (
        RegisterReview.objects.select_related("reviewed_by").filter(community=community, month=month, kind=kind).first()
    )


def reviewer_name(review: RegisterReview) -> str:
    user = review.reviewed_by
    return user.get_full_name() or user.get_username()


# --- Writes: the sign-off (PR-4) and the export log ---------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in RegisterKind.values:
        raise ServiceError("invalid", _("清单类型无效。"), field="kind")


def register_review_sign(*, community, month: dt.date, kind: str, actor, comment: str = "") -> RegisterReview:
    """The office manager signs off a month's property or lease list (PR-4), once, after the month ends."""
    require(actor, "estates.review_lists", community)
    _check_kind(kind)
    month = month_start(month)
    if not month_has_ended(month):
        raise ServiceError(
            "month_not_ended",
            _("%(month)s尚未结束，月末后才能审核该月清单。") % {"month": month_label(month)},
            field="month",
        )
    label = RegisterKind(kind).label
    if RegisterReview.objects.filter(community=community, month=month, kind=kind).exists():
        raise Conflict(
            "already_reviewed",
            _("%(month)s的%(list)s已审核，不能重复审核。") % {"month": month_label(month), "list": label},
        )
    review = RegisterReview(
        community=community,
        month=month,
        kind=kind,
        reviewed_by=actor,
        rows=len(register_rows(community, month, kind)),
        comment=(comment or "").strip(),
    )
    review.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            review.save()
            log(
                actor,
                "estates.register.reviewed",
                review,
                summary=_("审核%(month)s%(list)s（%(rows)d 条）")
                % {"month": month_label(month), "list": label, "rows": review.rows},
                month=month_key(month),
                kind=kind,
                rows=review.rows,
            )
    except IntegrityError:  # two managers signing at the same moment
        raise Conflict(
            "already_reviewed",
            _("%(month)s的%(list)s已审核，不能重复审核。") % {"month": month_label(month), "list": label},
        )
    return review


def register_export_log(*, community, month: dt.date, kind: str, fmt: str, rows: int, actor) -> None:
    """Record a download of a monthly list (AR-4: who took the register out, and when)."""
    require(actor, "estates.export", community)
    _check_kind(kind)
    log(
        actor,
        "estates.register.exported",
        community,
        community=community,
        summary=_("导出%(month)s%(list)s（%(fmt)s，%(rows)d 条）")
        % {"month": month_label(month), "list": RegisterKind(kind).label, "fmt": fmt.upper(), "rows": rows},
        month=month_key(month),
        kind=kind,
        format=fmt,
        rows=rows,
    )


# --- Excel --------------------------------------------------------------------------------


def footnote(month: dt.date) -> str:
    return _(
        "产权与租赁按 %(day)s 24:00 的登记记录生成（历史数据）；房屋类型、面积、用途、附属设施、"
        "车库使用为导出时的现值，不是当月的历史值。本清单不含证件号码和电话。"
    ) % {"day": month_end(month).isoformat()}


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
        return str(value)
    return value if value is not None else ""


def register_workbook(
    *, community, month: dt.date, kind: str, rows: list, changes: list[OwnershipChange] | None = None, review=None
) -> bytes:
    """The list as an .xlsx file: a title row, frozen Chinese headers, fitted widths, the sign-off below."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    title = f"{community.name} {RegisterKind(kind).label} {month_label(month)}"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="E8F3EE")
    wrap = Alignment(vertical="top", wrap_text=True)

    def sheet(ws, heading: str, columns, values):
        ws.append([heading])
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
    ws.append([footnote(month)])
    ws.append(
        [
            _("审核人：%(who)s    审核日期：%(day)s    审核意见：%(comment)s")
            % {
                "who": reviewer_name(review),
                "day": timezone.localtime(review.reviewed_at).date().isoformat(),
                "comment": review.comment or "—",
            }
            if review
            else _("审核人：__________    审核日期：__________（尚未审核）")
        ]
    )
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
            f"{community.name} {_('本月产权变动')} {month_label(month)}",
            [(h, "", w) for h, w in change_cols],
            ([c.day, c.code, c.manner, c.before_label, c.after_label] for c in changes),
        )
        for row in ws2.iter_rows(min_row=3, max_col=1):
            row[0].number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
