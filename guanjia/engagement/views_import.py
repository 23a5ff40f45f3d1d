"""Console pages of the Excel import of answers: pick a survey → download the template → upload.
The batch's own pages (progress, every bad row, confirm, result) are core's importer's."""

import io

from django.db.models import Count
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core.console import CommunityListView, StaffMixin, apply_service_error
from guanjia.core.errors import ServiceError
from guanjia.core.importing.services import import_upload
from guanjia.core.importing.views import UploadForm

from . import answers_import as importer
from .models import Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AnswersFileForm(UploadForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = gettext_lazy("答卷 Excel 文件")


class SurveyImportIndexView(CommunityListView):
    """The surveys of the current community that are collecting answers, newest first."""

    model = Survey
    action = "engagement.survey_enter"
    template_name = "engagement/import_index.html"
    context_object_name = "surveys"
    paginate_by = 20

    def base_queryset(self):
        return (
            Survey.objects.collecting()
            .annotate(issued=Count("sheets"), returned=Count("sheets__returned_at"))
            .order_by("-issued_on", "-id")
        )


class SurveyMixin(StaffMixin):
    action = "engagement.survey_enter"

    @cached_property
    def survey(self) -> Survey:
        # Another community's survey is "not found", never "forbidden" (DESIGN.md §1).
        return get_object_or_404(self.in_community(Survey.objects.select_related("community")), pk=self.kwargs["pk"])


class AnswersImportView(SurveyMixin, TemplateView):
    """Step 1: the template and the upload."""

    model = Survey
    template_name = "engagement/import_upload.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        issued, returned = self.survey.sheets.aggregate(i=Count("id"), r=Count("returned_at")).values()
        context.update(
            survey=self.survey,
            issued=issued,
            returned=returned,
            is_open=self.survey.accepts_answers,
            items=list(self.survey.items.order_by("position")),
        )
        context.setdefault("form", AnswersFileForm())
        return context

    def post(self, request, pk: int):
        form = AnswersFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = import_upload(
                    kind=importer.KIND,
                    community=request.community,
                    actor=request.user,
                    file=form.cleaned_data["file"],
                    subject=self.survey,
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                return redirect("core:import_batch", pk=batch.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AnswersTemplateView(SurveyMixin, View):
    model = Survey

    def get(self, request, pk: int):
        filename = _("%(t)s答卷导入模板.xlsx") % {"t": self.survey.title}
        content = importer.answers_template(self.survey)
        return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX)
