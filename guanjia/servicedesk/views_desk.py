"""The front desk in the console (RC-1 … RC-11, IC-3): intake, the ticket list, the ticket page with
its actions, the call-and-visit log, the technician's own tickets and the printed work order.

Thin views: each action is a POST to its own view calling one service; a ServiceError is shown beside
the field it names on the ticket page. A ticket outside the user's communities is a 404 (DESIGN.md §1).
"""

import datetime as dt
from functools import cached_property

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import CharField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
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
from guanjia.estates.models import Lease, Ownership, Person, Resident, Room
from guanjia.estates.search import search_households

from . import services
from .choices import Kind, Severity, Status
from .filters import CallLogFilter, TicketFilter
from .forms import (
    CallLogForm,
    CancelForm,
    CheckForm,
    CompleteForm,
    DeskTicketForm,
    DispatchForm,
    EmptyForm,
    ReplyForm,
)
from .models import Callback, CallLog, RectificationNotice, Ticket, TicketPhoto

DESK_HITS = 8
TIMELINE_LENGTH = 100
# The list never counts past this: COUNT(*) over a million tickets is what makes a list slow.
COUNT_CAP = 5000

RULE_LABELS = {
    "RC-8.response": gettext_lazy("响应时限"),
    "RC-8.civil": gettext_lazy("完工时限"),
    "RC-3": gettext_lazy("答复时限"),
    "RC-4": gettext_lazy("回访时限"),
    "RC-9": gettext_lazy("回访时限"),
    "RC-5": gettext_lazy("整改时限"),
}


def when_label(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """A moment as the desk says it: "11:00", "明日 09:00", "11月21日 24:00" (a day's end is 24:00)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    day, hhmm = local.date(), local.strftime("%H:%M")
    if local.time() == dt.time(0, 0):  # deadlines end at 24:00 of their last day
        day, hhmm = day - dt.timedelta(days=1), "24:00"
    today = timezone.localdate(now or clock.now())
    if day == today:
        return hhmm
    if day == today + dt.timedelta(days=1):
        return _("明日 %(t)s") % {"t": hhmm}
    if day.year == today.year:
        return _("%(m)s月%(d)s日 %(t)s") % {"m": day.month, "d": day.day, "t": hhmm}
    return f"{day:%Y-%m-%d} {hhmm}"


def clock_lines(ticket: Ticket, now=None) -> list[str]:
    """What the desk tells the caller about the clock (RC-2, RC-3, RC-8)."""
    lines = []
    if ticket.clock_starts_at > ticket.received_at:  # RC-2: outside reception hours
        lines.append(_("非营业时间受理，将于 %(when)s 开始计时") % {"when": when_label(ticket.clock_starts_at, now)})
    for deadline in Deadline.objects.pending().filter(**_subject(ticket)).order_by("due_at"):
        label = RULE_LABELS.get(deadline.rule, deadline.rule)
        lines.append(f"{label} {when_label(deadline.due_at, now)}")
    return lines


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
            (ticket.rectification_due, "RC-5"),
        ]
        due, rule = min(((d, r) for d, r in candidates if d), default=(None, ""), key=lambda c: c[0])
        ticket.due_at = due
        ticket.due_label = f"{RULE_LABELS.get(rule, rule)} {when_label(due, now)}" if due else ""
        ticket.is_overdue = bool(due and due < now)


def short_label(moment: dt.datetime | None) -> str:
    """ "11-23 24:00" for a limit that ends at midnight (the Clocks section of RULES.md), else "11-23 19:54"."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    if local.time() == dt.time(0, 0):
        return f"{local.date() - dt.timedelta(days=1):%m-%d} 24:00"
    return f"{local:%m-%d %H:%M}"


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


# --- Intake -------------------------------------------------------------------------------


def household_contacts(rooms, user, community) -> dict[int, list[dict]]:
    """The people of each household now (owners, tenants, residents) with a phone, for the desk's hits."""
    ids = [room.pk for room in rooms]
    today = clock.today()
    full_phone = has_perm(user, "people.view_phone", community)
    found: dict[int, list[dict]] = {pk: [] for pk in ids}
    seen: set[tuple[int, int]] = set()

    def add(room_id, person, role):
        if (room_id, person.pk) in seen:
            return
        seen.add((room_id, person.pk))
        numbers = [p.number for p in person.phones.all()]
        found[room_id].append(
            {
                "person": person,
                "role": role,
                "phone": numbers[0] if numbers and full_phone else "",
                "phone_shown": (numbers[0] if full_phone else _mask(numbers[0])) if numbers else "",
            }
        )

    for o in (
        Ownership.objects.filter(room_id__in=ids, until__isnull=True)
        .select_related("person")
        .prefetch_related("person__phones")
        .order_by("-share", "id")
    ):
        add(o.room_id, o.person, _("业主"))
    leases = (
        Lease.objects.filter(room_id__in=ids, start__lte=today, end__gte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
        .select_related("tenant")
        .prefetch_related("tenant__phones")
    )
    for lease in leases:
        add(lease.room_id, lease.tenant, _("租户"))
    for r in (
        Resident.objects.filter(room_id__in=ids, until__isnull=True)
        .select_related("person")
        .prefetch_related("person__phones")
    ):
        add(r.room_id, r.person, _("住户"))
    return found


def _mask(number: str) -> str:
    from guanjia.core.masking import mask_phone

    return mask_phone(number)


def desk_hits(request, query: str) -> list[dict]:
    hits = search_households(user=request.user, community=request.community, query=query, limit=DESK_HITS)
    contacts = household_contacts([h.room for h in hits], request.user, request.community) if hits else {}
    return [{"hit": h, "room": h.room, "contacts": contacts.get(h.room.pk, [])} for h in hits]


class DeskSearchView(StaffMixin, TemplateView):
    """GET ?q=…: the desk's household hits (an htmx fragment), each person a one-key choice."""

    action = "servicedesk.create"
    template_name = "servicedesk/desk_hits.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")[:100].strip()
        context.update(query=query, results=desk_hits(self.request, query) if query else [])
        return context


class DeskView(StaffMixin, TemplateView):
    """前台受理: find the household, file a ticket (RC-1) or a call-log entry (IC-3), see its clock."""

    action = "servicedesk.create"
    template_name = "servicedesk/desk_intake.html"

    def initial(self) -> dict:
        """?room=…&reporter=… (a hit chosen without JavaScript) prefills the household and the reporter."""
        community, initial = self.request.community, {}
        room = Room.objects.filter(community=community, pk=_int(self.request.GET.get("room"))).first()
        if room:
            initial["room"] = room.pk
        person = (
            Person.objects.filter(community=community, pk=_int(self.request.GET.get("reporter")))
            .prefetch_related("phones")
            .first()
        )
        if person:
            initial.update(reporter=person.pk, reporter_name=person.name)
            if has_perm(self.request.user, "people.view_phone", community):
                initial["reporter_phone"] = next((p.number for p in person.phones.all()), "")
        return initial

    def get(self, request, *args, **kwargs):
        form = DeskTicketForm(initial=self.initial(), community=request.community)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = DeskTicketForm(request.POST, request.FILES, community=request.community)
        if form.is_valid():
            try:
                if form.is_call:
                    services.calllog_record(community=request.community, actor=request.user, **form.calllog_kwargs())
                    messages.success(request, _("已记入来电来访记录。"))
                    return redirect("servicedesk:desk")
                ticket = services.ticket_create_with_item(
                    community=request.community,
                    actor=request.user,
                    service_item=form.chosen_service_item,
                    **form.ticket_kwargs(),
                )
            except ServiceError as error:
                if error.field == "content":
                    error.field = "description"
                apply_service_error(form, error)
            else:
                return redirect(f"{reverse('servicedesk:desk')}?filed={ticket.pk}")
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request, form = self.request, kwargs["form"]
        query = request.GET.get("q", "")[:100].strip()
        room_id = form["room"].value()
        chosen = (
            Room.objects.filter(community=request.community, pk=_int(room_id))
            .select_related("building", "unit")
            .first()
            if room_id
            else None
        )
        filed = None
        if request.GET.get("filed"):
            filed = (
                self.in_community(Ticket.objects.select_related("room"), "servicedesk.view")
                .filter(pk=_int(request.GET["filed"]))
                .first()
            )
        context.update(
            form=form,
            query=query,
            results=desk_hits(request, query) if query else [],
            chosen_room=chosen,
            filed=filed,
            filed_clock=clock_lines(filed) if filed else [],
        )
        return context


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


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
