"""Browser-side protections on every response: Content-Security-Policy and Permissions-Policy.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy (settings SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY,
SECURE_CROSS_ORIGIN_OPENER_POLICY); this adds what it does not. Scripts come only from our own
origin (htmx is vendored by django-htmx, each page's script is a static file, no inline script or
on*= handler: guanjia/core/tests/test_security_headers.py keeps it so). Inline styles stay allowed:
the charts are server-side SVG with style attributes, and a style cannot run code.

A view that needs another policy sets the header itself; this middleware leaves it alone.
"""

from django.conf import settings


def _header(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = _header(settings.CONTENT_SECURITY_POLICY)
        self.permissions = ", ".join(f"{feature}=({allow})" for feature, allow in settings.PERMISSIONS_POLICY.items())

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
