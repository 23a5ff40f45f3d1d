"""Console pages of meters and readings (FE-1): the meters list and one meter with its readings, a
meter's form and its verification 检定, the phone page for reading a building's meters in walking
order, the check list (confirm or correct) and the readings import. Thin: reads from
selectors_meters, writes through services.meters; another community's meter is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, StaffMixin, apply_service_error
from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import ServiceError
from guanjia.core.importing.views import ImportTemplateView, ImportUploadView
from guanjia.core.policies import policy
from guanjia.estates.models import Building

from . import selectors_meters as sel
from .choices import MeterKind, ReadingSource, ReadingStatus
from .forms_meters import ConfirmForm, MeterForm, VerifiedForm
from .models import Meter, MeterReading
from .services import meters as services
from .services import meters_import


class MeterListView(StaffMixin, ListView):
    """表计: filtered by kind, building, common or room meters, and due for verification (FE-1)."""

    action = "billing.read_meters"
    template_name = "billing/meters_list.html"
    context_object_name = "meters"
    paginate_by = 50

    def get_queryset(self):
        self.filters = {k: self.request.GET.get(k, "") for k in ("kind", "building", "scope", "due", "q")}
        meters = self.in_community(Meter.objects.all())
        return sel.filter_meters(meters, self.filters, self.request.community)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        today = clock.today()
        for meter in context["meters"]:
            meter.verify_state = sel.verify_state(meter, today, self.warn_days)
        context.update(
            filters=self.filters,
            kinds=MeterKind.choices,
            buildings=Building.objects.filter(community=self.request.community).order_by("sort_key"),
            query_string=query.urlencode(),
            may_manage=has_perm(self.request.user, "billing.manage_meters", self.request.community),
        )
        return context

    @property
    def warn_days(self) -> int:
        if not hasattr(self, "_warn"):
            self._warn = policy(self.request.community, "FE-1.verify_warn_days")
        return self._warn


class MeterDetailView(StaffMixin, TemplateView):
    """One meter: what it is, its verification deadline, and its readings, newest first."""

    action = "billing.read_meters"
    model = Meter
    template_name = "billing/meters_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meter = get_object_or_404(
            self.scoped(Meter.objects.select_related("room", "room__building")), pk=self.kwargs["pk"]
        )
        readings = meter.readings.select_related("reader", "confirmed_by").order_by("-read_on", "-id")
        page = Paginator(readings, 50).get_page(self.request.GET.get("page"))
        context.update(
            meter=meter,
            page_obj=page,
            readings=page.object_list,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            deadlines=list(deadlines_of(meter)[:5]),
            verify_state=sel.verify_state(meter, clock.today(), policy(meter.community_id, "FE-1.verify_warn_days")),
            may_manage=has_perm(self.request.user, "billing.manage_meters", meter.community_id),
        )
        return context


class MeterFormView(StaffMixin, TemplateView):
    """新增表计 / 修改表计 → meter_create / meter_update."""

    action = "billing.manage_meters"
    model = Meter
    template_name = "billing/meters_form.html"

    def get_meter(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.in_community(Meter.objects.select_related("room")), pk=self.kwargs["pk"])

    def form(self, data=None, meter=None):
        initial = {}
        if meter is not None:
            initial = {name: getattr(meter, name) for name in services.METER_FIELDS}
        return MeterForm(data, initial=initial, community=self.request.community)

    def get(self, request, *args, **kwargs):
        meter = self.get_meter()
        return self.render_to_response(self.get_context_data(form=self.form(meter=meter), meter=meter))

    def post(self, request, *args, **kwargs):
        meter = self.get_meter()
        form = self.form(request.POST, meter=meter)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if meter is None:
                    meter = services.meter_create(community=request.community, actor=request.user, **data)
                else:
                    meter = services.meter_update(meter=meter, actor=request.user, **data)
            except ServiceError as error:
                apply_service_error(form, error)
                meter = self.get_meter()
                return self.render_to_response(self.get_context_data(form=form, meter=meter), status=error.status)
            messages.success(request, _("已保存表计 %(m)s。") % {"m": meter})
            return redirect("billing:meter", meter.pk)
        return self.render_to_response(self.get_context_data(form=form, meter=meter), status=400)


class MeterVerifiedView(ActionView):
    """记录检定 (FE-1): the verification done, the next date → meter_verified."""

    action = "billing.manage_meters"
    model = Meter
    form_class = VerifiedForm
    title = gettext_lazy("记录检定")
    submit_label = gettext_lazy("保存检定结果")
    success_message = gettext_lazy("已记录检定，下次检定日期已更新。")

    def get_queryset(self):
        return Meter.objects.select_related("room")

    def get_initial(self):
        return {"verified_on": clock.today()}

    def perform(self, form):
        return services.meter_verified(meter=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("billing:meter", args=[result.pk])


class ReadingRoundView(StaffMixin, TemplateView):
    """抄表 on a phone: a building's meters in walking order (unit, floor, room), one input each with
    the previous reading shown, an optional photo, saved all at once; each meter's refusal is shown
    beside it, the others are saved (reading_record)."""

    action = "billing.read_meters"
    template_name = "billing/meters_round.html"

    def building(self):
        wanted = self.request.GET.get("building") or self.request.POST.get("building")
        if not wanted:
            return None
        return get_object_or_404(
            Building.objects.filter(community=self.request.community), pk=wanted if str(wanted).isdigit() else None
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        building = kwargs.get("building", self.building())
        rows = sel.round_rows(self.request.community, building) if building else []
        entered, errors = kwargs.get("entered", {}), kwargs.get("errors", {})
        for row in rows:
            row["entered"] = entered.get(row["meter"].pk, {})
            row["error"] = errors.get(row["meter"].pk, "")
        context.update(
            building=building,
            buildings=Building.objects.filter(community=self.request.community).order_by("sort_key"),
            rows=rows,
            today=clock.today(),
        )
        return context

    def post(self, request, *args, **kwargs):
        building = self.building()
        if building is None:
            return redirect("billing:meters_round")
        rows = sel.round_rows(request.community, building)
        read_on = clock.today()
        entered, errors, saved, checked = {}, {}, 0, 0
        for row in rows:
            meter = row["meter"]
            value = (request.POST.get(f"value_{meter.pk}") or "").strip()
            replacement = request.POST.get(f"replacement_{meter.pk}") == "1"
            rollover = request.POST.get(f"rollover_{meter.pk}") == "1"
            if not value:
                continue
            try:
                reading = services.reading_record(
                    meter=meter,
                    read_on=read_on,
                    value=value,
                    source=ReadingSource.STAFF,
                    actor=request.user,
                    photo=request.FILES.get(f"photo_{meter.pk}"),
                    replacement=replacement,
                    rollover=rollover,
                )
            except ServiceError as error:
                entered[meter.pk] = {"value": value, "replacement": replacement, "rollover": rollover}
                errors[meter.pk] = str(error.message)
                continue
            saved += 1
            checked += reading.status == ReadingStatus.CHECK
        if saved:
            messages.success(request, _("已保存 %(n)s 块表的读数，其中 %(c)s 块待复核。") % {"n": saved, "c": checked})
        if errors:
            messages.error(request, _("%(n)s 块表的读数未保存，请看表旁的说明。") % {"n": len(errors)})
            context = self.get_context_data(building=building, entered=entered, errors=errors)
            return self.render_to_response(context, status=400)
        return redirect(f"{reverse('billing:meters_round')}?building={building.pk}")


class CheckListView(StaffMixin, ListView):
    """待复核读数 (FE-1): usage far above the household's average, or none in an occupied home."""

    action = "billing.read_meters"
    template_name = "billing/meters_check.html"
    context_object_name = "readings"
    paginate_by = 50

    def get_queryset(self):
        return sel.check_list(self.in_community(MeterReading.objects.all()))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            may_confirm=has_perm(self.request.user, "billing.manage_meters", self.request.community),
            form=ConfirmForm(),
        )
        return context


class ReadingConfirmView(ActionView):
    """复核 one reading: confirm it, or correct its value → reading_confirm."""

    action = "billing.manage_meters"
    model = MeterReading
    form_class = ConfirmForm
    title = gettext_lazy("复核读数")
    submit_label = gettext_lazy("确认")
    success_message = gettext_lazy("已复核。")

    def get_queryset(self):
        return MeterReading.objects.select_related("meter", "meter__room")

    def refusal(self):
        if self.get_object().status != ReadingStatus.CHECK:
            return ServiceError("not_on_list", _("状态：该读数不在待复核清单中。"), status=409)
        return None

    def perform(self, form):
        return services.reading_confirm(
            reading=self.get_object(), actor=self.request.user, value=form.cleaned_data.get("value")
        )

    def get_success_url(self, result):
        return reverse("billing:readings_check")


class ReadingsImportView(ImportUploadView):
    """导入抄表读数: the template, the upload (core's importer), the recent batches."""

    action = "billing.read_meters"
    kind = meters_import.KIND
    template_name = "billing/meters_import.html"


class ReadingsTemplateView(ImportTemplateView):
    action = "billing.read_meters"
    template = staticmethod(meters_import.template)
    filename = "readings-template.xlsx"
