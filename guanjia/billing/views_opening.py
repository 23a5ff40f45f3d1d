"""The console page of the opening balances import (FE-1): the template, the upload (core's importer
gives the check, the preview and the commit), the recent batches. Thin: the kind is services.opening_import."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from guanjia.core.console import StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.importing.models import ImportBatch
from guanjia.core.importing.services import batch_url, import_upload
from guanjia.core.importing.views import UploadForm, recent_batches

from .services import opening_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OpeningImportView(StaffMixin, TemplateView):
    """导入期初欠费与预存余额."""

    action = opening_import.PERMISSION
    template_name = "billing/opening_import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", UploadForm())
        batches = self.in_community(ImportBatch.objects.filter(kind=opening_import.KIND))
        context["batches"] = recent_batches(batches, self.request)
        return context

    def post(self, request, *args, **kwargs):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = import_upload(
                    kind=opening_import.KIND,
                    community=request.community,
                    actor=request.user,
                    file=form.cleaned_data["file"],
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                return redirect(batch_url(batch))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class OpeningTemplateView(StaffMixin, View):
    action = opening_import.PERMISSION

    def get(self, request):
        response = HttpResponse(opening_import.template(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="opening-balances-template.xlsx"'
        return response
