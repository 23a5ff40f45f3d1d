"""Survey results and the complaints Pareto (SV-3, SV-4, SV-6), included from engagement/urls.py."""

from django.urls import path

from . import views_results as v

urlpatterns = [
    path("surveys/<int:pk>/results/", v.SurveyResultsView.as_view(), name="survey_results"),
    path("surveys/<int:pk>/public/", v.SurveyPublicView.as_view(), name="survey_public"),
    path("complaints/pareto/", v.ComplaintsParetoView.as_view(), name="complaints_pareto"),
]
