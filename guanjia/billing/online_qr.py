"""The QR code of a Native order's code_url (FE-1 online payment), drawn on the server as inline SVG:
no image library, no script, no CDN, and nothing the Content-Security-Policy has to allow (the SVG
carries presentation attributes only, no style attribute or element)."""

from __future__ import annotations

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

# 4 px a module and the standard's quiet zone of 4 modules: ~150 px for a code_url, scannable from a
# phone held at arm's length, and narrower than a 390 px screen's card.
SCALE, BORDER = 4, 4


def code_svg(url: str) -> SafeString:
    """The <svg> element encoding `url` (error correction M, as WeChat's own codes use)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=SCALE, border=BORDER, title=escape(_("微信扫码支付")), svgclass="qr")
    return mark_safe(svg)  # noqa: S308 - segno's own SVG; the URL is encoded as modules, never as markup
