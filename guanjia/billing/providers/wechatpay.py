"""WeChat Pay API v3 微信支付 (merchant direct mode): the adapter of `billing.providers`.

- Requests to the provider are signed with the merchant's private key: the header
  `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`,
  the signature RSA-SHA256 (PKCS#1 v1.5) over "METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n".
- The provider's answers and notifications are signed by its platform key: headers Wechatpay-Signature,
  -Timestamp, -Nonce, -Serial; RSA-SHA256 over "TIMESTAMP\\nNONCE\\nBODY\\n" verified with the platform
  certificate (or WeChat Pay public key) named by the serial; a timestamp outside the window is refused.
- A notification's `resource` is AEAD_AES_256_GCM ciphertext under the APIv3 key (nonce and associated
  data given beside it); it decrypts to the transaction: out_trade_no, transaction_id, trade_state,
  amount.total in fen, success_time.

Configuration (settings.PAYMENT_PROVIDERS[community code], see billing.providers): `appid`, `mchid`,
`merchant_serial`, `merchant_key` (PEM) or `merchant_key_file`, `apiv3_key` or `apiv3_key_file` (32
characters), `platform_keys` {serial: PEM or file path of a certificate or public key}, `notify_url`
(this deployment's public address of the notification view), `api_base` (default the provider's).

Without `openid` the order is a Native order (the page shows the code_url to scan); with the payer's
openid (which needs WeChat's OAuth inside an official account, not part of this portal) a JSAPI order,
and the parameters WeixinJSBridge needs are signed here.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import zoneinfo
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock

from . import Notification, OutgoingRequest, ProviderError, RefundNote, Rejected, urllib_send

API_BASE = "https://api.mch.weixin.qq.com"
SIGN_TYPE = "WECHATPAY2-SHA256-RSA2048"
CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
FEN = Decimal("100")


def _pem(value: str) -> bytes:
    """A PEM given inline, or the path of a file holding it."""
    text = value.strip()
    if text.startswith("-----BEGIN"):
        return text.encode("ascii")
    return Path(text).read_bytes()


def _public_key(pem: bytes):
    if b"CERTIFICATE" in pem:
        return x509.load_pem_x509_certificate(pem).public_key()
    return serialization.load_pem_public_key(pem)


def rfc3339(moment: dt.datetime) -> str:
    """2026-11-20T18:00:00+08:00, as WeChat Pay writes times."""
    return moment.astimezone(CHINA).replace(microsecond=0).isoformat()


def fen(amount: Decimal) -> int:
    return int((amount * FEN).to_integral_value())


class WechatPay:
    key = "wechatpay"
    label = _("微信支付")

    def __init__(self, community, config: dict, send=None):
        self.community = community
        self.appid, self.mchid = config["appid"], config["mchid"]
        self.merchant_serial = config["merchant_serial"]
        key_pem = _pem(config["merchant_key"]) if config.get("merchant_key") else _pem(config["merchant_key_file"])
        self.merchant_key = serialization.load_pem_private_key(key_pem, password=None)
        apiv3 = config.get("apiv3_key") or Path(config["apiv3_key_file"]).read_text().strip()
        self.apiv3_key = apiv3.encode("ascii")
        if len(self.apiv3_key) != 32:
            raise ValueError("apiv3_key must be 32 characters")
        self.platform_keys = {serial: _public_key(_pem(pem)) for serial, pem in config["platform_keys"].items()}
        if not self.platform_keys:
            raise ValueError("platform_keys is empty")
        self.notify_url = config["notify_url"]
        # the refund notification's address: configured, or beside the payment's (…/notify/ → …/refund-notify/)
        self.refund_notify_url = (
            config.get("refund_notify_url") or self.notify_url.rstrip("/").removesuffix("notify") + "refund-notify/"
        )
        self.api_base = config.get("api_base", API_BASE).rstrip("/")
        self.send = send or urllib_send

    # --- signing ---------------------------------------------------------------------------------

    def sign(self, message: str) -> str:
        signature = self.merchant_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def authorization(self, method: str, url: str, body: str, *, timestamp: int, nonce: str) -> str:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        signature = self.sign(f"{method}\n{target}\n{timestamp}\n{nonce}\n{body}\n")
        return (
            f'{SIGN_TYPE} mchid="{self.mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{self.merchant_serial}"'
        )

    def verify(self, headers, body: bytes, *, now: dt.datetime, window: dt.timedelta) -> None:
        """The platform's signature over a notification or an answer; `Rejected` when it is not."""
        timestamp, nonce = headers.get("Wechatpay-Timestamp", ""), headers.get("Wechatpay-Nonce", "")
        signature, serial = headers.get("Wechatpay-Signature", ""), headers.get("Wechatpay-Serial", "")
        if not (timestamp and nonce and signature and serial):
            raise Rejected("unsigned", "missing Wechatpay-Signature/Timestamp/Nonce/Serial")
        key = self.platform_keys.get(serial)
        if key is None:
            raise Rejected("unknown_serial", f"unknown platform key serial {serial}")
        try:
            sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise Rejected("bad_timestamp", "Wechatpay-Timestamp is not a timestamp") from None
        if abs(now - sent) > window:  # a replay of an old notification (or a clock far off)
            raise Rejected("stale", "Wechatpay-Timestamp outside the accepted window")
        try:
            message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
            key.verify(base64.b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise Rejected("bad_signature", "signature does not verify") from None

    # --- the order -------------------------------------------------------------------------------

    def signed(self, method: str, url: str, text: str = "") -> OutgoingRequest:
        """`method url` with `text` as body, signed by the merchant (a GET signs an empty body)."""
        stamp, nonce = int(clock.now().timestamp()), secrets.token_hex(16)
        headers = {
            "Authorization": self.authorization(method, url, text, timestamp=stamp, nonce=nonce),
            "Accept": "application/json",
            "User-Agent": "guanjia-wechatpay/1",
        }
        if text:
            headers["Content-Type"] = "application/json"
        return OutgoingRequest(method, url, headers, text)

    def exchange(self, request: OutgoingRequest, *, ok: tuple[int, ...], window: dt.timedelta) -> dict:
        """Send `request`; an answer whose status is not in `ok`, or that the platform did not sign, is a
        `ProviderError` (the provider's code and message kept for the log). Returns the answer's JSON."""
        reply = self.send(request)
        try:
            answer = json.loads(reply.body) if reply.body else {}
        except ValueError:
            raise ProviderError(f"HTTP {reply.status}: not JSON") from None
        if reply.status not in ok:
            code = answer.get("code", "") if isinstance(answer, dict) else ""
            message = answer.get("message", "") if isinstance(answer, dict) else ""
            raise ProviderError(f"HTTP {reply.status} {code}: {message}")
        try:
            self.verify(_Headers(reply.headers), reply.body or b"", now=clock.now(), window=window)
        except Rejected as error:
            raise ProviderError(f"answer not signed by the provider: {error.message}") from None
        if not isinstance(answer, dict):
            raise ProviderError("the answer is not a JSON object")
        return answer

    def order_request(self, order, *, openid: str | None = None) -> OutgoingRequest:
        """The signed request that creates `order` at the provider (Native, or JSAPI with `openid`)."""
        body = {
            "appid": self.appid,
            "mchid": self.mchid,
            "description": order.description[:127],
            "out_trade_no": order.out_trade_no,
            "time_expire": rfc3339(order.expires_at),
            "notify_url": self.notify_url,
            "amount": {"total": fen(order.amount), "currency": "CNY"},
        }
        if openid:
            body["payer"] = {"openid": openid}
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return self.signed("POST", f"{self.api_base}/v3/pay/transactions/{'jsapi' if openid else 'native'}", text)

    def payment_request(self, order, *, openid: str | None = None, window: dt.timedelta = dt.timedelta(minutes=5)):
        answer = self.exchange(self.order_request(order, openid=openid), ok=(200,), window=window)
        if openid:
            prepay_id = answer.get("prepay_id")
            if not prepay_id:
                raise ProviderError("no prepay_id in the answer")
            return {"kind": "jsapi", "prepay_id": prepay_id, "jsapi": self.jsapi_parameters(prepay_id)}
        if not answer.get("code_url"):
            raise ProviderError("no code_url in the answer")
        return {"kind": "native", "code_url": answer["code_url"]}

    def _order_url(self, order) -> str:
        return f"{self.api_base}/v3/pay/transactions/out-trade-no/{quote(order.out_trade_no, safe='')}"

    def query_request(self, order) -> OutgoingRequest:
        """GET …/out-trade-no/{out_trade_no}?mchid=…: the order's state at the provider."""
        return self.signed("GET", f"{self._order_url(order)}?{urlencode({'mchid': self.mchid})}")

    def query(self, order, *, window: dt.timedelta = dt.timedelta(minutes=5)) -> Notification:
        """The order's state as the provider knows it, read as a notification would be (same checks:
        the platform's signature, the merchant, the amount in fen); `ProviderError` when it cannot say."""
        answer = self.exchange(self.query_request(order), ok=(200,), window=window)
        try:
            note = self.transaction(answer)
        except Rejected as error:
            raise ProviderError(f"unreadable answer: {error.message}") from None
        if note.out_trade_no != order.out_trade_no:
            raise ProviderError(f"the answer is about order {note.out_trade_no}")
        return note

    def close_request(self, order) -> OutgoingRequest:
        """POST …/out-trade-no/{out_trade_no}/close with {"mchid": …}; WeChat answers 204."""
        text = json.dumps({"mchid": self.mchid}, separators=(",", ":"))
        return self.signed("POST", f"{self._order_url(order)}/close", text)

    def close(self, order, *, window: dt.timedelta = dt.timedelta(minutes=5)) -> None:
        """Close the order at the provider: it can no longer be paid there. `ProviderError` if refused."""
        self.exchange(self.close_request(order), ok=(200, 204), window=window)

    # --- refunds 原路退回 (FE-1) ------------------------------------------------------------------

    def refund_request(self, online_refund) -> OutgoingRequest:
        """POST /v3/refund/domestic/refunds: by transaction_id when the payment named one (else
        out_trade_no), out_refund_no the refund's number, amount {refund, total, currency} in fen."""
        order = online_refund.order
        body = {"out_refund_no": online_refund.out_refund_no, "notify_url": self.refund_notify_url}
        if order.transaction_id:
            body["transaction_id"] = order.transaction_id
        else:
            body["out_trade_no"] = order.out_trade_no
        body["amount"] = {"refund": fen(online_refund.amount), "total": fen(order.amount), "currency": "CNY"}
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        return self.signed("POST", f"{self.api_base}/v3/refund/domestic/refunds", text)

    def refund(self, online_refund, *, window: dt.timedelta = dt.timedelta(minutes=5)) -> RefundNote:
        """Ask the provider to pay `online_refund` back; its answer (verified) read as a RefundNote."""
        answer = self.exchange(self.refund_request(online_refund), ok=(200,), window=window)
        return self._refund_answer(answer, online_refund)

    def refund_query_request(self, online_refund) -> OutgoingRequest:
        """GET /v3/refund/domestic/refunds/{out_refund_no}."""
        return self.signed(
            "GET", f"{self.api_base}/v3/refund/domestic/refunds/{quote(online_refund.out_refund_no, safe='')}"
        )

    def refund_query(self, online_refund, *, window: dt.timedelta = dt.timedelta(minutes=5)) -> RefundNote:
        answer = self.exchange(self.refund_query_request(online_refund), ok=(200,), window=window)
        return self._refund_answer(answer, online_refund)

    def _refund_answer(self, answer: dict, online_refund) -> RefundNote:
        try:
            note = self.refund_state(answer, answer_form=True)
        except Rejected as error:
            raise ProviderError(f"unreadable answer: {error.message}") from None
        if note.out_refund_no != online_refund.out_refund_no:
            raise ProviderError(f"the answer is about refund {note.out_refund_no}")
        return note

    def verify_refund_notification(self, headers, body: bytes, *, now: dt.datetime, window: dt.timedelta) -> RefundNote:
        """A REFUND.SUCCESS / ABNORMAL / CLOSED notification: verified and decrypted as a payment's."""
        return self.refund_state(self._decrypted(headers, body, now=now, window=window), answer_form=False)

    def refund_state(self, data, *, answer_form: bool) -> RefundNote:
        """A refund as the provider reports it: a query's answer (`status`) or a notification's resource
        (`refund_status`, with the merchant's mchid). Amounts in fen become yuan."""
        try:
            out_refund_no = str(data["out_refund_no"])
            state = str(data["status"] if answer_form else data["refund_status"])
            amount = data.get("amount") or {}
            refunded = Decimal(int(amount["refund"])) / FEN
        except (ValueError, KeyError, TypeError, AttributeError):
            raise Rejected("bad_resource", "the refund cannot be read", status=400) from None
        if not answer_form and data.get("mchid") != self.mchid:
            raise Rejected("other_merchant", "the refund is another merchant's", status=400)
        at = None
        if data.get("success_time"):
            try:
                at = dt.datetime.fromisoformat(data["success_time"])
            except ValueError:
                at = None
        return RefundNote(
            out_refund_no=out_refund_no,
            refund_id=str(data.get("refund_id") or ""),
            out_trade_no=str(data.get("out_trade_no") or ""),
            amount=refunded.quantize(Decimal("0.01")),
            state=state,
            succeeded_at=at,
            data=data,
        )

    def jsapi_parameters(self, prepay_id: str) -> dict:
        """What WeixinJSBridge.invoke("getBrandWCPayRequest", …) takes, signed by the merchant."""
        stamp, nonce, package = str(int(clock.now().timestamp())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        return {
            "appId": self.appid,
            "timeStamp": stamp,
            "nonceStr": nonce,
            "package": package,
            "signType": "RSA",
            "paySign": self.sign(f"{self.appid}\n{stamp}\n{nonce}\n{package}\n"),
        }

    # --- notifications ---------------------------------------------------------------------------

    def verify_notification(self, headers, body: bytes, *, now: dt.datetime, window: dt.timedelta) -> Notification:
        return self.transaction(self._decrypted(headers, body, now=now, window=window))

    def _decrypted(self, headers, body: bytes, *, now: dt.datetime, window: dt.timedelta) -> dict:
        """The platform's signature and the time window checked, then the resource decrypted."""
        self.verify(headers, body, now=now, window=window)
        try:
            event = json.loads(body)
            resource = event["resource"]
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise Rejected("bad_resource", "unexpected resource algorithm", status=400)
            plain = AESGCM(self.apiv3_key).decrypt(
                resource["nonce"].encode("utf-8"),
                base64.b64decode(resource["ciphertext"]),
                (resource.get("associated_data") or "").encode("utf-8"),
            )
            data = json.loads(plain)
        except Rejected:
            raise
        except (ValueError, KeyError, TypeError, InvalidTag):
            raise Rejected("bad_resource", "resource cannot be decrypted or read", status=400) from None
        if not isinstance(data, dict):
            raise Rejected("bad_resource", "the resource is not a JSON object", status=400)
        return data

    def transaction(self, data) -> Notification:
        """A transaction (a notification's decrypted resource, or a query's answer) as a `Notification`."""
        try:
            out_trade_no, state = str(data["out_trade_no"]), str(data["trade_state"])
            transaction_id = str(data.get("transaction_id") or "")
            amount = data.get("amount") or {}
            total = Decimal(int(amount["total"])) / FEN if "total" in amount else None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise Rejected("bad_resource", "the transaction cannot be read", status=400) from None
        if data.get("mchid") != self.mchid or data.get("appid") != self.appid:
            raise Rejected("other_merchant", "the transaction is another merchant's", status=400)
        # REFUND 转入退款: it was paid, then refunded (wholly or in part): the payment still happened
        refunded = state == "REFUND"
        succeeded = state == "SUCCESS" or refunded
        if succeeded and (not transaction_id or total is None):
            # money taken must name its transaction and amount, or it cannot be booked (nor told apart)
            raise Rejected("bad_resource", "a paid transaction without transaction_id or amount", status=400)
        total = total if total is not None else Decimal("0")
        paid_at = None
        if data.get("success_time"):
            try:
                paid_at = dt.datetime.fromisoformat(data["success_time"])
            except ValueError:
                paid_at = None
        return Notification(
            out_trade_no=out_trade_no,
            transaction_id=transaction_id,
            amount=total.quantize(Decimal("0.01")),
            succeeded=succeeded,
            state=state,
            paid_at=paid_at,
            data=data,
            refunded=refunded,
        )

    def answer(self, ok: bool, message: str = "") -> tuple[int, dict]:
        """WeChat Pay reads 2xx as received (it stops resending); anything else it resends later."""
        if ok:
            return 200, {"code": "SUCCESS", "message": "成功"}
        return 400, {"code": "FAIL", "message": message or "失败"}


class _Headers:
    """Case-insensitive reading of an answer's headers (urllib keeps the server's spelling)."""

    def __init__(self, headers: dict):
        self._headers = {k.lower(): v for k, v in headers.items()}

    def get(self, name: str, default: str = "") -> str:
        return self._headers.get(name.lower(), default)
