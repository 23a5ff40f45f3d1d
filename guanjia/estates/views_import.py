"""Console pages of the Excel import wizard (upload → preview → result) and the register export."""

import io

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, TemplateView

from guanjia.core.console import CommunityListView, StaffMixin, apply_service_error, flash_service_error
from guanjia.core.errors import ServiceError

from .choices import ImportKind, ImportStatus
from .exporting import build_template, register_export
from .importing import import_preview, import_queue
from .models import ImportBatch
from .tasks import commit_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_PER_PAGE = 100


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("导入内容"), choices=ImportKind.choices, initial=ImportKind.ROOMS, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=gettext_lazy("Excel 文件"),
        help_text=gettext_lazy("请使用下载的模板（.xlsx）；上传后先预览，确认无误才会写入。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class ImportStartView(CommunityListView):
    """Step 1: choose what to import, download the template, upload; below, the recent batches."""

    model = ImportBatch
    action = "estates.import"
    template_name = "estates/import_start.html"
    paginate_by = 20

    def base_queryset(self):
        return ImportBatch.objects.select_related("created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        context["kinds"] = ImportKind.choices
        return context

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = import_preview(
                    community=request.community,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                return redirect("estates:import_batch", pk=batch.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportTemplateView(StaffMixin, View):
    action = "estates.import"

    def get(self, request, kind: str):
        if kind not in ImportKind.values:
            raise Http404
        filename = _("%(kind)s导入模板.xlsx") % {"kind": ImportKind(kind).label}
        return FileResponse(io.BytesIO(build_template(kind)), as_attachment=True, filename=filename, content_type=XLSX)


class BatchMixin(StaffMixin):
    action = "estates.import"

    def get_batch(self) -> ImportBatch:
        # Another community's batch is "not found", never "forbidden" (DESIGN.md §1).
        queryset = self.in_community(ImportBatch.objects.select_related("community", "created_by"))
        return get_object_or_404(queryset, pk=self.kwargs["pk"])


class ImportBatchView(BatchMixin, DetailView):
    """Step 2 (preview: every bad row, the first rows as they will be written) and step 3 (result)."""

    template_name = "estates/import_batch.html"
    context_object_name = "batch"

    def get_object(self, queryset=None):
        return self.get_batch()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.object
        preview = batch.result.get("preview", {})
        context.update(
            preview=preview,
            counts=preview.get("counts", {}),
            sample=preview.get("sample", []),
            committed=batch.result.get("committed"),
            failure=batch.result.get("failure"),
            errors_page=Paginator(batch.errors, ERRORS_PER_PAGE).get_page(self.request.GET.get("page")),
            can_commit=batch.status == ImportStatus.PREVIEWED and not batch.errors,
            is_rooms=batch.kind == ImportKind.ROOMS,
            step=3 if batch.status in (ImportStatus.COMMITTED, ImportStatus.FAILED) else 2,
        )
        return context


class ImportStatusView(BatchMixin, View):
    """Polled by htmx while a batch waits for the worker; reloads the page once it is done."""

    def get(self, request, pk: int):
        batch = self.get_batch()
        if batch.status == ImportStatus.QUEUED:
            return render(request, "estates/import_status.html", {"batch": batch})
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response


class ImportCommitView(BatchMixin, View):
    """Confirm: queue the batch for writing (with the immediate backend it is written at once)."""

    def post(self, request, pk: int):
        batch = self.get_batch()
        try:
            import_queue(batch=batch, actor=request.user)
        except ServiceError as error:
            flash_service_error(request, error)
            return redirect("estates:import_batch", pk=batch.pk)
        commit_import.enqueue(batch.pk, request.user.pk)
        batch.refresh_from_db()
        if batch.status == ImportStatus.COMMITTED:
            messages.success(request, _("导入完成。"))
        elif batch.status == ImportStatus.FAILED:
            messages.error(request, _("导入失败，未写入任何数据。"))
        return redirect("estates:import_batch", pk=batch.pk)


class ExportView(StaffMixin, TemplateView):
    action = "estates.export"
    template_name = "estates/import_export.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = [
            (value, label, reverse("estates:register_export_download", args=[value]))
            for value, label in ImportKind.choices
        ]
        return context


class ExportDownloadView(StaffMixin, View):
    action = "estates.export"

    def get(self, request, kind: str):
        if kind not in ImportKind.values:
            raise Http404
        filename, handle = register_export(community=request.community, actor=request.user, kind=kind)
        return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
