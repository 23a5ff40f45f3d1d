"""FE-1: receipts are numbered per community without gaps and without duplicates even when cashiers
take payments at the same moment. Real concurrency needs a real server: PostgreSQL, threads, each with
its own connection (`scripts/with-postgres .venv/bin/pytest … test_payments_concurrency.py`)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from guanjia.billing.choices import Purse
from guanjia.billing.models import Payment, PrepaymentAccount
from guanjia.billing.services import payments as svc
from guanjia.billing.tests.factories import Window
from guanjia.core import clock
from guanjia.core.tests.factories import at

THREADS, EACH = 8, 5

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and threads"),
]


def test_fe1_concurrent_payments_get_numbers_1_to_40_without_gap_or_duplicate():
    with clock.frozen(at(2026, 11, 20, 10, 0), all_threads=True):
        w = Window()
        other = Window()  # another community's series runs on by itself
        errors: list[BaseException] = []
        start = threading.Barrier(THREADS)

        def cashier_at_the_window(n: int) -> None:
            try:
                start.wait()
                for _ in range(EACH):
                    svc.prepayment_deposit(
                        room=w.room, amount=Decimal("10.00"), purse=Purse.PROPERTY, method="cash", actor=w.cashier
                    )
                    if n == 0:
                        svc.prepayment_deposit(
                            room=other.room, amount="1.00", purse=Purse.PROPERTY, method="cash", actor=other.cashier
                        )
            except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=cashier_at_the_window, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors
    numbers = sorted(
        int(n.rsplit("-", 1)[1]) for n in Payment.objects.filter(community=w.community).values_list("number", flat=True)
    )
    assert numbers == list(range(1, THREADS * EACH + 1))
    theirs = sorted(Payment.objects.filter(community=other.community).values_list("number", flat=True))
    assert theirs == [f"SJ-2026-{n:06d}" for n in range(1, EACH + 1)]
    assert PrepaymentAccount.objects.get(room=w.room).balance == Decimal("400.00")
