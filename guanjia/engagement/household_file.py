"""Visits and surveys in the household file 一户一档 (AR-1): the visits to the household (VS-3) and
the forms it was handed (SV-1, SV-2), whether returned; never its answers."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.access import scoped
from guanjia.core.registry import HouseholdSection, household_section

from .models import Survey, SurveySheet, Visit

SHOWN = 10


def _latest(queryset, *order) -> tuple[list, int]:
    """The first SHOWN rows and how many there are: two queries, however many there are."""
    return list(queryset.order_by(*order)[:SHOWN]), queryset.count()


def visits_section(request, room) -> dict:
    visits = scoped(Visit.objects.filter(room=room), request.user, "engagement.view_visits")  # AR-4
    rows, total = _latest(visits.select_related("visitor", "ticket"), "-visited_at", "-id")  # (room, visited_at)
    return {"visits": rows, "total": total, "shown": SHOWN}


def surveys_section(request, room) -> dict:
    # A draft's drawn sheets are not handed out yet (SV-1's draw may still change)
    handed = SurveySheet.objects.filter(room=room, survey__in=Survey.objects.handed_out())
    sheets = scoped(handed, request.user, "engagement.view")
    rows, total = _latest(sheets.select_related("survey"), "-survey__year", "-survey__period", "-id")
    return {"sheets": rows, "total": total, "shown": SHOWN}


def register() -> None:
    household_section(
        HouseholdSection(
            "engagement.visits",
            _("业户拜访"),
            "engagement/household_visits.html",
            visits_section,
            permission="engagement.view_visits",
            order=70,
        )
    )
    household_section(
        HouseholdSection(
            "engagement.surveys",
            _("问卷与评议"),
            "engagement/household_surveys.html",
            surveys_section,
            permission="engagement.view",
            order=80,
        )
    )
