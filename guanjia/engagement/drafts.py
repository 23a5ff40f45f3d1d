"""The owner's answers kept as they go (portal questionnaire, SV-2).

Each change on the phone saves the form so far; a reload, or coming back days later, finds it.
A draft is never a returned sheet: it does not count in the return rate or the satisfaction rate
(SV-3), staff entering the paper form are not blocked by it, and submitting the form — the only
thing that counts — removes it (`surveys.sheet_answer_by_owner`).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError

from .choices import Answer
from .models import SheetDraft, SurveySheet
from .surveys import require_own_open_sheet

DRAFT_CHOICES = frozenset({Answer.SATISFIED, Answer.BASIC, Answer.DISSATISFIED})
SUGGESTIONS_MAX = 2000


def draft_of(sheet: SurveySheet) -> SheetDraft | None:
    return SheetDraft.objects.filter(sheet=sheet).first()


def initial_from(draft: SheetDraft | None) -> dict:
    """The portal form's initial values from a draft: {"item_<id>": choice, "suggestions": …}."""
    if draft is None:
        return {}
    initial = {f"item_{key}": choice for key, choice in draft.answers.items()}
    initial["suggestions"] = draft.suggestions
    return initial


def sheet_draft_save(*, sheet: SurveySheet, user, answers: dict, suggestions: str = "") -> SheetDraft:
    """Keep the owner's answers so far. `answers` maps item ids to a choice or to nothing (not
    answered yet). Only the household's own open, unreturned form; a first save is logged (every
    later one would only flood the household file with clicks)."""
    require_own_open_sheet(sheet, user)
    if sheet.returned_at is not None:
        raise ServiceError("answered", _("这份问卷已经填写过了，感谢您的参与。"), status=409)
    items = set(sheet.survey.items.values_list("pk", flat=True))
    kept = {}
    for key, choice in (answers or {}).items():
        if not str(key).isdigit() or int(key) not in items:
            raise ServiceError("invalid", _("评议项目 %(k)s 不属于本问卷。") % {"k": key}, field="answers")
        if choice in (None, ""):
            continue
        if choice not in DRAFT_CHOICES:
            raise ServiceError("invalid", _("选择无效。"), field=f"item_{key}")
        kept[str(int(key))] = str(choice)
    with transaction.atomic():
        draft, created = SheetDraft.objects.update_or_create(
            sheet=sheet,
            defaults={
                "answers": kept,
                "suggestions": (suggestions or "").strip()[:SUGGESTIONS_MAX],
                "saved_by": user,
                "saved_at": clock.now(),
            },
        )
        if created:
            log(
                user,
                "engagement.sheet.draft_started",
                sheet,
                community=sheet.survey.community,
                household=sheet.room_id,
                summary=_("业主开始在线填写%(t)s（草稿，未提交）") % {"t": sheet.survey.title},
            )
    return draft
