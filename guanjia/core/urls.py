from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("switch/", views.SwitchCommunityView.as_view(), name="switch_community"),
    path("policies/", views.PolicyListView.as_view(), name="policies"),
]
