"""/api/: visits (VS), the monthly visit summaries (VS-5), surveys and their sheets (SV)."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("visits", views.VisitViewSet, basename="visit")
router.register("visit-summaries", views.VisitSummaryViewSet, basename="visit-summary")
router.register("surveys", views.SurveyViewSet, basename="survey")
router.register("survey-sheets", views.SurveySheetViewSet, basename="survey-sheet")

urlpatterns = router.urls
