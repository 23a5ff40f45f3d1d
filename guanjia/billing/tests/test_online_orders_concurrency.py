"""FE-1: the provider's notification and the office's query of the same paid order, at the same moment,
book one payment (the order's row lock, the payment's unique source_key). Real concurrency needs
PostgreSQL's row locks (`scripts/with-postgres … test_online_orders_concurrency.py`)."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from guanjia.billing.choices import OrderStatus
from guanjia.billing.models import Payment, PaymentOrder
from guanjia.billing.services import online, online_orders
from guanjia.core import clock
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_gateway import Gateway
from .online_setup import OnlineOffice, post_notification

THREADS = 6
TXN = "4200000001202611200000000321"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and threads"),
]


def test_fe1_a_query_and_a_notification_at_once_record_one_payment(settings):
    with clock.frozen(at(2026, 11, 20, 18, 0), all_threads=True):
        office = OnlineOffice()
        with Gateway(office.merchant) as gateway:
            office.configure(settings, api_base=gateway.url)
            order = online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
            gateway.pay(order, transaction_id=TXN)
            body = office.merchant.notification(order, transaction_id=TXN)
            headers = office.merchant.headers(body)
            start, answers, errors = threading.Barrier(THREADS), [], []

            def notify():
                answers.append(post_notification(Client(), office, body, headers).status_code)

            def query():
                answer = online_orders.order_query(order=PaymentOrder.objects.get(pk=order.pk), actor=office.cashier)
                answers.append(200 if answer.order.payment_id else 500)

            def run(work):
                try:
                    start.wait()
                    work()
                except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
                    errors.append(error)
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=run, args=(notify if n % 2 else query,)) for n in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        assert not errors, errors
        assert answers == [200] * THREADS
        assert Payment.objects.filter(source_key=TXN).count() == 1
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.payment.source_key == TXN
