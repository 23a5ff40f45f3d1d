"""The owner's bills and statement in the portal (FE-1): his bills, newest first; one bill with its
lines and what settled them; the statement of each of his households, printed with its arithmetic
(opening + charges + adjustments − payments = due).

An owner (or his family) sees the owner's bills of the rooms he belongs to; a tenant only the bills
he is the payer of; nobody sees the developer's. Another household's bill or room is a 404.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from guanjia.billing.choices import PayerKind
from guanjia.billing.forms_bills import StatementForm
from guanjia.billing.models import Allocation, Bill
from guanjia.billing.selectors_bills import default_range, statement, with_open
from guanjia.billing.selectors_disputes import disputable_lines, disputes_of_lines, mark_statement
from guanjia.core import clock
from guanjia.estates.choices import Relationship
from guanjia.estates.models import Room

from . import views_fees_online
from .views import PAGE_SIZE, OwnerMixin


def owners_rooms(user):
    """The rooms whose owner's bills the user may read: his own, or his family's (not a tenant's)."""
    return Room.objects.filter(
        Q(ownerships__person__user=user, ownerships__until__isnull=True)
        | Q(residents__person__user=user, residents__until__isnull=True)
        & ~Q(residents__relationship=Relationship.TENANT_FAMILY)
    ).values("pk")


def owner_bills(user):
    bills = Bill.objects.for_owner(user)
    return bills.filter(
        Q(payer_kind=PayerKind.OWNER, room__in=owners_rooms(user)) | Q(payer_kind=PayerKind.TENANT, payer__user=user)
    )


class BillListView(OwnerMixin, TemplateView):
    model = Bill
    template_name = "portal/fees_bills.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bills = with_open(owner_bills(self.request.user)).select_related("room", "community")
        bills = bills.order_by("-issued_at", "-id")
        context["page"] = Paginator(bills, PAGE_SIZE).get_page(self.request.GET.get("page"))
        context["homes"] = self.homes
        context["online"] = views_fees_online.offered(self.homes)  # FE-1: 在线缴费 where configured
        return context


class BillDetailView(OwnerMixin, TemplateView):
    model = Bill
    template_name = "portal/fees_bills_detail.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bill = get_object_or_404(
            owner_bills(self.request.user).select_related("room", "community"), pk=self.kwargs["pk"]
        )
        lines = list(bill.lines.order_by("id"))
        disputes = disputes_of_lines(lines)
        disputable = set(disputable_lines(self.request.user).filter(bill=bill).values_list("pk", flat=True))
        for line in lines:
            line.dispute, line.disputable = disputes.get(line.pk), line.pk in disputable
        context.update(
            bill=bill,
            lines=lines,
            open_total=sum((line.open_amount for line in lines), 0),
            allocations=list(
                Allocation.objects.filter(line__bill=bill).select_related("payment", "adjustment").order_by("at", "id")
            ),
        )
        return context


class StatementView(OwnerMixin, TemplateView):
    """His statement of one household (FE-1): the owner's, or as tenant his own bills'."""

    model = Room
    template_name = "portal/fees_bills_statement.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        room = next((r for r in self.homes if r.pk == self.kwargs["pk"]), None)
        if room is None:
            raise Http404
        user = self.request.user
        payer_kind = (
            PayerKind.OWNER if Room.objects.filter(pk__in=owners_rooms(user), pk=room.pk).exists() else PayerKind.TENANT
        )
        start, end = default_range(clock.today())
        form = StatementForm(self.request.GET or {"start": start, "end": end})
        form.fields.pop("payer_kind")
        context.update(room=room, form=form, statement=None)
        if form.is_valid():
            context["statement"] = statement(
                room, payer_kind=payer_kind, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
            mark_statement(context["statement"])
        return context
