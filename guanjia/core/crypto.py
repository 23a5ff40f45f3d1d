"""Personal data at rest (DESIGN.md §10, LW-1): encrypted, with a keyed hash for lookup."""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    root = hashlib.sha256(("guanjia-pii:" + secret).encode()).digest()
    enc = hmac.new(root, b"encrypt", hashlib.sha256).digest()
    mac = hmac.new(root, b"lookup", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(enc)), mac


def encrypt(text: str) -> str:
    if not text:
        return ""
    return _keys(settings.FIELD_ENCRYPTION_KEY)[0].encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _keys(settings.FIELD_ENCRYPTION_KEY)[0].decrypt(token.encode()).decode()


def lookup_hash(text: str) -> str:
    """Keyed hash of a normalised value: equal inputs match, the value cannot be read back."""
    if not text:
        return ""
    return hmac.new(_keys(settings.FIELD_ENCRYPTION_KEY)[1], text.encode(), hashlib.sha256).hexdigest()
