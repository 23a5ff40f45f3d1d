"""The equipment ledger's API (under api/facilities/)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("devices", views.DeviceViewSet, basename="device")

urlpatterns = router.urls
