"""Every step of a survey's state machine in the console (SV-1 … SV-6): set the items, draw, issue,
top up, close, publish the results. One view, core.console.TransitionView: the URL names the
action, the service is `surveys.survey_<action>`; GET and a refusal show the survey's own page (or,
for publishing, its results page) with the action's form and its errors, or why it cannot be taken.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core import workdays
from guanjia.core.console import TransitionView
from guanjia.core.errors import ServiceError

from . import surveys
from .models import Survey
from .views_results import results_page_context
from .views_surveys import draw_message, survey_page_context

RESULTS_STEPS = {"publish_results"}  # shown on the results page, not on the survey's


class SurveyStepView(TransitionView):
    model = Survey
    action = "engagement.view"  # each step's own permission is the transition's (core.transitions)
    services = surveys
    entity = "survey"

    def get_queryset(self):
        return Survey.objects.select_related("community")

    def on_results_page(self) -> bool:
        return self.get_offer().action in RESULTS_STEPS

    def get_template_names(self):
        if self.on_results_page():
            return ["engagement/survey_results.html"]
        return ["engagement/survey_detail.html"]

    def perform(self, form):
        try:
            return super().perform(form)
        except ServiceError as error:
            if error.code != "early_issue":
                raise
            # SV-1: the warning comes back beside the box that confirms it, not as a dead end.
            raise ServiceError(error.code, error.message, field="early_ok", status=error.status) from None

    def get_success_message(self, result) -> str:
        survey, action = self.get_object(), self.get_offer().action
        if action == "draw":
            return draw_message(survey, result)
        if action == "issue":
            return _("已发放，回收截止 %(d)s。") % {"d": workdays.deadline_text(survey.collect_until)}
        if action == "top_up":
            return _("已补发 %(n)s 份，表号接续原有编号。") % {"n": result}
        return super().get_success_message(result)

    def get_success_url(self, result) -> str:
        if self.on_results_page():
            return reverse("engagement:survey_results", args=[self.get_object().pk])
        return super().get_success_url(result)

    def render_form(self, form, status: int = 200, refusal: ServiceError | None = None):
        bound = {self.get_offer().action: form} if form.is_bound else {}
        page = results_page_context if self.on_results_page() else survey_page_context
        context = page(self.request, self.get_object(), bound=bound, refusal=refusal)
        return self.render_to_response(context, status=status)
