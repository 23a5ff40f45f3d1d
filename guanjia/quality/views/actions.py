"""Console pages of the fishbone (SV-5), the corrective/preventive actions (QA-3) and the measures
notice (SV-6). Thin views: each form hands its data to one service; what an action offers next comes
from its state machine (core.transitions), and every such step goes through one TransitionView. A
survey or an action of another community is a 404 (DESIGN.md §1)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from guanjia.core import transitions
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, TransitionView, apply_service_error, flash_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.policies import policy
from guanjia.engagement import timeliness
from guanjia.engagement.models import Survey

from .. import documents, selectors, services
from ..choices import ActionStatus
from ..forms import ActionForm, CauseEditForm, CauseForm
from ..models import Action, Cause

# --- Fishbone (SV-5) ---------------------------------------------------------------------------


class SurveyItemMixin(StaffMixin):
    action = "quality.view"
    model = Survey

    def get_survey(self) -> Survey:
        return get_object_or_404(self.scoped(Survey.objects.select_related("community")), pk=self.kwargs["pk"])

    def get_item(self, survey):
        return get_object_or_404(survey.items.all(), pk=self.kwargs["item_pk"])


class FishboneView(SurveyItemMixin, TemplateView):
    """The fishbone of one item: causes under 人机料法环, layer by layer, and the measures they lead to."""

    template_name = "quality/fishbone.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = kwargs.get("survey") or self.get_survey()
        item = kwargs.get("item") or self.get_item(survey)
        context.update(documents.fishbone_context(survey, item))
        context.update(
            may_analyse=has_perm(self.request.user, services.actions.ANALYSE, survey.community_id),
            cause_form=kwargs.get("cause_form") or CauseForm(),
            error_cause=kwargs.get("error_cause"),
        )
        return context

    def post(self, request, *args, **kwargs):
        survey = self.get_survey()
        item = self.get_item(survey)
        if not has_perm(request.user, services.actions.ANALYSE, survey.community_id):
            raise PermissionDenied
        op = request.POST.get("op", "add")
        here = reverse("quality:fishbone", args=[survey.pk, item.pk])
        if op in ("update", "delete"):
            cause = get_object_or_404(
                Cause.objects.select_related("item__survey"), pk=request.POST.get("cause"), item=item
            )
            try:
                if op == "delete":
                    services.cause_delete(cause=cause, actor=request.user)
                    messages.success(request, _("已删除原因“%(t)s”。") % {"t": cause.text})
                else:
                    form = CauseEditForm(request.POST)
                    if not form.is_valid():
                        raise ServiceError("invalid", _("请填写原因。"), field="text")
                    services.cause_update(cause=cause, actor=request.user, text=form.cleaned_data["text"])
                    messages.success(request, _("已修改原因。"))
            except ServiceError as error:
                flash_service_error(request, error)
            return redirect(f"{here}#cause-{cause.pk}" if op == "update" else here)
        form = CauseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            parent = None
            if data["parent"]:
                parent = get_object_or_404(Cause, pk=data["parent"], item=item)
            try:
                cause = services.cause_add(
                    item=item, actor=request.user, category=data["category"], text=data["text"], parent=parent
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已添加原因“%(t)s”。") % {"t": cause.text})
                return redirect(f"{here}#cause-{cause.pk}")
        return self.render_to_response(
            self.get_context_data(survey=survey, item=item, cause_form=form, error_cause=request.POST.get("parent")),
            status=400,
        )


# --- Actions (QA-3) ----------------------------------------------------------------------------


class ActionListView(StaffMixin, ListView):
    """The community's corrective and preventive actions with the state of their QA-3 clocks."""

    action = "quality.view"
    model = Action
    template_name = "quality/action_list.html"
    context_object_name = "actions"
    paginate_by = 50

    def get_queryset(self):
        get = self.request.GET
        queryset = selectors.with_overdue(selectors.actions_list(self.in_community(Action.objects.all())))
        if get.get("status") in ActionStatus.values:
            queryset = queryset.filter(status=get["status"])
        if get.get("overdue"):
            queryset = queryset.filter(overdue=True)
        if get.get("mine"):
            queryset = queryset.filter(owner=self.request.user)
        self.survey = None
        if (get.get("survey") or "").isdigit():
            self.survey = get_object_or_404(self.in_community(Survey.objects.all()), pk=get["survey"])
            queryset = queryset.filter(survey=self.survey)
        return queryset.order_by("status", "due_on", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        selectors.attach_clocks(context["actions"])
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            statuses=ActionStatus.choices,
            filters=self.request.GET,
            survey=self.survey,
            query_string=query.urlencode(),
            may_analyse=has_perm(self.request.user, services.actions.ANALYSE, self.request.community),
        )
        return context


class ActionCreateView(StaffMixin, TemplateView):
    """新增措施: from a cause on the fishbone, a key item of the results, or on its own."""

    action = "quality.analyse"
    template_name = "quality/action_form.html"

    def source(self):
        get = self.request.GET
        survey = item = cause = None
        if (get.get("cause") or "").isdigit():
            cause = get_object_or_404(
                Cause.objects.select_related("item__survey"),
                pk=get["cause"],
                item__survey__in=self.in_community(Survey.objects.all()),
            )
            item, survey = cause.item, cause.item.survey
        elif (get.get("item") or "").isdigit():
            survey = get_object_or_404(self.in_community(Survey.objects.all()), pk=get.get("survey") or 0)
            item = get_object_or_404(survey.items.all(), pk=get["item"])
        elif (get.get("survey") or "").isdigit():
            survey = get_object_or_404(self.in_community(Survey.objects.all()), pk=get["survey"])
        return survey, item, cause

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey, item, cause = kwargs.get("src") or self.source()
        form = kwargs.get("form") or ActionForm(
            community=self.request.community,
            initial={
                "problem": item.text if item else "",
                "cause_text": cause.text if cause else "",
                "owner": self.request.user.pk,
            },
        )
        context.update(form=form, survey=survey, item=item, cause=cause)
        return context

    def post(self, request, *args, **kwargs):
        src = self.source()
        survey, item, cause = src
        form = ActionForm(request.POST, community=request.community)
        if form.is_valid():
            try:
                action = services.action_create(
                    community=request.community,
                    actor=request.user,
                    survey=survey,
                    item=item,
                    cause=cause,
                    **form.cleaned_data,
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("已新增措施，责任人：%(o)s。") % {"o": action.owner.get_full_name() or action.owner.username},
                )
                if item:
                    return redirect("quality:fishbone", survey.pk, item.pk)
                return redirect("quality:action", action.pk)
        return self.render_to_response(self.get_context_data(form=form, src=src), status=400)


def action_context(request, act: Action, bound: dict | None = None, refusal: ServiceError | None = None) -> dict:
    """What the action's page shows: its facts, its QA-3 clocks and the steps its state offers the user."""
    offers = transitions.offers(act, request.user)
    bound = bound or {}
    return {
        "act": act,
        "clocks": list(selectors.action_clocks(act)),
        "offers": [(offer, bound.get(offer.action) or offer.form(act)) for offer in offers],
        "refusal": refusal,
    }


class ActionDetailView(StaffMixin, TemplateView):
    """One action: its QA-3 clock(s), the owner's completion and the verification."""

    action = "quality.view"
    model = Action
    template_name = "quality/action_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        act = get_object_or_404(selectors.actions_list(self.scoped(Action.objects.all())), pk=self.kwargs["pk"])
        context.update(action_context(self.request, act))
        return context


class ActionTransitionView(TransitionView):
    """报完成 and 验证 (QA-3): the URL names the transition's action, the service is `action_<action>`.
    GET and a refusal show the action's page with the step's form and its errors (or why not now)."""

    action = "quality.view"
    model = Action
    services = services
    template_name = "quality/action_detail.html"

    def get_queryset(self):
        return selectors.actions_list(Action.objects.all())

    def render_form(self, form, status: int = 200, refusal: ServiceError | None = None):
        bound = {self.get_offer().action: form} if form.is_bound else {}
        context = action_context(self.request, self.get_object(), bound=bound, refusal=refusal)
        return self.render_to_response(context, status=status)


# --- Measures notice (SV-6) --------------------------------------------------------------------


class SurveyMeasuresView(StaffMixin, TemplateView):
    """The key items of a survey with their measures, and publishing them on time (SV-6)."""

    action = "quality.view"
    model = Survey
    template_name = "quality/survey_measures.html"

    def get_survey(self):
        return get_object_or_404(self.scoped(Survey.objects.select_related("community")), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = self.get_survey()
        context.update(documents.measures_context(survey))
        context.update(
            measures=timeliness.measures_timeliness(survey),  # SV-6: on time, late or overdue
            measures_workdays=policy(survey.community, "SV-6.measures_workdays"),
            may_manage=has_perm(self.request.user, "engagement.survey_manage", survey.community_id),
            may_analyse=has_perm(self.request.user, services.actions.ANALYSE, survey.community_id),
        )
        return context

    def post(self, request, *args, **kwargs):
        survey = self.get_survey()
        try:
            services.survey_publish_measures(survey=survey, actor=request.user)
        except ServiceError as error:
            if error.status == 403:
                raise PermissionDenied from None
            flash_service_error(request, error)
        else:
            messages.success(request, _("整改措施已公布。"))
        return redirect("quality:survey_measures", survey.pk)
