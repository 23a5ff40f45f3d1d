"""The console pages of quality (under console/quality/): fishbone and actions (SV-5, QA-3), the measures notice (SV-6), rectification
notices (QA-2, RC-5) and the office manager's spot checks (RC-4). Printed forms go through core's one
PDF view (core:document_pdf)."""

from django.urls import path

from .views import actions, notices, spot_checks

app_name = "quality"

urlpatterns = [
    path("surveys/<int:pk>/items/<int:item_pk>/fishbone/", actions.FishboneView.as_view(), name="fishbone"),
    path("surveys/<int:pk>/measures/", actions.SurveyMeasuresView.as_view(), name="survey_measures"),
    path("actions/", actions.ActionListView.as_view(), name="actions"),
    path("actions/new/", actions.ActionCreateView.as_view(), name="action_new"),
    path("actions/<int:pk>/", actions.ActionDetailView.as_view(), name="action"),
    path("actions/<int:pk>/<slug:transition>/", actions.ActionTransitionView.as_view(), name="action_step"),
    path("notices/", notices.NoticeListView.as_view(), name="notices"),
    # The link a finding's notification carries (RC-5: the callback's).
    path("notices/issue/<str:source>/<int:pk>/", notices.NoticeIssueView.as_view(), name="notice_issue"),
    path("notices/<int:pk>/", notices.NoticeDetailView.as_view(), name="notice"),
    path("notices/<int:pk>/<slug:transition>/", notices.NoticeTransitionView.as_view(), name="notice_step"),
    path("spot-checks/", spot_checks.SpotCheckView.as_view(), name="spot_checks"),
    path("spot-checks/<int:pk>/record/", spot_checks.SpotCheckRecordView.as_view(), name="spot_check_record"),
]
