from django.urls import include, path

from guanjia.servicedesk import views_pricelist

from . import (
    views,
    views_fees_arrears,
    views_fees_bills,
    views_fees_deposits,
    views_fees_disputes,
    views_fees_items,
    views_fees_meters,
    views_fees_payments,
    views_results,
    views_surveys,
)

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", views.PortalLogoutView.as_view(), name="logout"),
    path("activate/", views.ActivateView.as_view(), name="activate"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("tickets/", views.TicketListView.as_view(), name="tickets"),
    path("tickets/<int:pk>/", views.TicketDetailView.as_view(), name="ticket"),
    path("tickets/<int:pk>/confirm/", views.ConfirmView.as_view(), name="confirm"),
    path("photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/password/", views.PasswordView.as_view(), name="password"),
    path("prices/", views_pricelist.PortalPricelistView.as_view(), name="prices"),  # SS-2, RC-2
    path("fees/prices/", views_fees_items.FeesPricesView.as_view(), name="fees_prices"),  # FE-1 明码标价
    path("notices/complaints/", views_pricelist.PortalComplaintNoticesView.as_view(), name="complaint_notices"),
    path("surveys/", views_surveys.SurveyListView.as_view(), name="surveys"),  # SV-2/SV-3
    path("surveys/<int:pk>/", views_surveys.SheetView.as_view(), name="survey"),
    path("surveys/<int:pk>/draft/", views_surveys.SheetDraftView.as_view(), name="survey_draft"),
    path("surveys/<int:pk>/thanks/", views_surveys.ThanksView.as_view(), name="survey_thanks"),
    path("surveys/results/", views_results.SurveyResultListView.as_view(), name="survey_results"),  # SV-6
    path("surveys/results/<int:pk>/", views_results.SurveyResultDetailView.as_view(), name="survey_result"),
    path("fees/readings/", views_fees_meters.OwnerReadingsView.as_view(), name="fees_readings"),  # FE-1
    path("fees/bills/", views_fees_bills.BillListView.as_view(), name="fees_bills"),  # FE-1
    path("fees/bills/<int:pk>/", views_fees_bills.BillDetailView.as_view(), name="fees_bill"),
    path("fees/lines/<int:pk>/dispute/", views_fees_disputes.LineDisputeView.as_view(), name="fees_dispute"),
    path("fees/rooms/<int:pk>/statement/", views_fees_bills.StatementView.as_view(), name="fees_statement"),
    path("fees/receipts/", views_fees_payments.ReceiptListView.as_view(), name="fees_receipts"),  # FE-1
    path("fees/receipts/<int:pk>/", views_fees_payments.ReceiptDetailView.as_view(), name="fees_receipt"),
    path("fees/receipts/<int:pk>/pdf/", views_fees_payments.ReceiptPdfView.as_view(), name="fees_receipt_pdf"),
    path("fees/deposits/", views_fees_deposits.FeesDepositsView.as_view(), name="fees_deposits"),  # FE-1
    path("fees/arrears/", views_fees_arrears.FeesArrearsView.as_view(), name="fees_arrears"),  # CM-9, LW-1
    path("fees/online/", include("guanjia.portal.urls_fees_online")),  # FE-1 online payment
]
