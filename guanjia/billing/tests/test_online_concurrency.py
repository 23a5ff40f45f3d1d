"""FE-1: a payment notification delivered twice at the same moment records one payment. Real
concurrency needs PostgreSQL's row locks (`scripts/with-postgres … test_online_concurrency.py`)."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from guanjia.billing.models import Payment
from guanjia.billing.services import online
from guanjia.core import clock
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_setup import OnlineOffice, post_notification

THREADS = 6

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and threads"),
]


def test_fe1_concurrent_deliveries_of_one_notification_record_one_payment(settings):
    with clock.frozen(at(2026, 11, 20, 18, 0), all_threads=True):
        office = OnlineOffice()
        office.configure(settings)
        order = online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
        body = office.merchant.notification(order)
        headers = office.merchant.headers(body)
        start, answers, errors = threading.Barrier(THREADS), [], []

        def deliver():
            try:
                start.wait()
                answers.append(post_notification(Client(), office, body, headers).status_code)
            except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=deliver) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert answers == [200] * THREADS
        assert Payment.objects.filter(source_key="4200000001202611200000000001").count() == 1
