"""Test-wide setup: testing mode, immediate tasks, a temporary media root."""

import os

os.environ.setdefault("GUANJIA_TESTING", "1")

import pytest  # noqa: E402
from django.utils import translation  # noqa: E402


@pytest.fixture(autouse=True)
def _default_language():
    # A request with Accept-Language leaves that language active in the thread; don't let it leak into the next test.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECURE_COOKIES = False
