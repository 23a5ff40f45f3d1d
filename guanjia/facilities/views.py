"""Console pages of the equipment ledger 设备台账 (FM-1): the device list (type, building, importance,
inspection due), one device with its whole history in one timeline, its form, records, documents and
fault tickets, the printable QR tag, contractors, the type tree and the ledger import. Thin: reads
from selectors, writes through services; another community's device is a 404."""

from __future__ import annotations

import datetime as dt

import segno
from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, TemplateView

from guanjia.core import clock
from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, StaffMixin, apply_service_error
from guanjia.core.deadlines import deadlines_of
from guanjia.core.errors import ServiceError
from guanjia.core.importing.views import ImportTemplateView, ImportUploadView
from guanjia.core.policies import policy
from guanjia.estates.models import Building
from guanjia.servicedesk.models import Ticket

from . import importing, selectors, services
from .choices import Importance
from .forms import ContractorForm, DeviceForm, DocumentForm, RecordForm, TicketLinkForm
from .models import Checkpoint, Contractor, Device, DeviceDocument, DeviceType


class DeviceListView(StaffMixin, ListView):
    """设备台账: filtered by type (with its sub-types), building, importance, and inspection due."""

    action = "facilities.view"
    template_name = "facilities/device_list.html"
    context_object_name = "devices"
    paginate_by = 50

    def get_queryset(self):
        self.filters = {k: self.request.GET.get(k, "") for k in ("type", "building", "importance", "due", "q")}
        devices = self.in_community(Device.objects.all())
        return selectors.filter_devices(devices, self.filters, self.request.community)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        today, warn = clock.today(), policy(self.request.community, "FM-1.inspection_warn_days")
        for device in context["devices"]:
            device.inspection_state = selectors.inspection_state(device, today, warn)
            device.importance_colour = Importance(device.importance).colour
        context.update(
            filters=self.filters,
            types=selectors.type_tree(),
            importances=Importance.choices,
            buildings=Building.objects.filter(community=self.request.community).order_by("sort_key"),
            query_string=query.urlencode(),
            may_manage=has_perm(self.request.user, "facilities.manage", self.request.community),
            may_import=has_perm(self.request.user, "facilities.import", self.request.community),
            warn_days=warn,
        )
        return context


class DeviceMixin(StaffMixin):
    action = "facilities.view"
    model = Device

    def get_device(self) -> Device:
        if not hasattr(self, "_device"):
            queryset = Device.objects.select_related("type", "building", "contractor", "responsible")
            self._device = get_object_or_404(self.scoped(queryset), pk=self.kwargs["pk"])
        return self._device


class DeviceDetailView(DeviceMixin, TemplateView):
    """One device: what and where it is, its statutory data and deadline, and its whole history."""

    template_name = "facilities/device_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = self.get_device()
        warn = policy(device.community_id, "FM-1.inspection_warn_days")
        context.update(
            device=device,
            events=selectors.timeline(device),
            deadlines=list(deadlines_of(device)[:5]),
            inspection_state=selectors.inspection_state(device, clock.today(), warn),
            importance_colour=Importance(device.importance).colour,
            may_manage=has_perm(self.request.user, "facilities.manage", device.community_id),
            link_form=kwargs.get("link_form") or TicketLinkForm(),
        )
        return context


class DeviceFormView(StaffMixin, TemplateView):
    """登记设备 / 修改设备 → device_create / device_update."""

    action = "facilities.manage"
    model = Device
    template_name = "facilities/device_form.html"

    def get_device(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.in_community(Device.objects.select_related("type")), pk=self.kwargs["pk"])

    def form(self, data=None, device=None):
        initial = {}
        if device is not None:
            initial = {name: getattr(device, name) for name in services.DEVICE_FIELDS}
            initial["type"] = device.type_id
        return DeviceForm(data, initial=initial, community=self.request.community)

    def get(self, request, *args, **kwargs):
        device = self.get_device()
        return self.render_to_response(self.get_context_data(form=self.form(device=device), device=device))

    def post(self, request, *args, **kwargs):
        device = self.get_device()
        form = self.form(request.POST, device=device)
        if form.is_valid():
            try:
                if device is None:
                    device = services.device_create(
                        community=request.community, actor=request.user, **form.cleaned_data
                    )
                else:
                    device = services.device_update(device=device, actor=request.user, **form.cleaned_data)
            except ServiceError as error:
                apply_service_error(form, error)
                return self.render_to_response(
                    self.get_context_data(form=form, device=self.get_device()), status=error.status
                )
            messages.success(request, _("已保存设备 %(d)s。") % {"d": device})
            return redirect("facilities:device", device.pk)
        return self.render_to_response(self.get_context_data(form=form, device=device), status=400)


class _DeviceAction(ActionView):
    action = "facilities.manage"
    model = Device

    def get_queryset(self):
        return Device.objects.select_related("type")

    def get_success_url(self, result):
        return reverse("facilities:device", args=[self.get_object().pk])


class RecordAddView(_DeviceAction):
    """记录履历 (FM-1): maintenance, a statutory inspection with its next date, a repair → device_record_add."""

    form_class = RecordForm
    title = gettext_lazy("记录设备履历")
    submit_label = gettext_lazy("保存")
    success_message = gettext_lazy("已记入设备履历。")

    def get_initial(self):
        return {"done_on": clock.today(), "kind": self.request.GET.get("kind", "maintenance")}

    def perform(self, form):
        return services.device_record_add(device=self.get_object(), actor=self.request.user, **form.cleaned_data)


class DocumentAddView(_DeviceAction):
    """上传资料 → device_document_add."""

    form_class = DocumentForm
    title = gettext_lazy("上传设备资料")
    submit_label = gettext_lazy("上传")
    success_message = gettext_lazy("已上传。")

    def perform(self, form):
        return services.device_document_add(device=self.get_object(), actor=self.request.user, **form.cleaned_data)


class TicketLinkView(_DeviceAction):
    """关联故障工单: a ticket of this community, by its number → device_ticket_link."""

    form_class = TicketLinkForm
    title = gettext_lazy("关联故障工单")
    submit_label = gettext_lazy("关联")
    success_message = gettext_lazy("已关联工单。")

    def perform(self, form):
        device = self.get_object()
        ticket = Ticket.objects.filter(
            community_id=device.community_id, number=form.cleaned_data["number"].strip()
        ).first()
        if ticket is None:
            raise ServiceError("not_found", _("工单号：本小区没有这个工单。"), field="number", status=404)
        try:
            return services.device_ticket_link(device=device, ticket=ticket, actor=self.request.user)
        except ServiceError as error:
            error.field = "number" if error.field == "ticket" else error.field
            raise


class TicketUnlinkView(DeviceMixin, View):
    """取消关联 (POST) → device_ticket_unlink."""

    action = "facilities.manage"

    def post(self, request, pk, ticket_link_pk):
        device = self.get_device()
        found = get_object_or_404(device.ticket_links.select_related("ticket"), pk=ticket_link_pk).ticket
        try:
            services.device_ticket_unlink(device=device, ticket=found, actor=request.user)
        except ServiceError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("已取消关联工单 %(n)s。") % {"n": found.number})
        return redirect("facilities:device", device.pk)


class DocumentDownloadView(StaffMixin, View):
    """A device's document, opened through the scope check."""

    action = "facilities.view"
    model = DeviceDocument

    def get(self, request, pk):
        document = get_object_or_404(self.scoped(DeviceDocument.objects.all()), pk=pk)
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, filename=document.file.name.rsplit("/", 1)[-1])


class DeviceTagView(DeviceMixin, TemplateView):
    """The printable QR tag 设备标识牌: the QR encodes the device's console page (a phone scanning it
    opens the device after signing in)."""

    template_name = "facilities/device_tag.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = self.get_device()
        url = self.request.build_absolute_uri(device.get_absolute_url())
        svg = segno.make(url, error="m").svg_inline(scale=6, border=2, title=device.code)
        context.update(device=device, url=url, qr=mark_safe(svg))  # segno's own SVG, the URL escaped by it
        return context


class CheckpointMixin(StaffMixin):
    action = "facilities.checkpoints.view"
    model = Checkpoint

    def get_checkpoint(self) -> Checkpoint:
        queryset = self.scoped(Checkpoint.objects.select_related("building"))
        return get_object_or_404(queryset, token=self.kwargs["token"])


class CheckpointView(CheckpointMixin, TemplateView):
    """A patrol point 巡更点, opened by scanning its QR tag (FM-3, FM-5)."""

    template_name = "facilities/checkpoint.html"

    def get_context_data(self, **kwargs):
        checkpoint = self.get_checkpoint()
        may_print = has_perm(self.request.user, "facilities.patrol.manage", self.request.community)
        return super().get_context_data(checkpoint=checkpoint, may_print=may_print, **kwargs)


class CheckpointTagView(CheckpointMixin, TemplateView):
    """The printable QR tag 巡更点标识牌: the QR encodes the checkpoint's page by its unguessable token."""

    action = "facilities.patrol.manage"
    template_name = "facilities/checkpoint_tag.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        checkpoint = self.get_checkpoint()
        url = self.request.build_absolute_uri(checkpoint.get_absolute_url())
        svg = segno.make(url, error="m").svg_inline(scale=6, border=2, title=checkpoint.code)
        context.update(checkpoint=checkpoint, url=url, qr=mark_safe(svg))  # segno's own SVG, the URL escaped by it
        return context


class PlanTaskListView(StaffMixin, ListView):
    """任务列表 for supervisors (FM-2, FM-3, FM-5): every maintenance and patrol task with its state from
    the clock (pending, in progress, done, overdue, missed); filters state, kind, date."""

    action = "facilities.maintenance.manage"
    template_name = "facilities/task_list.html"
    context_object_name = "tasks"
    paginate_by = 50

    def get_queryset(self):
        self.filters = {k: self.request.GET.get(k, "") for k in ("state", "kind", "date")}
        filters = dict(self.filters)
        try:
            filters["date"] = dt.date.fromisoformat(filters["date"]) if filters["date"] else None
        except ValueError:
            filters["date"] = None
            self.filters["date"] = ""
        return selectors.plan_tasks(self.request.community, filters)

    def get_context_data(self, **kwargs):
        from guanjia.core.plans.models import TaskState
        from guanjia.core.plans.services import KINDS

        from .plans import KIND_KEYS

        context = super().get_context_data(**kwargs)
        for task in context["tasks"]:
            task.state_label = TaskState(task.state).label
            task.state_colour = TaskState(task.state).colour
            task.kind_title = KINDS[task.plan.kind].title
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            filters=self.filters,
            states=TaskState.choices,
            kinds=[(key, KINDS[key].title) for key in KIND_KEYS],
            query_string=query.urlencode(),
        )
        return context


class AnnualPlanView(StaffMixin, TemplateView):
    """年度维保计划 (FM-2): the year's maintenance plans, each device, months, what, who; printable."""

    action = "facilities.view"
    template_name = "facilities/annual_plan.html"

    def get_context_data(self, **kwargs):
        try:
            year = int(self.request.GET.get("year") or clock.today().year)
        except ValueError:
            year = clock.today().year
        year = min(max(year, 2000), 2100)
        rows = selectors.annual_plan(self.request.community, year)
        return super().get_context_data(year=year, rows=rows, months=range(1, 13), **kwargs)


class ContractorListView(StaffMixin, ListView):
    """维保单位, with their licences and how many devices each maintains."""

    action = "facilities.view"
    template_name = "facilities/contractor_list.html"
    context_object_name = "contractors"
    paginate_by = 50

    def get_queryset(self):
        return self.in_community(Contractor.objects.annotate(device_count=Count("devices"))).order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = clock.today()
        warn = policy(self.request.community, "FM-1.licence_warn_days")
        for c in context["contractors"]:
            c.licence_state = selectors.licence_state(c, today, warn)
        context["may_manage"] = has_perm(self.request.user, "facilities.manage", self.request.community)
        return context


class ContractorFormView(StaffMixin, TemplateView):
    """新增维保单位 / 修改 → contractor_create / contractor_update."""

    action = "facilities.manage"
    model = Contractor
    template_name = "facilities/contractor_form.html"

    def get_contractor(self):
        if "pk" not in self.kwargs:
            return None
        return get_object_or_404(self.in_community(Contractor.objects.all()), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        contractor = self.get_contractor()
        initial = {n: getattr(contractor, n) for n in services.CONTRACTOR_FIELDS} if contractor else {}
        return self.render_to_response(
            self.get_context_data(form=ContractorForm(initial=initial), contractor=contractor)
        )

    def post(self, request, *args, **kwargs):
        contractor = self.get_contractor()
        form = ContractorForm(request.POST)
        if form.is_valid():
            try:
                if contractor is None:
                    contractor = services.contractor_create(
                        community=request.community, actor=request.user, **form.cleaned_data
                    )
                else:
                    contractor = services.contractor_update(
                        contractor=contractor, actor=request.user, **form.cleaned_data
                    )
            except ServiceError as error:
                apply_service_error(form, error)
                return self.render_to_response(
                    self.get_context_data(form=form, contractor=self.get_contractor()), status=error.status
                )
            messages.success(request, _("已保存维保单位 %(c)s。") % {"c": contractor})
            return redirect("facilities:contractors")
        return self.render_to_response(self.get_context_data(form=form, contractor=contractor), status=400)


class TypeTreeView(StaffMixin, TemplateView):
    """设备类型: the tree, with how many devices of the community each type has."""

    action = "facilities.view"
    template_name = "facilities/type_tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = dict(
            self.in_community(Device.objects.all()).values("type").annotate(n=Count("id")).values_list("type", "n")
        )
        context["nodes"] = selectors.type_tree(counts)
        context["unused"] = not DeviceType.objects.exists()
        return context


class DeviceImportView(ImportUploadView):
    """导入设备台账 (FM-1) through core's importer."""

    action = importing.PERMISSION
    kind = importing.KIND
    template_name = "facilities/import.html"


class DeviceImportTemplateView(ImportTemplateView):
    action = importing.PERMISSION
    template = staticmethod(importing.template)
    filename = "device-ledger-template.xlsx"
