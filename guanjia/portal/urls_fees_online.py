"""Online payment pages of the portal (FE-1), included under /m/fees/online/."""

from django.urls import path

from . import views_fees_online

urlpatterns = [
    path("rooms/<int:pk>/", views_fees_online.RoomPayView.as_view(), name="fees_online_room"),
    path("orders/<int:pk>/", views_fees_online.OrderView.as_view(), name="fees_online_order"),
    path("orders/<int:pk>/close/", views_fees_online.OrderCloseView.as_view(), name="fees_online_order_close"),
]
