"""The owner's deposits in the portal (FE-1): what he paid, what was deducted and why, what is left and
when it is due back. Only deposits of his own households (homes_of): another's is simply not there."""

from __future__ import annotations

from django.db.models import Prefetch
from django.views.generic import TemplateView

from guanjia.billing.models import Deposit, DepositDeduction

from .views import OwnerMixin


class FeesDepositsView(OwnerMixin, TemplateView):
    template_name = "portal/fees_deposits.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deposits = list(
            Deposit.objects.filter(room__in=[room.pk for room in self.homes])
            .select_related("room", "payment")
            .prefetch_related(Prefetch("deductions", queryset=DepositDeduction.objects.order_by("at", "id")))
            .order_by("-payment__received_at", "-id")[:100]
        )
        for deposit in deposits:
            deposit.held = deposit.amount - sum((d.amount for d in deposit.deductions.all()), 0)
        context["deposits"] = deposits
        return context
