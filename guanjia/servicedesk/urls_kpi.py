"""The RC-8 KPIs per technician, weekly complaint statistics (RC-6), monthly summary (RC-10).
The KPI page itself is core's (core:kpis)."""

from django.urls import path

from . import views_kpi

urlpatterns = [
    path("kpis/technicians/", views_kpi.TechnicianKpiView.as_view(), name="kpi_technicians"),
    path("complaints/weekly/", views_kpi.WeeklyComplaintsView.as_view(), name="complaints_weekly"),
    path("summaries/", views_kpi.SummaryIndexView.as_view(), name="summaries"),
    path("summaries/<str:month>/prepare/", views_kpi.SummaryPrepareView.as_view(), name="summary_prepare"),
    path("summaries/<str:month>/submit/", views_kpi.SummarySubmitView.as_view(), name="summary_submit"),
    path("summaries/<str:month>/publish/", views_kpi.SummaryPublishView.as_view(), name="summary_publish"),
    path("summaries/public/<int:pk>/", views_kpi.SummaryPublicView.as_view(), name="summary_public"),
]
