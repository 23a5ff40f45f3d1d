"""Browser-side protections on real responses (core/security_headers.py, issue 10), and the templates
kept free of inline script so the Content-Security-Policy needs no 'unsafe-inline' for scripts."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanjia.core.tests.factories import CommunityFactory, login, staff

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR) / "guanjia"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_protected(response):
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'self'"]
    assert "unsafe" not in " ".join(v for k, vs in csp.items() if k != "style-src" for v in vs)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    assert "microphone=()" in permissions and "geolocation=()" in permissions and "payment=()" in permissions


def test_console_pages(client):
    assert_protected(client.get(reverse("core:login")))
    community = CommunityFactory()
    login(client, staff("front_desk", community), community)
    page = client.get(reverse("core:dashboard"))
    assert page.status_code == 200
    assert_protected(page)


def test_portal_pages(client):
    assert_protected(client.get(reverse("portal:login")))
    assert_protected(client.get(reverse("portal:activate")))


def test_api_responses_and_errors():
    user = staff("company_admin", None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert_protected(api.get("/api/me/"))
    assert_protected(APIClient().get("/api/me/"))  # 401
    assert_protected(APIClient().post("/api/auth/token/", {}, format="json"))  # 400


def test_the_api_docs_page_runs_no_inline_script(client):
    staff_user = staff("company_admin", None)
    client.force_login(staff_user)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert_protected(page)
    assert not INLINE_SCRIPT.search(page.content.decode())


def test_admin_and_not_found_pages(client):
    assert_protected(client.get("/admin/login/"))
    assert_protected(client.get("/no-such-page/"))


# --- The templates ---------------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=\s*["'{]""", re.I | re.S)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)
HTMX_EVAL = re.compile(r"""\bhx-on\b|\bhx-on[:-]|hx-(vals|vars)\s*=\s*["']\s*js:""", re.I)


def template_files():
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]] + sorted(ROOT.glob("*/templates"))
    files = [f for d in dirs for f in d.rglob("*") if f.suffix in {".html", ".txt", ".svg", ".xml"}]
    assert len(files) > 50  # the walk found the templates
    return files


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, HANDLER, JS_URL, HTMX_EVAL], ids=["script", "on", "js-url", "hx"])
def test_no_template_runs_inline_script(pattern):
    found = [
        f"{path.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)[:80]}"
        for path in template_files()
        for text in [path.read_text(encoding="utf-8")]
        for m in pattern.finditer(text)
    ]
    assert not found, "inline script is refused by the CSP; use a static file and data- attributes:\n" + "\n".join(
        found
    )


def test_the_pattern_catches_what_it_must():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>") and INLINE_SCRIPT.search('<script type="module">')
    assert not INLINE_SCRIPT.search('<script src="/static/js/a.js" defer></script>')
    assert HANDLER.search('<button type="button" onclick="window.print()">')
    assert HANDLER.search("<form method=\"post\"\n  onsubmit='return confirm(1)'>")
    assert not HANDLER.search('<p>button one = two</p><a data-confirm="x">')
    assert JS_URL.search('<a href="javascript:void(0)">') and HTMX_EVAL.search('<div hx-on::after-request="x()">')


def test_every_script_a_template_loads_is_a_local_static_file():
    static = ROOT / "static"
    loaded = {
        name
        for path in template_files()
        for name in re.findall(r"""<script[^>]*src="\{% static '([^']+)' %\}""", path.read_text(encoding="utf-8"))
    }
    assert loaded >= {"js/console.js", "js/desk_intake.js", "js/sheet_entry.js", "js/portal_report.js"}
    assert all((static / name).is_file() for name in loaded), loaded
    for path in template_files():
        for src in re.findall(r"<script[^>]*src=\"([^\"]+)\"", path.read_text(encoding="utf-8")):
            assert src.startswith("{% static "), f"{path}: {src} is not served from our own static files"
