"""Follow-up: callbacks, rectification notices, the manager's spot check, what is due (RC-4, RC-5, RC-9)."""

from django.urls import path

from . import views_followup as views

urlpatterns = [
    path("callbacks/", views.CallbackListView.as_view(), name="callbacks"),
    path("callbacks/<int:pk>/record/", views.CallbackRecordView.as_view(), name="callback_record"),
    path("rectifications/", views.RectificationListView.as_view(), name="rectifications"),
    # The path services use in notification links: keep it.
    path("rectifications/<int:pk>/", views.RectificationDetailView.as_view(), name="rectification"),
    path("rectifications/<int:pk>/pdf/", views.RectificationPdfView.as_view(), name="rectification_pdf"),
    path("spot-checks/", views.SpotCheckView.as_view(), name="spot_checks"),
    path("spot-checks/<int:pk>/record/", views.SpotCheckRecordView.as_view(), name="spot_check_record"),
    path("due/", views.DueView.as_view(), name="due"),
    path("due/panel/", views.DuePanelView.as_view(), name="due_panel"),
]
