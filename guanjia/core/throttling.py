"""Sign-in throttling that slows guessing down without letting anyone lock a colleague out.

Every failed sign-in (console, API token, /admin/, portal, portal activation, password reset) is
one LoginAttempt row, in the database so the count holds across processes and servers. Three bars,
all within the last LOGIN_LOCKOUT_MINUTES:

- a (name, address) pair with LOGIN_MAX_FAILURES failures is refused until the oldest of them ages
  out: a brute force from one place stops there;
- an address with LOGIN_ADDRESS_MAX_FAILURES failures on any names is refused the same way (a
  higher bar: an office's staff share one NAT address);
- a name failing from many addresses is never locked (anyone could then lock a colleague out with
  five requests); instead, once it has LOGIN_MAX_FAILURES failures, every address that has itself
  failed on it waits a delay doubling with each further failure (capped at
  LOGIN_BACKOFF_MAX_SECONDS) after its own last failure. The colleague at his own desk, with no
  failure of his own, signs in at once.

Where a hard bar per name is right because a lock-out costs little and the secret is short (the
portal's activation by phone number and ID tail: the office can always open the account), callers
ask for it with `key_limit`.

The client address is the peer's, or, when the peer is one of TRUSTED_PROXIES, the right-most
address in X-Forwarded-For that is not a trusted proxy (the left part of the header is whatever the
client chose to send).
"""

import datetime as dt
import functools
import ipaddress
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.throttling import AnonRateThrottle

from guanjia.core import clock

from .models import LoginAttempt


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused without checking the secret, and from when it may be tried again."""

    reason: str  # "pair", "address", "key" (a hard per-name bar) or "backoff"
    retry_at: dt.datetime

    @property
    def seconds(self) -> int:
        return max(1, math.ceil((self.retry_at - clock.now()).total_seconds()))

    def wait_text(self) -> str:
        seconds = self.seconds
        if seconds < 60:
            return ngettext("%(n)s 秒", "%(n)s 秒", seconds) % {"n": seconds}
        minutes = math.ceil(seconds / 60)
        return ngettext("%(n)s 分钟", "%(n)s 分钟", minutes) % {"n": minutes}

    def time_text(self) -> str:
        return formats.time_format(timezone.localtime(self.retry_at), "H:i:s" if self.seconds < 60 else "H:i")

    def params(self) -> dict:
        """For a caller's own wording: "%(wait)s" (「3 分钟」) and "%(time)s" (「09:15」)."""
        return {"wait": self.wait_text(), "time": self.time_text()}

    def message(self) -> str:
        params = self.params()
        if self.reason == "backoff":
            return _("该账号近期登录失败较多，为保护账号，请 %(wait)s后（%(time)s 以后）再试。") % params
        return _("登录失败次数过多，请 %(wait)s后（%(time)s 以后）再试。") % params


_BACKOFF_STEPS = 20  # 2**20 × the base delay is past any sensible cap


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def _reopens(times: list[dt.datetime], limit: int) -> dt.datetime | None:
    """When fewer than `limit` of these failures (newest first) remain inside the window, or None if already."""
    if len(times) < limit:
        return None
    return times[limit - 1] + _window()


def _key(username: str) -> str:
    return (username or "").strip().lower()


def check(username: str, ip: str | None, *, key_limit: int | None = None) -> Refusal | None:
    """The refusal that applies to an attempt on `username` from `ip` now, or None to go ahead.

    Refused attempts are not recorded: the secret was not tried, and counting them would let a
    waiting attacker keep the bar raised by knocking."""
    key = _key(username)
    now = clock.now()
    recent = LoginAttempt.objects.filter(at__gte=now - _window())
    limit = settings.LOGIN_MAX_FAILURES
    refusals = []
    on_key = recent.filter(username=key)
    if ip:
        # Newest first and only as many as the bar needs: the queries stay small under attack.
        pair = list(on_key.filter(ip=ip).order_by("-at").values_list("at", flat=True)[:limit])
        if (until := _reopens(pair, limit)) is not None:
            refusals.append(Refusal("pair", until))
        address_limit = settings.LOGIN_ADDRESS_MAX_FAILURES
        by_address = list(recent.filter(ip=ip).order_by("-at").values_list("at", flat=True)[:address_limit])
        if (until := _reopens(by_address, address_limit)) is not None:
            refusals.append(Refusal("address", until))
        if pair:
            # Past the cap the delay no longer grows, so there is no need to count further.
            failures = on_key[: limit + _BACKOFF_STEPS].count()
            if failures >= limit:
                delay = min(
                    settings.LOGIN_BACKOFF_SECONDS * 2 ** (failures - limit), settings.LOGIN_BACKOFF_MAX_SECONDS
                )
                refusals.append(Refusal("backoff", pair[0] + dt.timedelta(seconds=delay)))
    if key_limit is not None:
        times = list(on_key.order_by("-at").values_list("at", flat=True)[:key_limit])
        if (until := _reopens(times, key_limit)) is not None:
            refusals.append(Refusal("key", until))
    refusals = [r for r in refusals if r.retry_at > now]
    return max(refusals, key=lambda r: r.retry_at) if refusals else None


def record_failure(username: str, ip: str | None) -> None:
    LoginAttempt.objects.create(username=_key(username), ip=ip)


def clear(username: str, ip: str | None) -> None:
    """A success forgets the failures of this name from this address only.

    Failures from elsewhere stay: a colleague signing in must not hand an attacker fresh attempts."""
    LoginAttempt.objects.filter(username=_key(username), ip=ip).delete()


# --- Client address -------------------------------------------------------------------------


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(text: str):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request) -> str | None:
    """The address the request came from, believing X-Forwarded-For only as far as trusted proxies vouch."""
    peer = _address(request.META.get("REMOTE_ADDR") or "")
    if peer is None:
        return None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    client = peer
    # Each proxy appends the address it received from; walk back from our own proxy and stop at
    # the first hop no trusted proxy reported, since everything left of it is the client's to invent.
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


class AddressRateThrottle(AnonRateThrottle):
    """DRF's anonymous rate limit, keyed by `client_ip`: DRF's own reading believes any X-Forwarded-For."""

    def get_ident(self, request):
        return client_ip(request) or ""
