"""Printed forms of visits and surveys (core.documents, DESIGN §14): the blank questionnaire 问卷 and
its issue register 发放登记表 (SV-1, SV-2), the 问卷结果统计表 for the director and the published
结果公示 (SV-6), and the monthly visit summary 拜访月度汇总 (VS-5).

The fishbone 因果图 and the measures notice 整改措施公示 move to the quality app, which registers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import documents, periods, workdays
from guanjia.core.documents import DocumentKind
from guanjia.core.periods import Period

from . import visit_reports
from .models import Survey, VisitSummary

RESULTS = "SV-6.results"
PUBLIC = "SV-6.public"
FORMS = "SV.form"  # the quarterly evaluation form (SV-1) and the half-yearly questionnaire (SV-2) alike
REGISTER = "SV.register"
VISIT_SUMMARY = "VS-5.summary"


_survey = documents.by_pk(Survey.objects.select_related("community"))


def _filename(survey: Survey, what) -> str:
    return f"{survey.community.name}-{survey.title}-{what}.pdf"


# --- SV-6: the statistics for the director, and the version published to owners -------------------


def _results_context(request, survey: Survey) -> dict:
    from .views_results import results_context, suggestions_of

    context = results_context(survey)
    context["suggestions"] = list(suggestions_of(survey))
    return context


def _public_context(request, survey: Survey) -> dict:
    from .views_results import results_context

    return results_context(survey, public=True)  # LW-1: no room, no name, no suggestions


# --- SV-1, SV-2: blank forms and the issue register ---------------------------------------------


@dataclass(frozen=True)
class SurveyForms:
    """The blank forms of one sheet (?sheet=表号) or of every sheet of one entrance (?building=&unit=)."""

    survey: Survey
    sheets: list
    name: str
    household: object = None  # the room, when the copy is one household's form

    @property
    def community(self):
        return self.survey.community

    @property
    def record(self) -> Survey:
        return self.survey


def _survey_forms(request, key) -> SurveyForms:
    survey = _survey(request, key)
    sheets = survey.sheets.select_related("room", "room__building", "room__unit").order_by("number")
    number = (request.GET.get("sheet") or "").strip()
    building = (request.GET.get("building") or "").strip()
    if number.isdigit():
        sheets = sheets.filter(number=int(number))
        name = f"{survey.title}-{number}"
    elif building:
        unit = (request.GET.get("unit") or "").strip()
        sheets = sheets.filter(room__building__code=building)
        sheets = sheets.filter(room__unit__code=unit) if unit else sheets.filter(room__unit__isnull=True)
        name = f"{survey.title}-{building}-{unit}"
    else:  # the links always name a sheet or an entrance
        raise Http404
    sheets = list(sheets)
    if not sheets:
        raise Http404
    return SurveyForms(survey, sheets, name, household=sheets[0].room if number.isdigit() else None)


def _forms_context(request, forms: SurveyForms) -> dict:
    survey = forms.survey
    return {
        "survey": survey,
        "title": survey.title,
        "items": list(survey.items.all()),
        "sheets": forms.sheets,
        "collect_due": workdays.deadline_text(survey.collect_until),
    }


def _register_context(request, survey: Survey) -> dict:
    return {
        "survey": survey,
        "title": _("%(t)s发放登记表") % {"t": survey.title},
        "sheets": list(survey.sheets.select_related("room").order_by("number")),
        "issued_on": survey.issued_on,
        "collect_due": workdays.deadline_text(survey.collect_until),
    }


# --- VS-5: the month's visit summary for the director ---------------------------------------------


@dataclass(frozen=True)
class VisitMonth:
    """A community's month of visits, what the summary page and its PDF show (VS-5): `record` is
    its written summary, once there is one; the figures, the month's duty and its due time are
    read once, when first asked for."""

    community: object
    period: Period
    record: VisitSummary | None

    @classmethod
    def of(cls, community, month: Period) -> VisitMonth:
        return cls(community, month, visit_reports.summary_of(community, month))

    @cached_property
    def figures(self) -> visit_reports.MonthFigures:
        return visit_reports.month_figures(self.community, self.period)

    @cached_property
    def duty(self):
        return visit_reports.summary_duty(self.community, self.period)

    @cached_property
    def due(self):
        return visit_reports.summary_due(self.community, self.period, self.duty)


def _visit_month(request, key) -> VisitMonth:
    community, month_key = documents.community_from_key(request, key)
    month = Period.parse(month_key, periods.MONTH)
    if month is None:
        raise Http404
    return VisitMonth.of(community, month)


def _visit_summary_context(request, subject: VisitMonth) -> dict:
    """Internal: room codes shown, no phone or ID (VS-3); the sign-off says who approved it and when."""
    approval = visit_reports.approval_of(subject.record)
    return {
        "title": _("%(m)s业户拜访工作汇总") % {"m": subject.figures.label},
        "figures": subject.figures,
        "summary": subject.record,
        "approval": approval,
        "approvers": visit_reports.approvers(approval),
        "due": subject.due,
    }


def register() -> None:
    documents.register(
        DocumentKind(
            code=RESULTS,
            title=gettext_lazy("问卷结果统计表"),
            template="pdf/survey_results.html",
            permission="engagement.view",
            subject=_survey,
            context=_results_context,
            filename=lambda survey: _filename(survey, _("问卷结果统计表")),
            prefix="TJ",
        )
    )
    documents.register(
        DocumentKind(
            code=PUBLIC,
            title=gettext_lazy("结果公示"),
            template="pdf/survey_results_public.html",
            permission="engagement.view",
            subject=_survey,
            context=_public_context,
            filename=lambda survey: _filename(survey, _("结果公示")),
            prefix="GS",
        )
    )
    documents.register(
        DocumentKind(
            code=FORMS,
            title=gettext_lazy("问卷"),
            template="pdf/survey_form.html",
            permission="engagement.survey_enter",
            subject=_survey_forms,
            context=_forms_context,
            filename=lambda forms: f"{forms.name}.pdf",
            prefix="WJ",
            household=lambda forms: forms.household,
        )
    )
    documents.register(
        DocumentKind(
            code=REGISTER,
            title=gettext_lazy("发放登记表"),
            template="pdf/survey_register.html",
            permission="engagement.survey_enter",
            subject=_survey,
            context=_register_context,
            filename=lambda survey: f"{survey.title}-{_('发放登记表')}.pdf",
            prefix="FF",
        )
    )
    documents.register(
        DocumentKind(
            code=VISIT_SUMMARY,
            title=gettext_lazy("拜访月度汇总"),
            template="pdf/visit_summary.html",
            permission="engagement.view_visits",
            subject=_visit_month,
            context=_visit_summary_context,
            filename=lambda subject: f"{subject.community.name}-{_('业户拜访汇总')}-{subject.period.key}.pdf",
            prefix="BF",
        )
    )
