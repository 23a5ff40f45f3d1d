from django.urls import path

from . import views_import as views

# A batch's own pages (preview, confirm, result, bad rows) are core's: core:import_batch and friends.
urlpatterns = [
    path("import/", views.ImportStartView.as_view(), name="import_start"),
    path("import/template/<str:kind>/", views.ImportTemplateView.as_view(), name="import_template"),
    path("export/", views.ExportView.as_view(), name="register_export"),
    path("export/<str:kind>/", views.ExportDownloadView.as_view(), name="register_export_download"),
]
