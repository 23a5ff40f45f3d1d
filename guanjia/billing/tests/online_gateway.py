"""A local stand-in for WeChat Pay's order API (api.mch.weixin.qq.com), for the tests of the order's
query and close (FE-1 online payment): this machine has no network and a test never reaches the
internet. It checks every request's merchant signature (a GET signs an empty body), keeps each order's
state as the provider would, and answers signed by the platform key, a 204 included."""

from __future__ import annotations

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from guanjia.core import clock

from .online_setup import APPID, MCHID, SERIAL

CODE_URL = "weixin://wxpay/bizpayurl?pr=GATEWAY1"
AUTH = re.compile(
    r'WECHATPAY2-SHA256-RSA2048 mchid="(\d+)",nonce_str="(\w+)",signature="([^"]+)",timestamp="(\d+)",serial_no="([^"]+)"'
)
ORDER = re.compile(r"/v3/pay/transactions/out-trade-no/(\w+)(/close)?")
REFUND = re.compile(r"/v3/refund/domestic/refunds(?:/([\w-]+))?")


class Gateway:
    """`states[out_trade_no]` is what a query answers (NOTPAY until `pay()`); `signer` signs the
    answers (another merchant's platform key makes them forged); `refuse` answers every call so."""

    def __init__(self, merchant, *, signer=None):
        self.merchant, self.signer = merchant, signer or merchant
        self.states: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}  # out_refund_no → the refund as a query answers it
        self.seen: list[tuple[str, str, bytes, bool]] = []  # method, path, body, signature verified
        self.refuse: tuple[int, dict] | None = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                gateway.handle(self, "GET", b"")

            def do_POST(self):  # noqa: N802 - http.server's name
                gateway.handle(self, "POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def pay(self, order, *, transaction_id="4200000001202611200000000099", total=None):
        """The payer paid `order` at the provider (what a later query answers)."""
        fen = total if total is not None else int(order.amount * 100)
        self.states[order.out_trade_no] = {
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "transaction_id": transaction_id,
            "success_time": clock.now().isoformat(timespec="seconds"),  # called in the test's thread
            "amount": {"total": fen, "payer_total": fen, "currency": "CNY", "payer_currency": "CNY"},
        }

    def refund_done(self, out_refund_no: str, status: str = "SUCCESS") -> None:
        """The provider finished the refund (what a later query answers)."""
        self.refunds[out_refund_no]["status"] = status
        if status == "SUCCESS":
            self.refunds[out_refund_no]["success_time"] = clock.now().isoformat(timespec="seconds")

    def calls(self, method: str | None = None) -> list[tuple[str, str, bytes, bool]]:
        return [call for call in self.seen if method is None or call[0] == method]

    def verified(self, method: str, path: str, body: bytes, headers) -> bool:
        match = AUTH.fullmatch(headers.get("Authorization", ""))
        if not match:
            return False
        mchid, nonce, signature, stamp, _serial = match.groups()
        message = f"{method}\n{path}\n{stamp}\n{nonce}\n{body.decode()}\n".encode()
        try:
            self.merchant.merchant_key.public_key().verify(
                base64.b64decode(signature), message, padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:  # noqa: BLE001 - any failure is "not verified"
            return False
        return mchid == MCHID

    def handle(self, request, method: str, body: bytes) -> None:
        ok = self.verified(method, request.path, body, request.headers)
        self.seen.append((method, request.path, body, ok))
        status, answer = self.answer(method, request.path, body, ok)
        reply = json.dumps(answer, ensure_ascii=False).encode() if answer is not None else b""
        # answered "at the moment" the merchant signed its request: the test's frozen clock is its thread's
        match = AUTH.fullmatch(request.headers.get("Authorization", ""))
        stamp, nonce = (match.group(4) if match else str(int(clock.now().timestamp()))), "gatewaynonce"
        request.send_response(status)
        if reply:
            request.send_header("Content-Type", "application/json")
        request.send_header("Wechatpay-Timestamp", stamp)
        request.send_header("Wechatpay-Nonce", nonce)
        request.send_header("Wechatpay-Serial", SERIAL)
        request.send_header("Wechatpay-Signature", self.signer.sign_as_platform(stamp, nonce, reply))
        request.send_header("Content-Length", str(len(reply)))
        request.end_headers()
        request.wfile.write(reply)

    def answer(self, method: str, target: str, body: bytes, ok: bool) -> tuple[int, dict | None]:
        if not ok:
            return 401, {"code": "SIGN_ERROR", "message": "签名错误"}
        if self.refuse:
            return self.refuse
        parts = urlsplit(target)
        if method == "POST" and parts.path == "/v3/pay/transactions/native":
            sent = json.loads(body)
            self.states.setdefault(sent["out_trade_no"], {"trade_state": "NOTPAY", "total": sent["amount"]["total"]})
            return 200, {"code_url": CODE_URL}
        refund = REFUND.fullmatch(parts.path)
        if refund is not None:
            return self.refund_answer(method, refund.group(1), body)
        match = ORDER.fullmatch(parts.path)
        if match is None:
            return 404, {"code": "NOT_FOUND", "message": "无此接口"}
        out_trade_no, closing = match.groups()
        state = self.states.setdefault(out_trade_no, {"trade_state": "NOTPAY"})
        if closing:
            if method != "POST" or json.loads(body) != {"mchid": MCHID}:
                return 400, {"code": "PARAM_ERROR", "message": "参数错误"}
            if state["trade_state"] == "SUCCESS":
                return 400, {"code": "ORDERPAID", "message": "订单已支付"}
            state["trade_state"] = "CLOSED"
            return 204, None
        if method != "GET" or parse_qs(parts.query) != {"mchid": [MCHID]}:
            return 400, {"code": "PARAM_ERROR", "message": "参数错误"}
        answer = {"appid": APPID, "mchid": MCHID, "out_trade_no": out_trade_no, "trade_type": "NATIVE"}
        answer.update({k: v for k, v in state.items() if k != "total"})
        return 200, answer

    def refund_answer(self, method: str, out_refund_no: str | None, body: bytes) -> tuple[int, dict]:
        """POST …/refunds (never more than the payment's total minus what was refunded from it, as
        WeChat Pay refuses NOT_ENOUGH) and GET …/refunds/{out_refund_no}."""
        if method == "GET":
            known = self.refunds.get(out_refund_no or "")
            return (200, known) if known else (404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
        sent = json.loads(body)
        number, amount = sent["out_refund_no"], sent["amount"]
        if number in self.refunds:  # the same out_refund_no again: the same refund
            return 200, self.refunds[number]
        paid = [no for no, state in self.states.items() if state.get("transaction_id") == sent.get("transaction_id")]
        trade = paid[0] if paid else sent.get("out_trade_no", "")
        taken = sum(r["amount"]["refund"] for r in self.refunds.values() if r["out_trade_no"] == trade)
        if amount["currency"] != "CNY" or amount["refund"] > amount["total"] - taken:
            return 400, {"code": "NOT_ENOUGH", "message": "可退金额不足"}
        self.refunds[number] = {
            "refund_id": f"50300{len(self.refunds) + 1:023d}",
            "out_refund_no": number,
            "transaction_id": sent.get("transaction_id", ""),
            "out_trade_no": trade,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": clock.now().isoformat(timespec="seconds"),
            "status": "PROCESSING",
            "amount": {
                "total": amount["total"],
                "refund": amount["refund"],
                "payer_total": amount["total"],
                "payer_refund": amount["refund"],
                "currency": "CNY",
            },
        }
        self.refund_bodies = [*getattr(self, "refund_bodies", []), sent]
        return 200, self.refunds[number]
