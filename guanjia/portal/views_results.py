"""Published survey results in the owner portal (SV-6): only surveys whose results are published,
only of the communities the owner lives in; no room number, name or suggestion text (LW-1)."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from guanjia.engagement.models import Survey
from guanjia.engagement.views_results import results_context

from .views import PAGE_SIZE, OwnerMixin


class PublishedSurveysMixin(OwnerMixin):
    tab = "me"

    def published(self):
        community_ids = {room.community_id for room in self.homes}
        return (
            Survey.objects.published()
            .filter(community_id__in=community_ids)
            .select_related("community")
            .order_by("-results_published_at", "-id")
        )


class SurveyResultListView(PublishedSurveysMixin, TemplateView):
    template_name = "portal/survey_public_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = Paginator(self.published(), PAGE_SIZE).get_page(self.request.GET.get("page"))
        context["many"] = len({room.community_id for room in self.homes}) > 1
        return context


class SurveyResultDetailView(PublishedSurveysMixin, TemplateView):
    model = Survey

    template_name = "portal/survey_public_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = get_object_or_404(self.published(), pk=self.kwargs["pk"])
        context.update(results_context(survey, public=True))
        return context
