"""Console template helpers: masked personal data (AR-4, LW-1), permission checks, status badges.

{% load guanjia %}
{% phone person %}                      138****1234, or in full for roles with people.view_phone
{% id_masked person %}                  **************1234 (lists never show a full ID number)
{% can "estates.edit" room.community as may_edit %}
{{ room.handover|badge:"estates.Handover" }}   coloured by the choice's `colour`
{% lease_badge lease %}
{% recent_activity 10 as entries %}     the current community's latest log entries
{% language_switch %}                   the 中文 / English buttons of the page headers
{{ d.due_at|deadline }}                 "2026-12-22 24:00"; |deadline:"desk", "phone", "narrow" for the short forms
{{ item.text|system_text }}             a label the system stored (a default item, a title) in the reader's
                                        language; deadlines, log entries and notifications have
                                        get_title_display / get_summary_display for the same
"""

from importlib import import_module

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.masking import mask_id_tail, mask_phone

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


def _community_of(context, obj):
    community_id = getattr(obj, "community_id", None)
    if community_id is not None:
        return community_id
    request = context.get("request")
    return getattr(request, "community", None)


@register.simple_tag(takes_context=True)
def can(context, action: str, community=None) -> bool:
    user = _user(context)
    if user is None or not user.is_authenticated:
        return False
    if community is None:
        community = getattr(context.get("request"), "community", None)
    return has_perm(user, action, community)


def phone_text(user, community, numbers) -> str:
    full = user is not None and user.is_authenticated and has_perm(user, "people.view_phone", community)
    return "、".join(n if full else mask_phone(n) for n in numbers)


@register.simple_tag(takes_context=True)
def phone(context, subject) -> str:
    """A person's phone numbers (prefetch `phones`), or one number; masked unless the role needs them."""
    if subject is None or subject == "":
        return ""
    if isinstance(subject, str):
        numbers = [subject]
    elif hasattr(subject, "phones"):
        numbers = [p.number for p in subject.phones.all()]
    else:
        numbers = [str(getattr(subject, "number", subject))]
    return phone_text(_user(context), _community_of(context, subject), numbers)


@register.filter
def deadline(moment, form: str = "") -> str:
    """Every deadline on every page: {{ d.due_at|deadline }} → "2026-12-22 24:00" for a limit ending at
    midnight; the short forms where that does not fit: |deadline:"desk" ("明日 09:00"), |deadline:"phone"
    ("12月22日 24:00"), |deadline:"narrow" ("12-22 24:00"). See core.workdays.deadline_text."""
    from guanjia.core.workdays import deadline_text

    return deadline_text(moment, form)


# Each language offered under its own name, so a reader finds theirs whatever the page is in.
AUTONYMS = {"zh-hans": "中文", "en": "English"}


@register.inclusion_tag("core/_language_switch.html", takes_context=True)
def language_switch(context):
    """中文 / English: Django's set_language view, back to the same page (console and portal headers)."""
    from django.conf import settings
    from django.utils.translation import get_language, get_language_info

    request = context.get("request")
    current = get_language() or settings.LANGUAGE_CODE
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
        "languages": [
            (code, AUTONYMS.get(code) or get_language_info(code)["name_local"], code == current)
            for code, _name in settings.LANGUAGES
        ],
    }


@register.filter
def system_text(value) -> str:
    """System text stored worded in Chinese, shown in the reader's language (core.system_text)."""
    from guanjia.core.system_text import translate

    return translate(value)


@register.simple_tag
def id_masked(person) -> str:
    """Only the last four characters are stored in clear; the rest is never shown in lists (LW-1)."""
    return mask_id_tail(getattr(person, "id_last4", ""), resident_id=getattr(person, "id_type", "") == "resident_id")


def _choices(path: str):
    app, name = path.rsplit(".", 1)
    return getattr(import_module(f"guanjia.{app}.choices"), name)


@register.filter
def badge(value, choices_path: str):
    """A status as a coloured badge; the colour lives next to the status in choices.py."""
    if value in (None, ""):
        return ""
    enum = _choices(choices_path)
    try:
        member = enum(value)
    except ValueError:
        return format_html('<span class="badge grey">{}</span>', value)
    return format_html('<span class="badge {}">{}</span>', getattr(member, "colour", "grey"), member.label)


@register.simple_tag
def lease_badge(lease, today=None):
    """在租 / 未起租 / 已到期 (past its end, not yet ended at the desk) / 已退租 (PR-3)."""
    today = today or clock.today()
    if lease.ended_on and lease.ended_on < today:
        return format_html('<span class="badge grey">{}</span>', _("已退租"))
    if lease.start > today:
        return format_html('<span class="badge amber">{}</span>', _("未起租"))
    if lease.end < today:
        return format_html('<span class="badge amber">{}</span>', _("已到期"))
    return format_html('<span class="badge green">{}</span>', _("在租"))


@register.simple_tag(takes_context=True)
def recent_activity(context, limit: int = 10):
    """The current community's latest log entries, for roles that may read the log."""
    from guanjia.core.models import ActivityLog

    request = context.get("request")
    community = getattr(request, "community", None)
    if community is None or not can(context, "core.view_activity", community):
        return None
    return list(ActivityLog.objects.filter(community=community).select_related("actor").order_by("-at", "-id")[:limit])
