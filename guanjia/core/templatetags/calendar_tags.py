"""The working-day calendar's warning banner (DESIGN.md §5).

{% load calendar_tags %}{% calendar_warnings as warnings %}
{% for year, text in warnings %}…{% endfor %}   empty when this year and next year are loaded in full
"""

from django import template

from guanjia.core import workdays

register = template.Library()


@register.simple_tag
def calendar_warnings() -> list[tuple[int, str]]:
    return workdays.calendar_warnings()
