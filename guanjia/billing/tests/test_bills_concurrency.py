"""FE-1: two billing runs of the same month started at the same moment leave one run and one set of
bills; the other is refused (Conflict). Real concurrency needs a real server: PostgreSQL, threads, each
with its own connection (`scripts/with-postgres .venv/bin/pytest … test_bills_concurrency.py`)."""

import threading

import pytest
from django.db import connection, connections

from guanjia.billing.models import Bill, BillingRun, BillLine
from guanjia.billing.services import runs
from guanjia.core import clock
from guanjia.core.errors import Conflict

from .bills_setup import NOV, NOW, Office

THREADS = 4

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and threads"),
]


def test_fe1_concurrent_runs_of_a_month_leave_one_run_and_bill_once(monkeypatch):
    with clock.frozen(NOW, all_threads=True):
        office = Office()
        for n in range(20):
            office.room(f"业主{n}")
        office.item("2.50")
        monkeypatch.setattr(runs, "issued_already", lambda community, month: False)  # all pass the check
        results: list = []
        start = threading.Barrier(THREADS)

        def cashier(n: int) -> None:
            try:
                start.wait()
                results.append(runs.run_issue(community=office.community, period=NOV, actor=office.cashier))
            except Conflict as refused:
                results.append(refused)
            except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
                results.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=cashier, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    issued = [r for r in results if isinstance(r, BillingRun)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(issued) == 1 and len(refused) == THREADS - 1, results
    assert BillingRun.objects.count() == 1 and Bill.objects.count() == 20 and BillLine.objects.count() == 20
