"""The demo's bank statement 银行流水 (FE-1): this morning's statement of every community, imported
by the cashier an hour ago — one transfer quoting a room's code for exactly what it owed (matched,
its receipt written), one whose amount differs from what is open and one without any reference
(both waiting for her), and a supplier's refund she ignored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from guanjia.core.demo import DemoBuild

from .choices import StatementLineStatus
from .models import BankStatementLine, BillLine
from .services import bank as services

DEMO_ORDER = 75  # after the payments (17) and the dunning part (70): it pays what is still open


def _owing_rooms(community) -> list[tuple[str, Decimal]]:
    """(room, open total) of rooms owing, in the register's order, the last one left for the dunning."""
    from django.db.models import Sum

    rows = (
        BillLine.objects.filter(community=community, open_amount__gte="0.01")
        .values("room", "room__code")
        .annotate(s=Sum("open_amount"))
        .order_by("room")
    )
    return [(row["room__code"], Decimal(row["s"]).quantize(Decimal("0.01"))) for row in rows][:-1]


def _community(context: DemoBuild, community, index: int, timeline) -> int:
    cashier = context.member(community, "cashier")
    moment = context.now - dt.timedelta(hours=1)
    if not timeline.reached(moment):
        return 0
    day = (context.now - dt.timedelta(days=1)).date()
    owing = _owing_rooms(community)
    rows = []
    prefix = f"D{community.code}{day:%Y%m%d}"
    if owing:
        code, owed = owing[0]
        rows.append(
            {"transaction_id": f"{prefix}001", "amount": owed, "memo": f"物业费 {code}", "counterparty_name": "陈晓梅"}
        )
        if len(owing) > 1:
            code, owed = owing[1]
            rows.append(
                {
                    "transaction_id": f"{prefix}002",
                    "amount": owed + 50,
                    "memo": f"{code} 缴费",
                    "counterparty_name": "王建国",
                }
            )
    rows.append(
        {"transaction_id": f"{prefix}003", "amount": Decimal("300.00"), "memo": "转账", "counterparty_name": "李娜"}
    )
    rows.append(
        {
            "transaction_id": f"{prefix}004",
            "amount": Decimal("86.40"),
            "memo": "水费退款",
            "counterparty_name": "自来水公司",
        }
    )
    for n, row in enumerate(rows, start=2):
        row.update(row=n, booked_on=day, counterparty_account=f"6222{index:04d}{n:08d}")
    services.statement_lines_record(community=community, rows=rows, actor=cashier)
    refund = BankStatementLine.objects.filter(
        community=community, transaction_id=f"{prefix}004", status=StatementLineStatus.WAITING
    ).first()
    if refund is not None:
        services.statement_line_ignore(line=refund, reason="供应商退款，非物业收费", actor=cashier)
    return len(rows)


def build(context: DemoBuild) -> str:
    with context.timeline() as timeline:
        made = sum(_community(context, c, i, timeline) for i, c in enumerate(context.communities))
    return f"银行流水 {made} 笔"
