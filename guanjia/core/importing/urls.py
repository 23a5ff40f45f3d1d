"""The pages of an import batch (included in core's URLs under imports/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/", views.ImportBatchView.as_view(), name="import_batch"),
    path("<int:pk>/status/", views.ImportStatusView.as_view(), name="import_status"),
    path("<int:pk>/commit/", views.ImportCommitView.as_view(), name="import_commit"),
    path("<int:pk>/recheck/", views.ImportRecheckView.as_view(), name="import_recheck"),
    path("<int:pk>/bad-rows/", views.ImportBadRowsView.as_view(), name="import_bad_rows"),
]
