"""The console pages of the fee office (under console/billing/), one module per part. Printed forms
go through core's one PDF view (core:document_pdf)."""

from . import (
    urls_arrears,
    urls_bank,
    urls_bills,
    urls_clauses,
    urls_items,
    urls_meters,
    urls_online_orders,
    urls_opening,
    urls_payments,
)

app_name = "billing"

urlpatterns = [
    *urls_items.urlpatterns,  # fee items and the price board (FE-1)
    *urls_bills.urlpatterns,  # billing runs, bills, statements, corrections
    *urls_payments.urlpatterns,  # payments, receipts, prepayments, refunds, the cashier's day
    *urls_meters.urlpatterns,  # meters and readings
    *urls_arrears.urlpatterns,  # arrears, dunning, deposits (FE-3)
    *urls_opening.urlpatterns,  # opening balances from the former system (FE-1)
    *urls_clauses.urlpatterns,  # the late-charge clause (FE-3)
    *urls_bank.urlpatterns,  # bank statement lines, matched to bills
    *urls_online_orders.urlpatterns,  # online payment orders: query the provider, close (FE-1)
]
