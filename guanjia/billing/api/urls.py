"""The fee office's API (under api/billing/)."""

from rest_framework.routers import SimpleRouter

from . import arrears, bank, bills, disputes, items, meters, online_orders, payments

router = SimpleRouter()
router.register("items", items.FeeItemViewSet, basename="fee-item")
router.register("bills", bills.BillViewSet, basename="bill")
router.register("runs", bills.RunViewSet, basename="billing-run")
router.register("payments", payments.PaymentViewSet, basename="payment")
router.register("refunds", payments.RefundViewSet, basename="refund")
router.register("meters", meters.MeterViewSet, basename="meter")
router.register("readings", meters.ReadingViewSet, basename="meter-reading")
router.register("arrears", arrears.ArrearsViewSet, basename="arrears")
router.register("deposits", arrears.DepositViewSet, basename="deposit")
router.register("bank-lines", bank.StatementLineViewSet, basename="bank-line")
router.register("online-orders", online_orders.OnlineOrderViewSet, basename="online-order")
router.register("online-refunds", online_orders.OnlineRefundViewSet, basename="online-refund")
router.register("my/lines", disputes.OwnerBillLineViewSet, basename="owner-bill-line")
router.register("lines", disputes.StaffBillLineViewSet, basename="bill-line")

urlpatterns = router.urls
