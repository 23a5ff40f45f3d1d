"""The fee item pages (FE-1) under console/billing/items/."""

from django.urls import path

from . import views_items as views

urlpatterns = [
    path("items/", views.ItemListView.as_view(), name="items"),
    path("items/new/", views.ItemCreateView.as_view(), name="item_new"),
    path("items/<int:pk>/", views.ItemDetailView.as_view(), name="item"),
    path("items/<int:pk>/edit/", views.ItemEditView.as_view(), name="item_edit"),
    path("items/<int:pk>/prices/", views.PricePublishView.as_view(), name="price_publish"),
    path("items/<int:pk>/applications/", views.ApplicationAddView.as_view(), name="application_add"),
    path("items/prices/<int:pk>/withdraw/", views.PriceWithdrawView.as_view(), name="price_withdraw"),
    path("items/applications/<int:pk>/end/", views.ApplicationEndView.as_view(), name="application_end"),
]
