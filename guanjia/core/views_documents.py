"""The one PDF view (DESIGN §14): any registered form, for a subject in the user's scope, recorded as issued."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.encoding import escape_uri_path
from django.views import View

from . import documents
from .access import has_perm
from .console import StaffMixin


class DocumentPdfView(StaffMixin, View):
    """/console/documents/<code>/<key>.pdf: a subject outside the user's communities is a 404; in
    them, a role without the form's permission there is a 403 (DESIGN §1)."""

    action = documents.VISIBLE
    http_method_names = ["get"]

    def dispatch(self, request, *args, **kwargs):
        try:
            self.kind = documents.kind_of(kwargs["code"])
        except KeyError:
            raise Http404 from None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, code, key):
        subject = self.kind.subject(request, key)
        community = documents.community_of(self.kind, subject)
        # The subject lookup is the app's; checking its community again here keeps a lookup that
        # forgot to scope from printing another community's record.
        if not has_perm(request.user, documents.VISIBLE, community):
            raise Http404
        if not has_perm(request.user, self.kind.permission, community):
            raise PermissionDenied
        _copy, pdf = documents.document_issue(
            kind=self.kind, subject=subject, actor=request.user, request=request, key=key
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{escape_uri_path(self.kind.filename(subject))}"
        return response
