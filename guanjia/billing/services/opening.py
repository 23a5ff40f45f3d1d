"""Writing the opening balances (FE-1): the commit of the "billing.opening" import (services.opening_import).

Arrears brought from the former system become issued bills of kind `BillKind.OPENING`, one per room,
month and payer, pointing at the import they came from (`Bill.batch`), with one line per item whose
amount is what is still owed (what was billed then, when given, is printed on the line): the arrears
ageing, the dunning ladder, the household statement, payments oldest first and the recovery
indicator read them as they read any bill, and like any bill they never change once issued. A line
is due on the date given, else on the item's due day of its month; it covers the item's cycle from
that month. Who pays is whoever held the room on the month's first day by FE-1's rule: the developer
while it was not handed over, else the current owners (the old system's tenants are not known).

Prepaid balances go into the household's prepayment accounts as ledger movements
(`ledger.prepayment_move`, marked with the import), never by writing a balance.

The commit runs inside the importer's one transaction: all or nothing. It checks again what the
check relied on — no run has billed those items' months since, no line or balance was imported
meanwhile — and otherwise writes nothing (StaleRows: the file is checked again).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils.translation import gettext as _

from guanjia.core import numbering
from guanjia.core.importing.kinds import Commit, StaleRows
from guanjia.core.models import ActivityLog
from guanjia.core.periods import MONTH, Period
from guanjia.estates.choices import Handover
from guanjia.estates.models import Ownership, Room

from ..choices import BillKind, PayerKind
from ..models import Bill, BillLine, FeeItem, PrepaymentAccount, PrepaymentMovement
from ..models._fields import ZERO
from . import ledger
from .opening_import import billed_lines, first_billed, prepaid_before
from .runs_bulk import BILL_PREFIX

BATCH = 1000


def carried_through(community, item_ids=None) -> dict[int, dt.date]:
    """{item id: the last month carried over from the former system}: a billing run does not bill an
    item for these months again (services.runs, FE-1 "never bill twice"). One grouped query."""
    lines = BillLine.objects.filter(community=community, bill__kind=BillKind.OPENING)
    if item_ids is not None:
        lines = lines.filter(item_id__in=list(item_ids))
    return dict(lines.values("item_id").annotate(last=Max("period")).order_by().values_list("item_id", "last"))


def _stale(community, arrears: list[dict], prepaid: list[dict]) -> bool:
    """What the check relied on has changed: a run billed an item's month, a line or balance came in."""
    if arrears:
        first = first_billed(community, {r["item"] for r in arrears})
        if any(r["item"] in first and dt.date.fromisoformat(r["period"]) >= first[r["item"]] for r in arrears):
            return True
        there = billed_lines(community, [(r["item"], dt.date.fromisoformat(r["period"])) for r in arrears])
        if any((r["room"], r["item"], dt.date.fromisoformat(r["period"])) in there for r in arrears):
            return True
    if prepaid:
        before = prepaid_before(community)
        if any((r["room"], r["purse"]) in before for r in prepaid):
            return True
    return False


def _payers(community, room_ids) -> tuple[dict, dict]:
    """({room id: (handover, moved in on)}, {room id: (first owner id, names)}) of the rooms: two queries."""
    facts = Room.objects.filter(community=community, pk__in=room_ids).values_list("pk", "handover", "moved_in_on")
    rooms = {pk: (handover, moved) for pk, handover, moved in facts}
    owners: dict[int, list] = defaultdict(list)
    for room_id, person_id, name in (
        Ownership.objects.filter(community=community, room_id__in=room_ids, until__isnull=True)
        .order_by("room_id", "-share", "id")
        .values_list("room_id", "person_id", "person__name")
    ):
        owners[room_id].append((person_id, name))
    named = {
        room_id: (people[0][0], "、".join(dict.fromkeys(name for _pk, name in people))[:100])
        for room_id, people in owners.items()
    }
    return rooms, named


def _payer(room_id: int, month: dt.date, rooms: dict, named: dict) -> tuple[str, int | None, str]:
    handover, moved_in_on = rooms[room_id]
    if handover == Handover.UNDELIVERED or (moved_in_on and moved_in_on > month):
        return PayerKind.DEVELOPER, None, str(PayerKind.DEVELOPER.label)
    person_id, name = named.get(room_id, (None, _("业主（未登记）")))
    return PayerKind.OWNER, person_id, name


def _basis(record: dict) -> str:
    if record["billed"]:
        label = _("期初欠费（原系统应收 %(b)s 元）") % {"b": record["billed"]}
    else:
        label = _("期初欠费（原系统结转）")
    if record["note"]:
        label = f"{label} · {record['note']}"
    return label[:120]


def _write_bills(commit: Commit, arrears: list[dict]) -> tuple[list[Bill], int]:
    community, now = commit.community, commit.now
    items = {i.pk: i for i in FeeItem.objects.filter(community=community, pk__in={r["item"] for r in arrears})}
    rooms, named = _payers(community, {r["room"] for r in arrears})
    grouped: dict[tuple, list[dict]] = defaultdict(list)
    for r in arrears:
        period = dt.date.fromisoformat(r["period"])
        kind, payer_id, payer_name = _payer(r["room"], period, rooms, named)
        grouped[(r["room"], period, kind, payer_id, payer_name)].append(r)
    keys = sorted(grouped, key=lambda k: (k[0], k[1], k[2]))
    numbers = numbering.block(BILL_PREFIX, len(keys), scope=community)
    bills = [
        Bill(
            community=community,
            number=number,
            kind=BillKind.OPENING,
            room_id=room_id,
            payer_kind=kind,
            payer_id=payer_id,
            payer_name=payer_name,
            period=period,
            issued_at=now,
            due_on=min(dt.date.fromisoformat(r["due_on"]) for r in grouped[key]),
            total=sum((Decimal(r["amount"]) for r in grouped[key]), ZERO),
            batch=commit.batch,
        )
        for key, number in zip(keys, numbers, strict=True)
        for room_id, period, kind, payer_id, payer_name in [key]
    ]
    Bill.objects.bulk_create(bills, batch_size=BATCH)
    ids = dict(Bill.objects.filter(community=community, batch=commit.batch).values_list("number", "pk"))
    lines = []
    for key, bill in zip(keys, bills, strict=True):
        bill.pk = ids[bill.number]
        for r in sorted(grouped[key], key=lambda r: r["row"]):
            item, amount = items[r["item"]], Decimal(r["amount"])
            lines.append(
                BillLine.of(
                    bill,
                    item=item,
                    item_name=item.name,
                    on_behalf=item.collected_on_behalf,
                    payer_kind=bill.payer_kind,
                    period=bill.period,
                    covers_from=bill.period,
                    covers_to=dt.date.fromisoformat(r["covers_to"]),
                    quantity=Decimal(1),
                    basis_label=_basis(r),
                    unit_price=amount,
                    amount=amount,
                    due_on=dt.date.fromisoformat(r["due_on"]),
                    open_amount=amount,
                )
            )
    BillLine.objects.bulk_create(lines, batch_size=BATCH)
    return bills, len(lines)


def _write_prepaid(commit: Commit, prepaid: list[dict]) -> list[PrepaymentMovement]:
    """Each balance as a movement into its account (created where there is none). The accounts are
    locked first, so two imports of the same balances cannot both pass the check below."""
    community, now = commit.community, commit.now
    PrepaymentAccount.objects.bulk_create(
        [PrepaymentAccount(community=community, room_id=r["room"], purse=r["purse"]) for r in prepaid],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    accounts = {
        (a.room_id, a.purse): a
        for a in PrepaymentAccount.objects.select_for_update()
        .filter(community=community, room_id__in={r["room"] for r in prepaid})
        .order_by("pk")
    }
    before = prepaid_before(community)
    if any((r["room"], r["purse"]) in before for r in prepaid):
        raise StaleRows
    note = _("期初预存余额（原系统结转）")
    moves = [
        (accounts[(r["room"], r["purse"])], Decimal(r["amount"]), f"{note} · {r['note']}" if r["note"] else note)
        for r in prepaid
    ]
    return ledger.prepayments_in(moves, batch=commit.batch, at=now)


def _log(commit: Commit, bills: list[Bill], movements: list[PrepaymentMovement]) -> None:
    """One entry per opening bill and per balance on its household's timeline (AR-1), in bulk."""
    actor = commit.actor if getattr(commit.actor, "is_authenticated", False) else None
    bill_type = ContentType.objects.get_for_model(Bill)
    movement_type = ContentType.objects.get_for_model(PrepaymentMovement)
    entries = [
        ActivityLog(
            at=commit.now,
            actor=actor,
            verb="billing.bill.opening",
            community=commit.community,
            subject_type=bill_type,
            subject_id=str(b.pk),
            household_id=b.room_id,
            summary=_("导入期初欠费 %(n)s（%(m)s），金额 %(t)s 元")
            % {"n": b.number, "m": Period(MONTH, b.period).label, "t": b.total},
            data={"number": b.number, "total": str(b.total), "batch": commit.batch.pk},
        )
        for b in bills
    ]
    entries += [
        ActivityLog(
            at=commit.now,
            actor=actor,
            verb="billing.prepayment.opening",
            community=commit.community,
            subject_type=movement_type,
            subject_id=str(m.pk),
            household_id=m.account.room_id,
            summary=_("导入期初预存余额 %(t)s 元（%(purse)s）")
            % {"t": m.amount, "purse": m.account.get_purse_display()},
            data={"amount": str(m.amount), "purse": m.account.purse, "batch": commit.batch.pk},
        )
        for m in movements
    ]
    ActivityLog.objects.bulk_create(entries, batch_size=BATCH)


def commit(commit: Commit) -> dict:
    records = list(commit.records)
    arrears = [r for r in records if r["type"] == "arrears"]
    prepaid = [r for r in records if r["type"] == "prepaid"]
    if _stale(commit.community, arrears, prepaid):
        raise StaleRows
    bills, lines = _write_bills(commit, arrears) if arrears else ([], 0)
    movements = _write_prepaid(commit, prepaid) if prepaid else []
    _log(commit, bills, movements)
    return {
        "bills": len(bills),
        "lines": lines,
        "arrears": str(sum((b.total for b in bills), ZERO)),
        "prepaid": len(movements),
        "prepaid_total": str(sum((m.amount for m in movements), ZERO)),
    }
