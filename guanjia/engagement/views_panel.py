"""The 访问与满意度 panel of the dashboard (VS-1, VS-5, SV-2, SV-3), loaded with htmx after the page.
One's own QA-3 actions are on the quality app's panel."""

from django.views.generic import TemplateView

from guanjia.core import clock, periods
from guanjia.core.console import StaffMixin
from guanjia.core.models import DeadlineState
from guanjia.core.periods import Period

from . import services, surveys, visit_reports
from .indicators import indicators
from .models import Survey


class EngagementPanelView(StaffMixin, TemplateView):
    action = "engagement.view"
    template_name = "engagement/dashboard_panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.request.community
        figures = indicators(community, clock.today())
        collecting = list(
            surveys.surveys_with_counts(self.in_community(Survey.objects.collecting()))
            .select_related("community")
            .order_by("collect_until", "id")[:5]
        )
        threshold = None
        for survey in collecting:
            threshold = threshold if threshold is not None else surveys.min_return_pct(survey)  # SV-2
            survey.return_rate = round(survey.returned * 100 / survey.issued, 1) if survey.issued else None
            survey.below = survey.return_rate is None or survey.return_rate < threshold
        last_month = Period.of(periods.MONTH, clock.now()).previous()
        summary = visit_reports.summary_duty(community, last_month)  # VS-5, opened on read if missing
        context.update(
            figures=figures,
            collecting=collecting,
            threshold=threshold,
            summary_duty=summary,
            summary_state=DeadlineState(summary.state) if summary else None,
            summary_month=last_month,
            summary_url=services.summary_url(community, last_month),
        )
        return context
