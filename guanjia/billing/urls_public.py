"""The public price board 明码标价 of each community (FE-1), readable without signing in."""

from django.urls import path

from . import views_items, views_online

app_name = "fees"

urlpatterns = [
    path("pay/<slug:provider>/<slug:code>/notify/", views_online.notify, name="pay_notify"),  # FE-1 online
    path(
        "pay/<slug:provider>/<slug:code>/refund-notify/", views_online.refund_notify, name="pay_refund_notify"
    ),  # FE-1 原路退回
    path("<slug:code>/", views_items.PriceBoardView.as_view(), name="board"),
]
