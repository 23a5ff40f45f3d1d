"""Benchmark the month's billing run against a raw bulk insert of the same lines (issue 11).

`manage.py bench_billing --rooms 300000` (on a throwaway database: it writes a community of its own):

1. sets up a community of N rooms with an owner each and three monthly items applying to every room
   (bulk inserts, not timed);
2. the floor: inside a transaction that is then rolled back, inserts the bills and lines such a run
   writes — values computed beforehand — with executemany;
3. the run itself: `run_issue` for the month (plan, numbers, bulk writes, prepayment draws, one log
   entry per bill);
4. prints both and the ratio (goal: within 3× the raw insert);
5. gives 200 of the households five years of monthly bills, each paid, and prints the p95 of their
   statement for the last year (selectors_bills.statement: one query per kind of row, over indexes).
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from guanjia.core import clock
from guanjia.core.models import Community, Company, Membership
from guanjia.core.periods import MONTH, Period

GOAL_RATIO = 3
BATCH = 5000


class Rollback(Exception):
    pass


def _setup(n: int):
    from django.contrib.auth import get_user_model

    from guanjia.billing.models import FeeApplication, FeeItem, FeePrice
    from guanjia.estates.models import Building, Ownership, Person, Room, Unit

    company, _created = Company.objects.get_or_create(name="基准测试物业")
    stamp = f"{time.time_ns()}"
    community = Community.objects.create(company=company, code=f"fee{stamp}"[:20], name=f"计费基准小区{stamp}")
    user = get_user_model().objects.create(username=f"bench-cashier-{stamp}")
    Membership.objects.create(user=user, community=community, role="cashier")
    buildings = Building.objects.bulk_create(
        Building(community=community, code=str(b + 1), sort_key=f"{b + 1:08d}") for b in range(n // 240 + 1)
    )
    units = Unit.objects.bulk_create(Unit(community=community, building=b, code="1", sort_key="1") for b in buildings)
    rooms = []
    for i in range(n):
        unit = units[i // 240]
        code = f"{unit.building.code}-1-{i % 240 + 1}"
        rooms.append(
            Room(community=community, building=unit.building, unit=unit, number=str(i % 240 + 1), code=code,
                 sort_key=f"{i:010d}", building_area=Decimal(80 + i % 60), handover="moved_in", use="self")
        )  # fmt: skip
    Room.objects.bulk_create(rooms, batch_size=BATCH)
    people = Person.objects.bulk_create(
        (Person(community=community, name=f"业主{i}") for i in range(n)), batch_size=BATCH
    )
    Ownership.objects.bulk_create(
        (Ownership(community=community, room=r, person=p) for r, p in zip(rooms, people, strict=True)),
        batch_size=BATCH,
    )
    start = dt.date(2025, 1, 1)
    for code, name, price in (("wy", "物业服务费", "2.50"), ("gg", "公共能耗费", "0.30"), ("lj", "垃圾处理费", "0.10")):
        item = FeeItem.objects.create(community=community, code=code, name=name, unit_label="元/㎡·月",
                                      legal_basis="物业服务合同", starts_on=start)  # fmt: skip
        FeePrice.objects.create(community=community, item=item, unit_price=Decimal(price), effective_from=start,
                                published_by=user)  # fmt: skip
        FeeApplication.objects.create(community=community, item=item, room_kind="residence", since=start)
    return community, user


def _raw(community, month: Period) -> float:
    """The floor: the run's bills and lines inserted by executemany, rolled back afterwards."""
    from guanjia.billing.services.runs import plan

    planned = plan(community, month)
    now = connection.ops.adapt_datetimefield_value(clock.now())
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM billing_bill")
        first = cursor.fetchone()[0] + 1
    bills, lines = [], []
    for n, b in enumerate(planned.bills):
        bid = first + n
        bills.append((bid, community.pk, f"RAW-{n:07d}", "regular", b.room_id, b.payer_kind, b.payer_id,
                      b.payer_name, month.start, now, b.due_on, str(b.total)))  # fmt: skip
        for c in b.lines:
            lines.append((community.pk, bid, "regular", now, c.room_id, c.item.pk, c.item.name, False, c.payer_kind, month.start,
                          c.covers_from, c.covers_to, str(c.quantity), c.basis_label, str(c.unit_price), c.proration,
                          str(c.amount), b.due_on, str(c.amount), False))  # fmt: skip
    bill_sql = "INSERT INTO billing_bill ({}) VALUES ({})".format(
        ", ".join(
            quote(c)
            for c in [
                "id",
                "community_id",
                "number",
                "kind",
                "room_id",
                "payer_kind",
                "payer_id",
                "payer_name",
                "period",
                "issued_at",
                "due_on",
                "total",
            ]
        ),  # fmt: skip
        ", ".join(["%s"] * 12),
    )
    line_sql = "INSERT INTO billing_billline ({}) VALUES ({})".format(
        ", ".join(quote(c) for c in ["community_id", "bill_id", "bill_kind", "issued_at", "room_id", "item_id", "item_name", "on_behalf",
                                      "payer_kind", "period", "covers_from", "covers_to", "quantity", "basis_label",
                                      "unit_price", "proration", "amount", "due_on", "open_amount", "correction"]),
        ", ".join(["%s"] * 20),
    )  # fmt: skip
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for i in range(0, len(bills), 20000):
                cursor.executemany(bill_sql, bills[i : i + 20000])
            for i in range(0, len(lines), 20000):
                cursor.executemany(line_sql, lines[i : i + 20000])
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


class Command(BaseCommand):
    help = "Benchmark a billing run (FE-1) against a raw bulk insert of the same lines."

    def add_arguments(self, parser):
        parser.add_argument("--rooms", type=int, default=300_000)

    def handle(self, *args, rooms: int, **options):
        from guanjia.billing.services.runs import run_issue

        month = Period(MONTH, dt.date(2026, 11, 1))
        self.stdout.write(f"setting up {rooms} rooms, three items …")
        community, cashier = _setup(rooms)
        raw = _raw(community, month)
        started = time.perf_counter()
        run = run_issue(community=community, period=month, actor=cashier)
        elapsed = time.perf_counter() - started
        ratio = elapsed / raw if raw else float("inf")
        verdict = "OK" if ratio <= GOAL_RATIO else "SLOW"
        self.stdout.write(
            f"billing run: {run.bills} bills, {run.lines} lines in {elapsed:.2f} s; "
            f"raw insert of the same rows {raw:.2f} s; ratio {ratio:.2f}× (goal ≤ {GOAL_RATIO}×) {verdict}"
        )
        p95 = _statement_p95(community, cashier)
        self.stdout.write(f"household statement, five years of history: p95 {p95 * 1000:.1f} ms over 200 households")


def _statement_p95(community, cashier, households: int = 200, months: int = 60) -> float:
    from guanjia.billing.models import Allocation, Bill, BillLine, FeeItem, Payment
    from guanjia.billing.selectors_bills import statement
    from guanjia.billing.services import ledger
    from guanjia.estates.models import Room

    item = FeeItem.objects.filter(community=community).order_by("pk").first()
    rooms = list(Room.objects.filter(community=community).order_by("pk")[:households])
    first = Period(MONTH, dt.date(2021, 11, 1))
    amount = Decimal("200.00")
    with transaction.atomic():
        bills = []
        for room in rooms:
            for n, month in enumerate(first.until(first.shift(months - 1))):
                bills.append(
                    Bill(community=community, number=f"H-{room.pk}-{n}", room=room, payer_kind="owner",
                         payer_name="业主", period=month.start, due_on=month.start.replace(day=10), total=amount,
                         issued_at=timezone.make_aware(dt.datetime.combine(month.start, dt.time(9))))
                )  # fmt: skip
        Bill.objects.bulk_create(bills, batch_size=BATCH)
        lines = [
            BillLine.of(b, item=item, item_name=item.name, payer_kind="owner",
                     period=b.period, covers_from=b.period, covers_to=Period(MONTH, b.period).last_day, quantity=1,
                     basis_label="", unit_price=amount, amount=amount, due_on=b.due_on, open_amount=0,
                     correction=False)
            for b in bills
        ]  # fmt: skip
        BillLine.objects.bulk_create(lines, batch_size=BATCH)
        payments = [
            Payment(community=community, number=f"HP-{line.bill.number}", room_id=line.room_id, payer_name="业主",
                    method="cash", amount=amount, cashier=cashier, received_at=line.bill.issued_at)
            for line in lines
        ]  # fmt: skip
        Payment.objects.bulk_create(payments, batch_size=BATCH)
        Allocation.objects.bulk_create(
            (Allocation(community=community, line=line, amount=amount, payment=p, at=p.received_at,
                        **ledger.carried_from(line))
             for line, p in zip(lines, payments, strict=True)),
            batch_size=BATCH,
        )  # fmt: skip
    timings = []
    for room in rooms:
        started = time.perf_counter()
        statement(room, start=dt.date(2025, 11, 1), end=dt.date(2026, 10, 31))
        timings.append(time.perf_counter() - started)
    timings.sort()
    return timings[int(len(timings) * 0.95) - 1]
