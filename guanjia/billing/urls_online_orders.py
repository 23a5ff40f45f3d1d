"""在线缴费订单 (FE-1) under console/billing/online-orders/."""

from django.urls import path

from . import views_online_orders as v

urlpatterns = [
    path("online-orders/", v.OnlineOrderListView.as_view(), name="online_orders"),
    path("online-orders/<int:pk>/query/", v.OnlineOrderQueryView.as_view(), name="online_order_query"),
    path("online-orders/<int:pk>/close/", v.OnlineOrderCloseView.as_view(), name="online_order_close"),
    # 原路退回 (FE-1.refund): the pk is the refund's OnlineRefund
    path("online-refunds/<int:pk>/query/", v.RefundOnlineQueryView.as_view(), name="online_refund_query"),
    path("online-refunds/<int:pk>/resend/", v.RefundOnlineResendView.as_view(), name="online_refund_resend"),
]
