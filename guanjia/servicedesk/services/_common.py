"""What the service's writers share: the clock, state checks, the portal reporter, the clocks every
ticket may open again (RC-3 reply, RC-8 response) and closing a ticket."""

import datetime as dt

from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_open
from guanjia.core.errors import Conflict
from guanjia.core.roles import Role

from ..choices import Severity
from ..models import Ticket
from ..service_levels import reply_due, response_due


def _now(at=None):
    return at or clock.now()


def _expect(ticket: Ticket, *statuses: str) -> None:
    if ticket.status not in statuses:
        raise Conflict(
            "bad_state",
            _("工单 %(number)s 当前状态为“%(status)s”，不能执行此操作。")
            % {"number": ticket.number, "status": ticket.get_status_display()},
        )


def portal_person(user, room):
    """The Person through whom a portal user belongs to `room` (owner, tenant or resident), else None."""
    from guanjia.estates.selectors import household_people

    if room is None:
        return None
    return next((p for p in household_people(room) if p.user_id == user.pk), None)


def _open_response_deadline(ticket: Ticket, start: dt.datetime, title: str) -> None:
    """RC-8: a repair is responded to (the technician on site) within 2 hours."""
    deadline_open(
        subject=ticket,
        rule="RC-8.response",
        title=title,
        starts_at=start,
        due_at=response_due(ticket.community, start),
        owner=ticket.technician,
        owner_role=Role.FRONT_DESK if ticket.technician is None else "",
        household=ticket.room_id,
    )


def _open_reply_deadline(ticket: Ticket, start: dt.datetime, title: str) -> None:
    """RC-3: every complaint gets a reply within 72 hours; a major one is the manager's (RC-7)."""
    deadline_open(
        subject=ticket,
        rule="RC-3",
        title=title,
        starts_at=start,
        due_at=reply_due(ticket.community, start),
        owner_role=Role.OFFICE_MANAGER if ticket.severity == Severity.MAJOR else Role.CS_SUPERVISOR,
        household=ticket.room_id,
    )


def _close(ticket: Ticket, actor, summary: str) -> None:
    ticket.closed_at = clock.now()
    ticket.close()
    ticket.save(update_fields=["closed_at", "status"])
    log(actor, "servicedesk.ticket.closed", ticket, household=ticket.room_id, summary=summary)
