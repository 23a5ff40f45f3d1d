"""Deployment settings: with DEBUG off, Django's deploy check finds none of the problems we claim to handle."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Check IDs of the protections settings.py switches on whenever DEBUG is off.
HANDLED = {
    "security.W001": "SecurityMiddleware installed",
    "security.W002": "XFrameOptionsMiddleware installed",
    "security.W006": "SECURE_CONTENT_TYPE_NOSNIFF",
    "security.W009": "a strong SECRET_KEY (from the environment)",
    "security.W012": "SESSION_COOKIE_SECURE",
    "security.W016": "CSRF_COOKIE_SECURE",
    "security.W018": "DEBUG off",
    "security.W019": "X_FRAME_OPTIONS = DENY",
    "security.W020": "ALLOWED_HOSTS set",
    "security.W022": "SECURE_REFERRER_POLICY",
}


def deploy_check(**env_overrides: str) -> subprocess.CompletedProcess:
    # A clean environment, as on a server: nothing of the test session's (GUANJIA_TESTING,
    # DATABASE_URL, DJANGO_ALLOW_ASYNC_UNSAFE set for Playwright, ...) may leak in.
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "guanjia.settings",
            "DEBUG": "0",
            "SECRET_KEY": "k3Qx9-production-like-secret-7fPz2Lw8Rt5Yv1Nb6Hm4Jc0Ds3Ga9Ke2Uo7Xi",
            "SQLITE_PATH": os.devnull,
            **env_overrides,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_with_debug_off():
    result = deploy_check()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    raised = {check_id for check_id in HANDLED if f"({check_id})" in output}
    assert not raised, f"deploy check reports {sorted(raised)}:\n{output}"


def test_secure_cookies_can_be_switched_off_and_the_check_notices():
    # Proves the test above can fail: plain-HTTP cookies are reported.
    result = deploy_check(SECURE_COOKIES="0")
    output = result.stdout + result.stderr
    assert "(security.W012)" in output and "(security.W016)" in output


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = deploy_check(SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_fresh_clone_needs_no_make_to_prepare_var(tmp_path):
    # README's manual steps: `manage.py migrate` must not fail because var/ is missing. `check
    # --database default` opens the database as migrate does: settings create its folder and MEDIA_ROOT.
    database, media = tmp_path / "var" / "guanjia.sqlite3", tmp_path / "elsewhere" / "media"
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(DJANGO_SETTINGS_MODULE="guanjia.settings", DEBUG="1", SQLITE_PATH=str(database), MEDIA_ROOT=str(media))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert database.exists() and media.is_dir()
