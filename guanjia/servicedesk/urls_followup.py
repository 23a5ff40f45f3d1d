"""Follow-up: callbacks, rectification notices, the manager's spot check, what is due (RC-4, RC-5, RC-9)."""

from django.urls import path

from . import views_followup as views
from . import views_rectifications as notices

urlpatterns = [
    path("callbacks/", views.CallbackListView.as_view(), name="callbacks"),
    path("callbacks/<int:pk>/record/", views.CallbackRecordView.as_view(), name="callback_record"),
    # RC-5: the written notice for an unsatisfied callback (the path services use in notification links).
    path("callbacks/<int:pk>/rectify/", notices.RectificationIssueView.as_view(), name="rectification_issue"),
    path("rectifications/", notices.RectificationListView.as_view(), name="rectifications"),
    # The path services use in notification links: keep it.
    path("rectifications/<int:pk>/", notices.RectificationDetailView.as_view(), name="rectification"),
    path("rectifications/<int:pk>/pdf/", notices.RectificationPdfView.as_view(), name="rectification_pdf"),
    path("spot-checks/", views.SpotCheckView.as_view(), name="spot_checks"),
    path("spot-checks/<int:pk>/record/", views.SpotCheckRecordView.as_view(), name="spot_check_record"),
    path("due/", views.DueView.as_view(), name="due"),
    path("due/panel/", views.DuePanelView.as_view(), name="due_panel"),
]
