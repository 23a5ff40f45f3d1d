"""Portal template helpers.

{% load portal_tags %}
{{ deadline.due_at|due }}     "12月4日 24:00": a day-based limit ends at 24:00 of its last day, never "00:00 next day"
                              (the console's {{ d.due_at|deadline }} in the owner's short form)
{{ ticket.status|status_colour }}
"""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.servicedesk.choices import Status
from guanjia.servicedesk.promises import month_day_label

register = template.Library()


@register.filter
def due(moment: dt.datetime | None) -> str:
    """A deadline on the phone, "12月4日 24:00": core.workdays.deadline_text, shortened (servicedesk.promises)."""
    return month_day_label(moment)


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
