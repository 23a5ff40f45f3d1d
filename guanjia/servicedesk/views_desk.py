"""The front desk in the console (RC-1 … RC-11, IC-3): the ticket list, the ticket page with its actions,
the call-and-visit log and the technician's own tickets (intake: views_intake; the printed work order
is a registered form, servicedesk.documents).

Thin views. The buttons on the ticket page are the transitions of the ticket's state machine open to
the user in its state (core.transitions.offers); every one goes through one view, TicketTransitionView
(core.console.TransitionView), calling its one service; a ServiceError is shown beside the field it
names on the ticket page. A ticket outside the user's communities is a 404 (DESIGN.md §1).
"""

from functools import cached_property

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import CharField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from guanjia.core import clock, transitions, workdays
from guanjia.core.access import has_perm
from guanjia.core.console import (
    CommunityListView,
    StaffMixin,
    TransitionView,
    apply_service_error,
    form_errors,
    safe_next,
)
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog, Deadline, DeadlineState
from guanjia.core.roles import Role

from . import promises, services
from .choices import Status
from .filters import CallLogFilter, TicketFilter
from .forms import CallLogForm
from .models import Callback, CallLog, Ticket, TicketPhoto
from .selectors import visible_call_log, visible_tickets
from .services.rectifications import ISSUE_PERMISSION, SOURCE, notice_model, notices_of_callbacks

TIMELINE_LENGTH = 100
# The list never counts past this: COUNT(*) over a million tickets is what makes a list slow.
COUNT_CAP = 5000

# What the desk says about a request's clocks lives in `promises`; every due time reads as
# core.workdays.deadline_text ("D 24:00", never "D+1 00:00").
RULE_LABELS = promises.RULE_LABELS


def clock_lines(ticket: Ticket, now=None) -> list[promises.Promise]:
    """What the desk tells the caller about the clock (RC-2, RC-3, RC-5, RC-8)."""
    pending = Deadline.objects.pending().filter(**_subject(ticket)).order_by("due_at")
    return promises.ticket_clock_lines(ticket, pending, now)


def _subject(obj) -> dict:
    return {"subject_type": ContentType.objects.get_for_model(obj), "subject_id": str(obj.pk)}


def _subjects(model, pks) -> Q:
    return Q(subject_type=ContentType.objects.get_for_model(model), subject_id__in=[str(pk) for pk in pks])


def with_next_deadline(queryset):
    """Annotate each ticket with its nearest pending deadline, open callback and open rectification:
    subqueries of one query (no N+1), each through an index on its subject or ticket."""
    pending = Deadline.objects.pending().filter(
        subject_type=ContentType.objects.get_for_model(Ticket),
        subject_id=Cast(OuterRef("pk"), CharField()),
    )
    pending = pending.order_by("due_at")
    callbacks = Callback.objects.filter(ticket=OuterRef("pk"), done_at__isnull=True, skipped=False).order_by("due_at")
    # RC-5: the open notices of the ticket's callbacks, through the callbacks' relation to them.
    notices = Callback.objects.filter(
        ticket=OuterRef("pk"), rectification_notices__isnull=False, rectification_notices__closed_at__isnull=True
    ).order_by("rectification_notices__due_at")
    return queryset.annotate(
        next_due=Subquery(pending.values("due_at")[:1]),
        next_rule=Subquery(pending.values("rule")[:1]),
        callback_due=Subquery(callbacks.values("due_at")[:1]),
        rectification_due=Subquery(notices.values("rectification_notices__due_at")[:1]),
    )


def mark_deadlines(tickets, now=None) -> None:
    """Pick the nearest of the ticket's own deadline, its callback's and its rectification's,
    and say whether it is overdue.

    Only the tickets shown are annotated, in one query: annotating the list queryset itself made
    SQLite compute the subqueries for every matching row before sorting (1 s for the overdue
    filter at 1,000,000 tickets)."""
    now = now or clock.now()
    page = with_next_deadline(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by())
    annotated = {
        row["pk"]: row for row in page.values("pk", "next_due", "next_rule", "callback_due", "rectification_due")
    }
    for ticket in tickets:
        row = annotated[ticket.pk]
        ticket.next_due, ticket.next_rule = row["next_due"], row["next_rule"]
        ticket.callback_due, ticket.rectification_due = row["callback_due"], row["rectification_due"]
        candidates = [
            (ticket.next_due, ticket.next_rule),
            (ticket.callback_due, "RC-4"),
            (ticket.rectification_due, "RC-5.fix"),
        ]
        due, rule = min(((d, r) for d, r in candidates if d), default=(None, ""), key=lambda c: c[0])
        ticket.due_at = due
        ticket.due_label = (
            f"{RULE_LABELS.get(rule, rule)} {workdays.deadline_text(due, 'desk', now=now)}" if due else ""
        )
        ticket.is_overdue = bool(due and due < now)


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows (from an index-only subquery), so page 1 of a million is cheap."""

    def __init__(self, *args, count_queryset=None, cap: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_queryset = count_queryset if count_queryset is not None else self.object_list
        self.cap = cap or COUNT_CAP
        self.capped = False

    @cached_property
    def count(self) -> int:
        n = self.count_queryset.values("pk").order_by()[: self.cap + 1].count()
        self.capped = n > self.cap
        return min(n, self.cap)


# --- Lists --------------------------------------------------------------------------------


class TicketListView(CommunityListView):
    """工单: filtered, newest first, each with its nearest deadline; fast at a million tickets."""

    model = Ticket
    action = "servicedesk.view"
    template_name = "servicedesk/ticket_list.html"
    filterset_class = TicketFilter
    paginator_class = CappedPaginator

    def base_queryset(self):
        tickets = Ticket.objects.select_related("room", "technician").order_by("-received_at", "-id")
        return visible_tickets(tickets, self.request.user)  # AR-4: a technician's own jobs only

    def get_queryset(self):
        queryset = super().get_queryset()
        self.count_queryset = queryset
        return queryset

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        return self.paginator_class(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            count_queryset=self.count_queryset,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mark_deadlines(context["object_list"])
        return context


class MyTicketsView(StaffMixin, ListView):
    """我的工单: repairs dispatched to me and not yet done, with my next step at hand (phones): the states
    and the buttons are those of the transitions needing this page's permission (arrive, complete)."""

    action = "servicedesk.work"
    template_name = "servicedesk/ticket_mine.html"
    paginate_by = 30

    def get_queryset(self):
        tickets = self.scoped(Ticket.objects.select_related("room", "community"), "servicedesk.view").filter(
            technician=self.request.user, status__in=transitions.sources(Ticket, permission=self.action)
        )
        return tickets.order_by("dispatched_at", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mark_deadlines(context["object_list"])
        for ticket in context["object_list"]:
            ticket.actions = [  # ids unique on the page: one form per ticket and action
                {
                    "offer": offer,
                    "form": offer.form(ticket, auto_id=f"t{ticket.pk}_%s"),
                    "form_id": f"action-{offer.action}-{ticket.pk}",
                }
                for offer in transitions.offers(ticket, self.request.user, permission=self.action)
            ]
        return context


class CallLogListView(CommunityListView):
    """来电来访记录表 (IC-3): the log and a form to add to it."""

    model = CallLog
    action = "servicedesk.view"
    template_name = "servicedesk/desk_calls.html"
    filterset_class = CallLogFilter

    def base_queryset(self):
        return visible_call_log(CallLog.objects.select_related("room", "recorded_by"), self.request.user)

    def post(self, request, *args, **kwargs):
        form = CallLogForm(request.POST)
        if form.is_valid():
            try:
                services.calllog_record(community=request.community, actor=request.user, **form.cleaned_data)
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已记入来电来访记录。"))
                return redirect("servicedesk:calls")
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CallLogForm())
        context["may_record"] = has_perm(self.request.user, "servicedesk.create", self.request.community)
        return context


# --- The ticket page and its actions ------------------------------------------------------


class TicketObjectMixin(StaffMixin):
    action = "servicedesk.view"

    def get_queryset(self):
        tickets = Ticket.objects.select_related(
            "community", "room", "room__building", "room__unit", "reporter", "technician", "received_by"
        )
        return visible_tickets(tickets, self.request.user)  # AR-4: another's job is a 404 to a technician

    def get_ticket(self) -> Ticket:
        return get_object_or_404(self.scoped(self.get_queryset()), pk=self.kwargs["pk"])


def ticket_context(request, ticket: Ticket, bound: dict | None = None, refusal: ServiceError | None = None) -> dict:
    """Everything the ticket page shows, in a fixed number of queries.

    `bound`: the form of the action just refused ({action: form}), shown with its errors; `refusal`:
    why the action asked for cannot be taken now."""
    callbacks = list(ticket.callbacks.select_related("done_by"))
    for callback in callbacks:
        callback.role_label = Role(callback.owner_role).label if callback.owner_role in Role.values else ""
        callback.due_label = workdays.deadline_text(callback.due_at, "narrow")
    notices = list(notices_of_callbacks(cb.pk for cb in callbacks))
    subjects = (
        Q(**_subject(ticket))
        | _subjects(Callback, [cb.pk for cb in callbacks])
        | _subjects(notice_model(), [n.pk for n in notices])
    )
    deadlines = list(Deadline.objects.filter(subjects).with_state().select_related("owner").order_by("due_at", "id"))
    for deadline in deadlines:
        deadline.state_badge = DeadlineState(deadline.state)
        deadline.due_label = workdays.deadline_text(deadline.due_at, "narrow")
    timeline = ActivityLog.objects.filter(subjects).select_related("actor").order_by("-at", "-id")[:TIMELINE_LENGTH]
    bound = bound or {}
    # The state machine's offers to this user in this state, each with its form (or the one just refused).
    actions = [
        {"offer": offer, "form": bound.get(offer.action) or offer.form(ticket)}
        for offer in transitions.offers(ticket, request.user)
    ]
    offered = {a["offer"].action for a in actions}
    # RC-5: an unsatisfied repair callback still owed its written notice, with the notice's deadline.
    noticed = {n.subject_id for n in notices}
    owing = next((cb for cb in callbacks if cb.done_at and cb.satisfied is False and cb.pk not in noticed), None)
    issue_due = next((d for d in deadlines if d.rule == "RC-5.issue" and d.met_at is None), None)
    issue_notice = bool(ticket.is_repair and owing and has_perm(request.user, ISSUE_PERMISSION, ticket.community_id))
    return {
        "ticket": ticket,
        "photos": list(ticket.photos.all()),
        "callbacks": callbacks,
        "rectifications": notices,
        "deadlines": deadlines,
        "timeline": list(timeline),
        "actions": actions,
        "issue_notice": issue_notice,
        "any_action": bool(actions) or issue_notice,
        "error_action": next(iter(bound), None),
        # A refusal, or an action refused in a state where its form is not shown: the message goes to the top.
        "page_errors": ([str(refusal.message)] if refusal is not None else [])
        + [e for name, form in bound.items() if name not in offered for e in form_errors(form)],
        "owing_callback": owing if ticket.is_repair else None,
        "notice_source": SOURCE,
        "issue_due": issue_due,
        "clock": clock_lines(ticket) if ticket.status not in (Status.CLOSED, Status.CANCELLED) else [],
        "started_late": ticket.clock_starts_at > ticket.received_at,
        "next": safe_next(request) or "",
    }


class TicketDetailView(TicketObjectMixin, TemplateView):
    model = Ticket
    template_name = "servicedesk/ticket_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(ticket_context(self.request, self.get_ticket()))
        return context


class TicketTransitionView(TicketObjectMixin, TransitionView):
    """Every action of the ticket page (派单, 到场, 完工, 验收, 答复, 升级, 取消): the URL names the
    transition's action, the service is `ticket_<action>`. GET and a refusal show the ticket page
    itself, with the action's form and its errors (or, when the action is not open now, why not)."""

    model = Ticket
    services = services
    template_name = "servicedesk/ticket_detail.html"

    def render_form(self, form, status: int = 200, refusal: ServiceError | None = None):
        bound = {self.get_offer().action: form} if form.is_bound else {}
        context = ticket_context(self.request, self.get_object(), bound=bound, refusal=refusal)
        return self.render_to_response(context, status=status)


class PhotoView(StaffMixin, View):
    """A ticket photo, served through a scope check: photos of homes are personal data, never public media."""

    model = TicketPhoto
    action = "servicedesk.view"

    def get(self, request, pk):
        photo = get_object_or_404(visible_tickets(TicketPhoto.objects.all(), request.user, via="ticket__"), pk=pk)
        try:
            return FileResponse(photo.image.open("rb"))
        except FileNotFoundError:
            raise Http404 from None
