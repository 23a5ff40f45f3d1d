"""Online payment in the portal (FE-1): from his bills the owner opens one of his rooms, chooses open
lines (all, by default), and the order freezes their amount; the order page shows what to pay with
until the provider's notification turns it into a receipt. Only where the community's provider is
configured; elsewhere the page says online payment is not offered. Another household's room or
another person's order is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from guanjia.billing import online_qr, providers
from guanjia.billing.choices import OrderStatus
from guanjia.billing.models import BillLine, PaymentOrder
from guanjia.billing.services import online, online_orders
from guanjia.core.errors import ServiceError
from guanjia.estates.models import Room

from . import views_fees_bills
from .views import OwnerMixin


def payable_lines(user):
    """The open lines the user may pay: those of his own bills (an owner's, or a tenant's as payer)."""
    return BillLine.objects.filter(bill__in=views_fees_bills.owner_bills(user).values("pk"))


def offered(homes) -> set[int]:
    """The ids of the communities among `homes` whose online payment is configured."""
    if not settings.PAYMENT_PROVIDERS:
        return set()
    communities = {room.community_id: room.community for room in homes}
    return {pk for pk, community in communities.items() if providers.configured(community)}


class RoomPayView(OwnerMixin, TemplateView):
    """The open lines of one of his rooms, to order online."""

    model = Room
    template_name = "portal/fees_online_room.html"
    tab = "home"

    def room(self):
        room = next((r for r in self.homes if r.pk == self.kwargs["pk"]), None)
        if room is None:
            raise Http404
        return room

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        room = self.room()
        lines = list(
            payable_lines(self.request.user).filter(room=room, open_amount__gte=online.CENT).order_by("due_on", "id")
        )
        live = online.live_orders(room).filter(user=self.request.user).order_by("-created_at").first()
        context.update(
            room=room,
            lines=lines,
            total=sum((line.open_amount for line in lines), 0),
            provider=providers.configured(room.community),
            live=live,
            chosen=kwargs.get("chosen"),
            error=kwargs.get("error"),
        )
        return context

    def post(self, request, pk):
        room = self.room()
        chosen = request.POST.getlist("line")
        # the page's form says it chose (none ticked is then a choice of nothing); without it: all open
        picked = bool(chosen) or "chosen" in request.POST
        try:
            ids = [int(i) for i in chosen] if picked else None
        except ValueError:
            ids = []
        try:
            order = online.order_create(room=room, user=request.user, payable=payable_lines(request.user), line_ids=ids)
        except ServiceError as error:
            return self.render_to_response(
                self.get_context_data(error=error.message, chosen=chosen), status=error.status
            )
        try:
            online.order_request(order=order)
        except ServiceError as error:
            messages.error(request, str(error.message))
        return redirect("portal:fees_online_order", order.pk)


class OrderView(OwnerMixin, TemplateView):
    model = PaymentOrder
    template_name = "portal/fees_online_order.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = get_object_or_404(
            PaymentOrder.objects.for_owner(self.request.user)
            .filter(user=self.request.user)
            .select_related("room", "community", "payment"),
            pk=self.kwargs["pk"],
        )
        provider = providers.configured(order.community)
        code_url = (order.pay_data or {}).get("code_url")
        context.update(
            order=order,
            # a code to scan only while the order may still be paid (not once paid, closed or past its deadline)
            qr=online_qr.code_svg(code_url) if code_url and order.state == OrderStatus.CREATED else None,
            provider_label=provider.label if provider else order.provider,
            lines=list(order.lines.select_related("line").order_by("line__due_on", "line_id")),
        )
        return context


class OrderCloseView(OwnerMixin, View):
    """取消订单: the owner leaves an order he has not paid (order_close: the provider first; an order
    it says was paid is booked instead, and his page then shows the receipt)."""

    http_method_names = ["post"]

    model = PaymentOrder

    def post(self, request, pk):
        order = get_object_or_404(PaymentOrder.objects.for_owner(request.user).filter(user=request.user), pk=pk)
        try:
            order = online_orders.order_close(order=order, actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            if order.payment_id:
                messages.success(request, _("该订单已支付，已开具收据。"))
            else:
                messages.success(request, _("订单已取消。"))
        return redirect("portal:fees_online_order", pk)
