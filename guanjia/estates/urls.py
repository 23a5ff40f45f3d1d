from django.urls import path

from . import urls_import, urls_lists, urls_search, views

app_name = "estates"

urlpatterns = [
    path("rooms/", views.RoomListView.as_view(), name="rooms"),
    path("rooms/<int:pk>/", views.HouseholdView.as_view(), name="household"),
    path("rooms/<int:pk>/edit/", views.RoomEditView.as_view(), name="room_edit"),
    path("rooms/<int:pk>/owners/", views.OwnershipRegisterView.as_view(), name="ownership_register"),
    path("rooms/<int:pk>/transfer/", views.OwnershipTransferView.as_view(), name="ownership_transfer"),
    path("rooms/<int:pk>/leases/new/", views.LeaseCreateView.as_view(), name="lease_create"),
    path("rooms/<int:pk>/residents/new/", views.ResidentAddView.as_view(), name="resident_add"),
    path("rooms/<int:pk>/documents/new/", views.DocumentUploadView.as_view(), name="document_upload"),
    path("leases/", views.LeaseListView.as_view(), name="leases"),
    path("leases/<int:lease>/end/", views.LeaseEndView.as_view(), name="lease_end"),
    path("residents/<int:resident>/remove/", views.ResidentRemoveView.as_view(), name="resident_remove"),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document"),
    path("buildings/", views.BuildingListView.as_view(), name="buildings"),
    path("people/", views.PersonListView.as_view(), name="people"),
    path("people/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("people/options/", views.PersonOptionsView.as_view(), name="person_options"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person"),
    path("people/<int:pk>/edit/", views.PersonUpdateView.as_view(), name="person_edit"),
    path("people/<int:pk>/reveal-id/", views.PersonRevealIdView.as_view(), name="person_reveal_id"),
    *urls_import.urlpatterns,
    *urls_lists.urlpatterns,
    *urls_search.urlpatterns,
]
