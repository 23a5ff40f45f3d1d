"""Survey results (SV-3, SV-4, SV-6) and the complaints Pareto: the statistics with their
arithmetic, the Pareto chart, and the published version for owners (no room number, no name, no
suggestions text: LW-1). `results_context` is also what the 问卷结果统计表 and 结果公示 PDFs print
(engagement.documents).

Thin views: the numbers come from `surveys.results_with_counts` (one GROUP BY however many sheets),
publishing is one call to `surveys.survey_publish_results`.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from guanjia.core import clock
from guanjia.core.console import StaffMixin
from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.policies import policy
from guanjia.servicedesk.models import Ticket

from . import charts, complaints, surveys
from .choices import SurveyStatus
from .models import Survey, SurveySheet
from .views_surveys import SurveyMixin

SUGGESTIONS_PER_PAGE = 50


def fishbone_url(survey: Survey, item) -> str:
    """The fishbone page of a key item (SV-5): a page of the quality app, named by URL."""
    return reverse("quality:fishbone", args=[survey.pk, item.pk])


def results_context(survey: Survey, *, public: bool = False) -> dict:
    """Everything the results page, the PDFs and the published version show.

    `public`: the published version (LW-1) — no suggestions, no room codes; the corrective
    measures only once `measures_published_at` is set."""
    counts, result, pareto = surveys.results_with_counts(survey)
    items = list(survey.items.all())
    key_pct = Decimal(str(policy(survey.community, "SV-4.key_cumulative_pct")))
    keys = {r.item for r in pareto if r.key}
    rows = []
    for item, count, rate in zip(items, counts, result.items, strict=True):
        rows.append(
            {
                "item": item,
                "counts": count,
                "rate": rate,
                "key": item.text in keys,
                "explain": result.explain(rate),
                "fishbone_url": "" if public else fishbone_url(survey, item),
            }
        )
    key_items = [r for r in rows if r["key"]]
    context = {
        "survey": survey,
        "community": survey.community,
        "result": result,
        "rows": rows,
        "abstained": sum(c.abstained for c in counts),
        "overall_explain": result.explain(),
        "pareto": pareto,
        "key_items": key_items,
        "key_pct": key_pct,
        "chart": mark_safe(  # built from escaped text by charts.pareto_svg
            charts.pareto_svg(pareto, title=_("不满意项目排列图"), key_pct=key_pct)
        ),
        "interim": survey.status in (SurveyStatus.DRAFT, SurveyStatus.ISSUED),
        "generated_at": timezone.localtime(),
        "public": public,
    }
    if public:
        context["actions"] = (
            list(survey.actions.select_related("item").order_by("due_on", "id")) if survey.measures_published_at else []
        )
    return context


def suggestions_of(survey: Survey):
    """Returned sheets with suggestions, with their room codes (staff only)."""
    return (
        SurveySheet.objects.filter(survey=survey, returned_at__isnull=False)
        .exclude(suggestions="")
        .select_related("room")
        .only("number", "suggestions", "room__code")
        .order_by("number")
    )


class SurveyResultsView(SurveyMixin, TemplateView):
    """The statistics with the arithmetic (SV-3), the Pareto table and chart (SV-4), suggestions;
    live during collection (中期数据). POST publishes the results (SV-6)."""

    model = Survey
    template_name = "engagement/survey_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = self.get_survey()
        context.update(results_context(survey))
        context["suggestions"] = Paginator(suggestions_of(survey), SUGGESTIONS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        context["may_publish"] = self.may("engagement.survey_manage")
        context["can_publish"] = survey.status == SurveyStatus.CLOSED
        context["conclusion"] = kwargs.get("conclusion", survey.conclusion)
        context["publish_error"] = kwargs.get("publish_error", "")
        return context

    def post(self, request, *args, **kwargs):
        survey = self.get_survey()
        conclusion = request.POST.get("conclusion", "")
        try:  # the service checks survey_manage (403) and the state (closed)
            surveys.survey_publish_results(survey=survey, actor=request.user, conclusion=conclusion)
        except ServiceError as error:
            if isinstance(error, Forbidden):
                raise
            return self.render_to_response(
                self.get_context_data(conclusion=conclusion, publish_error=str(error.message)), status=400
            )
        messages.success(request, _("统计结果已公布。"))
        return redirect("engagement:survey_results", pk=survey.pk)


class SurveyPublicView(SurveyMixin, TemplateView):
    """The published version as a console print view (LW-1: no room, no name, no suggestions)."""

    model = Survey
    template_name = "engagement/survey_results_public.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(results_context(self.get_survey(), public=True))
        return context


class ComplaintsParetoView(StaffMixin, TemplateView):
    """The Pareto of a period's complaints on the SV-7 topic axis (SV-4), compared with the key
    items of the latest published survey. ?start=&end= (inclusive dates), default last full quarter."""

    action = "engagement.view"
    template_name = "engagement/complaints_pareto.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.request.community
        today = clock.today()
        error = None
        try:
            period = complaints.parse_period(self.request.GET.get("start"), self.request.GET.get("end"), today)
        except ServiceError as e:
            error = e
            period = complaints.last_full_quarter(today)
        tickets = complaints.complaints_in(self.scoped(Ticket.objects.all(), "engagement.view"), community, period)
        pareto, topics, total = complaints.complaints_pareto(tickets, community)
        key_pct = Decimal(str(policy(community, "SV-4.key_cumulative_pct")))
        context.update(
            period=period,
            start=self.request.GET.get("start", period.start.isoformat()) if error else period.start.isoformat(),
            end=self.request.GET.get("end", period.end.isoformat()) if error else period.end.isoformat(),
            error=error,
            pareto=pareto,
            total=total,
            key_pct=key_pct,
            chart=mark_safe(charts.pareto_svg(pareto, title=_("投诉排列图"), key_pct=key_pct)),
            comparison=self.comparison(community, pareto, topics),
        )
        return context

    def comparison(self, community, pareto, topics) -> dict | None:
        """问卷与投诉的关键项: the key items of the latest published survey beside the key topics of
        the complaints, matched on the SV-7 topic."""
        survey = (
            self.scoped(Survey.objects.filter(community=community, status=SurveyStatus.PUBLISHED))
            .select_related("community")
            .order_by("-results_published_at", "-id")
            .first()
        )
        if survey is None:
            return None
        _counts, _result, rows = surveys.results_with_counts(survey)
        survey_keys = {r.item for r in rows if r.key}
        items = [i for i in survey.items.all() if i.text in survey_keys]
        complaint_topics = {topics[r.item] for r in pareto if r.key}
        survey_topics = {i.topic for i in items if i.topic}
        return {
            "survey": survey,
            "survey_keys": [{"text": i.text, "both": i.topic in complaint_topics} for i in items],
            "complaint_keys": [{"text": r.item, "both": topics[r.item] in survey_topics} for r in pareto if r.key],
            "both": [complaints.topic_label(t) for t in complaint_topics & survey_topics if t],
        }
