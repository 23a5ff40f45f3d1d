"""The WeChat Pay adapter's query and close of an order (FE-1 online payment): GET
/v3/pay/transactions/out-trade-no/{no}?mchid=… and POST …/{no}/close, signed as the create call is,
their answers verified as notifications are. Against a local stand-in (online_gateway), no network."""

from decimal import Decimal

import pytest

from guanjia.billing import providers
from guanjia.billing.services import online
from guanjia.core import clock
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_gateway import Gateway
from .online_setup import MCHID, OnlineOffice

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return OnlineOffice()


def adapter_and_order(office, settings, gateway):
    office.configure(settings, api_base=gateway.url)
    order = online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))
    return providers.configured(office.community), order


def test_fe1_the_query_is_a_signed_get_and_reads_a_paid_order_as_its_notification(office, settings):
    with Gateway(office.merchant) as gateway:
        adapter, order = adapter_and_order(office, settings, gateway)
        unpaid = adapter.query(order)
        gateway.pay(order, transaction_id="4200000077")
        paid = adapter.query(order)
    [(method, path, body, verified), _again] = gateway.seen
    assert (method, path, body, verified) == (
        "GET",
        f"/v3/pay/transactions/out-trade-no/{order.out_trade_no}?mchid={MCHID}",
        b"",
        True,
    )
    assert not unpaid.succeeded and unpaid.state == "NOTPAY" and unpaid.out_trade_no == order.out_trade_no
    assert paid.succeeded and paid.transaction_id == "4200000077" and paid.amount == Decimal("260.00")


def test_fe1_the_close_is_a_signed_post_answered_204(office, settings):
    with Gateway(office.merchant) as gateway:
        adapter, order = adapter_and_order(office, settings, gateway)
        assert adapter.close(order) is None
        closed = adapter.query(order)
    (method, path, body, verified), _query = gateway.seen
    assert (method, path, verified) == ("POST", f"/v3/pay/transactions/out-trade-no/{order.out_trade_no}/close", True)
    assert body == b'{"mchid":"%s"}' % MCHID.encode()
    assert closed.state == "CLOSED" and not closed.succeeded


def test_fe1_a_refused_or_forged_answer_is_a_provider_error(office, settings):
    with Gateway(office.merchant) as gateway:
        adapter, order = adapter_and_order(office, settings, gateway)
        gateway.pay(order)
        with pytest.raises(providers.ProviderError, match="ORDERPAID"):
            adapter.close(order)  # the provider will not close what it was paid for
        gateway.refuse = (500, {"code": "SYSTEM_ERROR", "message": "系统错误"})
        with pytest.raises(providers.ProviderError, match="SYSTEM_ERROR"):
            adapter.query(order)
    impostor = OnlineOffice().merchant  # answers signed by a key that is not the platform's
    with Gateway(office.merchant, signer=impostor) as forged:
        office.configure(settings, api_base=forged.url)
        adapter = providers.configured(office.community)
        with pytest.raises(providers.ProviderError, match="not signed"):
            adapter.close(order)  # even an empty 204 carries the platform's signature
        forged.pay(order)
        with pytest.raises(providers.ProviderError, match="not signed"):
            adapter.query(order)


def test_fe1_an_answer_about_another_merchant_or_order_is_not_believed(office, settings):
    with Gateway(office.merchant) as gateway:
        adapter, order = adapter_and_order(office, settings, gateway)
        gateway.pay(order)
        other = online.PaymentOrder(out_trade_no="GJ20261120180000OTHER00000", amount=order.amount)
        gateway.states["GJ20261120180000OTHER00000"] = gateway.states[order.out_trade_no]
        assert adapter.query(other).out_trade_no == "GJ20261120180000OTHER00000"
        adapter.mchid = "1900000999"  # the adapter now reads as another merchant's
        with pytest.raises(providers.ProviderError):
            adapter.query(order)
