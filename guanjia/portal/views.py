"""The owner portal (/m/): owners and tenants report and follow their requests from a phone.

Thin views: reads come from portal.selectors (only the user's own households), writes go through
the service desk's services with the owner as actor; a ServiceError is shown beside its field.
"""

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from guanjia.core import throttling, transitions
from guanjia.core.access import is_staff_member
from guanjia.core.accounts import user_password_set
from guanjia.core.console import apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.forms import LoginForm
from guanjia.estates.selectors import homes_of
from guanjia.servicedesk import promises
from guanjia.servicedesk import services as desk
from guanjia.servicedesk.choices import Channel, Kind
from guanjia.servicedesk.models import Ticket, TicketPhoto

from . import selectors
from .forms import PORTAL_KINDS, ActivateForm, RateForm, ReportForm
from .services import portal_account_activate

PAGE_SIZE = 20


class OwnerMixin:
    """Signed-in owners and tenants only; staff who open /m/ are sent to the console."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if is_staff_member(request.user):
            return redirect("core:dashboard")
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def homes(self) -> list:
        return list(homes_of(self.request.user).order_by("community_id", "sort_key"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tab"] = getattr(self, "tab", "")
        return context


# --- Accounts --------------------------------------------------------------------------------


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm  # the sign-in lock-out after repeated failures
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("portal:home")


class PortalLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")


class ActivateView(FormView):
    template_name = "portal/activate.html"
    form_class = ActivateForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("portal:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            user = portal_account_activate(
                phone=form.cleaned_data["phone"],
                id_tail=form.cleaned_data["id_tail"],
                password=form.cleaned_data["password1"],
                ip=throttling.client_ip(self.request),
            )
        except ServiceError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, _("账号已开通，欢迎使用。"))
        return redirect("portal:home")


class PasswordView(OwnerMixin, auth_views.PasswordChangeView):
    template_name = "portal/password.html"
    success_url = reverse_lazy("portal:me")
    tab = "me"

    def form_valid(self, form):
        # As for staff: the other sessions end and an API token is revoked (core.accounts).
        user = user_password_set(
            user=self.request.user, password=form.cleaned_data["new_password1"], actor=self.request.user
        )
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("密码已修改。"))
        return redirect(self.get_success_url())


# --- Pages -----------------------------------------------------------------------------------


class HomeView(OwnerMixin, TemplateView):
    template_name = "portal/home.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.open_ticket_counts(self.request.user)
        context["homes"] = [(room, counts.get(room.pk, 0)) for room in self.homes]
        context["open_total"] = sum(counts.values())
        from .views_surveys import open_sheet_count

        context["surveys_open"] = open_sheet_count(self.request.user)  # the 待填写问卷 card (SV-2)
        return context


class ReportView(OwnerMixin, FormView):
    """Report a repair, complaint, suggestion, question or praise, with photos (RC-1: channel 业主网页)."""

    template_name = "portal/report.html"
    form_class = ReportForm
    tab = "report"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "homes": self.homes}

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("room", "").isdigit():
            initial["room"] = int(self.request.GET["room"])
        if self.request.GET.get("kind") in dict(PORTAL_KINDS):
            initial["kind"] = self.request.GET["kind"]
        return initial

    def get(self, request, *args, **kwargs):
        if request.htmx and request.GET.get("part") == "clock":
            # The promise as kind and category change (htmx); the page itself renders it too (no JS).
            context = {"clock_blocks": self.clock_blocks(request.GET, every_kind=False)}
            return TemplateResponse(request, "portal/report_clock_blocks.html", context)
        return super().get(request, *args, **kwargs)

    def clock_blocks(self, data, *, every_kind: bool) -> list[dict]:
        """What the owner is told before submitting (RC-2, RC-3, RC-8), from the rules the desk's
        clocks follow and the present moment: the repair and the complaint promise (the page shows the
        one for the chosen kind), or only the chosen kind's when htmx asks."""
        if not self.homes:
            return []
        by_pk = {room.pk: room for room in self.homes}
        room = by_pk.get(_int(data.get("room"))) or self.homes[0]
        kind, category = data.get("kind") or Kind.REPAIR, data.get("category") or ""
        kinds = [Kind.REPAIR, Kind.COMPLAINT] if every_kind else [kind]
        return [
            {
                "kind": k,
                "lines": promises.owner_promises(room.community, k, category if k == Kind.REPAIR else ""),
                "hours": promises.reception_hours(room.community) if k == Kind.REPAIR else [],
            }
            for k in kinds
            if k in (Kind.REPAIR, Kind.COMPLAINT)
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        data = {name: form[name].value() for name in ("room", "kind", "category")}
        context["clock_blocks"] = self.clock_blocks(data, every_kind=not form.is_bound)
        return context

    def form_valid(self, form):
        room, data = form.chosen_room, form.cleaned_data
        try:
            ticket = desk.ticket_create(
                community=room.community,
                actor=self.request.user,
                channel=Channel.PORTAL,
                room=room,
                kind=data["kind"],
                category=data["category"],
                topic=data["topic"],
                description=data["description"],
                photos=data["photos"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已提交，工单号 %(n)s。") % {"n": ticket.number})
        return redirect("portal:ticket", pk=ticket.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400 if form.is_bound else 200)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class TicketListView(OwnerMixin, TemplateView):
    template_name = "portal/tickets.html"
    tab = "tickets"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        show = "done" if self.request.GET.get("show") == "done" else "open"
        tickets = selectors.owner_tickets(self.request.user)
        if show == "done":
            tickets = tickets.exclude(status__in=selectors.OPEN_STATUSES)
        else:
            tickets = tickets.filter(status__in=selectors.OPEN_STATUSES)
        tickets = (
            tickets.select_related("room", "room__community")
            .prefetch_related("callbacks")
            .annotate(photo_count=Count("photos"))
            .order_by("-received_at", "-id")
        )
        page = Paginator(tickets, PAGE_SIZE).get_page(self.request.GET.get("page"))
        deadlines = selectors.pending_deadlines(page.object_list)
        reception = {}  # one reading of each community's reception hours for the page (RC-2)
        rows = []
        for ticket in page.object_list:
            # The latest callback (after a rectification a new one falls due).
            callback = next((c for c in list(ticket.callbacks.all())[::-1] if not c.skipped), None)
            rows.append(
                {
                    "ticket": ticket,
                    "expect": selectors.expectations(ticket, deadlines.get(ticket.pk, []), reception=reception),
                    "callback": callback,
                }
            )
        context.update(page=page, rows=rows, show=show)
        return context


class TicketMixin(OwnerMixin):
    model = Ticket  # the record the URL's pk names (tests_system.test_routes walks every such route)

    def get_ticket(self):
        queryset = selectors.owner_tickets(self.request.user).select_related("room", "room__community")
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def detail_context(self, ticket, rate_form=None) -> dict:
        deadlines = selectors.pending_deadlines([ticket]).get(ticket.pk, [])
        # When a ticket may be rated is its state machine's to say; by whom, the owner's scope above.
        can_rate = transitions.can(ticket, "rate")
        return {
            "ticket": ticket,
            "photos": list(ticket.photos.all()),
            "steps": selectors.timeline(ticket),
            "expect": selectors.expectations(ticket, deadlines),
            "callbacks": [c for c in ticket.callbacks.all() if not c.skipped],
            "can_rate": can_rate,
            "rate_form": rate_form or (RateForm() if can_rate else None),
            "tab": "tickets",
        }


class TicketDetailView(TicketMixin, TemplateView):
    template_name = "portal/ticket_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.detail_context(self.get_ticket()))
        return context


class ConfirmView(TicketMixin, TemplateView):
    """The owner confirms the work and rates it, 1–5 stars (after completion)."""

    template_name = "portal/ticket_detail.html"
    http_method_names = ["post"]

    def post(self, request, pk):
        ticket = self.get_ticket()
        form = RateForm(request.POST)
        if form.is_valid():
            try:
                desk.ticket_owner_confirm(
                    ticket=ticket,
                    actor=request.user,
                    rating=form.cleaned_data["rating"],
                    comment=form.cleaned_data["comment"],
                )
            except ServiceError as error:
                if error.field not in form.fields:
                    # Not about what was typed (already rated, not finished yet): say so on the ticket page.
                    messages.error(request, str(error.message))
                    return redirect("portal:ticket", pk=ticket.pk)
                apply_service_error(form, error)
            else:
                messages.success(request, _("感谢您的评价。"))
                return redirect("portal:ticket", pk=ticket.pk)
        context = self.detail_context(ticket, rate_form=form)
        context["can_rate"] = True
        return self.render_to_response(context, status=400)


class PhotoView(OwnerMixin, View):
    model = TicketPhoto

    """A ticket photo, only for the household it belongs to (photos are not public media)."""

    def get(self, request, pk):
        photo = get_object_or_404(selectors.owner_photos(request.user), pk=pk)
        try:
            response = FileResponse(photo.image.open("rb"))
        except FileNotFoundError:
            raise Http404
        response["Cache-Control"] = "private, max-age=3600"
        return response


class MeView(OwnerMixin, TemplateView):
    template_name = "portal/me.html"
    tab = "me"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["homes"] = self.homes
        context["people"] = self.request.user.people.select_related("community").order_by("community_id")
        return context
