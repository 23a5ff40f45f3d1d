"""在线缴费订单 (FE-1) under console/billing/online-orders/."""

from django.urls import path

from . import views_online_orders as v

urlpatterns = [
    path("online-orders/", v.OnlineOrderListView.as_view(), name="online_orders"),
    path("online-orders/<int:pk>/query/", v.OnlineOrderQueryView.as_view(), name="online_order_query"),
    path("online-orders/<int:pk>/close/", v.OnlineOrderCloseView.as_view(), name="online_order_close"),
]
