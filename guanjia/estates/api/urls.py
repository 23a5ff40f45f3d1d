"""/api/: the register, and the platform's communities (core)."""

from rest_framework.routers import DefaultRouter

from guanjia.core.api_views import CommunityViewSet

from . import views

router = DefaultRouter()
router.register("communities", CommunityViewSet, basename="community")
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("units", views.UnitViewSet, basename="unit")
router.register("rooms", views.RoomViewSet, basename="room")
router.register("people", views.PersonViewSet, basename="person")
router.register("ownerships", views.OwnershipViewSet, basename="ownership")
router.register("leases", views.LeaseViewSet, basename="lease")
router.register("residents", views.ResidentViewSet, basename="resident")
router.register("documents", views.DocumentViewSet, basename="document")

urlpatterns = router.urls
