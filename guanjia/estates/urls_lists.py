"""Monthly property and lease lists (PR-4), their review and hand-over (AR-2)."""

from django.urls import path

from . import views_lists

urlpatterns = [
    path("lists/", views_lists.ListIndexView.as_view(), name="lists"),
    # The month's actions come before the list pattern, whose kind would otherwise match them.
    path("lists/<str:month>/submit/", views_lists.ListSubmitView.as_view(), name="lists_submit"),
    path("lists/<str:month>/receive/", views_lists.ListReceiveView.as_view(), name="lists_receive"),
    path("lists/<str:month>/<slug:kind>/", views_lists.ListDetailView.as_view(), name="list_detail"),
    path("lists/<str:month>/<slug:kind>/xlsx/", views_lists.ListExcelView.as_view(), name="list_xlsx"),
]
