"""The measures notice 整改措施公示 (SV-6): every key item of the survey's Pareto (SV-4) has its
measures before they are posted on the bulletin board, within the SV-6 limit of the survey."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_meet
from guanjia.core.errors import Conflict, ServiceError
from guanjia.engagement.models import Survey

from ..selectors import measures_of


def survey_publish_measures(*, survey: Survey, actor) -> Survey:
    """Post the measures on the bulletin board (SV-6): every key item needs at least one measure
    (SV-4); the survey's SV-6.measures clock is met."""
    require(actor, "engagement.survey_manage", survey.community_id)
    if survey.is_draft:
        raise Conflict("invalid", _("问卷发放后才能公布整改措施。"), field="status")
    if survey.measures_published_at:
        raise Conflict(
            "published",
            _("整改措施已于 %(d)s 公布。") % {"d": f"{timezone.localtime(survey.measures_published_at):%Y-%m-%d}"},
            field="status",
        )
    missing = [m.item.text for m in measures_of(survey) if not m.actions]
    if missing:
        raise ServiceError(
            "missing_measures",
            _("以下重点改进项目尚未制定措施：%(items)s（SV-4：每个重点项目都要做原因分析并制定措施）。")
            % {"items": "、".join(missing)},
            field="status",
        )
    now = clock.now()
    with transaction.atomic():
        survey.measures_published_at = now
        survey.save(update_fields=["measures_published_at"])
        deadline_meet(survey, "SV-6.measures", at=now, by=actor)
        log(actor, "quality.measures.published", survey, community=survey.community, summary=_("公布整改措施"))
    return survey
