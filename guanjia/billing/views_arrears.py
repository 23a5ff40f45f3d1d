"""The arrears pages of the console (FE-3, CM-9): households in arrears with their age, the step of the
ladder due and the last contact; one household's dunning page (open lines, contacts, demands); the
summary by building; late charges where a clause is recorded; and the deposits (FE-1). Reads come from
selectors_arrears (one grouped query per list), each write calls one service; another community's
room, letter or deposit is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, StaffMixin, apply_service_error, flash_service_error
from guanjia.core.errors import ServiceError
from guanjia.estates.models import Building, Room

from . import selectors_arrears as selectors
from .choices import BillKind, DepositStatus, DunningStep
from .forms_arrears import (
    ArrearsFilterForm,
    ContactForm,
    DemandDeliveredForm,
    DemandIssueForm,
    DepositDeductForm,
    DepositReceiveForm,
    DepositSettleForm,
    LateChargesForm,
    WaiverForm,
)
from .models import Bill, DemandLetter, Deposit, DunningContact
from .selectors_disputes import disputes_of_lines
from .services import deposits as deposit_services
from .services import dunning, late_charges

PAGE_SIZE = 50


def household_url(room) -> str:
    return reverse("billing:arrears_household", args=[getattr(room, "pk", room)])


class ArrearsListView(StaffMixin, TemplateView):
    """欠费户: one row per household in arrears (one grouped query a page), its age buckets, the step of
    the ladder now due and the last contact (one query for the page)."""

    action = "billing.view"
    template_name = "billing/arrears_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community, today = self.request.community, clock.today()
        buildings = list(Building.objects.filter(community=community).order_by("sort_key"))
        form = ArrearsFilterForm(self.request.GET or None, buildings=buildings)
        chosen = form.cleaned_data if form.is_valid() else {}
        rows = selectors.households(
            community,
            today,
            building=chosen.get("building"),
            bucket=chosen.get("bucket", ""),
            step=chosen.get("step", ""),
        )
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        page_rows = list(page.object_list)
        ladders = selectors.ladders(community, page_rows, today)
        for row in page_rows:
            row["ladder"] = ladders[row["room_id"]]
            row["cells"] = [row[k] for k in selectors.BUCKET_KEYS]
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            rows=page_rows,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            query_string=query.urlencode(),
            buckets=selectors.BUCKETS,
            today=today,
            may_dun=has_perm(self.request.user, "billing.dun", community),
        )
        return context


class RemindersSendView(StaffMixin, View):
    """Send the reminders now due (FE-3.reminder_days): POST only."""

    action = "billing.dun"

    def post(self, request):
        try:
            result = dunning.reminders_send(community=request.community, actor=request.user)
        except ServiceError as error:
            flash_service_error(request, error)
            return redirect("billing:arrears")
        messages.success(
            request,
            _("已向 %(n)s 户发送缴费提醒；%(u)s 户未开通业主账号，请电话或上门提醒。")
            % {"n": len(result["sent"]), "u": len(result["unreachable"])},
        )
        return redirect("billing:arrears")


class ArrearsBuildingsView(StaffMixin, TemplateView):
    """欠费汇总: by building and age bucket (one query), with the community's totals (one query)."""

    action = "billing.view"
    template_name = "billing/arrears_buildings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community, today = self.request.community, clock.today()
        rows = selectors.by_building(community, today)
        for row in rows:
            row["cells"] = [row[k] for k in selectors.BUCKET_KEYS]
        totals = selectors.by_bucket(community, today)
        totals["cells"] = [totals[k] for k in selectors.BUCKET_KEYS]
        context.update(
            rows=rows,
            totals=totals,
            buckets=selectors.BUCKETS,
            today=today,
        )
        return context


class HouseholdArrearsView(StaffMixin, TemplateView):
    """One household's dunning page: open lines, where it stands on the ladder, contacts and demands."""

    action = "billing.view"
    model = Room
    template_name = "billing/arrears_household.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        room = get_object_or_404(
            self.in_community(Room.objects.select_related("building", "unit")), pk=self.kwargs["pk"]
        )
        today = clock.today()
        row, ladder = dunning.standing(room, today)
        user, community = self.request.user, self.request.community
        lines = list(selectors.household_unpaid_lines(room))
        disputes = disputes_of_lines(lines)
        for line in lines:
            line.dispute = disputes.get(line.pk)
        demand_form = DemandIssueForm()
        if not (ladder and ladder.disputes):
            del demand_form.fields["disputes_seen"]
        context.update(
            room=room,
            row=row,
            ladder=ladder,
            lines=lines,
            contacts=DunningContact.objects.filter(room=room).select_related("by").order_by("-at", "-id")[:50],
            letters=DemandLetter.objects.filter(room=room).order_by("-issued_at", "-id")[:20],
            steps=[(step, label, ladder and step in ladder.done) for step, label in DunningStep.choices],
            contact_form=ContactForm(initial={"step": (ladder.next_step if ladder else "") or DunningStep.REMINDER}),
            demand_form=demand_form,
            may_dun=has_perm(user, "billing.dun", community),
            may_waive=has_perm(user, "billing.adjust", community),
            late_bills={ln.bill_id for ln in lines if ln.bill.kind == BillKind.LATE_CHARGE},
            here=household_url(room),
            today=today,
        )
        return context


class _RoomAction(ActionView):
    model = Room
    action = "billing.dun"

    def get_queryset(self):
        return Room.objects.filter(community=self.request.community)

    def get_success_url(self, result) -> str:
        return household_url(self.get_object())


class ContactRecordView(_RoomAction):
    form_class = ContactForm
    title = _("记录催缴")
    success_message = _("已记录催缴情况。")

    def perform(self, form):
        return dunning.contact_record(room=self.get_object(), actor=self.request.user, **form.cleaned_data)


class DemandIssueView(_RoomAction):
    form_class = DemandIssueForm
    title = _("开具催告函")
    submit_label = _("开具")
    success_message = _("已开具催告函。")

    def perform(self, form):
        return dunning.demand_issue(room=self.get_object(), actor=self.request.user, **form.cleaned_data)


class DemandDeliveredView(ActionView):
    model = DemandLetter
    action = "billing.dun"
    form_class = DemandDeliveredForm
    title = _("登记送达")
    success_message = _("已登记送达。")

    def get_initial(self):
        return {"delivered_on": clock.today()}

    def refusal(self):
        if self.get_object().delivered_on:
            return ServiceError("already_delivered", _("该催告函已登记送达。"), status=409)
        return None

    def perform(self, form):
        return dunning.demand_delivered(letter=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result) -> str:
        return household_url(self.get_object().room_id)


class WaiverRequestView(ActionView):
    """Ask to waive a late charge (FE-3): the corrections chain (services.adjustments, kind WAIVER)."""

    model = Bill
    action = "billing.adjust"
    form_class = WaiverForm
    title = _("申请减免违约金")
    success_message = _("减免申请已提交审批。")

    def get_queryset(self):
        return Bill.objects.filter(kind=BillKind.LATE_CHARGE)

    def get_initial(self):
        return {"amount": self.get_object().lines.aggregate(s=Sum("open_amount"))["s"]}

    def perform(self, form):
        from .choices import AdjustmentKind
        from .services.adjustments import adjustment_request

        return adjustment_request(
            bill=self.get_object(), kind=AdjustmentKind.WAIVER, actor=self.request.user, **form.cleaned_data
        )

    def get_success_url(self, result) -> str:
        return household_url(self.get_object().room_id)


class LateChargesView(StaffMixin, TemplateView):
    """违约金: the recorded clause (none: nothing is charged) and the month's computation (POST)."""

    action = "billing.view"
    template_name = "billing/arrears_late_charges.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community, today = self.request.community, clock.today()
        context.update(
            clause=late_charges.active_clause(community, today),
            form=kwargs.get("form") or LateChargesForm(initial={"as_of": today}),
            bills=Bill.objects.filter(community=community, kind=BillKind.LATE_CHARGE)
            .select_related("room")
            .order_by("-issued_at", "-id")[:PAGE_SIZE],
            may_run=has_perm(self.request.user, "billing.run", community),
        )
        return context

    def post(self, request):
        form = LateChargesForm(request.POST)
        if form.is_valid():
            try:
                bills = late_charges.late_charges_compute(
                    community=request.community, as_of=form.cleaned_data["as_of"], actor=request.user
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("已生成 %(n)s 张违约金账单。") % {"n": len(bills)})
                return redirect("billing:arrears_late_charges")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- deposits (FE-1) ---------------------------------------------------------------------------

DEPOSIT_TABS = [("held", _("保管中")), ("ageing", _("逾期未退")), ("settled", _("已结清"))]


def deposit_url(deposit) -> str:
    return reverse("billing:deposit", args=[getattr(deposit, "pk", deposit)])


class DepositListView(StaffMixin, ListView):
    """押金: held, held past their release date (ageing, longest first), settled."""

    action = "billing.view"
    template_name = "billing/arrears_deposits.html"
    context_object_name = "deposits"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        self.tab = self.request.GET.get("tab") if self.request.GET.get("tab") in dict(DEPOSIT_TABS) else "held"
        today = clock.today()
        if self.tab == "ageing":
            deposits = deposit_services.ageing(self.request.community, today)
        else:
            status = DepositStatus.SETTLED if self.tab == "settled" else DepositStatus.HELD
            deposits = self.in_community(Deposit.objects.filter(status=status)).order_by("-payment__received_at", "-id")
        return deposits.select_related("room", "payment").annotate(deducted=Sum("deductions__amount"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            tab=self.tab,
            tabs=DEPOSIT_TABS,
            today=clock.today(),
            may_receive=has_perm(self.request.user, "billing.deposits", self.request.community),
            query_string=f"tab={self.tab}",
        )
        return context


class DepositReceiveView(StaffMixin, TemplateView):
    action = "billing.deposits"
    template_name = "billing/arrears_deposit_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or DepositReceiveForm()
        return context

    def post(self, request):
        form = DepositReceiveForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            room = Room.objects.filter(community=request.community, code=data.pop("room").strip()).first()
            if room is None:
                form.add_error("room", _("房屋编号：本小区没有该房屋。"))
            else:
                try:
                    deposit = deposit_services.deposit_receive(room=room, actor=request.user, **data)
                except ServiceError as error:
                    apply_service_error(form, error)
                else:
                    messages.success(request, _("已收取押金 %(n)s。") % {"n": deposit.number})
                    return redirect(deposit_url(deposit))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DepositDetailView(StaffMixin, TemplateView):
    action = "billing.view"
    model = Deposit
    template_name = "billing/arrears_deposit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        deposit = get_object_or_404(
            self.in_community(Deposit.objects.select_related("room", "payment", "refund")), pk=self.kwargs["pk"]
        )
        deductions = list(deposit.deductions.select_related("by"))
        context.update(
            deposit=deposit,
            deductions=deductions,
            held=deposit.amount - sum((d.amount for d in deductions), 0),
            may_manage=has_perm(self.request.user, "billing.deposits", self.request.community),
            deduct_form=DepositDeductForm(),
            settle_form=DepositSettleForm(),
        )
        return context


class _DepositAction(ActionView):
    model = Deposit
    action = "billing.deposits"

    def get_queryset(self):
        return Deposit.objects.filter(community=self.request.community).select_related("refund")

    def refusal(self):
        return deposit_services._refusal(self.get_object())

    def get_success_url(self, result) -> str:
        return deposit_url(self.get_object())


class DepositDeductView(_DepositAction):
    form_class = DepositDeductForm
    title = _("扣除押金")
    success_message = _("已记录扣除。")

    def perform(self, form):
        return deposit_services.deposit_deduct(deposit=self.get_object(), actor=self.request.user, **form.cleaned_data)


class DepositSettleView(_DepositAction):
    form_class = DepositSettleForm
    title = _("结清押金")
    success_message = _("已结清或已提交退款审批。")

    def perform(self, form):
        return deposit_services.deposit_settle(deposit=self.get_object(), actor=self.request.user, **form.cleaned_data)
