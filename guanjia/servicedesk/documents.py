"""The service desk's printed forms (core.documents, DESIGN §14): the repair work order 派工单 and
the monthly complaint summary 投诉月度汇总 for the notice board (RC-10).

The rectification notice 整改通知书 moves to the quality app, which registers it there.
"""

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import documents
from guanjia.core.documents import DocumentKind
from guanjia.core.models import Deadline
from guanjia.core.policies import policy

from . import promises
from .choices import Kind
from .models import ComplaintSummary, Ticket
from .selectors import visible_tickets

WORK_ORDER = "RC-8.work_order"
COMPLAINT_SUMMARY = "RC-10.summary"


def _repair(request, key) -> Ticket:
    tickets = Ticket.objects.select_related(
        "community", "room", "room__building", "room__unit", "reporter", "technician", "received_by"
    )
    # AR-4: a technician prints the work orders of his own jobs only.
    ticket = documents.subject_in_scope(visible_tickets(tickets, request.user), request, pk=key)
    if ticket.kind != Kind.REPAIR:  # complaints and enquiries are not dispatched: no work order
        raise Http404
    return ticket


def _work_order_context(request, ticket: Ticket) -> dict:
    pending = (
        Deadline.objects.pending()
        .filter(subject_type=ContentType.objects.get_for_model(Ticket), subject_id=str(ticket.pk))
        .order_by("due_at")
    )
    return {
        "ticket": ticket,
        "clock": promises.ticket_clock_lines(ticket, pending),
        "response_hours": policy(ticket.community, "RC-8.response_hours"),  # RC-8
        "civil_days": policy(ticket.community, "RC-8.civil_days"),
    }


def _summary_context(request, summary: ComplaintSummary) -> dict:
    # The console page, this PDF and the owners' page read the same frozen figures and sentences.
    from .views_kpi import _document_context

    return _document_context(summary)


def register() -> None:
    documents.register(
        DocumentKind(
            code=WORK_ORDER,
            title=gettext_lazy("派工单"),
            template="servicedesk/ticket_workorder.html",
            permission="servicedesk.view",
            subject=_repair,
            context=_work_order_context,
            filename=lambda ticket: f"{ticket.number}.pdf",
            number=lambda ticket: ticket.number,
            household=lambda ticket: ticket.room,
        )
    )
    # RC-10: counts only, never a room or a name; a draft prints as one.
    documents.register(
        DocumentKind(
            code=COMPLAINT_SUMMARY,
            title=gettext_lazy("投诉月度汇总"),
            template="pdf/complaint_summary.html",
            permission="servicedesk.kpi",
            subject=documents.by_pk(ComplaintSummary.objects.select_related("community")),
            context=_summary_context,
            filename=lambda summary: f"{summary.community.name}-{_('投诉汇总')}-{summary.month:%Y-%m}.pdf",
            prefix="TS",
        )
    )
