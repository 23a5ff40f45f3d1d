"""The service desk's API routes (under api/: RC-1 … RC-11, IC-3); included before the register's
router. The rectification notices (rectifications/, callbacks/{id}/rectify/) are the quality API's."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("callbacks", views.CallbackViewSet, basename="callback")
router.register("calls", views.CallLogViewSet, basename="call")
router.register("deadlines", views.DeadlineViewSet, basename="deadline")
router.register("service-items", views.ServiceItemViewSet, basename="service-item")

urlpatterns = router.urls
