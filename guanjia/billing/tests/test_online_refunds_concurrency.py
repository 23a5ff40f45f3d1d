"""FE-1.refund: the provider's refund notification and the office's query of the same refund, at the
same moment, mark it paid once (the OnlineRefund's row lock). Real concurrency needs PostgreSQL's row
locks (`scripts/with-postgres … test_online_refunds_concurrency.py`)."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from guanjia.billing.choices import Method, OnlineRefundStatus, Purse
from guanjia.billing.models import OnlineRefund, Refund
from guanjia.billing.services import online, online_refunds
from guanjia.billing.services import payments as svc
from guanjia.core import approvals, clock
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_gateway import Gateway
from .online_setup import OnlineOffice, post_refund_notification

THREADS = 6
TXN = "4200000001202611200000000654"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and threads"),
]


def test_fe1_a_refund_query_and_its_notification_at_once_mark_it_paid_once(settings):
    with clock.frozen(at(2026, 11, 20, 18, 0), all_threads=True):
        office = OnlineOffice()
        with Gateway(office.merchant) as gateway:
            office.configure(settings, api_base=gateway.url)
            order = online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
            first = office.lines()[0]
            svc.payment_take(room=office.room, amount=first.open_amount, method=Method.CASH, actor=office.cashier)
            paid = office.merchant.notification(order, transaction_id=TXN)
            online.notification_receive(
                community=office.community, provider_key="wechatpay", headers=office.merchant.headers(paid), body=paid
            )
            refund = svc.refund_request(
                room=office.room,
                purse=Purse.PROPERTY,
                amount="100.00",
                method=Method.ONLINE,
                reason="退租",
                actor=office.cashier,
            )
            approvals.approval_decide(
                approval=approvals.current_approval(refund, svc.REFUND), actor=office.manager, outcome="approve"
            )  # committed: the provider is asked (on_commit)
            online_refund = OnlineRefund.objects.select_related("order").get(refund=refund)
            assert online_refund.status == OnlineRefundStatus.PROCESSING and refund.number in gateway.refunds
            gateway.refund_done(refund.number)
            body = office.merchant.refund_notification(online_refund)
            headers = office.merchant.headers(body)
            start, answers, errors = threading.Barrier(THREADS), [], []

            def notify():
                answers.append(post_refund_notification(Client(), office, body, headers).status_code)

            def query():
                done = online_refunds.refund_query(
                    online_refund=OnlineRefund.objects.select_related("order").get(pk=online_refund.pk),
                    actor=office.cashier,
                )
                answers.append(200 if done.status == OnlineRefundStatus.SUCCESS else 500)

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
        refund = Refund.objects.get(pk=refund.pk)
        assert refund.paid_at is not None
        assert ActivityLog.objects.filter(subject_id=str(refund.pk), verb="billing.refund.paid").count() == 1
