"""Sign-in lock-out after repeated failures, per user name and per address.

Stored in the database so it holds across processes and servers.
"""

import datetime as dt

from django.conf import settings

from guanjia.core import clock

from .models import LoginAttempt


def _since():
    return clock.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def is_locked(username: str, ip: str | None) -> bool:
    recent = LoginAttempt.objects.filter(at__gte=_since())
    limit = settings.LOGIN_MAX_FAILURES
    if recent.filter(username=username.lower()).count() >= limit:
        return True
    # An address trying many names is locked out too (at a higher bar: offices share NAT).
    return bool(ip) and recent.filter(ip=ip).count() >= limit * 4


def record_failure(username: str, ip: str | None) -> None:
    LoginAttempt.objects.create(username=username.lower(), ip=ip)


def clear(username: str) -> None:
    LoginAttempt.objects.filter(username=username.lower()).delete()


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
