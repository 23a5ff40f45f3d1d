"""The Excel import of survey answers (included from engagement/urls.py); a batch's preview,
confirmation and result are core's importer's pages (core:import_batch)."""

from django.urls import path

from . import views_import as views

urlpatterns = [
    path("answers-import/", views.SurveyImportIndexView.as_view(), name="answers_import_index"),
    path("surveys/<int:pk>/answers-import/", views.AnswersImportView.as_view(), name="answers_import"),
    path(
        "surveys/<int:pk>/answers-import/template/",
        views.AnswersTemplateView.as_view(),
        name="answers_import_template",
    ),
]
