"""Portal template helpers.

{% load portal_tags %}
{{ deadline.due_at|due }}     "12月4日 24:00": a day-based limit ends at 24:00 of its last day, never "00:00 next day"
{{ ticket.status|status_colour }}
"""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.servicedesk.choices import Status

register = template.Library()


@register.filter
def due(moment: dt.datetime | None) -> str:
    if not moment:
        return ""
    local = timezone.localtime(moment)
    if local.time() == dt.time.min:
        day, clock = local.date() - dt.timedelta(days=1), "24:00"
    else:
        day, clock = local.date(), local.strftime("%H:%M")
    return _("%(m)s月%(d)s日 %(t)s") % {"m": day.month, "d": day.day, "t": clock}


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
