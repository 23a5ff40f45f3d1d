from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_accounts, views_approvals, views_calendar, views_documents, views_inbox, views_kpi

app_name = "core"

urlpatterns = [
    path("imports/", include("guanjia.core.importing.urls")),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views_accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views_accounts.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views_accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views_accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views_accounts.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("switch/", views.SwitchCommunityView.as_view(), name="switch_community"),
    path("policies/", views.PolicyListView.as_view(), name="policies"),
    path("kpis/", views_kpi.KpiView.as_view(), name="kpis"),
    path("calendar/", views_calendar.CalendarView.as_view(), name="calendar"),
    path("calendar/<int:year>/", views_calendar.CalendarYearView.as_view(), name="calendar_year"),
    path("calendar/notice/", views_calendar.CalendarNoticeView.as_view(), name="calendar_notice"),
    path("calendar/days/<int:pk>/delete/", views_calendar.HolidayDeleteView.as_view(), name="calendar_delete"),
    path("approvals/", views_approvals.WaitingView.as_view(), name="approvals_waiting"),
    path("approvals/<int:pk>/decide/", views_approvals.DecideView.as_view(), name="approval_decide"),
    path("approvals/chains/", views_approvals.ChainListView.as_view(), name="approval_chains"),
    path("approvals/chains/<str:key>/", views_approvals.ChainEditView.as_view(), name="approval_chain_edit"),
    path("documents/<str:code>/<str:key>.pdf", views_documents.DocumentPdfView.as_view(), name="document_pdf"),
    path("inbox/", views_inbox.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/open/", views_inbox.NotificationOpenView.as_view(), name="inbox_open"),
    path("inbox/<int:pk>/read/", views_inbox.NotificationReadView.as_view(), name="inbox_read"),
    path("inbox/read-all/", views_inbox.NotificationReadAllView.as_view(), name="inbox_read_all"),
]
