"""Survey results (SV-3, SV-4, SV-6) and the complaints Pareto: the statistics with their
arithmetic, the Pareto chart, and the published version for owners (no room number, no name, no
suggestions text: LW-1). `results_context` is also what the 问卷结果统计表 and 结果公示 PDFs print
(engagement.documents).

Thin views: the numbers come from `surveys.results_with_counts` (one GROUP BY however many sheets);
publishing is the survey machine's `publish_results` step (views_survey_steps).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from guanjia.core import clock, transitions
from guanjia.core.access import has_perm
from guanjia.core.console import StaffMixin, form_errors
from guanjia.core.errors import ServiceError
from guanjia.core.policies import policy
from guanjia.core.replica import ReplicaReadsMixin
from guanjia.servicedesk.models import Ticket

from . import charts, complaints, surveys
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
        "interim": survey.is_interim,
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


def results_page_context(request, survey: Survey, bound: dict | None = None, refusal: ServiceError | None = None):
    """The results page: the statistics, the suggestions (paginated) and, when the state machine
    offers it to this user, publishing them (SV-6) with its form (`bound`: the one just refused)."""
    context = results_context(survey)
    context["suggestions"] = Paginator(suggestions_of(survey), SUGGESTIONS_PER_PAGE).get_page(request.GET.get("page"))
    bound = bound or {}
    publish = next((o for o in transitions.offers(survey, request.user) if o.action == "publish_results"), None)
    context.update(
        may_publish=has_perm(request.user, "engagement.survey_manage", survey.community_id),
        publish=publish,
        publish_form=(bound.get("publish_results") or publish.form(survey)) if publish else None,
        # why publishing was refused, when its form is not on the page now
        page_errors=([str(refusal.message)] if refusal is not None else [])
        + [e for form in bound.values() if publish is None for e in form_errors(form)],
    )
    return context


class SurveyResultsView(SurveyMixin, TemplateView):
    """The statistics with the arithmetic (SV-3), the Pareto table and chart (SV-4), suggestions;
    live during collection (中期数据). Publishing them (SV-6) is a step of the survey's machine
    (SurveyStepView)."""

    model = Survey
    template_name = "engagement/survey_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(results_page_context(self.request, self.get_survey()))
        return context


class SurveyPublicView(SurveyMixin, TemplateView):
    """The published version as a console print view (LW-1: no room, no name, no suggestions)."""

    model = Survey
    template_name = "engagement/survey_results_public.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(results_context(self.get_survey(), public=True))
        return context


class ComplaintsParetoView(StaffMixin, ReplicaReadsMixin, TemplateView):
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
            self.scoped(Survey.objects.published().filter(community=community))
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
