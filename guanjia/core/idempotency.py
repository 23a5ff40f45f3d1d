"""`Idempotency-Key` for the API's creating POSTs: a client that retries never files twice (issue 10).

The first request with a key runs the write and stores its answer (status, body) with the user and
the key, in the write's own transaction; a retry with the same key and the same body gets the
stored answer back (header `Idempotent-Replayed: true`) without writing again; the same key with
another body is refused with 422. The unique (user, key) constraint settles a race: the row is
inserted before the write, so a twin request waits on it and, once the first commits, replays its
answer (on PostgreSQL the second insert blocks on the first's uncommitted row; SQLite serialises
writers anyway). A refused write (4xx/5xx) leaves no row, since nothing was written: the client may
retry it as it likes. Rows expire after `settings.IDEMPOTENCY_KEY_HOURS` and are purged on the next
keyed request.

A view takes part through `IdempotentMixin` (core.api's ScopedMixin carries it): its `create` and
the actions it names in `idempotent_actions`.
"""

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from . import clock
from .errors import ServiceError
from .idempotency_models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _canonical(value):
    """Request data as JSON-able, order-free values; an uploaded file counts by name, size and content."""
    if hasattr(value, "getlist") and hasattr(value, "keys"):  # QueryDict / MultiValueDict
        return {key: [_canonical(v) for v in value.getlist(key)] for key in sorted(value.keys())}
    if isinstance(value, dict):
        return {str(key): _canonical(v) for key, v in sorted(value.items(), key=lambda item: str(item[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if hasattr(value, "chunks") and hasattr(value, "size"):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return value


def fingerprint(request) -> str:
    payload = {"method": request.method, "path": request.path, "data": _canonical(request.data)}
    text = json.dumps(payload, cls=JSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def clean_key(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ServiceError(
            "idempotency_key_invalid",
            _("请求头 Idempotency-Key 无效：应为1至%(n)s个可见的 ASCII 字符。") % {"n": MAX_KEY_LENGTH},
            field=HEADER,
        )
    return key


def expiry_cutoff() -> dt.datetime:
    return clock.now() - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def purge_expired() -> int:
    """Forget answers older than IDEMPOTENCY_KEY_HOURS; returns how many were removed."""
    deleted, _per_model = IdempotentRequest.objects.filter(created_at__lt=expiry_cutoff()).delete()
    return deleted


def _replay(record: IdempotentRequest, digest: str) -> Response:
    if record.fingerprint != digest:
        raise ServiceError(
            "idempotency_key_reused",
            _("请求头 Idempotency-Key 已用于另一个内容不同的请求，请为新的请求使用新的键。"),
            field=HEADER,
            status=422,
        )
    response = Response(json.loads(record.body) if record.body else None, status=record.status)
    response["Idempotent-Replayed"] = "true"
    return response


def _stored(user, key: str) -> IdempotentRequest | None:
    return IdempotentRequest.objects.filter(user=user, key=key, status__isnull=False).first()


def run(request, key: str, handler, *args, **kwargs) -> Response:
    """Run `handler` (a DRF view method) at most once for (user, key)."""
    key = clean_key(key)
    digest = fingerprint(request)
    purge_expired()
    record = _stored(request.user, key)
    if record is not None:
        return _replay(record, digest)
    try:
        with transaction.atomic():
            claim = IdempotentRequest.objects.create(
                user=request.user, key=key, fingerprint=digest, method=request.method, path=request.path[:300]
            )
            response = handler(request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                # Nothing was written (a refusal raises, and its rollback removes the claim too);
                # a refusal returned rather than raised must not be replayed either.
                transaction.set_rollback(True)
                return response
            claim.status = response.status_code
            claim.body = json.dumps(response.data, cls=JSONEncoder, ensure_ascii=False)
            claim.save(update_fields=["status", "body"])
    except IntegrityError:
        # A twin request with this key committed first; this one's write was rolled back with the claim.
        record = _stored(request.user, key)
        if record is None:
            raise
        return _replay(record, digest)
    return response


class IdempotentMixin:
    """DRF view mixin: `create` and the actions named in `idempotent_actions` honour Idempotency-Key."""

    idempotent_actions: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        action = getattr(self, "action", None)
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or action not in ("create", *self.idempotent_actions):
            return
        # DRF's dispatch() looks the handler up after initial(): wrapping it here keeps the view's own
        # create()/action code unaware of the key, and authentication and permissions already ran.
        handler = self.post

        def idempotent_post(request, *args, **kwargs):
            return run(request, key, handler, *args, **kwargs)

        self.post = idempotent_post
