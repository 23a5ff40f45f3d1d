"""The arrears, dunning and deposit pages (FE-1, FE-3) under console/billing/."""

from django.urls import path

from . import views_arrears as views

urlpatterns = [
    path("arrears/", views.ArrearsListView.as_view(), name="arrears"),
    path("arrears/reminders/", views.RemindersSendView.as_view(), name="arrears_reminders"),
    path("arrears/buildings/", views.ArrearsBuildingsView.as_view(), name="arrears_buildings"),
    path("arrears/late-charges/", views.LateChargesView.as_view(), name="arrears_late_charges"),
    path("arrears/rooms/<int:pk>/", views.HouseholdArrearsView.as_view(), name="arrears_household"),
    path("arrears/rooms/<int:pk>/contact/", views.ContactRecordView.as_view(), name="arrears_contact"),
    path("arrears/rooms/<int:pk>/demand/", views.DemandIssueView.as_view(), name="arrears_demand"),
    path("arrears/demands/<int:pk>/delivered/", views.DemandDeliveredView.as_view(), name="arrears_delivered"),
    path("arrears/late-charges/<int:pk>/waive/", views.WaiverRequestView.as_view(), name="arrears_waive"),
    path("deposits/", views.DepositListView.as_view(), name="deposits"),
    path("deposits/new/", views.DepositReceiveView.as_view(), name="deposit_new"),
    path("deposits/<int:pk>/", views.DepositDetailView.as_view(), name="deposit"),
    path("deposits/<int:pk>/deduct/", views.DepositDeductView.as_view(), name="deposit_deduct"),
    path("deposits/<int:pk>/settle/", views.DepositSettleView.as_view(), name="deposit_settle"),
]
