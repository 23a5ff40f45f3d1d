"""Survey console paths, included from engagement/urls.py under /console/engagement/."""

from django.urls import path

from . import views_survey_steps as steps
from . import views_surveys as v

urlpatterns = [
    path("surveys/", v.SurveyListView.as_view(), name="surveys"),
    path("surveys/new/", v.SurveyCreateView.as_view(), name="survey_new"),
    path("surveys/<int:pk>/", v.SurveyDetailView.as_view(), name="survey"),
    path("surveys/<int:pk>/sheets/", v.SheetListView.as_view(), name="survey_sheets"),
    path("surveys/<int:pk>/entry/", v.SheetEntryView.as_view(), name="survey_entry"),
    path("surveys/<int:pk>/step/<slug:transition>/", steps.SurveyStepView.as_view(), name="survey_step"),
]
