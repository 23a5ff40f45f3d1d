"""The front desk in the console (RC-1 … RC-11, IC-3): the ticket list, the ticket page with its actions,
the call-and-visit log, the technician's own tickets and the printed work order (intake: views_intake).

Thin views: each action is a POST to its own view calling one service; a ServiceError is shown beside
the field it names on the ticket page. A ticket outside the user's communities is a 404 (DESIGN.md §1).
"""

from functools import cached_property

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import CharField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import CommunityListView, StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog, Deadline, DeadlineState
from guanjia.core.pdf import pdf_response
from guanjia.core.policies import policy
from guanjia.core.roles import Role

from . import promises, services
from .choices import Kind, Severity, Status
from .filters import CallLogFilter, TicketFilter
from .forms import (
    CallLogForm,
    CancelForm,
    CheckForm,
    CompleteForm,
    DispatchForm,
    EmptyForm,
    ReplyForm,
)
from .models import Callback, CallLog, RectificationNotice, Ticket, TicketPhoto
from .services.rectifications import ISSUE_PERMISSION

TIMELINE_LENGTH = 100
# The list never counts past this: COUNT(*) over a million tickets is what makes a list slow.
COUNT_CAP = 5000

# How a due time reads and what the desk says about a request's clocks live in `promises`, built on
# core.workdays.deadline_text ("D 24:00", never "D+1 00:00"); the names stay importable from here.
RULE_LABELS = promises.RULE_LABELS
when_label = promises.when_label
short_label = promises.short_label


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
    notices = RectificationNotice.objects.filter(ticket=OuterRef("pk"), closed_at__isnull=True).order_by("due_at")
    return queryset.annotate(
        next_due=Subquery(pending.values("due_at")[:1]),
        next_rule=Subquery(pending.values("rule")[:1]),
        callback_due=Subquery(callbacks.values("due_at")[:1]),
        rectification_due=Subquery(notices.values("due_at")[:1]),
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
        ticket.due_label = f"{RULE_LABELS.get(rule, rule)} {when_label(due, now)}" if due else ""
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


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


# --- Lists --------------------------------------------------------------------------------


class TicketListView(CommunityListView):
    """工单: filtered, newest first, each with its nearest deadline; fast at a million tickets."""

    model = Ticket
    action = "servicedesk.view"
    template_name = "servicedesk/ticket_list.html"
    filterset_class = TicketFilter
    paginator_class = CappedPaginator

    def base_queryset(self):
        return Ticket.objects.select_related("room", "technician").order_by("-received_at", "-id")

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
    """我的工单: repairs dispatched to me and not yet done, with arrive/complete at hand (phones)."""

    action = "servicedesk.work"
    template_name = "servicedesk/ticket_mine.html"
    paginate_by = 30

    def get_queryset(self):
        tickets = self.scoped(Ticket.objects.select_related("room", "community"), "servicedesk.view").filter(
            technician=self.request.user, status__in=[Status.DISPATCHED, Status.ARRIVED]
        )
        return tickets.order_by("dispatched_at", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        mark_deadlines(context["object_list"])
        context["complete_form"] = CompleteForm()
        return context


class CallLogListView(CommunityListView):
    """来电来访记录表 (IC-3): the log and a form to add to it."""

    model = CallLog
    action = "servicedesk.view"
    template_name = "servicedesk/desk_calls.html"
    filterset_class = CallLogFilter

    def base_queryset(self):
        return CallLog.objects.select_related("room", "recorded_by")

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

    def get_ticket(self) -> Ticket:
        tickets = self.scoped(
            Ticket.objects.select_related(
                "community", "room", "room__building", "room__unit", "reporter", "technician", "received_by"
            )
        )
        return get_object_or_404(tickets, pk=self.kwargs["pk"])


def allowed_actions(user, ticket: Ticket) -> dict[str, bool]:
    """The buttons the user may press in the ticket's current state (the services check again)."""
    c, s = ticket.community_id, ticket.status

    def may(action):
        return has_perm(user, action, c)

    return {
        "dispatch": ticket.is_repair and s in (Status.RECEIVED, Status.DISPATCHED) and may("servicedesk.dispatch"),
        "arrive": s == Status.DISPATCHED and may("servicedesk.work"),
        "complete": s == Status.ARRIVED and may("servicedesk.work"),
        "check": s == Status.COMPLETED and may("servicedesk.check"),
        "reply": not ticket.is_repair and s == Status.RECEIVED and may("servicedesk.reply"),
        "escalate": ticket.is_complaint
        and ticket.severity != Severity.MAJOR
        and s in (Status.RECEIVED, Status.REPLIED, Status.CALLBACK)
        and may("servicedesk.reply"),
        "cancel": s in (Status.RECEIVED, Status.DISPATCHED, Status.ARRIVED) and may("servicedesk.cancel"),
    }


def ticket_context(request, ticket: Ticket, bound: dict | None = None) -> dict:
    """Everything the ticket page shows, in a fixed number of queries."""
    callbacks = list(ticket.callbacks.select_related("done_by"))
    for callback in callbacks:
        callback.role_label = Role(callback.owner_role).label if callback.owner_role in Role.values else ""
        callback.due_label = short_label(callback.due_at)
    notices = list(ticket.rectifications.select_related("technician"))
    subjects = (
        Q(**_subject(ticket))
        | _subjects(Callback, [cb.pk for cb in callbacks])
        | _subjects(RectificationNotice, [n.pk for n in notices])
    )
    deadlines = list(Deadline.objects.filter(subjects).with_state().select_related("owner").order_by("due_at", "id"))
    for deadline in deadlines:
        deadline.state_badge = DeadlineState(deadline.state)
        deadline.due_label = short_label(deadline.due_at)
    timeline = ActivityLog.objects.filter(subjects).select_related("actor").order_by("-at", "-id")[:TIMELINE_LENGTH]
    actions = allowed_actions(request.user, ticket)
    # RC-5: an unsatisfied repair callback still owed its written notice, with the notice's deadline.
    noticed = {n.callback_id for n in notices}
    owing = next((cb for cb in callbacks if cb.done_at and cb.satisfied is False and cb.pk not in noticed), None)
    issue_due = next((d for d in deadlines if d.rule == "RC-5.issue" and d.met_at is None), None)
    actions["issue_notice"] = bool(
        ticket.is_repair and owing and has_perm(request.user, ISSUE_PERMISSION, ticket.community_id)
    )
    forms = {
        "dispatch": DispatchForm(community=ticket.community, initial={"technician": ticket.technician_id}),
        "complete": CompleteForm(),
        "check": CheckForm(),
        "reply": ReplyForm(),
        "cancel": CancelForm(),
        "arrive": EmptyForm(),
        "escalate": EmptyForm(),
    }
    forms.update(bound or {})
    return {
        "ticket": ticket,
        "photos": list(ticket.photos.all()),
        "callbacks": callbacks,
        "rectifications": notices,
        "deadlines": deadlines,
        "timeline": list(timeline),
        "actions": actions,
        "any_action": any(actions.values()),
        "forms": forms,
        "error_action": next(iter(bound), None) if bound else None,
        # An action refused in a state where its form is not shown: the message goes to the top.
        "page_errors": [
            e
            for name, form in (bound or {}).items()
            if not actions.get(name)
            for e in (form.non_field_errors() or [e for errs in form.errors.values() for e in errs])
        ],
        "owing_callback": owing if ticket.is_repair else None,
        "issue_due": issue_due,
        "reply_hours": policy(ticket.community, "RC-3.reply_hours") if actions["reply"] and ticket.is_complaint else "",
        "clock": clock_lines(ticket) if ticket.status not in (Status.CLOSED, Status.CANCELLED) else [],
        "started_late": ticket.clock_starts_at > ticket.received_at,
        "next": _safe_next(request) or "",
    }


class TicketDetailView(TicketObjectMixin, TemplateView):
    template_name = "servicedesk/ticket_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(ticket_context(self.request, self.get_ticket()))
        return context


class TicketActionView(TicketObjectMixin, TemplateView):
    """POST only: bind the action's form, call its service, back to the ticket (or `next`)."""

    http_method_names = ["post"]
    template_name = "servicedesk/ticket_detail.html"
    name = ""
    form_class = EmptyForm
    done = gettext_lazy("已保存。")

    def get_form(self, ticket):
        return self.form_class(self.request.POST)

    def perform(self, ticket: Ticket, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        ticket = self.get_ticket()
        form = self.get_form(ticket)
        status = 400
        if form.is_valid():
            try:
                self.perform(ticket, form.cleaned_data)
            except ServiceError as error:
                apply_service_error(form, error)
                status = error.status
            else:
                messages.success(request, self.done)
                return redirect(_safe_next(request) or reverse("servicedesk:ticket", args=[ticket.pk]))
        target = _safe_next(request)
        if target:  # e.g. "my tickets" on a phone: the message goes back with the technician
            for error in form.non_field_errors() or [e for errs in form.errors.values() for e in errs]:
                messages.error(request, error)
            return redirect(target)
        context = ticket_context(request, self.get_ticket(), bound={self.name: form})
        return self.render_to_response(context, status=status)


class DispatchView(TicketActionView):
    name = "dispatch"
    done = gettext_lazy("已派单。")

    def get_form(self, ticket):
        return DispatchForm(self.request.POST, community=ticket.community)

    def perform(self, ticket, data):
        services.ticket_dispatch(ticket=ticket, technician=data["technician"], actor=self.request.user)


class ArriveView(TicketActionView):
    name = "arrive"
    done = gettext_lazy("已登记到场。")

    def perform(self, ticket, data):
        services.ticket_arrive(ticket=ticket, actor=self.request.user)


class CompleteView(TicketActionView):
    name = "complete"
    form_class = CompleteForm
    done = gettext_lazy("已登记完工。")

    def perform(self, ticket, data):
        services.ticket_complete(ticket=ticket, actor=self.request.user, **data)


class CheckView(TicketActionView):
    name = "check"
    form_class = CheckForm
    done = gettext_lazy("已登记验收结果。")

    def perform(self, ticket, data):
        services.ticket_check(ticket=ticket, actor=self.request.user, passed=data["passed"], note=data["note"])


class ReplyView(TicketActionView):
    name = "reply"
    form_class = ReplyForm
    done = gettext_lazy("已答复。")

    def perform(self, ticket, data):
        services.ticket_reply(ticket=ticket, actor=self.request.user, reply=data["reply"], valid=data["valid"])


class EscalateView(TicketActionView):
    name = "escalate"
    done = gettext_lazy("已升级为重大投诉，已通知管理处经理。")

    def perform(self, ticket, data):
        services.ticket_escalate(ticket=ticket, actor=self.request.user)


class CancelView(TicketActionView):
    name = "cancel"
    form_class = CancelForm
    done = gettext_lazy("工单已取消。")

    def perform(self, ticket, data):
        services.ticket_cancel(ticket=ticket, actor=self.request.user, reason=data["reason"])


class WorkOrderPdfView(TicketObjectMixin, View):
    """派工单: the printed work order of a repair, numbered by the ticket number (DESIGN.md §9)."""

    def get(self, request, *args, **kwargs):
        ticket = self.get_ticket()
        if ticket.kind != Kind.REPAIR:
            raise Http404
        context = {
            "ticket": ticket,
            "community": ticket.community,
            "title": _("派工单"),
            "generated_at": clock.now(),
            "deadlines": list(Deadline.objects.filter(**_subject(ticket)).with_state().order_by("due_at")),
            "clock": clock_lines(ticket),
            "response_hours": policy(ticket.community, "RC-8.response_hours"),
            "civil_days": policy(ticket.community, "RC-8.civil_days"),
        }
        return pdf_response("servicedesk/ticket_workorder.html", context, f"{ticket.number}.pdf", request)


class PhotoView(StaffMixin, View):
    """A ticket photo, served through a scope check: photos of homes are personal data, never public media."""

    action = "servicedesk.view"

    def get(self, request, pk):
        photo = get_object_or_404(self.scoped(TicketPhoto.objects.all()), pk=pk)
        try:
            return FileResponse(photo.image.open("rb"))
        except FileNotFoundError:
            raise Http404 from None
