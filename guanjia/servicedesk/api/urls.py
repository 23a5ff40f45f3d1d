"""/api/: the service desk (RC-1 … RC-11, IC-3); included before the register's router."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("callbacks", views.CallbackViewSet, basename="callback")
router.register("rectifications", views.RectificationViewSet, basename="rectification")
router.register("calls", views.CallLogViewSet, basename="call")
router.register("deadlines", views.DeadlineViewSet, basename="deadline")
router.register("service-items", views.ServiceItemViewSet, basename="service-item")

urlpatterns = router.urls
