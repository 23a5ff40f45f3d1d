"""Questionnaires in the owner portal (/m/surveys/): the household's forms open now, answered once
(SV-2 intake; an item left unanswered is an abstention, SV-3). Writes go through
`engagement.surveys.sheet_answer_by_owner`; another household's form is a 404.

The answers given so far are kept as the owner goes (`engagement.drafts`): each change posts the
form to the draft endpoint, and the page comes back with them after a reload or a later visit.
Only the final submit returns the form.
"""

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from guanjia.core.errors import ServiceError
from guanjia.engagement import drafts, surveys
from guanjia.engagement.choices import Answer
from guanjia.engagement.models import Survey, SurveySheet

from .views import OwnerMixin

CHOICES = [(a.value, a.label) for a in (Answer.SATISFIED, Answer.BASIC, Answer.DISSATISFIED)]


class SheetForm(forms.Form):
    """One radio group per item (none required: unanswered is an abstention) and suggestions."""

    suggestions = forms.CharField(
        label=gettext_lazy("意见和建议"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": gettext_lazy("选填：您对管理处的意见和建议")}),
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=CHOICES, required=False, widget=forms.RadioSelect
            )

    def rows(self):
        return [(item, self[f"item_{item.pk}"]) for item in self.items]

    def answers(self) -> dict:
        return {item.pk: self.cleaned_data.get(f"item_{item.pk}") or None for item in self.items}

    def answered(self) -> int:
        """How many items have a choice (bound data, or a draft's initial values)."""
        source = self.data if self.is_bound else self.initial
        return sum(1 for item in self.items if source.get(f"item_{item.pk}"))


class SurveyListView(OwnerMixin, TemplateView):
    """The forms of the user's homes in surveys that are collecting answers."""

    template_name = "portal/surveys.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sheets"] = list(surveys.sheets_for_owner(self.request.user))
        return context


class SheetMixin(OwnerMixin):
    model = SurveySheet

    @cached_property
    def sheet(self) -> SurveySheet:
        # Only forms of the user's own homes, of surveys that have been handed out: anything else
        # is "not found" (DESIGN.md §1).
        queryset = SurveySheet.objects.for_owner(self.request.user, via="room").filter(
            survey__in=Survey.objects.handed_out()
        )
        return get_object_or_404(queryset.select_related("survey", "room", "community"), pk=self.kwargs["pk"])


class SheetView(SheetMixin, TemplateView):
    """The form: three large choices per item; answered forms read-only; closed surveys say so."""

    template_name = "portal/survey_sheet.html"
    tab = "home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sheet = self.sheet
        items = list(sheet.survey.items.order_by("position"))
        is_open = sheet.survey.accepts_answers
        context.update(sheet=sheet, survey=sheet.survey, is_open=is_open)
        if sheet.returned_at:
            given = dict(sheet.answers.values_list("item_id", "choice"))
            context["answered"] = [(item, Answer(given.get(item.pk, Answer.BLANK))) for item in items]
        elif is_open:
            draft = drafts.draft_of(sheet)
            context.setdefault("form", SheetForm(items=items, initial=drafts.initial_from(draft)))
            context.update(draft=draft, tab="")  # the form's own bottom bar replaces the tabs
        context.setdefault("form", SheetForm(items=items))
        return context

    def post(self, request, pk: int):
        sheet = self.sheet
        form = SheetForm(request.POST, items=list(sheet.survey.items.order_by("position")))
        if form.is_valid():
            try:
                surveys.sheet_answer_by_owner(
                    sheet=sheet,
                    user=request.user,
                    answers=form.answers(),
                    suggestions=form.cleaned_data["suggestions"],
                )
            except ServiceError as error:
                if not str(error.field or "").startswith("item_"):
                    # Answered already (a double submit) or collection over: say so on the form's page.
                    messages.error(request, str(error.message))
                    return redirect("portal:survey", pk=sheet.pk)
                form.add_error(None, str(error.message))
            else:
                return redirect("portal:survey_thanks", pk=sheet.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class SheetDraftView(SheetMixin, View):
    """POST the form as it stands: kept as a draft, never returned. JSON for the page's script."""

    def post(self, request, pk: int):
        sheet = self.sheet
        form = SheetForm(request.POST, items=list(sheet.survey.items.order_by("position")))
        if not form.is_valid():
            return JsonResponse({"code": "invalid", "detail": _("选择无效，请刷新页面后重试。")}, status=400)
        try:
            draft = drafts.sheet_draft_save(
                sheet=sheet, user=request.user, answers=form.answers(), suggestions=form.cleaned_data["suggestions"]
            )
        except ServiceError as error:
            return JsonResponse({"code": error.code, "detail": str(error.message)}, status=error.status or 400)
        saved = timezone.localtime(draft.saved_at)
        return JsonResponse(
            {
                "saved_at": f"{saved:%H:%M}",
                "answered": len(draft.answers),
                "total": len(form.items),
                "detail": _("已自动保存 %(t)s") % {"t": f"{saved:%H:%M}"},
            }
        )


class ThanksView(SheetMixin, TemplateView):
    template_name = "portal/survey_thanks.html"
    tab = "home"

    def get(self, request, *args, **kwargs):
        if not self.sheet.returned_at:
            return redirect("portal:survey", pk=self.sheet.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(sheet=self.sheet, survey=self.sheet.survey)
        context["others"] = (
            surveys.sheets_for_owner(self.request.user).filter(returned_at__isnull=True).exclude(pk=self.sheet.pk)
        )
        return context


def open_sheet_count(user) -> int:
    """How many forms of the user's homes wait to be filled in (the portal home card)."""
    return surveys.sheets_for_owner(user).filter(returned_at__isnull=True).count()
