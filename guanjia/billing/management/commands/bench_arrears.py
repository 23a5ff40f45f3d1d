"""Benchmark arrears ageing and the month's collection rate on PostgreSQL (issue 11).

`scripts/with-postgres .venv/bin/python manage.py bench_arrears [--lines 10000000] [--runs 20]`
(`make bench-pg`; on a throwaway database, migrated first if empty: it writes a company of its own):

1. sets up a company of five communities, rooms, three monthly items (property fee, water collected on
   behalf, garbage) and `--lines` bill lines over five years of months, with their bills, payments and
   allocations — set-based SQL (INSERT … SELECT over generate_series, a month's bills together as a billing
   run writes them), not timed; then VACUUM (ANALYZE). Most
   lines are paid in their month, some late (next month), some half paid, a few percent open, a long
   tail of households that stopped paying two years ago, developer-payable lines for rooms not yet
   handed over (mostly unpaid), and a dispute recorded for some of the long-tail households;
2. times, over `--runs` runs, what the console calls — the company's ageing by community and bucket,
   the 欠费汇总 page of one community (by building, and its totals), the arrears list's first page
   (count, rows, their ladders), the month's collection rate FE-1 for every community (and the KPI
   page's six months of it), and FE-3.recovery — printing p50/p95, the queries each makes, the same
   aggregate hand-written in SQL and the ratio, then EXPLAIN (ANALYZE, BUFFERS) of each.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanjia.core.models import Community, Company
from guanjia.core.periods import MONTH, Period

COMMUNITIES = 5
MONTHS = 60
ITEMS = (  # code, name, on behalf, amount as SQL over the room r and month m
    ("wy", "物业服务费", False, "ROUND(r.building_area * 2.50, 2)"),
    ("sf", "水费", True, "(15 + mod(r.id * 7 + m, 40))::numeric(12, 2)"),
    ("lj", "垃圾处理费", False, "10.00"),
)
AS_OF = dt.date(2026, 11, 20)  # the day the ageing is read; the last month billed is November 2026
FIRST = Period(MONTH, dt.date(2021, 12, 1))
MONTH_READ = Period(MONTH, dt.date(2026, 10, 1))  # the month whose collection rate is read
ROOMS_PER_BUILDING = 240
PAGE = 50
BUDGET = 30.0  # seconds of timed runs per reading at most (a slow baseline would otherwise take an hour)

# A pseudo-random 0…999 of the bill (room r, month index m), and the bill's state from it:
# 0 paid in its month, 1 open, 2 half paid (in its month), 3 paid late (30–48 days after the month began).
HASH = "mod(r.id * 7919 + m * 104729, 1000)"
DEVELOPER = "(mod(r.id, 29) = 0 AND m < 30)"
CHRONIC = "(mod(r.id, 97) = 0 AND m >= 36)"
STATE = f"""CASE
    WHEN {DEVELOPER} THEN CASE WHEN {HASH} < 400 THEN 1 ELSE 0 END
    WHEN {CHRONIC} THEN 1
    WHEN m = {MONTHS - 1} THEN CASE WHEN {HASH} < 600 THEN 1 ELSE 0 END
    WHEN m >= {MONTHS - 4} AND {HASH} < 150 THEN 1
    WHEN m >= {MONTHS - 4} AND {HASH} < 180 THEN 2
    WHEN {HASH} < 25 THEN 1
    WHEN {HASH} < 35 THEN 2
    WHEN {HASH} BETWEEN 200 AND 289 THEN 3
    ELSE 0 END"""


def _require_postgres():
    if connection.vendor != "postgresql":
        raise CommandError("bench_arrears 只在 PostgreSQL 上运行（请用 scripts/with-postgres 或 make bench-pg）。")


def _setup(lines: int, out) -> list[Community]:
    from django.contrib.auth import get_user_model

    from guanjia.billing.models import FeeItem
    from guanjia.estates.models import Building, Room, Unit

    rooms_per_community = max(1, -(-lines // (COMMUNITIES * MONTHS * len(ITEMS))))
    stamp = f"{time.time_ns()}"[-9:]
    company = Company.objects.create(name=f"欠费基准物业{stamp}")
    cashier = get_user_model().objects.create(username=f"bench-arrears-{stamp}")
    communities = []
    for c in range(COMMUNITIES):
        community = Community.objects.create(company=company, code=f"ar{c}{stamp}", name=f"欠费基准小区{c}-{stamp}")
        communities.append(community)
        count = rooms_per_community // ROOMS_PER_BUILDING + 1
        buildings = Building.objects.bulk_create(
            Building(community=community, code=str(b + 1), sort_key=f"{b + 1:08d}") for b in range(count)
        )
        units = Unit.objects.bulk_create(
            Unit(community=community, building=b, code="1", sort_key="1") for b in buildings
        )
        Room.objects.bulk_create(
            (
                Room(community=community, building=units[i // ROOMS_PER_BUILDING].building,
                     unit=units[i // ROOMS_PER_BUILDING], number=str(i % ROOMS_PER_BUILDING + 1),
                     code=f"{i // ROOMS_PER_BUILDING + 1}-1-{i % ROOMS_PER_BUILDING + 1}", sort_key=f"{i:010d}",
                     building_area=Decimal(60 + i % 90), handover="moved_in", use="self")
                for i in range(rooms_per_community)
            ),
            batch_size=5000,
        )  # fmt: skip
        for code, name, on_behalf, _amount in ITEMS:
            FeeItem.objects.create(community=community, code=code, name=name, unit_label="元/月",
                                   legal_basis="物业服务合同", starts_on=FIRST.start,
                                   collected_on_behalf=on_behalf)  # fmt: skip
    ids = [c.pk for c in communities]
    with connection.cursor() as cursor:
        # Bulk-load settings for this session only. As the superuser of a throwaway cluster (with-postgres),
        # the foreign-key triggers are skipped too: every row below is built from rows that exist.
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        cursor.execute("SET work_mem = '256MB'")
        if superuser:
            cursor.execute("SET session_replication_role = replica")
    out(f"  {COMMUNITIES} communities × {rooms_per_community} rooms × {MONTHS} months × {len(ITEMS)} items")
    try:
        _sql_fill(ids, cashier.pk, out)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")
            if superuser:
                cursor.execute("RESET session_replication_role")
    return communities


def _step(out, label: str, sql: str, params) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.rowcount
    out(f"  {label}: {rows} rows in {time.perf_counter() - started:.1f} s")


def _sql_fill(ids: list[int], cashier_id: int, out) -> None:
    first = FIRST.start
    amount = "CASE i.code " + " ".join(f"WHEN '{code}' THEN {sql}" for code, _n, _b, sql in ITEMS) + " END"
    total = " + ".join(sql for *_rest, sql in ITEMS)
    month = "(%s::date + make_interval(months => m))::date"
    # The benchmark's bills with their month index m, joined to their room (r) for the state and amounts.
    m_of = f"((EXTRACT(YEAR FROM bb.period)::int - {first.year}) * 12 + EXTRACT(MONTH FROM bb.period)::int - {first.month})"
    bills = f"""(SELECT bb.*, {m_of} AS m FROM billing_bill bb
                 WHERE bb.community_id = ANY(%s) AND bb.number LIKE 'BA-%%') b
                JOIN estates_room r ON r.id = b.room_id"""
    _step(out, "bills", f"""
        INSERT INTO billing_bill (community_id, number, kind, room_id, payer_kind, payer_name, period, issued_at,
                                  due_on, total)
        SELECT r.community_id, 'BA-' || r.id || '-' || m, 'regular', r.id,
               CASE WHEN {DEVELOPER} THEN 'developer' ELSE 'owner' END,
               CASE WHEN {DEVELOPER} THEN '开发建设单位' ELSE '业主' || r.id END,
               {month}, ({month} + time '09:00') AT TIME ZONE 'Asia/Shanghai',
               ({month} + interval '1 month' - interval '1 day')::date, {total}
        FROM estates_room r CROSS JOIN generate_series(0, {MONTHS - 1}) AS m
        WHERE r.community_id = ANY(%s) ORDER BY m, r.id""", [first, first, first, ids])  # fmt: skip
    _step(out, "bill lines", f"""
        INSERT INTO billing_billline (community_id, bill_id, bill_kind, issued_at, room_id, item_id, item_name,
            on_behalf, payer_kind, period, covers_from, covers_to, quantity, basis_label, unit_price, proration,
            amount, due_on, open_amount, correction)
        SELECT b.community_id, b.id, b.kind, b.issued_at, b.room_id, i.id, i.name, i.collected_on_behalf, b.payer_kind, b.period,
               b.period, b.due_on, 1, '', a.amount, '', a.amount, b.due_on,
               CASE s.state WHEN 1 THEN a.amount WHEN 2 THEN ROUND(a.amount / 2, 2) ELSE 0 END, false
        FROM {bills}
        JOIN billing_feeitem i ON i.community_id = b.community_id
        CROSS JOIN LATERAL (SELECT {amount} AS amount, {STATE} AS state) AS a
        CROSS JOIN LATERAL (SELECT a.state) AS s""", [ids])  # fmt: skip
    # One payment per bill paid (in full or half): in its month, or 30–48 days after it began if paid late.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM billing_payment")
        offset = cursor.fetchone()[0]
    _step(out, "payments", f"""
        INSERT INTO billing_payment (id, community_id, number, room_id, payer_name, method, reference, amount,
            to_prepayment, to_deposit, received_at, cashier_id, note, status, void_reason)
        SELECT b.id + %s, b.community_id, 'PA-' || b.id, b.room_id, b.payer_name,
               (ARRAY['cash', 'wechat', 'alipay', 'transfer'])[1 + mod(b.id, 4)], '', p.paid, 0, 0,
               (b.period + (CASE WHEN {STATE} = 3 THEN 30 + mod(b.id, 19) ELSE mod(b.id, 18) END)::int
                + time '10:00') AT TIME ZONE 'Asia/Shanghai',
               %s, '', 'valid', ''
        FROM {bills}
        JOIN (SELECT bill_id, SUM(amount - open_amount) AS paid FROM billing_billline
              WHERE community_id = ANY(%s) GROUP BY bill_id) p ON p.bill_id = b.id
        WHERE p.paid > 0""", [offset, cashier_id, ids, ids])  # fmt: skip
    _step(out, "allocations", """
        INSERT INTO billing_allocation (community_id, line_id, amount, payment_id, at, period, due_on,
                                        payer_kind, bill_kind, issued_at)
        SELECT l.community_id, l.id, l.amount - l.open_amount, p.id, p.received_at, l.period, l.due_on,
               l.payer_kind, l.bill_kind, l.issued_at
        FROM billing_billline l JOIN billing_payment p ON p.id = l.bill_id + %s
        WHERE l.community_id = ANY(%s) AND l.amount > l.open_amount""", [offset, ids])  # fmt: skip
    # A call to each long-tail household ten days ago; every other one disputes the debt (CM-9).
    _step(out, "dunning contacts", """
        INSERT INTO billing_dunningcontact (community_id, room_id, step, channel, person, owed, outcome, note, at)
        SELECT r.community_id, r.id, 'reminder', 'phone', '业主', 0,
               CASE WHEN mod(r.id, 2) = 0 THEN 'disputed' ELSE 'no_answer' END, '', %s
        FROM estates_room r WHERE r.community_id = ANY(%s) AND mod(r.id, 97) = 0""",
          [dt.datetime(2026, 11, 10, 2, tzinfo=dt.UTC), ids])  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('billing_payment', 'id'), "
                       "(SELECT MAX(id) FROM billing_payment))")  # fmt: skip
    started = time.perf_counter()
    # VACUUM (for the visibility map that index-only scans need, as autovacuum keeps it on a live
    # database) outside a transaction only; inside one (the tests) ANALYZE alone.
    analyze = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in ("estates_room", "billing_bill", "billing_billline", "billing_payment", "billing_allocation",
                      "billing_dunningcontact"):  # fmt: skip
            cursor.execute(f"{analyze} {table}")
    out(f"  {analyze} in {time.perf_counter() - started:.1f} s")


# --- the hand-written baselines: the same aggregates as one SQL statement each -------------------------

BUCKET_SQL = """
    SUM(l.open_amount) FILTER (WHERE l.payer_kind <> 'developer' AND l.due_on BETWEEN %(as_of)s::date - 30
                                                                                  AND %(as_of)s::date - 1) AS d30,
    SUM(l.open_amount) FILTER (WHERE l.payer_kind <> 'developer' AND l.due_on BETWEEN %(as_of)s::date - 90
                                                                                  AND %(as_of)s::date - 31) AS d90,
    SUM(l.open_amount) FILTER (WHERE l.payer_kind <> 'developer' AND l.due_on BETWEEN %(as_of)s::date - 180
                                                                                  AND %(as_of)s::date - 91) AS d180,
    SUM(l.open_amount) FILTER (WHERE l.payer_kind <> 'developer' AND l.due_on BETWEEN %(as_of)s::date - 365
                                                                                  AND %(as_of)s::date - 181) AS d365,
    SUM(l.open_amount) FILTER (WHERE l.payer_kind <> 'developer' AND l.due_on <= %(as_of)s::date - 366) AS over,
    SUM(l.open_amount) FILTER (WHERE l.payer_kind <> 'developer') AS total,
    SUM(l.open_amount) FILTER (WHERE l.payer_kind = 'developer') AS developer"""
OPEN_SQL = "l.open_amount > 0 AND l.due_on < %(as_of)s"

BASELINES = {
    "company": f"""SELECT l.community_id, {BUCKET_SQL},
            COUNT(DISTINCT l.room_id) FILTER (WHERE l.payer_kind <> 'developer') AS households
        FROM billing_billline l WHERE l.community_id = ANY(%(ids)s) AND {OPEN_SQL} GROUP BY l.community_id""",
    "buildings": f"""SELECT g.id, g.code, {BUCKET_SQL},
            COUNT(DISTINCT l.room_id) FILTER (WHERE l.payer_kind <> 'developer') AS households
        FROM billing_billline l JOIN estates_room r ON r.id = l.room_id JOIN estates_building g ON g.id = r.building_id
        WHERE l.community_id = %(cid)s AND {OPEN_SQL} GROUP BY g.id, g.code ORDER BY g.code""",
    "totals": f"""SELECT {BUCKET_SQL},
            COUNT(DISTINCT l.room_id) FILTER (WHERE l.payer_kind <> 'developer') AS households
        FROM billing_billline l WHERE l.community_id = %(cid)s AND {OPEN_SQL}""",
    "list": f"""SELECT l.room_id, r.code, {BUCKET_SQL}, MIN(l.due_on) AS oldest, COUNT(*) AS lines,
            COUNT(*) OVER () AS households
        FROM billing_billline l JOIN estates_room r ON r.id = l.room_id
        WHERE l.community_id = %(cid)s AND {OPEN_SQL} AND l.payer_kind <> 'developer'
        GROUP BY l.room_id, r.code ORDER BY oldest, r.code LIMIT {PAGE}""",
    "collection": """
        SELECT l.community_id, l.period,
               SUM(l.amount) FILTER (WHERE l.payer_kind <> 'developer') AS billed,
               SUM(l.credited) FILTER (WHERE l.payer_kind <> 'developer') AS credits,
               SUM(l.amount - l.open_amount - l.credited) FILTER (WHERE l.payer_kind <> 'developer') AS received,
               SUM(l.amount) FILTER (WHERE l.payer_kind = 'developer') AS developer
        FROM billing_billline l
        WHERE l.community_id = ANY(%(ids)s) AND l.period >= %(start)s AND l.period < %(end)s
          AND NOT l.on_behalf AND l.bill_kind NOT IN ('late_charge', 'opening')
        GROUP BY 1, 2""",
    "recovery": """
        WITH owed AS (
            SELECT l.community_id, SUM(l.open_amount) AS still_open FROM billing_billline l
            WHERE l.community_id = ANY(%(ids)s) AND l.open_amount > 0 AND l.due_on < %(start)s
              AND l.issued_at < %(start_at)s AND l.payer_kind <> 'developer' AND l.bill_kind <> 'late_charge'
            GROUP BY 1),
        moved AS (
            SELECT a.community_id, SUM(a.amount) AS since,
                   SUM(a.amount) FILTER (WHERE a.at < %(end_at)s AND a.adjustment_id IS NULL) AS got
            FROM billing_allocation a
            WHERE a.community_id = ANY(%(ids)s) AND a.at >= %(start_at)s AND a.due_on < %(start)s
              AND a.issued_at < %(start_at)s AND a.payer_kind <> 'developer' AND a.bill_kind <> 'late_charge'
            GROUP BY 1)
        SELECT community_id, COALESCE(still_open, 0) + COALESCE(since, 0) AS opening, got
        FROM owed FULL JOIN moved USING (community_id)""",
}


def _measured(communities: list[Community]):
    """(key, label, the console's call) for each reading measured."""
    from guanjia.billing import indicators_arrears, selectors_arrears

    ids = [c.pk for c in communities]
    one = communities[0]
    now = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=dt.UTC)
    trend = MONTH_READ.shift(-5).until(MONTH_READ)

    def first_page():
        rows = selectors_arrears.households(one, AS_OF)
        page = Paginator(rows, PAGE).get_page(1)
        page_rows = list(page.object_list)
        return page.paginator.count, selectors_arrears.ladders(one, page_rows, AS_OF)

    return [
        ("company", "欠费账龄 全公司按小区×账龄 by_community", lambda: selectors_arrears.by_community(ids, AS_OF)),
        ("buildings", "欠费汇总 按楼栋×账龄 by_building", lambda: selectors_arrears.by_building(one, AS_OF)),
        ("totals", "欠费汇总 小区合计 by_bucket", lambda: selectors_arrears.by_bucket(one, AS_OF)),
        ("list", "欠费户 第一页 households+ladders", first_page),
        ("collection", "FE-1 当月收缴率 各小区", lambda: indicators_arrears.collection(ids, [MONTH_READ], now)),
        ("collection6", "FE-1 收缴率 服务指标页六个月", lambda: indicators_arrears.collection(ids, trend, now)),
        ("recovery", "FE-3 欠费清收率 当月 各小区", lambda: indicators_arrears.recovery(ids, [MONTH_READ], now)),
    ]


def _params(communities: list[Community], key: str) -> tuple[str, dict]:
    period = MONTH_READ.shift(-5) if key == "collection6" else MONTH_READ
    start_at, end_at = MONTH_READ.bounds()
    sql = BASELINES["collection" if key == "collection6" else key]
    return sql, {
        "ids": [c.pk for c in communities],
        "cid": communities[0].pk,
        "as_of": AS_OF,
        "start": period.start,
        "end": MONTH_READ.end,
        "start_at": start_at,
        "end_at": end_at,
    }


def _times(call, runs: int, budget: float = BUDGET) -> list[float]:
    """`runs` timings, sorted; fewer (at least three) once they add up to `budget` seconds."""
    timings = []
    for _n in range(runs):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
        if len(timings) >= 3 and sum(timings) > budget:
            break
    return sorted(timings)


def _p(timings: list[float], q: float) -> float:
    return timings[max(0, math.ceil(len(timings) * q) - 1)]


def _explain(sql: str, params=None) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


class Command(BaseCommand):
    help = "Benchmark arrears ageing and the collection rate on PostgreSQL against hand-written SQL (issue 11)."

    def add_arguments(self, parser):
        parser.add_argument("--lines", type=int, default=10_000_000, help="bill lines to set up (10,000,000)")
        parser.add_argument("--runs", type=int, default=20, help="timed runs of each reading (20)")
        parser.add_argument("--no-explain", action="store_true", help="leave out the EXPLAIN (ANALYZE, BUFFERS)")

    def handle(self, *args, lines: int, runs: int, no_explain: bool, **options):
        _require_postgres()
        out = self.stdout.write
        if "billing_billline" not in connection.introspection.table_names():
            call_command("migrate", interactive=False, verbosity=0)  # a fresh scripts/with-postgres database
        out(f"setting up {lines} bill lines …")
        started = time.perf_counter()
        communities = _setup(lines, out)
        out(f"set-up: {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE open_amount > 0) FROM billing_billline "
                           "WHERE community_id = ANY(%s)", [[c.pk for c in communities]])  # fmt: skip
            total, still_open = cursor.fetchone()
        out(f"{total} bill lines, {still_open} with something open; ageing read on {AS_OF}, "
            f"collection for {MONTH_READ.key}")  # fmt: skip
        out(f"{'reading':<44} {'queries':>7} {'runs':>5} {'p50 ms':>8} {'p95 ms':>8} {'SQL p95':>8} {'ratio':>6}")
        plans = []
        for key, label, call in _measured(communities):
            with CaptureQueriesContext(connection) as captured:
                call()  # also warms the cache
            timings = _times(call, runs)
            sql, params = _params(communities, key)
            baseline = _times(lambda sql=sql, params=params: _fetch(sql, params), runs)
            p95, base = _p(timings, 0.95), _p(baseline, 0.95)
            out(f"{label:<44} {len(captured.captured_queries):>7} {len(timings):>5} "
                f"{statistics.median(timings) * 1000:>8.1f} "
                f"{p95 * 1000:>8.1f} {base * 1000:>8.1f} {p95 / base if base else float('inf'):>5.2f}×")  # fmt: skip
            plans.append((label, [q["sql"] for q in captured.captured_queries], sql, params))
        out(f"goal: p95 under 1000 ms, one aggregate query per reading ({runs} runs each)")
        if no_explain:
            return
        for label, queries, sql, params in plans:
            for n, query in enumerate(queries, 1):
                out(f"\n== EXPLAIN {label} — query {n} of {len(queries)}\n" + "\n".join(_explain(query)))
            out(f"\n== EXPLAIN {label} — hand-written SQL\n" + "\n".join(_explain(sql, params)))


def _fetch(sql: str, params: dict):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
