"""Console pages of the Excel import of answers: pick a survey → download the template → upload
→ preview (every bad row, paginated) → confirm. Thin: `answers_import` does the work.

Between preview and confirmation the file lives in the default storage under a random token;
the token is remembered in the uploader's session, so nobody else can confirm it and any app
server can serve the next step.
"""

import io

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core.console import CommunityListView, StaffMixin, apply_service_error, flash_service_error
from guanjia.core.errors import ServiceError

from . import answers_import as importer
from .choices import SurveyStatus
from .models import Survey

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_PER_PAGE = 100
SESSION_KEY = "engagement.answers_import"
KEEP_TOKENS = 10


class AnswersFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("答卷 Excel 文件"),
        help_text=gettext_lazy("请使用下载的模板（.xlsx）；上传后先预览，确认无误才会写入。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class SurveyImportIndexView(CommunityListView):
    """The surveys of the current community that are collecting answers, newest first."""

    model = Survey
    action = "engagement.survey_enter"
    template_name = "engagement/import_index.html"
    context_object_name = "surveys"
    paginate_by = 20

    def base_queryset(self):
        return (
            Survey.objects.filter(status=SurveyStatus.ISSUED)
            .annotate(issued=Count("sheets"), returned=Count("sheets__returned_at"))
            .order_by("-issued_on", "-id")
        )


class SurveyMixin(StaffMixin):
    action = "engagement.survey_enter"

    @cached_property
    def survey(self) -> Survey:
        # Another community's survey is "not found", never "forbidden" (DESIGN.md §1).
        return get_object_or_404(self.in_community(Survey.objects.select_related("community")), pk=self.kwargs["pk"])

    def remembered(self) -> dict:
        return self.request.session.get(SESSION_KEY, {})

    def remember(self, token: str, name: str) -> None:
        kept = dict(list(self.remembered().items())[-(KEEP_TOKENS - 1) :])
        kept[token] = {"survey": self.survey.pk, "name": name}
        self.request.session[SESSION_KEY] = kept

    def forget(self, token: str) -> None:
        kept = self.remembered()
        kept.pop(token, None)
        self.request.session[SESSION_KEY] = kept
        importer.discard_upload(self.survey, token)

    def upload(self, token: str) -> dict:
        """The upload this user made for this survey, or 404."""
        entry = self.remembered().get(token)
        if not entry or entry.get("survey") != self.survey.pk:
            raise Http404
        return entry


class AnswersImportView(SurveyMixin, TemplateView):
    """Step 1: the template and the upload."""

    template_name = "engagement/import_upload.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        issued, returned = self.survey.sheets.aggregate(i=Count("id"), r=Count("returned_at")).values()
        context.update(
            survey=self.survey,
            issued=issued,
            returned=returned,
            is_open=self.survey.status == SurveyStatus.ISSUED,
            items=list(self.survey.items.order_by("position")),
        )
        context.setdefault("form", AnswersFileForm())
        return context

    def post(self, request, pk: int):
        form = AnswersFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                _preview, token, name = importer.answers_import_preview(
                    survey=self.survey, actor=request.user, file=form.cleaned_data["file"]
                )
            except ServiceError as error:
                apply_service_error(form, error)
            else:
                self.remember(token, name)
                return redirect("engagement:answers_import_preview", pk=self.survey.pk, token=token)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AnswersTemplateView(SurveyMixin, View):
    def get(self, request, pk: int):
        filename = _("%(t)s答卷导入模板.xlsx") % {"t": self.survey.title}
        content = importer.answers_template(self.survey)
        return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX)


class AnswersPreviewView(SurveyMixin, TemplateView):
    """Step 2: what the file holds, every bad row with its row number; confirm when clean."""

    template_name = "engagement/import_preview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        token = self.kwargs["token"]
        entry = self.upload(token)
        try:
            preview = importer.parse_answers(self.survey, importer.stored_upload(self.survey, token))
        except ServiceError as error:
            preview = importer.AnswersPreview()
            preview.error(None, "", error.message)
        context.update(
            survey=self.survey,
            token=token,
            filename=entry.get("name", ""),
            preview=preview,
            counts=preview.counts(),
            errors_page=Paginator(preview.errors, ERRORS_PER_PAGE).get_page(self.request.GET.get("page")),
            warnings=preview.warnings,
            can_commit=preview.ok and bool(preview.rows) and self.survey.status == SurveyStatus.ISSUED,
        )
        return context


class AnswersCommitView(SurveyMixin, View):
    """Step 3: write it all, or nothing."""

    def post(self, request, pk: int, token: str):
        entry = self.upload(token)
        try:
            content = importer.stored_upload(self.survey, token)
            counts = importer.answers_import_commit(
                survey=self.survey, actor=request.user, content=content, filename=entry.get("name", "")
            )
        except ServiceError as error:
            flash_service_error(request, error)
            return redirect("engagement:answers_import_preview", pk=self.survey.pk, token=token)
        self.forget(token)
        messages.success(
            request,
            _("已导入 %(rows)s 份答卷：新回收 %(new)s 份，更正 %(corrected)s 份，弃权 %(abstained)s 项。") % counts,
        )
        return redirect("engagement:answers_import", pk=self.survey.pk)
