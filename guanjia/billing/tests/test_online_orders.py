"""FE-1 online payment orders from the office's side: the provider queried (its SUCCESS books through
the notification's own path, so a query and a notification in either order book one receipt), an order
closed (at the provider first; money the provider took is still booked, never dropped), and the sweep
(FE-1.online_sweep_minutes) with its task, command and timer. The provider is a local stand-in
(online_gateway); the clock is pinned."""

import configparser
import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from guanjia.billing.choices import Method, OrderStatus
from guanjia.billing.models import Payment, PaymentOrder
from guanjia.billing.services import online, online_orders
from guanjia.billing.tasks import sweep_online_orders
from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_gateway import Gateway
from .online_setup import OnlineOffice, post_notification

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)
TXN = "4200000001202611200000000099"


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return OnlineOffice()


@pytest.fixture
def gateway(office, settings):
    with Gateway(office.merchant) as gateway:
        office.configure(settings, api_base=gateway.url)
        yield gateway


def order_for(office, line_ids=None):
    order = online.order_create(
        room=office.room, user=office.owner, payable=payable_lines(office.owner), line_ids=line_ids
    )
    return online.order_request(order=order)


def verbs(order):
    return list(
        ActivityLog.objects.filter(subject_id=str(order.pk), verb__startswith="billing.online.")
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_fe1_a_paid_query_books_the_receipt_and_the_late_notification_books_nothing(client, office, gateway):
    order = order_for(office)
    gateway.pay(order, transaction_id=TXN)
    answer = online_orders.order_query(order=order, actor=office.cashier)
    assert answer.state == "SUCCESS" and answer.booked
    order.refresh_from_db()
    payment = Payment.objects.get()
    assert (order.status, order.payment, order.transaction_id) == (OrderStatus.PAID, payment, TXN)
    assert (payment.method, payment.source_key, payment.amount) == (Method.ONLINE, TXN, Decimal("260.00"))
    assert payment.cashier == office.cashier and office.total_open() == Decimal("0.00")
    # the notification WeChat Pay sends anyway, later: received, nothing booked twice
    body = office.merchant.notification(order, transaction_id=TXN)
    response = post_notification(client, office, body, office.merchant.headers(body))
    assert response.status_code == 200 and response.json()["code"] == "SUCCESS"
    assert Payment.objects.count() == 1
    assert verbs(order) == ["billing.online.ordered", "billing.online.paid", "billing.online.queried"]


def test_fe1_a_query_after_the_notification_books_nothing_twice(client, office, gateway):
    order = order_for(office)
    body = office.merchant.notification(order, transaction_id=TXN)
    assert post_notification(client, office, body, office.merchant.headers(body)).status_code == 200
    gateway.pay(order, transaction_id=TXN)
    answer = online_orders.order_query(order=order, actor=office.cashier)
    assert answer.order.status == OrderStatus.PAID and Payment.objects.count() == 1
    # a provider naming another transaction for a paid order is refused, not booked
    gateway.pay(order, transaction_id="4200000001202611200000000100")
    with pytest.raises(ServiceError) as refused:
        online_orders.order_query(order=order, actor=office.cashier)
    assert refused.value.code == "not_booked" and Payment.objects.count() == 1


def test_fe1_a_query_of_an_unpaid_order_changes_nothing_and_is_logged(office, gateway):
    order = order_for(office)
    answer = online_orders.order_query(order=order, actor=office.manager)
    order.refresh_from_db()
    assert answer.state == "NOTPAY" and order.status == OrderStatus.CREATED and not Payment.objects.exists()
    entry = ActivityLog.objects.get(verb="billing.online.queried")
    assert entry.actor == office.manager and entry.data["state"] == "NOTPAY"
    [(method, path, _body, verified)] = gateway.calls("GET")
    assert method == "GET" and verified and order.out_trade_no in path


def test_fe1_querying_and_closing_need_the_orders_permission(office, gateway):
    order = order_for(office)
    with pytest.raises(ServiceError) as refused:
        online_orders.order_query(order=order, actor=office.desk)  # the front desk sees no orders page
    assert refused.value.status == 403
    with pytest.raises(ServiceError) as refused:
        online_orders.order_close(order=order, actor=office.desk)
    assert refused.value.status == 403 and not gateway.calls("POST")[1:]
    stranger = OnlineOffice().owner
    with pytest.raises(ServiceError):
        online_orders.order_close(order=order, actor=stranger)


def test_fe1_closing_tells_the_provider_then_the_lines_may_be_ordered_again(office, gateway):
    order = order_for(office)
    closed = online_orders.order_close(order=order, actor=office.owner)  # the owner leaving
    assert closed.status == OrderStatus.CLOSED and closed.closed_at == NOW and closed.state == OrderStatus.CLOSED
    close_call = gateway.calls("POST")[-1]
    assert close_call[1].endswith(f"/{order.out_trade_no}/close") and close_call[3]
    entry = ActivityLog.objects.get(verb="billing.online.closed")
    assert entry.actor == office.owner and entry.data["reason"] == "业主取消"
    with pytest.raises(ServiceError) as again:
        online_orders.order_close(order=order, actor=office.cashier)
    assert again.value.code == "closed" and again.value.status == 409
    assert not online.live_orders(office.room).exists()
    second = order_for(office)  # the same lines, free again
    assert second.amount == order.amount and second.pk != order.pk


def test_fe1_a_close_refused_because_it_was_paid_books_the_payment(office, gateway):
    order = order_for(office)
    gateway.pay(order, transaction_id=TXN)  # the payer paid a moment before the cashier closes
    result = online_orders.order_close(order=order, actor=office.cashier)
    assert result.status == OrderStatus.PAID and result.payment.source_key == TXN
    assert Payment.objects.count() == 1 and office.total_open() == Decimal("0.00")
    with pytest.raises(ServiceError) as paid:
        online_orders.order_close(order=result, actor=office.cashier)
    assert paid.value.code == "paid"


def test_fe1_a_notification_for_a_closed_order_still_books_the_money(client, office, gateway):
    order = order_for(office)
    online_orders.order_close(order=order, actor=office.cashier)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    # the provider took the money before it closed the order: its notification must still book
    body = office.merchant.notification(order, transaction_id=TXN)
    response = post_notification(client, office, body, office.merchant.headers(body))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.payment.amount == Decimal("260.00")
    assert office.total_open() == Decimal("0.00")


def test_fe1_an_unreachable_provider_leaves_the_order_open(office, settings):
    office.configure(settings)
    order = online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
    office.configure(settings, api_base="http://127.0.0.1:9")  # nothing listens on the discard port
    for service in (online_orders.order_query, online_orders.order_close):
        with pytest.raises(ServiceError) as refused:
            service(order=order, actor=office.cashier)
        assert refused.value.code == "provider"
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED


def sweep_set(office, gateway):
    """Four orders of one line each: too young to query, unpaid, paid at the provider, past its deadline."""
    lines = [line.pk for line in office.lines()]
    with clock.frozen(NOW - dt.timedelta(minutes=40)):
        stale = order_for(office, [lines[3]])  # its 30 minutes ran out 10 minutes ago
    with clock.frozen(NOW - dt.timedelta(minutes=15)):
        unpaid, paid = order_for(office, [lines[1]]), order_for(office, [lines[2]])
    with clock.frozen(NOW - dt.timedelta(minutes=5)):
        young = order_for(office, [lines[0]])
    gateway.pay(paid, transaction_id=TXN)
    return young, unpaid, paid, stale


def test_fe1_the_sweep_queries_orders_left_open_and_closes_those_past_their_deadline(office, gateway):
    young, unpaid, paid, stale = sweep_set(office, gateway)
    counts = online_orders.orders_sweep(at=NOW)
    assert counts == {"queried": 3, "paid": 1, "closed": 1, "errors": 0, "skipped": 0}
    for order in (young, unpaid, paid, stale):
        order.refresh_from_db()
    assert young.status == unpaid.status == OrderStatus.CREATED
    assert paid.status == OrderStatus.PAID and paid.payment.source_key == TXN
    assert stale.status == OrderStatus.CLOSED and stale.closed_at == NOW
    assert not any(young.out_trade_no in path for _m, path, _b, _v in gateway.seen[4:])  # FE-1.online_sweep_minutes
    # a second run: nothing more to book or close
    assert online_orders.orders_sweep(at=NOW) == {"queried": 1, "paid": 0, "closed": 0, "errors": 0, "skipped": 0}
    assert Payment.objects.count() == 1


def test_fe1_the_sweep_waits_as_long_as_the_community_says(office, gateway):
    policy_set(community=office.community, key="FE-1.online_sweep_minutes", raw_value="20", actor=office.manager)
    young, unpaid, paid, stale = sweep_set(office, gateway)
    assert online_orders.orders_sweep(at=NOW) == {"queried": 1, "paid": 0, "closed": 1, "errors": 0, "skipped": 0}
    paid.refresh_from_db()
    assert paid.status == OrderStatus.CREATED  # 15 minutes old: not yet asked about


def test_fe1_a_provider_that_cannot_answer_is_counted_and_left_for_the_next_run(office, gateway):
    young, unpaid, paid, stale = sweep_set(office, gateway)
    gateway.refuse = (500, {"code": "SYSTEM_ERROR", "message": "系统错误"})
    assert online_orders.orders_sweep(at=NOW) == {"queried": 0, "paid": 0, "closed": 0, "errors": 3, "skipped": 0}
    assert PaymentOrder.objects.filter(status=OrderStatus.CREATED).count() == 4


def test_fe1_the_task_and_the_command_run_the_sweep(office, gateway):
    young, unpaid, paid, stale = sweep_set(office, gateway)
    out = StringIO()
    call_command("sweep_online_orders", stdout=out)
    assert out.getvalue().strip() == (
        "queried=3 paid=1 closed=1 errors=0 skipped=0 refunds_queried=0 refunds_paid=0 refunds_errors=0"
    )
    result = sweep_online_orders.enqueue()  # ImmediateBackend in tests
    assert result.return_value == {
        **{"queried": 1, "paid": 0, "closed": 0, "errors": 0, "skipped": 0},
        **{"refunds_queried": 0, "refunds_paid": 0, "refunds_errors": 0},
    }
    out = StringIO()
    call_command("sweep_online_orders", "--enqueue", stdout=out)
    assert out.getvalue().startswith("enqueued ")


def test_fe1_the_timer_enqueues_the_sweep_every_five_minutes():
    systemd = Path(django_settings.BASE_DIR) / "deploy" / "systemd"
    service, timer = configparser.ConfigParser(strict=False), configparser.ConfigParser(strict=False)
    service.optionxform = timer.optionxform = str
    service.read(systemd / "guanjia-online-sweep.service")
    timer.read(systemd / "guanjia-online-sweep.timer")
    assert service["Service"]["ExecStart"].endswith("manage.py sweep_online_orders --enqueue")
    assert service["Service"]["EnvironmentFile"] == "/etc/guanjia/guanjia.env"
    assert service["Service"]["User"] == "guanjia" and service["Service"]["NoNewPrivileges"] == "yes"
    assert timer["Timer"]["OnCalendar"] == "*:0/5" and timer["Install"]["WantedBy"] == "timers.target"


def test_fe1_the_sweep_skips_orders_it_has_no_provider_to_ask_about(office, gateway, settings):
    young, unpaid, paid, stale = sweep_set(office, gateway)
    settings.PAYMENT_PROVIDERS = {}  # the keys were withdrawn: nothing to ask with, not an error each run
    assert online_orders.orders_sweep(at=NOW) == {"queried": 0, "paid": 0, "closed": 0, "errors": 0, "skipped": 3}
    assert PaymentOrder.objects.filter(status=OrderStatus.CREATED).count() == 4
