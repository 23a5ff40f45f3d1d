"""The public price board 明码标价 of each community (FE-1), readable without signing in."""

from django.urls import path

from . import views_items

app_name = "fees"

urlpatterns = [
    path("<slug:code>/", views_items.PriceBoardView.as_view(), name="board"),
]
