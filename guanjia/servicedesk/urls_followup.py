"""Follow-up: callbacks and what is due (RC-4, RC-9). The written notice after an unsatisfied callback
(RC-5) and the manager's spot check (RC-4) are the quality app's pages."""

from django.urls import path

from . import views_followup as views

urlpatterns = [
    path("callbacks/", views.CallbackListView.as_view(), name="callbacks"),
    path("callbacks/<int:pk>/record/", views.CallbackRecordView.as_view(), name="callback_record"),
    path("due/", views.DueView.as_view(), name="due"),
    path("due/panel/", views.DuePanelView.as_view(), name="due_panel"),
]
