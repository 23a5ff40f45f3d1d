"""The owner disputes a line of his bill (FE-1, FE-3): "对此项有异议" → a short form → a complaint ticket
at the service desk (billing.services.disputes). Only the household's own owner (or, as tenant, the
payer of the bill) can; another room's line is a 404. While the ticket is open the line shows
"异议处理中" with its number, here and on the bill."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView

from guanjia.billing.forms_disputes import LineDisputeForm
from guanjia.billing.models import BillLine
from guanjia.billing.selectors_disputes import disputable_lines, disputes_of_lines
from guanjia.billing.services.disputes import line_dispute
from guanjia.core.console import apply_service_error
from guanjia.core.errors import ServiceError

from .views import OwnerMixin


class LineDisputeView(OwnerMixin, FormView):
    model = BillLine
    template_name = "portal/fees_bills_dispute.html"
    form_class = LineDisputeForm
    tab = "home"

    @cached_property
    def line(self) -> BillLine:
        lines = disputable_lines(self.request.user).select_related("bill", "room")
        return get_object_or_404(lines, pk=self.kwargs["pk"])

    def post(self, request, *args, **kwargs):
        _line = self.line  # another room's line is a 404 before anything is read from the form
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(line=self.line, bill=self.line.bill, dispute=disputes_of_lines([self.line.pk]).get(self.line.pk))
        return context

    def form_valid(self, form):
        try:
            dispute = line_dispute(line=self.line, actor=self.request.user, reason=form.cleaned_data["reason"])
        except ServiceError as error:
            apply_service_error(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=error.status)
        messages.success(
            self.request,
            _("已提交异议，工单号 %(n)s。管理处将在规定时限内答复您。") % {"n": dispute.ticket.number},
        )
        return redirect("portal:fees_bill", pk=self.line.bill_id)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
