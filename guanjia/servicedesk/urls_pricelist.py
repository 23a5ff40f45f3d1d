"""The public price list of special services (SS-2, RC-2)."""

from django.urls import path

from . import views_pricelist

urlpatterns = [
    path("pricelist/", views_pricelist.PricelistView.as_view(), name="pricelist"),
    path("pricelist/<int:pk>/", views_pricelist.ServiceItemEditView.as_view(), name="pricelist_edit"),
    path("pricelist/<int:pk>/retire/", views_pricelist.ServiceItemRetireView.as_view(), name="pricelist_retire"),
]
