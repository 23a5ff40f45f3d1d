"""The service desk's part of the household file 一户一档 (AR-1: repair records): the room's
repairs, complaints and other requests, newest first."""

from django.utils.translation import gettext_lazy as _

from guanjia.core.access import scoped
from guanjia.core.registry import HouseholdSection, household_section

from .models import Ticket

SHOWN = 20  # the latest requests; the rest are one click away in the ticket list


def tickets_section(request, room) -> dict:
    # AR-4: the household's complaints name their callers; only roles reading every ticket see them.
    tickets = scoped(Ticket.objects.filter(room=room), request.user, "servicedesk.view_all")
    # Two queries through the (room, -received_at) index, however long the household's history.
    latest = list(tickets.select_related("technician").order_by("-received_at", "-id")[:SHOWN])
    return {"tickets": latest, "total": tickets.count(), "shown": SHOWN}


def register() -> None:
    household_section(
        HouseholdSection(
            "servicedesk.tickets",
            _("报修投诉"),
            "servicedesk/household_tickets.html",
            tickets_section,
            permission="servicedesk.view_all",
            order=60,
        )
    )
