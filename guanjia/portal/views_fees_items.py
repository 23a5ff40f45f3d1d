"""物业收费标准公示 in the owner portal (FE-1): the 明码标价 board of each community the owner or tenant
lives in. The special-service price list (SS-2) stays at portal:prices."""

from __future__ import annotations

from django.views.generic import TemplateView

from guanjia.billing.selectors_items import price_board
from guanjia.core.models import Community

from .views import OwnerMixin


class FeesPricesView(OwnerMixin, TemplateView):
    template_name = "portal/fees_items_prices.html"
    tab = "me"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ids = sorted({room.community_id for room in self.homes})
        communities = Community.objects.filter(pk__in=ids).select_related("company").order_by("pk")
        context["boards"] = [price_board(c) for c in communities]
        context["many"] = len(ids) > 1
        return context
