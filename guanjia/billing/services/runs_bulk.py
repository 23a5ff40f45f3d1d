"""The billing run's writes (FE-1, services.runs): bills and lines inserted in bulk, the automatic
prepayment draws, one log entry per bill. Called inside the run's one transaction only.

Rows go in by executemany with values adapted once (`connection.ops`): the ORM's per-value compilation
in bulk_create made it the run's bottleneck; `manage.py bench_billing` compares the run with a raw
insert of the same rows (goal ≤ 3×).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.translation import gettext as _

from guanjia.core import numbering
from guanjia.core.models import ActivityLog
from guanjia.core.periods import Period

from ..choices import BillKind, Purse
from ..models import Bill, BillingRun, BillLine, PrepaymentAccount
from . import ledger

if TYPE_CHECKING:
    from .runs import Plan

BILL_PREFIX = "ZD"
BATCH = 2000


def due_on(item, month: Period):
    """A line is due on its item's `due_day` of the run's month."""
    return month.start.replace(day=min(item.due_day, 28))


def _insert(model, names: list[str], rows: list[tuple]) -> None:
    """INSERT `rows` (values already adapted for the database) by executemany: the ORM's per-value
    compilation is what made bulk_create the run's bottleneck (bench_billing)."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in names)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


BILL_COLUMNS = ["community", "number", "run", "kind", "room", "payer_kind", "payer", "payer_name", "period",
                "issued_at", "due_on", "total"]  # fmt: skip
LINE_COLUMNS = ["community", "bill", "bill_kind", "issued_at", "room", "item", "item_name", "on_behalf", "payer_kind", "period", "covers_from",
                "covers_to", "quantity", "basis_label", "unit_price", "proration", "amount", "due_on", "open_amount",
                "reading", "correction"]  # fmt: skip


def write(run: BillingRun, planned: Plan, now) -> tuple[list[tuple], int]:
    """The bills and lines, in bulk: [(bill id, room id, number, total)] and the number of lines."""
    ops = connection.ops
    day, moment, money = ops.adapt_datefield_value, ops.adapt_datetimefield_value, ops.adapt_decimalfield_value
    cid, period = run.community_id, day(planned.period.start)
    numbers = numbering.block(BILL_PREFIX, len(planned.bills), scope=run.community)
    issued = moment(now)
    _insert(
        Bill,
        BILL_COLUMNS,
        [
            (
                cid,
                number,
                run.pk,
                BillKind.REGULAR.value,
                b.room_id,
                b.payer_kind,
                b.payer_id,
                b.payer_name[:100],
                period,
                issued,
                day(b.due_on),
                money(b.total),
            )  # fmt: skip
            for b, number in zip(planned.bills, numbers, strict=True)
        ],
    )
    ids = dict(Bill.objects.filter(community_id=cid, run=run).values_list("number", "pk"))
    dues = {c.item.pk: day(due_on(c.item, planned.period)) for b in planned.bills for c in b.lines}
    rows = []
    for b, number in zip(planned.bills, numbers, strict=True):
        bill_id = ids[number]
        for c in b.lines:
            item = c.item
            rows.append(
                (
                    cid,
                    bill_id,
                    BillKind.REGULAR.value,
                    issued,
                    c.room_id,
                    item.pk,
                    item.name,
                    item.collected_on_behalf,
                    c.payer_kind,
                    period,
                    day(c.covers_from),
                    day(c.covers_to),
                    money(c.quantity),
                    c.basis_label[:120],
                    money(c.unit_price),
                    c.proration,
                    money(c.amount),
                    dues[item.pk],
                    money(c.amount),
                    c.reading_id,
                    False,
                )  # fmt: skip
            )
    _insert(BillLine, LINE_COLUMNS, rows)
    bills = [(ids[number], b.room_id, number, b.total) for b, number in zip(planned.bills, numbers, strict=True)]
    return bills, len(rows)


def purse_of(line) -> str:
    """Utilities collected on behalf of suppliers draw on the utilities purse, the rest on the property one."""
    return Purse.UTILITIES if line.on_behalf else Purse.PROPERTY


def draw_prepayments(community, month: Period, run: BillingRun, now) -> Decimal:
    """FE-1: prepayments are drawn on when bills are issued, oldest line first. Queries grow with the
    accounts that hold a balance, not with the rooms billed: their rooms' new lines (a query per
    500 rooms), one movement per account, one allocation per line it settles."""
    accounts = list(PrepaymentAccount.objects.filter(community=community, balance__gt=0))
    if not accounts:
        return Decimal("0.00")
    wanted = {(a.room_id, a.purse) for a in accounts}
    rooms = sorted({a.room_id for a in accounts})
    by_account: dict[tuple, list[BillLine]] = defaultdict(list)
    for start in range(0, len(rooms), 500):
        for line in BillLine.objects.filter(bill__run=run, room_id__in=rooms[start : start + 500]):
            key = (line.room_id, purse_of(line))
            if key in wanted:
                by_account[key].append(line)
    drawn = Decimal("0.00")
    note = _("%(month)s账单自动抵扣") % {"month": month.label}
    for account in accounts:
        remaining, plan_ = account.balance, []
        for line in sorted(by_account.get((account.room_id, account.purse), ()), key=_oldest_first):
            take = min(remaining, line.open_amount)
            if take > 0:
                plan_.append((line, take))
                remaining -= take
        if not plan_:
            continue
        total = sum((x for _line, x in plan_), Decimal("0.00"))
        movement = ledger.prepayment_move(account, -total, note=note, at=now)
        for line, take in plan_:
            ledger.allocate(line, take, prepayment=movement, at=now)
        drawn += total
    return drawn


def _oldest_first(line) -> tuple:
    return (line.due_on, line.covers_from, line.pk or 0)


def log_bills(actor, community_id: int, bills: list[tuple], now) -> None:
    """One entry per bill on its household's timeline (AR-1), written in bulk."""
    bill_type = ContentType.objects.get_for_model(Bill).pk
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    data = ActivityLog._meta.get_field("data")
    at = connection.ops.adapt_datetimefield_value(now)
    rows = []
    for pk, room_id, number, total in bills:
        summary = _("开具账单 %(n)s，金额 %(t)s 元") % {"n": number, "t": total}
        payload = data.get_db_prep_save({"number": number, "total": str(total)}, connection)
        rows.append((at, actor_id, "billing.bill.issued", community_id, bill_type, str(pk), room_id, summary, payload))
    _insert(ActivityLog, ["at", "actor", "verb", "community", "subject_type", "subject_id", "household_id",
                          "summary", "data"], rows)  # fmt: skip
