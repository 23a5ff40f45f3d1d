"""Fishbone (SV-5), corrective/preventive actions (QA-3) and the measures notice (SV-6);
included into the `engagement` namespace by urls.py."""

from django.urls import path

from . import views_actions as v

urlpatterns = [
    path("surveys/<int:pk>/items/<int:item_pk>/fishbone/", v.FishboneView.as_view(), name="fishbone"),
    path("surveys/<int:pk>/items/<int:item_pk>/fishbone/pdf/", v.FishbonePdfView.as_view(), name="fishbone_pdf"),
    path("surveys/<int:pk>/measures/", v.SurveyMeasuresView.as_view(), name="survey_measures"),
    path("surveys/<int:pk>/measures/pdf/", v.SurveyMeasuresPdfView.as_view(), name="survey_measures_pdf"),
    path("actions/", v.ActionListView.as_view(), name="actions"),
    path("actions/new/", v.ActionCreateView.as_view(), name="action_new"),
    path("actions/<int:pk>/", v.ActionDetailView.as_view(), name="action"),
]
