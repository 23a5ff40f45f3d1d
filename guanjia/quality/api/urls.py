"""The quality API (under api/): rectification notices (QA-2); `callbacks/{id}/rectify/` issues RC-5's
from the callback."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("rectifications", views.NoticeViewSet, basename="rectification")
router.register("callbacks", views.CallbackNoticeViewSet, basename="callback-notice")

urlpatterns = router.urls
