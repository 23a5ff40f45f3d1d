"""The cashier's window (FE-1): 收款, 收据, 退款, 收款日报 under console/billing/."""

from django.urls import path

from . import views_payments as v

urlpatterns = [
    path("collect/", v.CollectSearchView.as_view(), name="collect"),
    path("collect/<int:pk>/", v.CollectRoomView.as_view(), name="collect_room"),
    path("collect/<int:pk>/prepay/", v.PrepayView.as_view(), name="collect_prepay"),
    path("receipts/", v.PaymentListView.as_view(), name="payments"),
    path("receipts/<int:pk>/", v.PaymentDetailView.as_view(), name="payment"),
    path("receipts/<int:pk>/void/", v.PaymentVoidView.as_view(), name="payment_void"),
    path("refunds/", v.RefundListView.as_view(), name="refunds"),
    path("refunds/new/<int:pk>/", v.RefundCreateView.as_view(), name="refund_new"),
    path("refunds/<int:pk>/", v.RefundDetailView.as_view(), name="refund"),
    path("days/", v.DayListView.as_view(), name="days"),
    path("days/<int:pk>/", v.DayDetailView.as_view(), name="day"),
    path("days/<int:pk>/sign-off/", v.DaySignOffView.as_view(), name="day_sign_off"),
]
