"""Console pages of the fishbone (SV-5), the corrective/preventive actions (QA-3) and the measures
notice (SV-6). Thin views: each form hands its data to one service in `actions`; a survey or an
action of another community is a 404 (DESIGN.md §1)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, apply_service_error, flash_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.pdf import pdf_response
from guanjia.core.policies import policy

from . import actions, charts, staff, surveys, timeliness
from .choices import ActionKind, ActionStatus, CauseCategory
from .models import Action, Cause, Survey

# --- Forms -------------------------------------------------------------------------------------


class CauseForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("类别"), choices=CauseCategory.choices, required=False)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(label=gettext_lazy("原因"), max_length=200)


class CauseEditForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("原因"), max_length=200)


class DateInput(forms.DateInput):
    input_type = "date"


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ActionKind.choices, initial=ActionKind.CORRECTIVE)
    problem = forms.CharField(label=gettext_lazy("存在的问题"), max_length=200)
    cause_text = forms.CharField(label=gettext_lazy("原因"), max_length=200, required=False)
    measure = forms.CharField(label=gettext_lazy("措施"), widget=forms.Textarea(attrs={"rows": 4}))
    # QA-3: the picker offers the community's staff only; a crafted id of anyone else is refused.
    owner = forms.ModelChoiceField(
        label=gettext_lazy("责任人"), queryset=None, error_messages={"invalid_choice": actions.OWNER_NOT_STAFF}
    )
    due_on = forms.DateField(label=gettext_lazy("完成期限"), widget=DateInput)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff.staff_of(community)
        self.fields["owner"].label_from_instance = staff.staff_name


class CompleteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("完成情况"), widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=gettext_lazy("验证结论"),
        choices=[("1", gettext_lazy("措施有效，关闭")), ("0", gettext_lazy("措施无效，重新整改"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    verification = forms.CharField(label=gettext_lazy("验证结果"), widget=forms.Textarea(attrs={"rows": 3}))
    new_due_on = forms.DateField(
        label=gettext_lazy("新的完成期限"), widget=DateInput, required=False, help_text=gettext_lazy("措施无效时必填。")
    )


# --- Fishbone (SV-5) ---------------------------------------------------------------------------


class SurveyItemMixin(StaffMixin):
    action = "engagement.view"

    def get_survey(self) -> Survey:
        return get_object_or_404(self.scoped(Survey.objects.select_related("community")), pk=self.kwargs["pk"])

    def get_item(self, survey):
        return get_object_or_404(survey.items.all(), pk=self.kwargs["item_pk"])


def fishbone_context(survey, item) -> dict:
    _result, rows = surveys.results(survey)
    row = next((r for r in rows if r.item == item.text), None)
    dissatisfied = row.dissatisfied if row else 0
    tree = actions.cause_tree(item)
    effect = _("%(i)s（不满意 %(n)s）") % {"i": item.text, "n": dissatisfied}
    svg = charts.fishbone_svg(effect, [(label, nodes) for _c, label, nodes in tree])
    return {
        "survey": survey,
        "item": item,
        "dissatisfied": dissatisfied,
        "is_key": bool(row and row.key),
        "key_texts": [r.item for r in rows if r.key],
        "items": list(survey.items.all()),
        "key_item_ids": [i.pk for i in survey.items.all() if any(r.key and r.item == i.text for r in rows)],
        "tree": tree,
        "svg": svg,
        "cause_count": sum(1 for _c, _l2, nodes in tree for n in nodes for _x in n.walk()),
        "item_actions": list(actions.actions_list(item.actions.all())),
        "generated_at": clock.now(),
        "community": survey.community,
    }


class FishboneView(SurveyItemMixin, TemplateView):
    """The fishbone of one item: causes under 人机料法环, layer by layer, and the measures they lead to."""

    template_name = "engagement/fishbone.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = kwargs.get("survey") or self.get_survey()
        item = kwargs.get("item") or self.get_item(survey)
        context.update(fishbone_context(survey, item))
        context.update(
            may_analyse=has_perm(self.request.user, "engagement.analyse", survey.community_id),
            cause_form=kwargs.get("cause_form") or CauseForm(),
            error_cause=kwargs.get("error_cause"),
        )
        return context

    def post(self, request, *args, **kwargs):
        survey = self.get_survey()
        item = self.get_item(survey)
        if not has_perm(request.user, "engagement.analyse", survey.community_id):
            raise PermissionDenied
        op = request.POST.get("op", "add")
        here = reverse("engagement:fishbone", args=[survey.pk, item.pk])
        if op in ("update", "delete"):
            cause = get_object_or_404(
                Cause.objects.select_related("item__survey"), pk=request.POST.get("cause"), item=item
            )
            try:
                if op == "delete":
                    actions.cause_delete(cause=cause, actor=request.user)
                    messages.success(request, _("已删除原因“%(t)s”。") % {"t": cause.text})
                else:
                    form = CauseEditForm(request.POST)
                    if not form.is_valid():
                        raise ServiceError("invalid", _("请填写原因。"), field="text")
                    actions.cause_update(cause=cause, actor=request.user, text=form.cleaned_data["text"])
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
                cause = actions.cause_add(
                    item=item, actor=request.user, category=data["category"], text=data["text"], parent=parent
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已添加原因“%(t)s”。") % {"t": cause.text})
                return redirect(f"{here}#cause-{cause.pk}")
        return self.render_to_response(
            self.get_context_data(survey=survey, item=item, cause_form=form, error_cause=request.POST.get("parent"))
        )


class FishbonePdfView(SurveyItemMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        survey = self.get_survey()
        item = self.get_item(survey)
        context = fishbone_context(survey, item)
        context["title"] = _("因果分析图")
        return pdf_response("engagement/fishbone_pdf.html", context, f"{survey.title}-{item.text}-因果图.pdf", request)


# --- Actions (QA-3) ----------------------------------------------------------------------------


class ActionListView(StaffMixin, ListView):
    """The community's corrective and preventive actions with the state of their QA-3 clocks."""

    action = "engagement.view"
    template_name = "engagement/action_list.html"
    context_object_name = "actions"
    paginate_by = 50

    def get_queryset(self):
        get = self.request.GET
        queryset = actions.with_overdue(actions.actions_list(self.in_community(Action.objects.all())))
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
        actions.attach_clocks(context["actions"])
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            statuses=ActionStatus.choices,
            filters=self.request.GET,
            survey=self.survey,
            query_string=query.urlencode(),
            may_analyse=has_perm(self.request.user, "engagement.analyse", self.request.community),
            may_manage=has_perm(self.request.user, "engagement.survey_manage", self.request.community),
        )
        return context


class ActionCreateView(StaffMixin, TemplateView):
    """新增措施: from a cause on the fishbone, a key item of the results, or on its own."""

    action = "engagement.analyse"
    template_name = "engagement/action_form.html"

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
                action = actions.action_create(
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
                    return redirect("engagement:fishbone", survey.pk, item.pk)
                return redirect("engagement:action", action.pk)
        return self.render_to_response(self.get_context_data(form=form, src=src))


class ActionDetailView(StaffMixin, TemplateView):
    """One action: its QA-3 clock(s), the owner's completion and the verification."""

    action = "engagement.view"
    template_name = "engagement/action_detail.html"

    def get_action(self):
        return get_object_or_404(actions.actions_list(self.scoped(Action.objects.all())), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        act = kwargs.get("act") or self.get_action()
        user = self.request.user
        context.update(
            act=act,
            clocks=list(actions.action_clocks(act)),
            may_complete=actions.may_complete(user, act),
            may_verify=act.status == ActionStatus.DONE and has_perm(user, "engagement.verify_action", act.community_id),
            complete_form=kwargs.get("complete_form") or CompleteForm(),
            verify_form=kwargs.get("verify_form") or VerifyForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        act = self.get_action()
        if request.POST.get("op") == "verify":
            form = VerifyForm(request.POST)
            if form.is_valid():
                try:
                    actions.action_verify(action=act, actor=request.user, **form.cleaned_data)
                except ServiceError as error:
                    apply_service_error(form, error)
                else:
                    messages.success(request, _("已记录验证结果。"))
                    return redirect("engagement:action", act.pk)
            return self.render_to_response(self.get_context_data(act=act, verify_form=form))
        form = CompleteForm(request.POST)
        if form.is_valid():
            try:
                actions.action_complete(action=act, actor=request.user, note=form.cleaned_data["note"])
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已报完成，等待验证。"))
                return redirect("engagement:action", act.pk)
        return self.render_to_response(self.get_context_data(act=act, complete_form=form))


# --- Measures notice (SV-6) --------------------------------------------------------------------


def measures_context(survey) -> dict:
    rows = actions.measures_of(survey)
    for row in rows:
        for a in row.actions:
            a.responsible = actions.responsible_label(a)
    return {"survey": survey, "rows": rows, "community": survey.community, "generated_at": clock.now()}


class SurveyMeasuresView(StaffMixin, TemplateView):
    """The key items of a survey with their measures, and publishing them on time (SV-6)."""

    action = "engagement.view"
    template_name = "engagement/action_measures.html"

    def get_survey(self):
        return get_object_or_404(self.scoped(Survey.objects.select_related("community")), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = self.get_survey()
        context.update(measures_context(survey))
        context.update(
            measures=timeliness.measures_timeliness(survey),  # SV-6: on time, late or overdue
            measures_workdays=policy(survey.community, "SV-6.measures_workdays"),
            may_manage=has_perm(self.request.user, "engagement.survey_manage", survey.community_id),
            may_analyse=has_perm(self.request.user, "engagement.analyse", survey.community_id),
        )
        return context

    def post(self, request, *args, **kwargs):
        survey = self.get_survey()
        try:
            actions.survey_publish_measures(survey=survey, actor=request.user)
        except ServiceError as error:
            if error.status == 403:
                raise PermissionDenied from None
            flash_service_error(request, error)
        else:
            messages.success(request, _("整改措施已公布。"))
        return redirect("engagement:survey_measures", survey.pk)


class SurveyMeasuresPdfView(SurveyMeasuresView):
    def get(self, request, *args, **kwargs):
        survey = self.get_survey()
        context = measures_context(survey)
        context["title"] = _("整改措施公示")
        return pdf_response("pdf/survey_measures.html", context, f"{survey.title}-整改措施公示.pdf", request)
