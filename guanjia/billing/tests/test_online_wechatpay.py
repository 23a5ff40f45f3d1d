"""The WeChat Pay adapter's create-order request (FE-1 online payment): the request is signed per
WeChat Pay v3 (Authorization WECHATPAY2-SHA256-RSA2048 over method, path, timestamp, nonce, body) and
sent to a local HTTP server started here, standing in for the provider (this machine has no network,
and a test never reaches the internet). The server checks the signature with the merchant's public key
and answers, signed by the platform key, as WeChat Pay does."""

import base64
import json
import re
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from guanjia.billing import providers
from guanjia.billing.choices import OrderStatus
from guanjia.billing.services import online
from guanjia.core import clock
from guanjia.core.errors import ServiceError
from guanjia.core.tests.factories import at
from guanjia.portal.views_fees_online import payable_lines

from .online_setup import MCHID, SERIAL, OnlineOffice

pytestmark = pytest.mark.django_db
NOW = at(2026, 11, 20, 18, 0)
CODE_URL = "weixin://wxpay/bizpayurl?pr=TEST123"
AUTH = re.compile(
    r'WECHATPAY2-SHA256-RSA2048 mchid="(\d+)",nonce_str="(\w+)",signature="([^"]+)",timestamp="(\d+)",serial_no="([^"]+)"'
)


class Provider:
    """A local stand-in for api.mch.weixin.qq.com: verifies, records, answers signed."""

    def __init__(self, merchant, status=200, answer=None):
        self.merchant, self.status, self.answer, self.seen = merchant, status, answer or {"code_url": CODE_URL}, []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                provider.seen.append(
                    (self.path, dict(self.headers), body, provider.verified(self.path, body, self.headers))
                )
                reply = json.dumps(provider.answer).encode()
                stamp, nonce = str(int(NOW.timestamp())), "servernonce"
                self.send_response(provider.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Wechatpay-Timestamp", stamp)
                self.send_header("Wechatpay-Nonce", nonce)
                self.send_header("Wechatpay-Serial", SERIAL)
                self.send_header("Wechatpay-Signature", provider.merchant.sign_as_platform(stamp, nonce, reply))
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verified(self, path, body, headers) -> bool:
        match = AUTH.fullmatch(headers.get("Authorization", ""))
        if not match:
            return False
        mchid, nonce, signature, stamp, _serial = match.groups()
        message = f"POST\n{path}\n{stamp}\n{nonce}\n{body.decode()}\n".encode()
        try:
            self.merchant.merchant_key.public_key().verify(
                base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:  # noqa: BLE001 - any failure is "not verified"
            return False
        return mchid == MCHID

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def office(settings):
    with clock.frozen(NOW):
        office = OnlineOffice()
        yield office


def order_for(office):
    return online.order_create(room=office.room, user=office.owner, payable=payable_lines(office.owner))


def test_fe1_the_create_order_request_is_signed_and_sent_to_the_provider(office, settings):
    with Provider(office.merchant) as server:
        office.configure(settings, api_base=server.url)
        order = online.order_request(order=order_for(office))
    assert order.pay_data == {"kind": "native", "code_url": CODE_URL}
    [(path, headers, body, verified)] = server.seen
    assert path == "/v3/pay/transactions/native" and verified
    sent = json.loads(body)
    assert sent["out_trade_no"] == order.out_trade_no and sent["amount"] == {"total": 26000, "currency": "CNY"}
    assert sent["time_expire"] == "2026-11-20T18:30:00+08:00"  # FE-1.online_order_minutes: 30
    assert sent["notify_url"].endswith(f"/fees/pay/wechatpay/{office.community.code}/notify/")
    assert headers["Content-Type"] == "application/json"


def test_fe1_a_jsapi_request_carries_the_payer_and_signs_the_bridge_parameters(office, settings):
    office.configure(settings)
    order = order_for(office)
    adapter = providers.configured(office.community)
    request = adapter.order_request(order, openid="oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    assert request.url.endswith("/v3/pay/transactions/jsapi")
    assert json.loads(request.body)["payer"] == {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
    params = adapter.jsapi_parameters("wx201410272009395522657a690389285100")
    message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    office.merchant.merchant_key.public_key().verify(
        base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256()
    )


def test_fe1_a_refusal_or_an_unsigned_answer_fails_the_order(office, settings):
    with Provider(office.merchant, status=400, answer={"code": "PARAM_ERROR", "message": "参数错误"}) as server:
        office.configure(settings, api_base=server.url)
        order = order_for(office)
        with pytest.raises(ServiceError) as refused:
            online.order_request(order=order)
    assert refused.value.code == "provider"
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED and "PARAM_ERROR" in order.failure
    # an answer signed by someone else is not the provider's
    impostor = OnlineOffice().merchant
    with Provider(impostor) as server:
        office.configure(settings, api_base=server.url)
        with pytest.raises(ServiceError):
            online.order_request(order=order_for(office))


def test_fe1_an_unreachable_provider_fails_the_order(office, settings):
    office.configure(settings, api_base="http://127.0.0.1:9")  # nothing listens on the discard port
    order = order_for(office)
    with pytest.raises(ServiceError):
        online.order_request(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED and order.amount == Decimal("260.00")
