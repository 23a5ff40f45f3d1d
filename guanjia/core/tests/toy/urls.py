"""The project's URLs and the toy's (tests use them with `pytest.mark.urls`)."""

from django.urls import path

from guanjia.urls import urlpatterns as project

from . import views

urlpatterns = [
    *project,
    path("toy/parcels/<int:pk>/", views.ParcelView.as_view(), name="toy-parcel"),
    path("toy/parcels/<int:pk>/note/", views.ParcelNoteView.as_view(), name="toy-parcel-note"),
    path("toy/parcels/<int:pk>/<slug:transition>/", views.ParcelActionView.as_view(), name="toy-parcel-action"),
]
