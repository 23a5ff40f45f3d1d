"""The quality app's printed forms (core.documents, DESIGN §14): the 整改通知书 (a notice's own
number), the 因果分析图 of a survey item (SV-5) and the 整改措施公示 of a survey for the bulletin
board (SV-6), each copy numbered and recorded by core's one PDF view."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import documents
from guanjia.core.documents import DocumentKind
from guanjia.engagement import charts, surveys
from guanjia.engagement.models import Survey, SurveyItem

from . import registry, selectors
from .models import RectificationNotice

NOTICE = "quality.notice"
FISHBONE = "quality.fishbone"
MEASURES = "quality.measures"

_survey = documents.by_pk(Survey.objects.select_related("community"))


# --- The 整改通知书 --------------------------------------------------------------------------------


def notice_context(notice: RectificationNotice) -> dict:
    """What the notice's page and its printed form show: the finding's facts as its kind gives them."""
    source = registry.notice_source_or_none(notice.source)
    subject = notice.subject
    label, url = selectors.subject_link(notice)
    return {
        "notice": notice,
        "source": source,
        "facts": source.facts(subject) if source and subject is not None else [],
        "subject_label": label,
        "subject_url": url,
        "requirement": notice.requirement or (str(source.default_requirement) if source else ""),
        "note": str(source.note) if source else "",
    }


def _notice(request, key) -> RectificationNotice:
    notices = selectors.with_subjects(RectificationNotice.objects.all())
    return documents.subject_in_scope(notices, request, pk=key)


# --- The fishbone (SV-5) -----------------------------------------------------------------------


def fishbone_context(survey: Survey, item: SurveyItem) -> dict:
    _result, rows = surveys.results(survey)
    row = next((r for r in rows if r.item == item.text), None)
    dissatisfied = row.dissatisfied if row else 0
    tree = selectors.cause_tree(item)
    effect = _("%(i)s（不满意 %(n)s）") % {"i": item.text, "n": dissatisfied}
    svg = charts.fishbone_svg(effect, [(label, nodes) for _c, label, nodes in tree])
    items = list(survey.items.all())
    return {
        "survey": survey,
        "item": item,
        "dissatisfied": dissatisfied,
        "is_key": bool(row and row.key),
        "key_texts": [r.item for r in rows if r.key],
        "items": items,
        "key_item_ids": [i.pk for i in items if any(r.key and r.item == i.text for r in rows)],
        "tree": tree,
        "svg": svg,
        "cause_count": sum(1 for _c, _l2, nodes in tree for n in nodes for _x in n.walk()),
        "item_actions": list(selectors.actions_list(item.actions.all())),
    }


def _item(request, key) -> SurveyItem:
    """A survey item named "<survey id>-<item id>", within the user's communities."""
    survey_key, _sep, item_key = str(key).partition(documents.KEY_SEPARATOR)
    survey = _survey(request, survey_key)
    item = survey.items.filter(pk=item_key).first() if item_key.isdigit() else None
    if item is None:
        raise Http404
    item.survey = survey
    return item


# --- The measures notice (SV-6) ----------------------------------------------------------------


def measures_context(survey: Survey) -> dict:
    rows = selectors.measures_of(survey)
    for row in rows:
        for a in row.actions:
            a.responsible = selectors.responsible_label(a)
    return {"survey": survey, "rows": rows}


def register() -> None:
    documents.register(
        DocumentKind(
            code=NOTICE,
            title=gettext_lazy("整改通知书"),
            template="quality/notice_pdf.html",
            permission="quality.view",
            subject=_notice,
            context=lambda request, notice: notice_context(notice),
            filename=lambda notice: f"{notice.number}.pdf",
            number=lambda notice: notice.number,
            household=lambda notice: notice.household,
        )
    )
    documents.register(
        DocumentKind(
            code=FISHBONE,
            title=gettext_lazy("因果分析图"),
            template="quality/fishbone_pdf.html",
            permission="quality.view",
            subject=_item,
            context=lambda request, item: fishbone_context(item.survey, item),
            filename=lambda item: f"{item.survey.title}-{item.text}-{_('因果图')}.pdf",
            prefix="YG",
            community=lambda item: item.survey.community,
        )
    )
    # SV-6: posted on the bulletin board — the office and a role answer, never a name or a room.
    documents.register(
        DocumentKind(
            code=MEASURES,
            title=gettext_lazy("整改措施公示"),
            template="quality/survey_measures_pdf.html",
            permission="quality.view",
            subject=_survey,
            context=lambda request, survey: measures_context(survey),
            filename=lambda survey: f"{survey.title}-{_('整改措施公示')}.pdf",
            prefix="GS",
        )
    )
