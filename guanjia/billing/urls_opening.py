"""Console pages of the opening balances import (FE-1), under console/billing/."""

from django.urls import path

from . import views_opening as v

urlpatterns = [
    path("opening/import/", v.OpeningImportView.as_view(), name="opening_import"),
    path("opening/import/template/", v.OpeningTemplateView.as_view(), name="opening_template"),
]
