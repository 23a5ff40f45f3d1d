"""The console pages of billing runs, bills, corrections and the household statement (FE-1).

Runs: the months billed, and the new run — its dry run (the bills it would issue, paginated, and the
differences from the month before) with the button that issues it. Bills: the list (period,
building, payer kind, open or settled), one bill with its lines, what settled them and its
corrections, and the correction request (the chain FE-1.adjustment). The household statement, on the
page and as PDF (core's one PDF view). Another community's bill or room is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, CommunityFromLinkMixin, CommunityListView, StaffMixin
from guanjia.core.documents import document_url
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.periods import MONTH, Period
from guanjia.estates.models import Room

from . import selectors_bills
from .forms_bills import AdjustmentForm, BillFilterForm, RunPeriodForm, StatementForm
from .forms_disputes import DeskDisputeForm
from .models import Allocation, Bill, BillingRun
from .selectors_disputes import desk_disputable_lines, disputes_of_lines, mark_statement
from .services import adjustments, runs
from .services.disputes import line_dispute
from .wiring_bills import STATEMENT

PAGE_SIZE = 50
DESK_DISPUTE = "servicedesk.create"  # a dispute recorded at the desk is a complaint the desk takes (RC-1, RC-3)


def bills_url(period: Period) -> str:
    return f"{reverse('billing:bills')}?period={period.key}"


class RunListView(CommunityListView):
    """计费批次: the months billed in the community, newest first."""

    action = "billing.view"
    model = BillingRun
    template_name = "billing/bills_runs.html"
    context_object_name = "runs"

    def base_queryset(self):
        return BillingRun.objects.select_related("started_by").order_by("-period")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        this_month = Period.of(MONTH, clock.today())
        context.update(
            form=RunPeriodForm(initial={"period": this_month.key}),
            may_run=has_perm(self.request.user, "billing.run", self.request.community),
        )
        for run in context["runs"]:
            run.month = Period.of(MONTH, run.period)
        return context


class RunNewView(StaffMixin, TemplateView):
    """新建计费: the dry run of a month (nothing written), then 开具 issues it (FE-1)."""

    action = "billing.run"
    template_name = "billing/bills_run_new.html"

    def month(self, data):
        form = RunPeriodForm(data or {"period": Period.of(MONTH, clock.today()).key})
        return form, (form.cleaned_data["period"] if form.is_valid() else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, month = kwargs.get("form_month") or self.month(self.request.GET)
        context["form"] = form
        if month is None:
            return context
        community = self.request.community
        plan = runs.run_preview(community=community, period=month, actor=self.request.user)
        page = Paginator(plan.bills, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            plan=plan,
            month=month,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            query_string=query.urlencode(),
            counts=plan.counts(),
            gone=plan.gone[:PAGE_SIZE],
        )
        return context

    def post(self, request, *args, **kwargs):
        form, month = self.month(request.POST)
        if month is None:
            return self.render_to_response(self.get_context_data(form_month=(form, None)), status=400)
        try:
            run = runs.run_issue(community=request.community, period=month, actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error.message))
            return redirect(f"{reverse('billing:run_new')}?period={month.key}")
        messages.success(
            request,
            _("已开具%(month)s账单 %(n)d 份，合计 %(t)s 元。") % {"month": month.label, "n": run.bills, "t": run.total},
        )
        return redirect(bills_url(month))


class BillListView(CommunityListView):
    """账单: the community's bills, filtered by period, building, payer kind and open or settled."""

    action = "billing.view"
    model = Bill
    template_name = "billing/bills_list.html"
    context_object_name = "bills"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        community = self.request.community
        self.filter_form = BillFilterForm(self.request.GET or None, community=community)
        bills = self.in_community(Bill.objects.all())
        if self.filter_form.is_valid():
            data = self.filter_form.cleaned_data
            if data["period"]:
                bills = bills.filter(period=data["period"].start)
            if data["building"]:
                bills = bills.filter(room__building=data["building"])
            if data["payer_kind"]:
                bills = bills.filter(payer_kind=data["payer_kind"])
            if data["q"]:
                bills = bills.filter(Q(room__code__startswith=data["q"]) | Q(number=data["q"]))
            bills = selectors_bills.with_open(bills)
            state = selectors_bills.open_filter(data["state"])
            if state is not None:
                bills = bills.filter(state)
        else:
            bills = selectors_bills.with_open(bills)
        return bills.select_related("room").order_by("-period", "room__sort_key", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        return context


class BillDetailView(CommunityFromLinkMixin, StaffMixin, DetailView):
    """One bill: its lines, what settled each (receipts, credits, prepayment draws), its corrections."""

    action = "billing.view"
    model = Bill
    template_name = "billing/bills_detail.html"
    context_object_name = "bill"

    def get_queryset(self):
        return self.scoped(Bill.objects.select_related("room", "room__building", "corrects", "run"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bill = self.object
        lines = list(bill.lines.order_by("id"))
        allocations = list(
            Allocation.objects.filter(line__bill=bill)
            .select_related("payment", "adjustment", "prepayment")
            .order_by("at", "id")
        )
        corrections = list(
            bill.adjustments.select_related("requested_by", "debit_bill", "line").order_by("-requested_at")
        )
        may_adjust = has_perm(self.request.user, "billing.adjust", bill.community)
        disputes = disputes_of_lines(lines)  # FE-1: "异议处理中" with its ticket, answered at the desk
        for line in lines:
            line.dispute = disputes.get(line.pk)
        # the desk's form only where the service would take it: a line it offers (FE-1)
        may_record = (
            has_perm(self.request.user, DESK_DISPUTE, bill.community)
            and desk_disputable_lines(bill.community_id).filter(bill=bill).exists()
        )
        context.update(
            lines=lines,
            open_total=sum((line.open_amount for line in lines), 0),
            allocations=allocations,
            corrections=corrections,
            debit_notes=list(bill.corrections.order_by("id")),
            form=AdjustmentForm(bill=bill) if may_adjust else None,
            may_adjust=may_adjust,
            dispute_form=DeskDisputeForm(bill=bill, initial={"said_by": bill.payer_name}) if may_record else None,
        )
        return context


class BillAdjustView(ActionView):
    """申请冲减/补收 on a bill: sent to the chain FE-1.adjustment; the bill itself never changes."""

    model = Bill
    action = "billing.adjust"
    form_class = AdjustmentForm
    title = gettext_lazy("申请冲减/补收")
    submit_label = gettext_lazy("提交审批")

    def get_form(self):
        return AdjustmentForm(**self.get_form_kwargs(), bill=self.get_object())

    def perform(self, form):
        data = form.cleaned_data
        return adjustments.adjustment_request(
            bill=self.get_object(),
            kind=data["kind"],
            amount=data["amount"],
            reason=data["reason"],
            line=data["line"],
            actor=self.request.user,
        )

    def get_success_message(self, result) -> str:
        return _("更正单 %(n)s 已提交审批。") % {"n": result.number}

    def get_success_url(self, result) -> str:
        return reverse("billing:bill", args=[self.get_object().pk])


class BillDisputeView(ActionView):
    """登记业户异议: the desk records that an owner disputes a line of this bill, by phone or at the
    window — the portal's service (a complaint ticket on the desk's clocks, RC-3), with who said it."""

    model = Bill
    action = "billing.view"
    perform_action = DESK_DISPUTE
    title = gettext_lazy("登记业户异议")
    submit_label = gettext_lazy("登记异议")

    def get_queryset(self):
        return Bill.objects.select_related("room", "community")

    def get_form(self):
        return DeskDisputeForm(**self.get_form_kwargs(), bill=self.get_object())

    def get_initial(self) -> dict:
        return {"said_by": self.get_object().payer_name}

    def refusal(self):
        bill = self.get_object()
        if not desk_disputable_lines(bill.community_id).filter(bill=bill).exists():
            return Conflict(
                "nothing_disputable",
                _("账单明细：本账单没有可登记异议的明细（开发建设单位的账单，或都已有异议在处理中）。"),
            )
        return None

    def perform(self, form):
        data = form.cleaned_data
        return line_dispute(
            line=data["line"],
            actor=self.request.user,
            reason=data["reason"],
            channel=data["channel"],
            said_by=data["said_by"],
            said_by_phone=data["said_by_phone"],
        )

    def get_success_message(self, result) -> str:
        return _("已登记异议，投诉工单 %(n)s，由客服按时限答复业户。") % {"n": result.ticket.number}

    def get_success_url(self, result) -> str:
        return reverse("billing:bill", args=[self.get_object().pk])


class StatementView(StaffMixin, TemplateView):
    """业户对账单 of a room: opening + charges + adjustments − payments = due, with its PDF."""

    action = "billing.view"
    model = Room
    template_name = "billing/bills_statement.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        room = get_object_or_404(
            self.scoped(Room.objects.select_related("community", "building")), pk=self.kwargs["pk"]
        )
        start, end = selectors_bills.default_range(clock.today())
        form = StatementForm(self.request.GET or {"start": start, "end": end})
        statement = None
        if form.is_valid():
            data = form.cleaned_data
            statement = selectors_bills.statement(
                room, payer_kind=data["payer_kind"] or None, start=data["start"], end=data["end"]
            )
        mark_statement(statement)  # the bills with a line in dispute (FE-1)
        context.update(
            room=room,
            form=form,
            statement=statement,
            pdf_url=document_url(STATEMENT, statement.key) if statement else "",
        )
        return context
