"""The late-charge clause pages of the console (FE-3): the clauses recorded, newest first, with how
each stands today; recording one; ending one. Reading needs billing.view (as the arrears pages),
recording and ending billing.record_clause (the office manager); another community's clause is a 404.
No clause, no late charge: the page says so."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, StaffMixin, apply_service_error
from guanjia.core.errors import Conflict, ServiceError

from .forms_clauses import ClauseEndForm, ClauseForm
from .models import LateChargeClause
from .services import clauses
from .services.late_charges import active_clause

PAGE_SIZE = 50
STATES = {
    "in_force": (gettext_lazy("生效中"), "green"),
    "upcoming": (gettext_lazy("待生效"), "amber"),
    "superseded": (gettext_lazy("已被取代"), "grey"),
    "ended": (gettext_lazy("已终止"), "grey"),
}


class ClauseListView(StaffMixin, ListView):
    """违约金条款: the history of the community's clauses (one query a page)."""

    action = "billing.view"
    template_name = "billing/arrears_clauses.html"
    context_object_name = "clauses"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return self.in_community(LateChargeClause.objects.select_related("recorded_by", "ended_by")).order_by(
            "-since", "-id"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = clock.today()
        for clause in context["clauses"]:
            clause.state_label, clause.state_colour = STATES[clauses.clause_state(clause, today)]
            clause.may_end = clause.active and (clause.until is None or clause.until >= today)
        context.update(
            current=active_clause(self.request.community, today),
            today=today,
            may_record=has_perm(self.request.user, clauses.PERMISSION, self.request.community),
        )
        return context


class ClauseRecordView(StaffMixin, TemplateView):
    action = clauses.PERMISSION
    template_name = "billing/arrears_clause_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or ClauseForm(initial={"grace_days": 0, "since": clock.today()})
        return context

    def post(self, request):
        form = ClauseForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                clause = clauses.clause_record(community=request.community, actor=request.user, **form.cleaned_data)
            except ServiceError as error:
                apply_service_error(form, error)
                status = error.status
            else:
                messages.success(request, _("已登记违约金条款 %(ref)s。") % {"ref": clause.contract_ref})
                return redirect("billing:arrears_clauses")
        return self.render_to_response(self.get_context_data(form=form), status=status)


class ClauseEndView(ActionView):
    model = LateChargeClause
    action = clauses.PERMISSION
    form_class = ClauseEndForm
    title = gettext_lazy("终止违约金条款")
    submit_label = gettext_lazy("终止")
    success_message = gettext_lazy("已终止该条款，此后不再计收违约金。")

    def get_queryset(self):
        return LateChargeClause.objects.filter(community=self.request.community)

    def refusal(self):
        clause, today = self.get_object(), clock.today()
        if not clause.active or (clause.until is not None and clause.until < today):
            return Conflict("clause_ended", _("该条款已终止或已被新条款取代，无需再终止。"))
        return None

    def perform(self, form):
        return clauses.clause_end(
            clause=self.get_object(), actor=self.request.user, reason=form.cleaned_data["end_reason"]
        )

    def get_success_url(self, result) -> str:
        return reverse("billing:arrears_clauses")
