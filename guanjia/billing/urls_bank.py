"""Bank statement lines 银行流水 (FE-1) under console/billing/."""

from django.urls import path

from . import views_bank as v

urlpatterns = [
    path("bank/", v.StatementLineListView.as_view(), name="bank_lines"),
    path("bank/import/", v.StatementImportView.as_view(), name="bank_import"),
    path("bank/import/template/", v.StatementTemplateView.as_view(), name="bank_template"),
    path("bank/<int:pk>/match/", v.StatementLineMatchView.as_view(), name="bank_line_match"),
    path("bank/<int:pk>/ignore/", v.StatementLineIgnoreView.as_view(), name="bank_line_ignore"),
    path("bank/<int:pk>/reopen/", v.StatementLineReopenView.as_view(), name="bank_line_reopen"),
]
