"""The arrears summary published to owners (CM-9, LW-1): per building and age bucket only — no name, no
room number, no row per household — for the communities the owner lives in."""

from __future__ import annotations

from django.views.generic import TemplateView

from guanjia.billing import selectors_arrears as arrears
from guanjia.core import clock

from .views import OwnerMixin


class FeesArrearsView(OwnerMixin, TemplateView):
    template_name = "portal/fees_arrears.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = clock.today()
        communities = {room.community_id: room.community for room in self.homes}
        summaries = []
        for community in communities.values():  # an owner's homes: one or two communities
            rows = arrears.published_summary(community, today)
            for row in rows:
                row["cells"] = [row[k] for k in arrears.BUCKET_KEYS]
            summaries.append((community, rows))
        context.update(summaries=summaries, buckets=arrears.BUCKETS, today=today)
        return context
