"""The one PDF view (DESIGN §14): any registered form, for a subject in the user's scope, recorded as issued."""

from django.http import Http404, HttpResponse
from django.utils.encoding import escape_uri_path
from django.views import View

from . import documents
from .console import StaffMixin


class DocumentPdfView(StaffMixin, View):
    def dispatch(self, request, *args, **kwargs):
        try:
            self.kind = documents.kind_of(kwargs["code"])
        except KeyError:
            raise Http404 from None
        self.action = self.kind.permission
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, code, key):
        subject = self.kind.subject(request, key)
        _copy, pdf = documents.document_issue(kind=self.kind, subject=subject, actor=request.user, request=request)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{escape_uri_path(self.kind.filename(subject))}"
        return response
