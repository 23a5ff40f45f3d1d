"""Portal template helpers.

{% load portal_tags %}
{{ ticket.status|status_colour }}
{{ moment|when }}             a past moment, short: "12月1日 10:05"

A deadline on the owner's pages is core's one filter in its phone form: {% load guanjia %}
{{ deadline.due_at|deadline:"phone" }} → "12月4日 24:00".
"""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.servicedesk.choices import Status

register = template.Library()


@register.filter
def when(moment: dt.datetime | None) -> str:
    """A past moment, short: 12月1日 10:05."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return _("%(m)s月%(d)s日 %(t)s") % {"m": local.month, "d": local.day, "t": local.strftime("%H:%M")}


@register.filter
def status_colour(value: str) -> str:
    try:
        return Status(value).colour
    except ValueError:
        return "grey"
