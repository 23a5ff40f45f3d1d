"""Console pages of the visits to households (VS-1 … VS-5). Thin views: forms hand their data
to one service; a visit of another community is a 404 (DESIGN.md §1)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView

from guanjia.core import clock, periods
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, CommunityFromLinkMixin, StaffMixin, apply_service_error
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.models import DeadlineState
from guanjia.core.periods import Period

from . import selectors, services, visits
from .documents import VisitMonth
from .forms import VisitFeedbackForm, VisitRecordForm, VisitSummaryForm, VisitTicketForm
from .models import Visit


class VisitListView(StaffMixin, ListView):
    """The month's visits, the progress against the VS-1 quota and whom to visit next."""

    action = "engagement.view_visits"
    template_name = "engagement/visit_list.html"
    context_object_name = "visits"
    paginate_by = 50

    def get_queryset(self):
        # ?month=2026-11, this month by default
        self.month = Period.parse(self.request.GET.get("month"), periods.MONTH) or Period.of(periods.MONTH, clock.now())
        start, end = self.month.bounds()
        queryset = self.in_community(Visit.objects.filter(visited_at__gte=start, visited_at__lt=end))
        self.key_customer = self.request.GET.get("key_customer") in ("1", "on", "true")
        if self.key_customer:  # VS-6
            queryset = queryset.filter(key_customer=True)
        return selectors.visits_with_related(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.request.community
        context.update(
            month=self.month,
            month_label=self.month.label,
            prev_month=self.month.previous(),
            next_month=self.month.next(),
            progress=visits.progress(community, self.month),
            proposals=visits.proposals(community, self.month, limit=20),
            may_record=has_perm(self.request.user, "engagement.visit_record", community),
            key_customer=self.key_customer,
            query_string=f"month={self.month.key}" + ("&key_customer=1" if self.key_customer else ""),
        )
        return context


class VisitCreateView(StaffMixin, FormView):
    action = "engagement.visit_record"
    template_name = "engagement/visit_form.html"
    form_class = VisitRecordForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["community"] = self.request.community
        return kwargs

    def get_initial(self):
        now = timezone.localtime(clock.now()).replace(second=0, microsecond=0)
        return {"room_code": self.request.GET.get("room", ""), "visited_at": now, "form": "home"}

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        data.pop("room_code")
        try:
            visit = services.visit_record(community=self.request.community, actor=self.request.user, **data)
        except ServiceError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已记录对 %(room)s 的拜访。") % {"room": visit.room.code})
        return redirect("engagement:visit", pk=visit.pk)


def visit_page_context(request, visit: Visit, bound: dict | None = None) -> dict:
    """One visit, with its two actions' forms (in `bound`, the one just refused, with its errors)."""
    bound = bound or {}
    return {
        "visit": visit,
        "may_record": has_perm(request.user, "engagement.visit_record", visit.community_id),
        "ticket_form": bound.get("ticket") or VisitTicketForm(initial={"description": visit.opinions}),
        "feedback_form": bound.get("feedback") or VisitFeedbackForm(),
    }


class VisitDetailView(StaffMixin, TemplateView):
    """One visit; turn its opinion into a ticket, give the feedback owed (VS-4)."""

    model = Visit
    action = "engagement.view_visits"
    template_name = "engagement/visit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = selectors.visits_with_related(self.scoped(Visit.objects.all()))
        context.update(visit_page_context(self.request, get_object_or_404(queryset, pk=self.kwargs["pk"])))
        return context


class VisitActionView(ActionView):
    """An action on one visit (core.console.ActionView): a refusal shows the visit's own page with
    the action's form and its errors."""

    model = Visit
    action = "engagement.visit_record"
    template_name = "engagement/visit_detail.html"
    name = ""  # which of the page's forms this action is

    def get_queryset(self):
        return selectors.visits_with_related(Visit.objects.all())

    def render_form(self, form, status: int = 200, refusal: ServiceError | None = None):
        bound = {self.name: form} if form.is_bound else {}
        context = visit_page_context(self.request, self.get_object(), bound)
        context["refusal"] = refusal
        return self.render_to_response(context, status=status)


class VisitTicketView(VisitActionView):
    """An opinion heard on the visit becomes a service-desk ticket in one step."""

    name = "ticket"
    form_class = VisitTicketForm

    def get_initial(self) -> dict:
        return {"description": self.get_object().opinions}

    def refusal(self) -> ServiceError | None:
        if self.get_object().ticket_id:
            return Conflict("conflict", _("该拜访意见已转为工单。"))
        return None

    def perform(self, form):
        return services.visit_to_ticket(visit=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_message(self, ticket) -> str:
        return _("已转为工单 %(n)s。") % {"n": ticket.number}


class VisitFeedbackView(VisitActionView):
    """The feedback owed to the owner (VS-4)."""

    name = "feedback"
    form_class = VisitFeedbackForm
    success_message = gettext_lazy("已记录反馈。")

    def perform(self, form):
        return services.visit_give_feedback(visit=self.get_object(), actor=self.request.user, **form.cleaned_data)


class VisitSummaryView(CommunityFromLinkMixin, ActionView):
    """The month's visit summary for the director (VS-5): computed figures, the month's duty and its
    clock, the text, prepare and submit, and the director's approval. ?month=YYYY-MM, last month by default.

    core.console.ActionView on the community's month (documents.VisitMonth, what the PDF prints):
    whoever may read the month's visits sees the page; only `engagement.visit_summary` may POST.
    The form saves the text (`visit_summary_prepare`) or, with action=submit, saves it and sends it
    to the director (`visit_summary_submit`)."""

    action = "engagement.view_visits"  # the month's visits and opinions: not for technicians, cashiers (AR-4)
    perform_action = "engagement.visit_summary"
    template_name = "engagement/summary.html"
    form_class = VisitSummaryForm

    def get_month(self) -> Period:
        key = self.request.GET.get("month") or self.request.POST.get("month")
        # the summary is of the month just past unless another is asked for (VS-5)
        return Period.parse(key, periods.MONTH) or Period.of(periods.MONTH, clock.now()).previous()

    def get_object(self) -> VisitMonth:
        if getattr(self, "object", None) is None:
            self.object = VisitMonth.of(self.request.community, self.get_month())
        return self.object

    def get_initial(self) -> dict:
        subject = self.get_object()
        if subject.record is not None:
            return {"text": subject.record.text}
        return {"text": "" if subject.figures.total else _("本月无拜访。")}

    def submitting(self) -> bool:
        return self.request.POST.get("action") == "submit"

    def perform(self, form):
        subject, actor = self.get_object(), self.request.user
        summary = services.visit_summary_prepare(
            community=subject.community, month=subject.period, actor=actor, text=form.cleaned_data["text"]
        )
        if self.submitting():
            summary = services.visit_summary_submit(summary=summary, actor=actor)
        return summary

    def get_success_message(self, summary) -> str:
        return _("拜访汇总已报送管理处经理。") if self.submitting() else _("拜访汇总已保存。")

    def get_success_url(self, summary) -> str:
        subject = self.get_object()
        return services.summary_url(subject.community, subject.period)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = self.get_object()
        month, duty = subject.period, subject.duty
        context.update(
            month=month,
            prev_month=month.previous(),
            next_month=month.next(),
            month_ended=month.has_ended(clock.now()),
            figures=subject.figures,
            summary=subject.record,
            duty=duty,
            due=subject.due,
            state=DeadlineState(duty.state) if duty is not None else None,
            may_write=context["may_perform"],
        )
        return context
