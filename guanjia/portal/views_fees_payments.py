"""The owner's receipts 收据 in the portal (FE-1): a list of the receipts of his own rooms, one receipt
as the office printed it, and its PDF. Another household's receipt is a 404 (only `homes_of`)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from guanjia.billing.documents_payments import RECEIPT
from guanjia.billing.models import Payment
from guanjia.billing.selectors_payments import receipt_context
from guanjia.core import documents
from guanjia.core.pdf import pdf_response

from .views import PAGE_SIZE, OwnerMixin


def owner_payments(user):
    return Payment.objects.for_owner(user).select_related("room", "room__community", "cashier", "community")


class ReceiptListView(OwnerMixin, TemplateView):
    template_name = "portal/fees_payments.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payments = owner_payments(self.request.user).order_by("-received_at", "-id")
        context["page"] = Paginator(payments, PAGE_SIZE).get_page(self.request.GET.get("page"))
        return context


class ReceiptDetailView(OwnerMixin, TemplateView):
    model = Payment
    template_name = "portal/fees_payments_detail.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment = get_object_or_404(owner_payments(self.request.user), pk=self.kwargs["pk"])
        context.update(receipt_context(payment))
        return context


class ReceiptPdfView(OwnerMixin, View):
    """The receipt's PDF for the owner: the same form the office prints (its copies are the office's
    record; the owner's own reading of it is not a copy issued)."""

    model = Payment

    def get(self, request, pk):
        payment = get_object_or_404(owner_payments(request.user), pk=pk)
        kind = documents.kind_of(RECEIPT)
        context = {**documents.base_context(kind, payment, payment.number), **receipt_context(payment)}
        return pdf_response(kind.template, context, kind.filename(payment), request)
