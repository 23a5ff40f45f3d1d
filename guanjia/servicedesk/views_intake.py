"""The front desk's intake in the console (RC-1, RC-2, RC-3, RC-8, IC-3): find the household, file a
ticket or a call-log entry, and see before saving which rule starts its clock (servicedesk.promises).

Thin views: the form only parses, the services write; a ServiceError is shown beside its field.
"""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.estates.models import Lease, Ownership, Person, Resident, Room
from guanjia.estates.search import search_households

from . import promises, services
from .choices import Kind
from .forms import DeskTicketForm
from .models import Ticket
from .views_desk import clock_lines

DESK_HITS = 8


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


def desk_clock_blocks(community, kind: str, category: str, *, every_kind: bool) -> list[dict]:
    """The intake form's clock preview (RC-2, RC-3, RC-8), worked out for the present moment.

    The page itself shows the repair and the complaint rules (each block marked with its kind: the
    page's script hides the other, and without JavaScript both stay readable); htmx then asks for the
    chosen kind and category as they change, and once a minute, since reception hours end."""
    kinds = [Kind.REPAIR, Kind.COMPLAINT] if every_kind else [kind]
    return [
        {"kind": k, "lines": promises.desk_promises(community, k, category if k == Kind.REPAIR else "")} for k in kinds
    ]


class DeskClockView(StaffMixin, TemplateView):
    """GET ?kind=…&category=…: the intake's clock preview (an htmx fragment), before anything is saved."""

    action = "servicedesk.create"
    template_name = "servicedesk/desk_clock_blocks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kind = self.request.GET.get("kind") or Kind.REPAIR
        context["clock_blocks"] = desk_clock_blocks(
            self.request.community, kind, self.request.GET.get("category", ""), every_kind=False
        )
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
            clock_blocks=desk_clock_blocks(
                request.community,
                form["kind"].value() or Kind.REPAIR,
                form["category"].value() or "",
                every_kind=not form.is_bound,
            ),
        )
        return context


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
