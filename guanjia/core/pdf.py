"""Printable forms and reports (DESIGN.md §9): HTML templates rendered by WeasyPrint with a CJK font."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.encoding import escape_uri_path

from .textnorm import strip_controls


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango is slow

    # Stored text never breaks a PDF or prints as a box (issue 10): control characters go here, once.
    html = strip_controls(render_to_string(template_name, context, request=request))
    base_url = request.build_absolute_uri("/") if request else None
    return HTML(string=html, base_url=base_url).write_pdf()


def pdf_response(template_name: str, context: dict, filename: str, request=None) -> HttpResponse:
    response = HttpResponse(render_pdf(template_name, context, request), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{escape_uri_path(filename)}"
    return response
