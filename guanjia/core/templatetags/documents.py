"""{% document_url code part … %}: the link to a registered form's PDF (core.documents)."""

from django import template

from guanjia.core import documents

register = template.Library()


@register.simple_tag
def document_url(code: str, *parts) -> str:
    return documents.document_url(code, *parts)
