"""Console pages of the surveys (SV-1, SV-2, SV-3 entry): set up, draw, issue, track the returns,
enter paper forms by keyboard. Thin views: every write is one call into `surveys`; a survey of
another community is a 404 (DESIGN.md §1). The blank forms and the issue register are registered
forms (engagement.documents)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from guanjia.core import clock, transitions, workdays
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, apply_service_error, form_errors
from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import ServiceError
from guanjia.core.models import DeadlineState
from guanjia.core.policies import policy
from guanjia.estates.households import household_count

from . import sample, surveys, timeliness
from .choices import SurveyKind
from .forms_surveys import ANSWER_LEGEND, SheetEntryForm, SurveyCreateForm
from .models import Survey, SurveySheet


def _rate(returned: int, issued: int) -> Decimal | None:
    return (Decimal(returned * 100) / issued).quantize(Decimal("0.1")) if issued else None


class SurveyMixin(StaffMixin):
    """A survey of the current community, or 404."""

    action = "engagement.view"

    def get_survey(self) -> Survey:
        if not hasattr(self, "_survey"):
            self._survey = get_object_or_404(
                self.in_community(Survey.objects.select_related("community")), pk=self.kwargs["pk"]
            )
        return self._survey

    def may(self, action: str) -> bool:
        return has_perm(self.request.user, action, self.request.community)


class SurveyListView(StaffMixin, ListView):
    """The community's surveys, newest first, with their returns against SV-2's minimum."""

    action = "engagement.view"
    template_name = "engagement/survey_list.html"
    context_object_name = "surveys"
    paginate_by = 30

    def get_queryset(self):
        queryset = self.in_community(Survey.objects.all())
        return surveys.surveys_with_counts(queryset).order_by("-year", "-period", "-created_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.request.community
        minimum = Decimal(str(policy(community, "SV-2.min_return_pct")))
        timeliness.attach_measures(context["surveys"])  # SV-6: late or overdue notices, one query
        for survey in context["surveys"]:
            survey.early_warning = timeliness.early_issue_warning(survey, survey.issued_on)  # SV-1
            survey.return_rate = _rate(survey.returned, survey.issued)
            survey.rate_ok = survey.return_rate is not None and survey.return_rate >= minimum
            survey.period_label = surveys.period_label(survey.kind, survey.year, survey.period)
            survey.collect_due_text = workdays.deadline_text(survey.collect_until)
        context.update(
            min_return_pct=minimum, may_manage=has_perm(self.request.user, "engagement.survey_manage", community)
        )
        return context


class SurveyCreateView(StaffMixin, FormView):
    action = "engagement.survey_manage"
    template_name = "engagement/survey_form.html"
    form_class = SurveyCreateForm

    def get_initial(self):
        kind = self.request.GET.get("kind")
        kind = kind if kind in SurveyKind.values else SurveyKind.EVALUATION
        year, period = surveys.next_due_period(self.request.community, kind, clock.today())
        return {"kind": kind, "year": year, "period": period}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = SurveyKind.choices
        context["default_items"] = surveys.default_items()
        return context

    def form_valid(self, form):
        try:
            survey = surveys.survey_create(
                community=self.request.community, actor=self.request.user, **form.cleaned_data
            )
        except ServiceError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已建立%(t)s。请确定发放对象。") % {"t": survey.title})
        return redirect("engagement:survey", pk=survey.pk)


def draw_message(survey: Survey, forms_count: int) -> str:
    """What the draw did, with its arithmetic (SV-1) or its coverage (SV-2)."""
    _households, households_text = household_count(survey.community)
    if survey.kind == SurveyKind.QUESTIONNAIRE:  # SV-2
        return _("已确定发放对象：全部%(h)s，共 %(n)s 份，每个单元均已覆盖。") % {
            "h": households_text,
            "n": forms_count,
        }
    pct = policy(survey.community, "SV-1.sample_pct")  # SV-1
    text = _("已确定发放对象：%(h)s × %(p)s%% = %(m)s 户") % {"h": households_text, "p": pct, "m": forms_count}
    again = surveys.drawn_earlier_this_year(survey)
    if again:
        return text + _("；本年度未抽取的业户不足，其中 %(a)s 户为本年度已抽取过的业户。") % {"a": again}
    return text + _("，已避开本年度已抽取的业户。")


def survey_page_context(request, survey: Survey, bound: dict | None = None, refusal: ServiceError | None = None):
    """Everything a survey's page shows: dates, clocks, items, coverage per entrance, and the
    actions its state machine offers this user now (core.transitions.offers), each with its form
    (or, in `bound`, the one just refused, with its errors); `refusal`: why the action asked for
    cannot be taken now."""
    community = survey.community
    issued, returned = surveys.sheet_counts(survey)
    items = list(survey.items.all())
    proposed = surveys.proposed_issue_date(community, survey.kind, survey.year, survey.period)
    minimum = surveys.min_return_pct(survey)
    coverage = surveys.coverage(survey)
    for row in coverage:
        row["rate"] = _rate(row["returned"], row["issued"])
    bound = bound or {}
    offers = {
        offer.action: {"offer": offer, "form": bound.get(offer.action) or offer.form(survey)}
        for offer in transitions.offers(survey, request.user)
    }
    context = {
        "survey": survey,
        "period_label": surveys.period_label(survey.kind, survey.year, survey.period),
        "is_evaluation": survey.kind == SurveyKind.EVALUATION,
        "draft": survey.is_draft,
        "items": items,
        "issued": issued,
        "returned": returned,
        "return_rate": _rate(returned, issued),
        "min_return_pct": minimum,
        "rate_ok": issued and _rate(returned, issued) >= minimum,
        "proposed_issue_date": proposed,
        "collect_due": workdays.deadline_text(survey.collect_until or surveys.collect_due(survey, proposed)),
        "deadlines": [(d, DeadlineState(d.state), workdays.deadline_text(d.due_at)) for d in deadlines_of(survey)],
        "coverage": coverage,
        "uncovered": sum(1 for r in coverage if not r["issued"]),
        "may_enter": has_perm(request.user, "engagement.survey_enter", community),
        "offers": offers,
        "any_step": bool({"draw", "issue", "close"} & set(offers)),
        # SV-1: the warning the clerk confirms before handing an evaluation out early.
        "early_warning": " ".join(bound["issue"].errors.get("early_ok", [])) if "issue" in bound else "",
        "issued_early": timeliness.early_issue_warning(survey, survey.issued_on),
        "mid_month": timeliness.mid_month(survey) if survey.kind == SurveyKind.EVALUATION else None,
        "measures": timeliness.measures_timeliness(survey),  # SV-6
        "sample": sample.sample_check(survey),  # SV-1 minimum / SV-2 every household, against today's register
        "results_url": reverse("engagement:survey_results", args=[survey.pk]),
        "page_errors": ([str(refusal.message)] if refusal is not None else [])
        # a step with no fields (draw, top up, close) or not offered now says why at the top
        + [e for name, form in bound.items() if name not in offers or not form.fields for e in form_errors(form)],
    }
    if survey.is_draft:
        households, households_text = household_count(community)
        context.update(households=households, households_text=households_text)
        if survey.kind == SurveyKind.EVALUATION:
            pct = policy(community, "SV-1.sample_pct")
            context.update(sample_pct=pct, sample_size=sample.sample_size(households, pct))
    return context


class SurveyDetailView(SurveyMixin, TemplateView):
    """A survey's dates, clocks, items and coverage per entrance, with what may be done to it now
    (set up, draw, issue, top up, close: each through SurveyStepView)."""

    model = Survey
    template_name = "engagement/survey_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(survey_page_context(self.request, self.get_survey()))
        return context


class SheetListView(SurveyMixin, ListView):
    """The forms of a survey: returned or not, by building."""

    model = Survey
    template_name = "engagement/sheet_list.html"
    context_object_name = "sheets"
    paginate_by = 100

    def get_queryset(self):
        survey = self.get_survey()
        queryset = (
            self.in_community(SurveySheet.objects.filter(survey=survey))
            .select_related("room", "room__building", "room__unit", "entered_by")
            .order_by("number")
        )
        state = self.request.GET.get("state")
        if state == "returned":
            queryset = queryset.filter(returned_at__isnull=False)
        elif state == "pending":
            queryset = queryset.filter(returned_at__isnull=True)
        building = (self.request.GET.get("building") or "").strip()
        if building:
            queryset = queryset.filter(room__building__code=building)
        q = (self.request.GET.get("q") or "").strip()
        if q:
            queryset = queryset.filter(Q(room__code__icontains=q) | Q(number=int(q) if q.isdigit() else -1))
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = self.get_survey()
        issued, returned = surveys.sheet_counts(survey)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            survey=survey,
            issued=issued,
            returned=returned,
            buildings=[
                code
                for code, _key in survey.sheets.values_list("room__building__code", "room__building__sort_key")
                .distinct()
                .order_by("room__building__sort_key")
            ],
            state=self.request.GET.get("state", ""),
            building=self.request.GET.get("building", ""),
            q=self.request.GET.get("q", ""),
            query_string=query.urlencode(),
            may_enter=self.may("engagement.survey_enter") and survey.accepts_answers,
        )
        return context


class SheetEntryView(SurveyMixin, FormView):
    """Paper forms by keyboard only (SV-3): 表号, the answer string, Enter; the page comes back
    ready for the next form."""

    model = Survey
    action = "engagement.survey_enter"
    template_name = "engagement/sheet_entry.html"

    def get_form(self, form_class=None):
        survey = self.get_survey()
        self.items = list(survey.items.all())
        return SheetEntryForm(**self.get_form_kwargs(), survey=survey, items=self.items)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = self.get_survey()
        issued, returned = surveys.sheet_counts(survey)
        context.update(
            survey=survey,
            items=self.items,
            legend=ANSWER_LEGEND,
            issued=issued,
            returned=returned,
            open=survey.accepts_answers,
        )
        return context

    def post(self, request, *args, **kwargs):
        survey = self.get_survey()
        if not survey.accepts_answers:
            messages.error(request, _("%(t)s不在回收期内，不能录入答卷。") % {"t": survey.title})
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        sheet = form.cleaned_data["sheet"]
        again = sheet.returned_at is not None
        try:
            surveys.sheet_record(
                sheet=sheet,
                actor=self.request.user,
                answers=form.answers_by_item(),
                suggestions=form.cleaned_data["suggestions"],
            )
        except ServiceError as error:
            apply_service_error(form, error)
            return self.form_invalid(form)
        text = _("第 %(n)s 号表（%(room)s）已更正。") if again else _("第 %(n)s 号表（%(room)s）已录入。")
        messages.success(self.request, text % {"n": sheet.number, "room": sheet.room.code})
        return redirect(self.request.path)
