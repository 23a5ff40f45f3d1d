"""The console page of the opening balances import (FE-1): the template, the upload (core's importer
gives the check, the preview and the commit), the recent batches. Thin: the kind is services.opening_import."""

from __future__ import annotations

from guanjia.core.importing.views import ImportTemplateView, ImportUploadView

from .services import opening_import


class OpeningImportView(ImportUploadView):
    """导入期初欠费与预存余额."""

    action = opening_import.PERMISSION
    kind = opening_import.KIND
    template_name = "billing/opening_import.html"


class OpeningTemplateView(ImportTemplateView):
    action = opening_import.PERMISSION
    template = staticmethod(opening_import.template)
    filename = "opening-balances-template.xlsx"
