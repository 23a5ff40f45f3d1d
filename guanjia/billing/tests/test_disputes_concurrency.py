"""FE-1: an owner who taps "提交异议" twice at once (two phones, a double tap over a slow network) leaves
one open dispute and one complaint ticket; the other is refused (Conflict). Real concurrency needs a
real server: PostgreSQL, threads, each with its own connection
(`scripts/with-postgres .venv/bin/pytest … test_disputes_concurrency.py`)."""

import threading

import pytest
from django.db import connection, connections

from guanjia.billing.models import LineDispute
from guanjia.billing.services.disputes import line_dispute
from guanjia.core import clock
from guanjia.core.errors import Conflict
from guanjia.core.tests.factories import UserFactory
from guanjia.servicedesk.models import Ticket

from .arrears_setup import NOW, Office

THREADS = 4

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and threads"),
]


def test_fe1_concurrent_disputes_of_a_line_leave_one():
    with clock.frozen(NOW, all_threads=True):
        office = Office()
        user = UserFactory()
        line = office.owe(office.owned(user=user), "300.00", days=40).lines.get()
        results: list = []
        start = threading.Barrier(THREADS)

        def owner(n: int) -> None:
            try:
                start.wait()
                results.append(line_dispute(line=line, actor=user, reason=f"面积不符（第 {n} 次提交）"))
            except Conflict as refused:
                results.append(refused)
            except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
                results.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=owner, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    made = [r for r in results if isinstance(r, LineDispute)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == THREADS - 1, results
    assert LineDispute.objects.count() == 1 and Ticket.objects.count() == 1
