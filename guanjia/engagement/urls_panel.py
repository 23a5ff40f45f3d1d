"""The dashboard panel of visits and satisfaction; included into the `engagement` namespace."""

from django.urls import path

from .views_panel import EngagementPanelView

urlpatterns = [path("panel/", EngagementPanelView.as_view(), name="dashboard_panel")]
