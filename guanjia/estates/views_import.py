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
from .importing import Layout, bad_rows_available, import_bad_rows, import_preview, import_queue
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


class ValidOnlyForm(forms.Form):
    """The explicit choice to write only the rows without problems (the default is all or nothing)."""

    confirm = forms.BooleanField(
        label=gettext_lazy("我已核对：有问题的行不导入，修改后另行上传"),
        error_messages={"required": gettext_lazy("请先勾选确认，再只导入无问题的行。")},
    )
    left_out = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


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
        layout = Layout.SPLIT if request.GET.get("layout") == Layout.SPLIT else Layout.CODE
        if layout == Layout.SPLIT:
            filename = _("%(kind)s导入模板（楼栋单元房号分列）.xlsx") % {"kind": ImportKind(kind).label}
        else:
            filename = _("%(kind)s导入模板.xlsx") % {"kind": ImportKind(kind).label}
        content = build_template(kind, layout)
        return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX)


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
        counts = preview.get("counts", {})
        previewed = batch.status == ImportStatus.PREVIEWED
        context.update(
            preview=preview,
            counts=counts,
            sample=preview.get("sample", []),
            committed=batch.result.get("committed"),
            failure=batch.result.get("failure"),
            errors_page=Paginator(batch.errors, ERRORS_PER_PAGE).get_page(self.request.GET.get("page")),
            can_commit=previewed and not batch.errors,
            # Only the rows without problems: a separate, explicit choice (the default is all or nothing).
            can_commit_valid=previewed
            and bool(batch.errors)
            and not preview.get("fatal", True)
            and bool(counts.get("valid_rows")),
            left_out=len(preview.get("excluded_rows", [])),
            has_bad_rows=bad_rows_available(batch),
            is_rooms=batch.kind == ImportKind.ROOMS,
            step=3 if batch.status in (ImportStatus.COMMITTED, ImportStatus.FAILED) else 2,
        )
        context.setdefault("valid_form", ValidOnlyForm(initial={"left_out": context["left_out"]}, auto_id="valid_%s"))
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
    """Confirm: queue the batch for writing (with the immediate backend it is written at once).

    `mode=valid_only` (a separate button, with its confirmation box ticked) writes only the rows
    without problems; anything else is all or nothing."""

    def post(self, request, pk: int):
        batch = self.get_batch()
        valid_only = request.POST.get("mode") == "valid_only"
        left_out = None
        if valid_only:
            form = ValidOnlyForm(request.POST, auto_id="valid_%s")
            if not form.is_valid():
                for errors in form.errors.values():
                    messages.error(request, " ".join(errors))
                return redirect("estates:import_batch", pk=batch.pk)
            left_out = form.cleaned_data["left_out"]
        try:
            import_queue(batch=batch, actor=request.user, valid_only=valid_only, left_out=left_out)
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


class ImportBadRowsView(BatchMixin, View):
    """The rows that cannot be imported, as uploaded, with 行号 and 原因: fix them and upload again."""

    def get(self, request, pk: int):
        batch = self.get_batch()
        try:
            filename, content = import_bad_rows(batch=batch, actor=request.user)
        except ServiceError as error:
            if error.status == 404:
                raise Http404 from None
            raise
        return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX)


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
