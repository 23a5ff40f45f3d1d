"""Payment providers 支付渠道 (FE-1, online payment): a registry, as core's are (DESIGN "Registries").

An adapter plugs in from any app's `ready()` without editing billing:

    providers.register("wechatpay", WechatPay)

and a community offers online payment only when the deployment configures it: the setting
`PAYMENT_PROVIDERS` (read from the JSON file named by the environment's `PAYMENT_PROVIDERS_FILE`)
maps a community's code to {"provider": key, "cashier": username, …the adapter's own keys}.
Keys, certificates and the APIv3 key live there (or in files it names), never in the repository.
`cashier` is the staff account online receipts are booked to: a cashier of that community, whose
day sheet shows them under "在线支付".

An adapter is built per community, `factory(community, config, send=None)`, and offers:

- `label`: how the page names it ("微信支付");
- `payment_request(order) -> dict`: asks the provider's server for what the browser needs to pay
  (stored on the order as `pay_data`), raising `ProviderError` when the server refuses or is
  unreachable;
- `verify_notification(headers, body, now, window) -> Notification`: the signature, the time window
  and the decryption; `Rejected` (401) when the notification is not the provider's;
- `answer(ok, message) -> (status, dict)`: the reply in the shape the provider expects;
- `query(order, window=…) -> Notification`: the order's state as the provider knows it (a paid order
  reads exactly as its notification would, so both book through the same path), `ProviderError`
  when the provider cannot say;
- `close(order, window=…)`: close the order at the provider (it can no longer be paid there),
  `ProviderError` when refused or unreachable.

Refunds paid back through the provider 原路退回 (optional: an adapter without them offers none):

- `refund(online_refund, window=…) -> RefundNote`: ask the provider to pay the refund back to the
  payment it came from; `refund_query(online_refund, window=…) -> RefundNote`: how it stands;
- `verify_refund_notification(headers, body, now, window) -> RefundNote`: as `verify_notification`.

The provider's answers to `payment_request`, `query`, `close` and the refund calls are verified as its notifications
are (its signature, the time window); an unsigned answer is a `ProviderError`.

`send` is how the adapter's signed request reaches the provider (`OutgoingRequest` → `Reply`); the
default is `urllib_send`, to the adapter's `api_base`.
"""

from __future__ import annotations

import datetime as dt
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

logger = logging.getLogger(__name__)

_FACTORIES: dict[str, Callable] = {}


class ProviderError(Exception):
    """The provider's server refused the request or could not be reached."""


class Rejected(Exception):
    """A notification that is not the provider's (bad signature, stale, unknown key): nothing is written."""

    def __init__(self, code: str, message: str, status: int = 401):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class OutgoingRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: str = ""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Notification:
    """A verified, decrypted payment notification."""

    out_trade_no: str
    transaction_id: str
    amount: Decimal  # yuan
    succeeded: bool
    state: str  # the provider's own word (SUCCESS, PAYERROR, …)
    paid_at: dt.datetime | None = None
    data: dict = field(default_factory=dict)
    # paid, and since refunded (wholly or in part) at the provider: still money taken, booked as paid
    refunded: bool = False


@dataclass(frozen=True)
class RefundNote:
    """A refund as the provider reports it (its answer to the refund request or a query, or its
    verified refund notification): `state` SUCCESS, PROCESSING, ABNORMAL or CLOSED."""

    out_refund_no: str
    refund_id: str
    out_trade_no: str
    amount: Decimal  # yuan
    state: str
    succeeded_at: dt.datetime | None = None
    data: dict = field(default_factory=dict)


def register(key: str, factory: Callable) -> None:
    """Declare an adapter (idempotent for the same factory)."""
    known = _FACTORIES.get(key)
    if known is not None and known is not factory:
        raise ValueError(f"payment provider {key!r} is already registered")
    _FACTORIES[key] = factory


def registered() -> dict[str, Callable]:
    return dict(_FACTORIES)


def config_of(community) -> dict | None:
    """The deployment's configuration of `community`'s provider, or None."""
    config = (getattr(settings, "PAYMENT_PROVIDERS", None) or {}).get(getattr(community, "code", community))
    return config if isinstance(config, dict) else None


def configured(community, *, send: Callable | None = None):
    """`community`'s provider adapter, or None when online payment is not offered there (not configured,
    or configured wrongly: logged, so the office learns of it, and the portal says it is not offered)."""
    config = config_of(community)
    if not config:
        return None
    factory = _FACTORIES.get(config.get("provider", ""))
    if factory is None:
        logger.error("community %s: unknown payment provider %r", community.code, config.get("provider"))
        return None
    try:
        return factory(community, config, send=send)
    except (KeyError, ValueError, TypeError, OSError) as error:
        logger.error("community %s: payment provider misconfigured: %s", community.code, error)
        return None


def urllib_send(request: OutgoingRequest, *, timeout: float = 10) -> Reply:
    """Send `request` over HTTP(S) with the standard library; network errors become `ProviderError`."""
    data = request.body.encode("utf-8") if request.body else None
    outgoing = urllib.request.Request(request.url, data=data, headers=request.headers, method=request.method)
    try:
        with urllib.request.urlopen(outgoing, timeout=timeout) as response:  # noqa: S310 - https/http only
            return Reply(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers.items()), error.read())
    except (urllib.error.URLError, OSError) as error:
        raise ProviderError(str(error)) from error
