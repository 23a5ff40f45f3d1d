"""Console pages of a batch: the preview (progress while it is checked, then every problem and the
first rows as they will be written), the confirmation, the result and the bad rows' download.

Thin: the services do the work; the page a batch needs is the permission of its kind. An app's
own page takes the upload (it knows what is imported: a kind, a survey) and redirects here.
"""

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from ..access import has_perm
from ..console import CommunityFromLinkMixin, StaffMixin, apply_service_error, flash_service_error
from ..errors import ServiceError
from .badrows import bad_rows_available, import_bad_rows
from .kinds import known
from .models import ImportBatch, ImportStatus
from .services import batch_url, import_expire_stale, import_queue, import_recheck, import_upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_PER_PAGE = 100
WARNINGS_SHOWN = 200


class UploadForm(forms.Form):
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


class _FindBatch:
    """Finds the batch in the current community before the permission check: its kind says which
    permission the page needs besides `action`. Another community's batch, or a private one of
    someone else, is "not found", never "forbidden" (DESIGN §1)."""

    batch = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        batch = None
        if request.community:
            batch = (
                ImportBatch.objects.select_related("community", "created_by", "committed_by")
                .filter(pk=kwargs["pk"], community=request.community)
                .first()
            )
        if batch is None or not known(batch.kind):
            raise Http404
        spec = batch.import_kind
        if spec.private and batch.created_by_id != request.user.pk:
            raise Http404
        if not has_perm(request.user, spec.permission, request.community):
            raise PermissionDenied
        self.batch = batch
        return super().dispatch(request, *args, **kwargs)

    def get_batch(self) -> ImportBatch:
        return self.batch


class BatchMixin(CommunityFromLinkMixin, _FindBatch, StaffMixin):
    model = ImportBatch
    action = "core.view"  # a staff member of the community; the batch's kind asks for its own too


def _batch_context(batch: ImportBatch, request) -> dict:
    spec = batch.import_kind
    summary = batch.summary
    # A commit whose worker died wrote nothing: once its check had finished it may be confirmed again.
    previewed = batch.status == ImportStatus.PREVIEWED or (
        batch.status == ImportStatus.FAILED and batch.interrupted and bool(batch.checked_at)
    )
    errors = batch.row_errors.filter(warning=False)
    warnings = batch.row_errors.filter(warning=True)
    can_commit_valid = (
        previewed and spec.valid_only and bool(batch.error_count) and not batch.fatal and bool(batch.valid_rows)
    )
    return {
        "batch": batch,
        "spec": spec,
        "summary": summary,
        "counts": summary.get("counts", {}),
        "sample": summary.get("sample", []),
        "result": batch.result,
        "errors_page": Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page")),
        "warnings": list(warnings[:WARNINGS_SHOWN]),
        "warning_count": warnings.count() if batch.status != ImportStatus.CHECKING else 0,
        "working": batch.status in (ImportStatus.CHECKING, ImportStatus.QUEUED),
        "can_commit": previewed and not batch.error_count and bool(batch.valid_rows),
        "can_commit_valid": can_commit_valid,
        "can_recheck": batch.status == ImportStatus.FAILED,
        "left_out": batch.error_rows,
        "has_bad_rows": bad_rows_available(batch),
        "start_url": spec.start_url(batch) if spec.start_url else "",
        "step": 3 if batch.status in (ImportStatus.COMMITTED, ImportStatus.FAILED) else 2,
    }


class ImportBatchView(BatchMixin, TemplateView):
    """Step 2 (the check's progress, then the preview) and step 3 (the result)."""

    template_name = "core/import_batch.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.get_batch()
        import_expire_stale(batch=batch)  # a batch whose worker died says so, and offers a retry
        context.update(_batch_context(batch, self.request))
        context.setdefault("valid_form", ValidOnlyForm(initial={"left_out": context["left_out"]}, auto_id="valid_%s"))
        return context


class ImportStatusView(BatchMixin, View):
    """Polled by htmx while the batch is checked or written; reloads the page once it is done."""

    def get(self, request, pk: int):
        batch = self.get_batch()
        import_expire_stale(batch=batch)
        if batch.status in (ImportStatus.CHECKING, ImportStatus.QUEUED):
            return render(request, "core/_import_progress.html", {"batch": batch})
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response


class ImportCommitView(BatchMixin, View):
    """Confirm: the commit goes to the background worker (with the immediate backend, it is done now).

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
                return redirect("core:import_batch", pk=batch.pk)
            left_out = form.cleaned_data["left_out"]
        try:
            batch = import_queue(batch=batch, actor=request.user, valid_only=valid_only, left_out=left_out)
        except ServiceError as error:
            flash_service_error(request, error)
            return redirect("core:import_batch", pk=batch.pk)
        if batch.status == ImportStatus.COMMITTED:
            messages.success(request, _("导入完成。"))
        elif batch.status == ImportStatus.FAILED:
            messages.error(request, _("导入失败，未写入任何数据。"))
        elif batch.status == ImportStatus.PREVIEWED and batch.failure:
            messages.error(request, batch.failure)
        return redirect("core:import_batch", pk=batch.pk)


class ImportRecheckView(BatchMixin, View):
    """Check a failed batch's file again, in the background (its worker died, or the check crashed)."""

    def post(self, request, pk: int):
        try:
            import_recheck(batch=self.get_batch(), actor=request.user)
        except ServiceError as error:
            flash_service_error(request, error)
        return redirect("core:import_batch", pk=pk)


class ImportBadRowsView(BatchMixin, View):
    """The rows that cannot be imported, as uploaded, with 行号 and 原因: fix them and upload again."""

    def get(self, request, pk: int):
        try:
            filename, content = import_bad_rows(batch=self.get_batch(), actor=request.user)
        except ServiceError as error:
            if error.status == 404:
                raise Http404 from None
            raise
        return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX)


def recent_batches(queryset, request, per_page: int = 20):
    """A page of batches for an app's upload page (one query for the page, one for the count)."""
    return Paginator(queryset.select_related("created_by").defer("summary", "result"), per_page).get_page(
        request.GET.get("page")
    )


class ImportUploadView(StaffMixin, TemplateView):
    """An app's upload page for one import kind: the form, the kind's recent batches; a good upload
    goes to its batch's page (the check, the preview, the commit). Declare `action`, `kind` and
    `template_name`; override `upload` when the file needs preparing first (a CSV, a survey)."""

    kind = ""
    form_class = UploadForm

    def upload(self, file) -> ImportBatch:
        return import_upload(kind=self.kind, community=self.request.community, actor=self.request.user, file=file)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.form_class())
        batches = self.in_community(ImportBatch.objects.filter(kind=self.kind))
        context["batches"] = recent_batches(batches, self.request)
        return context

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = self.upload(form.cleaned_data["file"])
            except ServiceError as error:
                if error.status == 403:
                    raise
                apply_service_error(form, error)
            else:
                return redirect(batch_url(batch))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportTemplateView(StaffMixin, View):
    """The kind's empty workbook to fill in: declare `action`, `template` (staticmethod giving the
    bytes) and `filename`."""

    template = None
    filename = "template.xlsx"

    def get(self, request):
        response = HttpResponse(self.template(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{self.filename}"'
        return response
