"""The cashier's window in the console (FE-1), built for a tablet or phone at the counter: find the
room, see what it owes oldest first with its age, take the payment (the open lines ticked; she may
untick some), print the receipt. The receipts list, one receipt with its void request, refunds from a
prepayment balance, and the day sheet 收款日报 (close, sign off, print). Thin views: each write is one
service; a row of another community is a 404."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from guanjia.core import approvals, clock
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, CommunityListView, StaffMixin, apply_service_error
from guanjia.core.errors import Conflict, ServiceError
from guanjia.estates.models import Room
from guanjia.estates.search import search_households

from . import selectors_payments as sel
from .choices import PaymentStatus, RefundStatus
from .forms_payments import (
    DayCloseForm,
    PaymentForm,
    PrepaymentForm,
    ReceiptFilter,
    RefundForm,
    SignOffForm,
    VoidForm,
    cashiers_of,
)
from .models import CashierDay, Payment, Refund
from .services import payments as services

ZERO = Decimal("0.00")


def _rooms():
    return Room.objects.select_related("community", "building", "unit")


def collecting(view, subject):
    """`subject` (found in the user's scope, else already a 404) if the user takes money in its
    community, else 403: pages naming a record look it up before checking the action (DESIGN §1)."""
    if not has_perm(view.request.user, "billing.collect", subject.community):
        raise PermissionDenied
    return subject


class CollectSearchView(StaffMixin, TemplateView):
    """收款: find the room by its code, a number, an owner's name or phone (estates' household search)."""

    action = "billing.collect"
    template_name = "billing/payments_collect_search.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = (self.request.GET.get("q") or "").strip()
        hits = search_households(user=self.request.user, community=self.request.community, query=query) if query else []
        context.update(query=query, hits=hits)
        return context

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        if len(context["hits"]) == 1:  # a room code typed in full: straight to its window
            return redirect("billing:collect_room", pk=context["hits"][0].room.pk)
        return self.render_to_response(context)


class CollectRoomView(StaffMixin, TemplateView):
    """收款 for one room: its open lines oldest first (ticked), the amount (their total by default),
    the method, the transaction number and the purse for what is paid beyond → payment_take."""

    action = "billing.view"  # the room is looked up first (another community's: 404), then:
    model = Room
    template_name = "billing/payments_collect.html"

    def get_room(self):
        if not hasattr(self, "room"):
            self.room = collecting(self, get_object_or_404(self.in_community(_rooms()), pk=self.kwargs["pk"]))
        return self.room

    def get_context_data(self, form=None, prepay_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        room = self.get_room()
        lines = getattr(self, "lines", None) or sel.open_lines(room)
        owed = sum((line.open_amount for line in lines), ZERO)
        if form is None:
            form = PaymentForm(
                open_lines=lines,
                initial={"lines": [str(line.pk) for line in lines], "amount": owed or None},
            )
        ticked = set(form["lines"].value() or [])
        context.update(
            room=room,
            rows=[(line, str(line.pk) in ticked) for line in lines],
            owed=owed,
            balances=[(purse, amount) for purse, amount in sel.balances(room).items()],
            form=form,
            prepay_form=prepay_form or PrepaymentForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        room = self.get_room()
        self.lines = sel.open_lines(room)
        form = PaymentForm(request.POST, open_lines=self.lines)
        if form.is_valid():
            data = form.cleaned_data
            chosen = form.chosen_lines()
            if len(chosen) == len(self.lines):
                lines = None  # all of them: oldest first, as the service does by itself
            else:
                lines = services.plan_oldest_first(chosen, data["amount"])
            try:
                payment = services.payment_take(
                    room=room,
                    amount=data["amount"],
                    method=data["method"],
                    actor=request.user,
                    reference=data["reference"],
                    payer_name=data["payer_name"] or None,
                    lines=lines,
                    to_prepayment_purse=data["to_prepayment_purse"] or None,
                    note=data["note"],
                )
            except ServiceError as error:
                if error.status == 403:
                    raise
                apply_service_error(form, error)
                self.lines = sel.open_lines(room)
                return self.render_to_response(self.get_context_data(form=form), status=error.status)
            messages.success(request, _("已收款 %(a)s 元，收据 %(n)s。") % {"a": payment.amount, "n": payment.number})
            return redirect("billing:payment", pk=payment.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PrepayView(CollectRoomView):
    """预存 for one room: a payment settling no line, into one purse → prepayment_deposit."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        room = self.get_room()
        form = PrepaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                payment = services.prepayment_deposit(
                    room=room,
                    amount=data["amount"],
                    purse=data["purse"],
                    method=data["method"],
                    actor=request.user,
                    reference=data["reference"],
                    payer_name=data["payer_name"] or None,
                )
            except ServiceError as error:
                apply_service_error(form, error)
                return self.render_to_response(self.get_context_data(prepay_form=form), status=error.status)
            messages.success(request, _("已预存 %(a)s 元，收据 %(n)s。") % {"a": payment.amount, "n": payment.number})
            return redirect("billing:payment", pk=payment.pk)
        return self.render_to_response(self.get_context_data(prepay_form=form), status=400)


class PaymentListView(CommunityListView):
    """收据: the community's receipts, newest first, by day, method, cashier and status."""

    action = "billing.view"
    model = Payment
    filterset_class = ReceiptFilter
    template_name = "billing/payments_list.html"
    context_object_name = "payments"

    def base_queryset(self):
        return sel.payments_list(Payment.objects.all())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_total"] = sum((p.amount for p in context["payments"] if p.status != PaymentStatus.VOIDED), ZERO)
        return context


class PaymentDetailView(StaffMixin, TemplateView):
    """One receipt as it prints, with Print, and the void request (the office manager approves)."""

    action = "billing.view"
    model = Payment
    template_name = "billing/payments_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payment = get_object_or_404(
            self.scoped(Payment.objects.select_related("room", "cashier", "community")), pk=self.kwargs["pk"]
        )
        user = self.request.user
        context.update(sel.receipt_context(payment))
        context.update(
            approval=approvals.current_approval(payment, services.VOID),
            may_void=payment.status == PaymentStatus.VALID and has_perm(user, "billing.collect", payment.community),
            void_form=VoidForm(),
        )
        return context


class PaymentVoidView(ActionView):
    """申请作废: the reason → receipt_void_request (FE-1.receipt_void)."""

    action = "billing.view"
    model = Payment
    form_class = VoidForm
    template_name = "billing/payments_action.html"
    title = _("申请作废收据")
    submit_label = _("提交作废申请")

    def get_object(self):
        return collecting(self, super().get_object())

    def refusal(self):
        payment = self.get_object()
        if payment.status != PaymentStatus.VALID:
            return Conflict(
                "not_valid", _("收据当前状态为“%(s)s”，不能申请作废。") % {"s": payment.get_status_display()}
            )
        return None

    def perform(self, form):
        return services.receipt_void_request(payment=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_message(self, result):
        return _("已提交作废申请，待管理处经理审批。")

    def get_success_url(self, result):
        return reverse("billing:payment", args=[result.pk])


class RefundCreateView(StaffMixin, TemplateView):
    """预收款退款 for one room: the balances, the amount, method, payee and reason → refund_request."""

    action = "billing.view"
    model = Room
    template_name = "billing/payments_refund_form.html"

    def get_room(self):
        return collecting(self, get_object_or_404(self.in_community(_rooms()), pk=self.kwargs["pk"]))

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        room = self.get_room()
        context.update(room=room, balances=list(sel.balances(room).items()), form=form or RefundForm())
        return context

    def post(self, request, *args, **kwargs):
        room = self.get_room()
        form = RefundForm(request.POST)
        if form.is_valid():
            try:
                refund = services.refund_request(room=room, actor=request.user, **form.cleaned_data)
            except ServiceError as error:
                apply_service_error(form, error)
                return self.render_to_response(self.get_context_data(form=form), status=error.status)
            messages.success(request, _("已提交退款申请 %(n)s，待管理处经理审批。") % {"n": refund.number})
            return redirect("billing:refund", pk=refund.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RefundListView(CommunityListView):
    action = "billing.view"
    model = Refund
    template_name = "billing/payments_refunds.html"
    context_object_name = "refunds"

    def base_queryset(self):
        return Refund.objects.select_related("room", "requested_by", "online").order_by("-requested_at", "-id")


class RefundDetailView(StaffMixin, TemplateView):
    action = "billing.view"
    model = Refund
    template_name = "billing/payments_refund.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        refund = get_object_or_404(
            self.scoped(Refund.objects.select_related("room", "requested_by", "account", "online__order")),
            pk=self.kwargs["pk"],
        )
        context.update(
            refund=refund,
            may_collect=has_perm(self.request.user, "billing.collect", refund.community),
            approval=approvals.current_approval(refund, services.REFUND),
            pending=refund.status == RefundStatus.PENDING,
        )
        return context


class DayListView(StaffMixin, ListView):
    """收款日报: the community's closed days, and closing one (her own; the manager's for a cashier)."""

    action = "billing.view"
    model = CashierDay
    template_name = "billing/payments_days.html"
    context_object_name = "sheets"
    paginate_by = 50

    def get_queryset(self):
        return self.in_community(CashierDay.objects.select_related("cashier", "signed_off_by")).order_by(
            "-day", "cashier__username"
        )

    def close_form(self, data=None):
        user, community = self.request.user, self.request.community
        manager = has_perm(user, "billing.sign_off_day", community)
        if not manager and not has_perm(user, "billing.collect", community):
            return None
        return DayCloseForm(data, initial={"day": clock.today()}, cashiers=cashiers_of(community) if manager else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["close_form"] = kwargs.get("close_form") or self.close_form()
        if has_perm(self.request.user, "billing.collect", self.request.community):
            context["today"] = sel.today_takings(self.request.community, self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        form = self.close_form(request.POST)
        if form is None:
            raise PermissionDenied
        self.object_list = self.get_queryset()
        if form.is_valid():
            cashier = form.cleaned_data.get("cashier") or request.user
            try:
                sheet = services.cashier_day_close(
                    community=request.community, cashier=cashier, day=form.cleaned_data["day"], actor=request.user
                )
            except ServiceError as error:
                if error.status == 403:
                    raise PermissionDenied from None
                apply_service_error(form, error)
                return self.render_to_response(self.get_context_data(close_form=form), status=error.status)
            messages.success(request, _("已日结 %(d)s。") % {"d": sheet.day})
            return redirect("billing:day", pk=sheet.pk)
        return self.render_to_response(self.get_context_data(close_form=form), status=400)


class DayDetailView(StaffMixin, TemplateView):
    action = "billing.view"
    model = CashierDay
    template_name = "billing/payments_day.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sheet = get_object_or_404(
            self.scoped(CashierDay.objects.select_related("cashier", "signed_off_by", "community")),
            pk=self.kwargs["pk"],
        )
        user = self.request.user
        context.update(sel.day_sheet_context(sheet))
        context["may_sign"] = (
            not sheet.signed_off_at
            and user.pk != sheet.cashier_id
            and has_perm(user, "billing.sign_off_day", sheet.community)
        )
        return context


class DaySignOffView(ActionView):
    """审核: the office manager signs a cashier's day (never the cashier herself)."""

    action = "billing.sign_off_day"
    model = CashierDay
    form_class = SignOffForm
    template_name = "billing/payments_action.html"
    title = _("审核收款日报")
    submit_label = _("审核通过")

    def refusal(self):
        sheet = self.get_object()
        if sheet.signed_off_at:
            return Conflict("signed_off", _("该收款日报已审核。"))
        return None

    def perform(self, form):
        return services.cashier_day_sign_off(sheet=self.get_object(), actor=self.request.user)

    def get_success_message(self, result):
        return _("收款日报已审核。")

    def get_success_url(self, result):
        return reverse("billing:day", args=[result.pk])
