"""Console pages of the register import (choose, template, upload; the batch pages are core's) and
the register export."""

import io

from django import forms
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core.console import StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.importing.models import ImportBatch
from guanjia.core.importing.services import import_upload
from guanjia.core.importing.views import UploadForm, recent_batches
from guanjia.core.replica import ReplicaReadsMixin

from .choices import ImportKind
from .exporting import build_template, register_export
from .importing import Layout
from .importing.kinds import KEYS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(UploadForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("导入内容"), choices=ImportKind.choices, initial=ImportKind.ROOMS, widget=forms.RadioSelect
    )
    field_order = ["kind", "file"]


class ImportStartView(StaffMixin, TemplateView):
    """Step 1: choose what to import, download the template, upload; below, the recent batches."""

    action = "estates.import"
    template_name = "estates/import_start.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportForm())
        batches = self.in_community(ImportBatch.objects.filter(kind__in=KEYS.values()))
        context.update(kinds=ImportKind.choices, batches=recent_batches(batches, self.request))
        return context

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = import_upload(
                    kind=KEYS[form.cleaned_data["kind"]],
                    community=request.community,
                    actor=request.user,
                    file=form.cleaned_data["file"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                return redirect("core:import_batch", pk=batch.pk)
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


class ExportDownloadView(StaffMixin, ReplicaReadsMixin, View):
    action = "estates.export"

    def get(self, request, kind: str):
        if kind not in ImportKind.values:
            raise Http404
        filename, handle = register_export(community=request.community, actor=request.user, kind=kind)
        return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
