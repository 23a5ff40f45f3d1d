"""Console pages of meters and readings (FE-1), under console/billing/."""

from django.urls import path

from . import views_meters as v

urlpatterns = [
    path("meters/", v.MeterListView.as_view(), name="meters"),
    path("meters/new/", v.MeterFormView.as_view(), name="meter_new"),
    path("meters/round/", v.ReadingRoundView.as_view(), name="meters_round"),
    path("meters/<int:pk>/", v.MeterDetailView.as_view(), name="meter"),
    path("meters/<int:pk>/edit/", v.MeterFormView.as_view(), name="meter_edit"),
    path("meters/<int:pk>/verified/", v.MeterVerifiedView.as_view(), name="meter_verified"),
    path("readings/check/", v.CheckListView.as_view(), name="readings_check"),
    path("readings/<int:pk>/confirm/", v.ReadingConfirmView.as_view(), name="reading_confirm"),
    path("readings/import/", v.ReadingsImportView.as_view(), name="readings_import"),
    path("readings/import/template/", v.ReadingsTemplateView.as_view(), name="readings_template"),
]
