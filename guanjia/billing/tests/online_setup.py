"""Shared set-up of the online payment tests (FE-1): a WeChat Pay merchant whose keys are generated
here, in the test (nothing in the repository), a platform key that signs notifications, and the
notification WeChat Pay would send for an order."""

from __future__ import annotations

import base64
import json
import secrets
from decimal import Decimal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.contrib.auth import get_user_model

from guanjia.core import clock
from guanjia.estates.models import Person

from .factories import Window

SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
APPID, MCHID = "wx8888888888888888", "1900000109"


def _pem_private(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _pem_public(key) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class Merchant:
    """One community's WeChat Pay configuration, with the platform's private key to sign as WeChat."""

    def __init__(self, community, cashier):
        self.merchant_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.platform_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.apiv3_key = secrets.token_hex(16)  # 32 characters
        self.config = {
            "provider": "wechatpay",
            "cashier": cashier.username,
            "appid": APPID,
            "mchid": MCHID,
            "merchant_serial": "MERCHANT-SERIAL-1",
            "merchant_key": _pem_private(self.merchant_key),
            "apiv3_key": self.apiv3_key,
            "platform_keys": {SERIAL: _pem_public(self.platform_key)},
            "notify_url": f"https://portal.example.invalid/fees/pay/wechatpay/{community.code}/notify/",
        }

    def sign_as_platform(self, timestamp: str, nonce: str, body: bytes) -> str:
        message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
        return base64.b64encode(self.platform_key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()

    def headers(self, body: bytes, *, at=None, serial: str = SERIAL) -> dict:
        stamp = str(int((at or clock.now()).timestamp()))
        nonce = secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": self.sign_as_platform(stamp, nonce, body),
            "Wechatpay-Serial": serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def notification(self, order, *, transaction_id="4200000001202611200000000001", total=None, state="SUCCESS"):
        """The body WeChat Pay posts for `order` (its resource encrypted with the APIv3 key)."""
        fen = total if total is not None else int(order.amount * 100)
        transaction = {
            "appid": APPID,
            "mchid": MCHID,
            "out_trade_no": order.out_trade_no,
            "transaction_id": transaction_id,
            "trade_type": "NATIVE",
            "trade_state": state,
            "trade_state_desc": "支付成功" if state == "SUCCESS" else "支付失败",
            "bank_type": "OTHERS",
            "attach": "",
            "success_time": clock.now().isoformat(timespec="seconds"),
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": fen, "payer_total": fen, "currency": "CNY", "payer_currency": "CNY"},
        }
        nonce = secrets.token_hex(6)  # 12 characters
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(
            nonce.encode(), json.dumps(transaction).encode(), b"transaction"
        )
        event = {
            "id": "EV-2026112018000001",
            "create_time": clock.now().isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
        return json.dumps(event, ensure_ascii=False).encode()

    def refund_notification(
        self, online_refund, *, state="SUCCESS", refund_fen=None, refund_id="50300000000000000000001"
    ):
        """The body WeChat Pay posts when a refund ends: REFUND.SUCCESS / ABNORMAL / CLOSED."""
        order = online_refund.order
        fen = refund_fen if refund_fen is not None else int(online_refund.amount * 100)
        resource = {
            "mchid": MCHID,
            "out_trade_no": order.out_trade_no,
            "transaction_id": order.transaction_id,
            "out_refund_no": online_refund.out_refund_no,
            "refund_id": refund_id,
            "refund_status": state,
            "success_time": clock.now().isoformat(timespec="seconds"),
            "user_received_account": "支付用户零钱",
            "amount": {"total": int(order.amount * 100), "refund": fen, "payer_total": 0, "payer_refund": fen},
        }
        return self._event(resource, "refund", f"REFUND.{state}")

    def _event(self, resource: dict, original_type: str, event_type: str) -> bytes:
        nonce = secrets.token_hex(6)
        ciphertext = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), json.dumps(resource).encode(), b"refund")
        event = {
            "id": "EV-2026112018000002",
            "create_time": clock.now().isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "退款状态",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": "refund",
                "nonce": nonce,
            },
        }
        return json.dumps(event, ensure_ascii=False).encode()


class OnlineOffice(Window):
    """A Window (two months of 100.00 + 30.00) whose owner has a portal account and whose community
    has WeChat Pay configured (call `configure(settings)`)."""

    def __init__(self):
        super().__init__()
        self.owner = get_user_model().objects.create_user(username=f"owner-{self.community.code}", password="x")
        Person.objects.filter(ownerships__room=self.room).update(user=self.owner)
        self.merchant = Merchant(self.community, self.cashier)

    def configure(self, settings, **extra):
        settings.PAYMENT_PROVIDERS = {self.community.code: {**self.merchant.config, **extra}}

    def total_open(self) -> Decimal:
        return sum((line.open_amount for line in self.lines()), Decimal("0.00"))


def post_refund_notification(client, office, body: bytes, headers: dict):
    """POST `body` to the community's refund notification endpoint as WeChat Pay would."""
    from django.urls import reverse

    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    url = reverse("fees:pay_refund_notify", args=["wechatpay", office.community.code])
    return client.post(url, data=body, content_type="application/json", **meta)


def post_notification(client, office, body: bytes, headers: dict):
    """POST `body` to the community's notification endpoint as WeChat Pay would."""
    from django.urls import reverse

    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    url = reverse("fees:pay_notify", args=["wechatpay", office.community.code])
    return client.post(url, data=body, content_type="application/json", **meta)
