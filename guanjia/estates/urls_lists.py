"""Monthly property and lease lists (PR-4)."""

from django.urls import path

from . import views_lists

urlpatterns = [
    path("lists/", views_lists.ListIndexView.as_view(), name="lists"),
    path("lists/<str:month>/<slug:kind>/", views_lists.ListDetailView.as_view(), name="list_detail"),
    path("lists/<str:month>/<slug:kind>/xlsx/", views_lists.ListExcelView.as_view(), name="list_xlsx"),
    path("lists/<str:month>/<slug:kind>/pdf/", views_lists.ListPdfView.as_view(), name="list_pdf"),
    path("lists/<str:month>/<slug:kind>/sign/", views_lists.ListSignView.as_view(), name="list_sign"),
]
