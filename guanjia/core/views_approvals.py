"""Approval chains in the console (DESIGN §12): what waits for my decision, deciding a step, and the
office manager's editor of the community's chains (设置 › 审批流程)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from . import approvals
from .approval_models import Approval, ApprovalOutcome
from .console import StaffMixin
from .errors import ServiceError
from .roles import COMPANY_ROLES, Role

STEP_ROLES = [(value, label) for value, label in Role.choices if value not in COMPANY_ROLES]


class WaitingView(StaffMixin, ListView):
    """待我审批: every open step the signed-in person may decide, in all his communities, oldest due first."""

    action = "core.view"
    template_name = "core/approvals_waiting.html"
    context_object_name = "decisions"
    paginate_by = 50

    def get_queryset(self):
        return approvals.waiting_for(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        approvals.label(context["decisions"])
        return context


def waiting_panel(request) -> dict | None:
    """The dashboard's 待我审批 (the manager's home shows what waits for his decision first)."""
    waiting = approvals.waiting_for(request.user)
    decisions = approvals.label(list(waiting[:5]))
    return (
        {"decisions": decisions, "count": len(decisions) if len(decisions) < 5 else waiting.count()}
        if decisions
        else None
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("意见"), choices=ApprovalOutcome.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecideView(StaffMixin, View):
    """Approve or return the current step of an approval; back to the page it was decided on."""

    model = Approval
    action = "core.view"

    def post(self, request, pk):
        approval = get_object_or_404(self.scoped(Approval.objects.all()), pk=pk)
        form = DecideForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请选择同意或退回。"))
        else:
            try:
                approvals.approval_decide(approval=approval, actor=request.user, **form.cleaned_data)
                messages.success(request, _("审批意见已提交。"))
            except ServiceError as error:
                messages.error(request, error.message)
        target = request.POST.get("next")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
            return redirect(target)
        return redirect("core:approvals_waiting")


class StepForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("审批岗位"), choices=[("", "—"), *STEP_ROLES], required=False)
    limit_hours = forms.IntegerField(label=gettext_lazy("时限（小时）"), min_value=1, max_value=2160, required=False)


StepFormSet = forms.formset_factory(StepForm, extra=1, max_num=approvals.MAX_STEPS)


class ChainListView(StaffMixin, TemplateView):
    """The community's approval chains, each editable by its office manager (core.edit_policy)."""

    action = "core.view"
    template_name = "core/approval_chains.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.request.community
        context["chains"] = [(kind, approvals.chain_steps(community, kind.key)) for kind in approvals.kinds()]
        return context


class ChainEditView(StaffMixin, TemplateView):
    action = "core.edit_policy"
    template_name = "core/approval_chain_edit.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.kind = approvals.kind_of(kwargs["key"])
        except KeyError:
            raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, formset=None, **kwargs):
        context = super().get_context_data(**kwargs)
        if formset is None:
            steps = approvals.chain_steps(self.request.community, self.kind.key)
            formset = StepFormSet(initial=[{"role": s.role, "limit_hours": s.limit_hours} for s in steps])
        context.update(kind=self.kind, formset=formset)
        return context

    def post(self, request, key):
        formset = StepFormSet(request.POST)
        if formset.is_valid():
            steps = [(f["role"], f["limit_hours"]) for f in formset.cleaned_data if f.get("role")]
            missing = [n for n, (_role, hours) in enumerate(steps, start=1) if not hours]
            try:
                if missing:
                    raise ServiceError("approval_bad_limit", _("第 %(n)d 步：请填写时限。") % {"n": missing[0]})
                approvals.chain_set(community=request.community, key=key, steps=steps, actor=request.user)
                messages.success(request, _("审批流程已保存。"))
                return redirect("core:approval_chains")
            except ServiceError as error:
                formset._non_form_errors = formset.error_class([error.message])
        return self.render_to_response(self.get_context_data(formset=formset))
