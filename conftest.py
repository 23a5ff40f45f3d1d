"""Test-wide setup: testing mode, immediate tasks, a temporary media root."""

import os

os.environ.setdefault("GUANJIA_TESTING", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECURE_COOKIES = False
