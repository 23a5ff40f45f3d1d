from django.urls import path

from . import views_import as views

urlpatterns = [
    path("import/", views.ImportStartView.as_view(), name="import_start"),
    path("import/template/<str:kind>/", views.ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", views.ImportBatchView.as_view(), name="import_batch"),
    path("import/<int:pk>/status/", views.ImportStatusView.as_view(), name="import_status"),
    path("import/<int:pk>/commit/", views.ImportCommitView.as_view(), name="import_commit"),
    path("import/<int:pk>/bad-rows/", views.ImportBadRowsView.as_view(), name="import_bad_rows"),
    path("export/", views.ExportView.as_view(), name="register_export"),
    path("export/<str:kind>/", views.ExportDownloadView.as_view(), name="register_export_download"),
]
