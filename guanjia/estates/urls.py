from django.urls import path

from . import urls_import, urls_lists, urls_search, views

app_name = "estates"

urlpatterns = [
    path("rooms/", views.RoomListView.as_view(), name="rooms"),
    *urls_import.urlpatterns,
    *urls_lists.urlpatterns,
    *urls_search.urlpatterns,
]
