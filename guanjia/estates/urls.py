from django.urls import path

from . import views

app_name = "estates"

urlpatterns = [
    path("rooms/", views.RoomListView.as_view(), name="rooms"),
]
