"""`manage.py bench_arrears` (issue 11) at a tiny size: it runs to the end on PostgreSQL, prints each
reading's query count (one aggregate query for each ageing reading and each collection rate, two for the
recovery), keeps the ledger's invariant in the data it builds, and refuses any other database."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db

ON_POSTGRES = connection.vendor == "postgresql"

# label prefix → queries the console's call makes: the ageing readings ONE aggregate query each; the
# arrears list's first page its count and rows, the ladder's four policies, contacts, letters and open disputes; the
# collection rates one grouped query over the lines, the recovery two (open lines, allocations since the month
# began), whatever the number of communities and months.
EXPECTED = {
    "欠费账龄 全公司按小区×账龄": 1,
    "欠费汇总 按楼栋×账龄": 1,
    "欠费汇总 小区合计": 1,
    "欠费户 第一页": 9,
    "FE-1 当月收缴率": 1,
    "FE-1 收缴率 服务指标页六个月": 1,
    "FE-3 欠费清收率": 1,
}


@pytest.mark.skipif(ON_POSTGRES, reason="on PostgreSQL the command runs: see the test below")
def test_bench_arrears_refuses_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_arrears", lines=1000, runs=1, stdout=io.StringIO())


@pytest.mark.skipif(not ON_POSTGRES, reason="bench_arrears refuses anything but PostgreSQL (SQLite here)")
def test_bench_arrears_runs_on_postgres_and_prints_the_query_counts():
    out = io.StringIO()
    call_command("bench_arrears", lines=9000, runs=1, stdout=out)  # 50 rooms: some are the developer's
    text = out.getvalue()
    assert "set-up:" in text and "goal: p95 under 1000 ms" in text
    for label, queries in EXPECTED.items():
        row = next(line for line in text.splitlines() if line.startswith(label))
        counts = re.findall(r"\s(\d+)\s", row)
        assert int(counts[0]) == queries, row
        assert row.rstrip().endswith("×"), row  # the ratio to the hand-written SQL
    assert text.count("== EXPLAIN") >= len(EXPECTED) * 2
    assert "Execution Time" in text
    with connection.cursor() as cursor:
        # What it built keeps the ledger's invariant (FE-3.recovery reads it): open = amount − Σ allocations.
        cursor.execute(
            """SELECT COUNT(*), COUNT(*) FILTER (WHERE l.open_amount > 0),
                      COUNT(*) FILTER (WHERE l.open_amount <> l.amount - COALESCE(a.allocated, 0)),
                      COUNT(*) FILTER (WHERE l.payer_kind = 'developer')
               FROM billing_billline l
               LEFT JOIN (SELECT line_id, SUM(amount) AS allocated FROM billing_allocation GROUP BY line_id) a
                 ON a.line_id = l.id
               JOIN billing_bill b ON b.id = l.bill_id WHERE b.number LIKE 'BA-%%'"""
        )
        lines, still_open, broken, developer = cursor.fetchone()
    assert lines >= 9000 and 0 < still_open < lines and developer > 0
    assert broken == 0
