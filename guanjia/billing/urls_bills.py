"""The console pages of billing runs, bills, corrections and statements (FE-1), under console/billing/."""

from django.urls import path

from . import views_bills as v

urlpatterns = [
    path("runs/", v.RunListView.as_view(), name="runs"),
    path("runs/new/", v.RunNewView.as_view(), name="run_new"),
    path("bills/", v.BillListView.as_view(), name="bills"),
    path("bills/<int:pk>/", v.BillDetailView.as_view(), name="bill"),
    path("bills/<int:pk>/adjust/", v.BillAdjustView.as_view(), name="bill_adjust"),
    path("bills/<int:pk>/dispute/", v.BillDisputeView.as_view(), name="bill_dispute"),
    path("rooms/<int:pk>/statement/", v.StatementView.as_view(), name="statement"),
]
