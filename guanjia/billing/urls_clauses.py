"""The late-charge clause pages (FE-3) under console/billing/."""

from django.urls import path

from . import views_clauses as views

urlpatterns = [
    path("arrears/clauses/", views.ClauseListView.as_view(), name="arrears_clauses"),
    path("arrears/clauses/new/", views.ClauseRecordView.as_view(), name="arrears_clause_new"),
    path("arrears/clauses/<int:pk>/end/", views.ClauseEndView.as_view(), name="arrears_clause_end"),
]
