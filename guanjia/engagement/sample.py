"""Whom a survey's forms go to, and the forms against the register as it is now (SV-1, SV-2).

An evaluation's sample is at least SV-1.sample_pct of the households, spread over the entrances,
avoiding households already asked this year (`choose_for_evaluation`, used by the draw).
A draw is made against the moved-in households of its day; an import of new households later
can leave a quarterly evaluation below its minimum sample (≥ SV-1.sample_pct of the households,
rounded up) or a questionnaire short of "every household" (SV-2). `sample_check` says so on the
survey page; `survey_top_up` adds the missing forms to a survey that has been handed out (a draft
is simply drawn again).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from guanjia.core import transitions
from guanjia.core.activity import log
from guanjia.core.errors import ServiceError
from guanjia.core.policies import policy
from guanjia.estates.households import counts_shops, households, households_text

from .choices import SurveyKind
from .models import Survey, SurveySheet


def sample_size(households: int, pct) -> int:
    """SV-1: at least `pct` of the moved-in households, rounded up to whole households."""
    return math.ceil(Decimal(households) * Decimal(str(pct)) / 100)


def _spread(rooms: list, rng: random.Random) -> list:
    """Shuffle within each entrance, then deal the entrances in turn, so that any prefix of the
    result spreads over every entrance (unit) as evenly as possible."""
    by_unit: dict = defaultdict(list)
    for room in rooms:
        by_unit[(room.building_id, room.unit_id)].append(room)
    queues = [by_unit[k] for k in sorted(by_unit, key=lambda k: (k[0], k[1] or 0))]
    for q in queues:
        rng.shuffle(q)
    dealt = []
    while queues:
        for q in queues:
            dealt.append(q.pop())
        queues = [q for q in queues if q]
    return dealt


def choose_for_evaluation(survey: Survey, rooms: list, need: int, rng: random.Random) -> list:
    """`need` of `rooms` spread over the entrances, households not drawn for another evaluation
    this year first; then those drawn longest ago (SV-1)."""
    asked = dict(  # room → the latest quarter it was drawn in this year
        SurveySheet.objects.filter(
            community=survey.community, survey__kind=SurveyKind.EVALUATION, survey__year=survey.year
        )
        .exclude(survey=survey)
        .values("room_id")
        .annotate(last=Max("survey__period"))
        .values_list("room_id", "last")
    )
    chosen = _spread([r for r in rooms if r.id not in asked], rng)[:need]
    if len(chosen) < need:
        again = sorted((r for r in rooms if r.id in asked), key=lambda r: (asked[r.id], r.code))
        chosen += again[: need - len(chosen)]
    return chosen


@dataclass(frozen=True)
class SampleCheck:
    kind: str
    households: int
    count_shops: bool
    pct: Decimal | None  # SV-1's share; None for a questionnaire (every household, SV-2)
    minimum: int
    issued: int
    missing: int  # forms short of the minimum (SV-1) or households without a form (SV-2)

    @property
    def short(self) -> bool:
        return self.missing > 0

    @property
    def households_text(self) -> str:
        return households_text(self.households, self.count_shops)

    @property
    def text(self) -> str:
        if self.kind == SurveyKind.EVALUATION:
            return _("样本不足：现%(h)s，至少应发放 %(m)s 份（≥%(p)s%%，SV-1），目前只有 %(i)s 份，还差 %(n)s 份。") % {
                "h": self.households_text,
                "m": self.minimum,
                "p": self.pct,
                "i": self.issued,
                "n": self.missing,
            }
        return _("有 %(n)s 户已入住住宅尚未发放问卷（SV-2：每户都要发放）；现%(h)s，已发放 %(i)s 份。") % {
            "n": self.missing,
            "h": self.households_text,
            "i": self.issued,
        }


def sample_check(survey: Survey) -> SampleCheck | None:
    """The survey's forms against today's households; None before any form is drawn."""
    issued = survey.sheets.count()
    if not issued:
        return None
    shops = counts_shops(survey.community)
    homes = households(survey.community)
    n = homes.count()
    if survey.kind == SurveyKind.EVALUATION:
        pct = Decimal(str(policy(survey.community, "SV-1.sample_pct")))
        minimum = sample_size(n, pct)
        missing = max(0, minimum - issued)
    else:
        pct, minimum = None, n
        missing = homes.exclude(pk__in=survey.sheets.values("room_id")).count()
    return SampleCheck(survey.kind, n, shops, pct, minimum, issued, missing)


def survey_top_up(*, survey: Survey, actor, rng: random.Random | None = None) -> int:
    """Add the forms an import of new households has left missing to an issued survey: the
    shortfall of an evaluation, drawn as the first draw was (SV-1), or every household without a
    form for a questionnaire (SV-2). The new forms are numbered on; returns how many were added."""
    transitions.check(survey, "top_up", actor)
    check = sample_check(survey)
    if check is None or not check.short:
        raise ServiceError("invalid", _("发放份数已满足要求，无需补发。"), field="status", status=409)
    rooms = list(
        households(survey.community)
        .exclude(pk__in=survey.sheets.values("room_id"))
        .only("id", "building_id", "unit_id", "code")
    )
    if survey.kind == SurveyKind.EVALUATION:
        rooms = choose_for_evaluation(survey, rooms, check.missing, rng or random.SystemRandom())
    rooms.sort(key=lambda r: r.code)
    with transaction.atomic():
        start = (survey.sheets.aggregate(n=Max("number"))["n"] or 0) + 1
        SurveySheet.objects.bulk_create(
            SurveySheet(community_id=survey.community_id, survey=survey, room_id=r.id, number=n)
            for n, r in enumerate(rooms, start=start)
        )
        log(
            actor,
            "engagement.survey.topped_up",
            survey,
            community=survey.community,
            summary=_("补发 %(n)s 份（新入住住宅）") % {"n": len(rooms)},
            households=check.households,
            forms=check.issued + len(rooms),
        )
    return len(rooms)
