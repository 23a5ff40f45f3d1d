from django.urls import path

from . import views

app_name = "engagement"

urlpatterns = [
    path("visits/", views.VisitListView.as_view(), name="visits"),
    path("visits/new/", views.VisitCreateView.as_view(), name="visit_new"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit"),
]
