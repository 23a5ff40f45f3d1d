"""The office manager's spot checks: draw N records of a kind for the period at random and record
what the check found (RC-4's callbacks every month; MI-5, RN-9 and AR-3 register their kinds the
same way, quality.registry.SpotCheckKind). N is the kind's policy (RC-4.spot_checks)."""

from __future__ import annotations

import random

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import clock, duties, periods
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.periods import Period

from ..models import SpotCheck
from ..registry import SpotCheckKind, kind_of


def _period(kind: SpotCheckKind, period: Period) -> Period:
    if period.kind != kind.period:
        raise ServiceError(
            "invalid", _("%(k)s按%(p)s抽查。") % {"k": kind.title, "p": _period_word(kind)}, field="period"
        )
    return period


def _period_word(kind: SpotCheckKind) -> str:
    return {periods.MONTH: _("月"), periods.QUARTER: _("季度"), periods.YEAR: _("年")}.get(kind.period, kind.period)


def spot_check_draw(*, kind: str, community, period: Period, actor, seed: int | None = None) -> list[SpotCheck]:
    """Draw the period's sample of `kind` for `community` at random, once per period."""
    spec = kind_of(kind)
    require(actor, spec.permission, community)
    period = _period(spec, period)
    if SpotCheck.objects.filter(community=community, kind=spec.key, period=period.key).exists():
        raise Conflict("drawn", _("%(p)s的%(k)s已抽取。") % {"p": period.label, "k": spec.title}, field="period")
    candidates = list(spec.candidates(community, period).order_by("pk").values_list("pk", flat=True))
    if not candidates:
        if not spec.due_day_policy or period.end > clock.today():
            raise ServiceError("none", str(spec.empty), field="period")
        # An ended period with nothing to draw still owes its check: recording so meets it.
        duties.duty_meet(community=community, key=spec.key, period=period, actor=actor, note=str(spec.empty))
        return []
    size = min(len(candidates), spec.size(community, period))
    chosen = random.Random(seed).sample(candidates, size)  # noqa: S311 - a sample, not a secret
    record_type = ContentType.objects.get_for_model(spec.model_class())
    with transaction.atomic():
        checks = SpotCheck.objects.bulk_create(
            [
                SpotCheck(
                    community=community,
                    kind=spec.key,
                    period=period.key,
                    record_type=record_type,
                    record_id=pk,
                    drawn_by=actor,
                )
                for pk in chosen
            ]
        )
        log(
            actor,
            "quality.spot_check.drawn",
            None,
            community=community,
            summary=_("%(k)s：随机抽取 %(n)s 条（%(p)s）") % {"k": spec.title, "n": size, "p": period.label},
            kind=spec.key,
            period=period.key,
        )
    return checks


def spot_check_record(*, check: SpotCheck, actor, passed: bool, note: str = "") -> SpotCheck:
    """What the check of one drawn record found; a finding needs the manager's note."""
    spec = kind_of(check.kind)
    require(actor, spec.permission, check.community)
    if check.checked_at:
        raise Conflict("checked", _("该抽查已记录。"))
    note = (note or "").strip()
    if not passed and not note:
        raise ServiceError(
            "invalid", _("抽查结论为“%(no)s”时请填写抽查意见。") % {"no": spec.failed_label}, field="note"
        )
    household = spec.household(check.record) if spec.household and check.record is not None else None
    with transaction.atomic():
        check.checked_at, check.checked_by, check.passed, check.note = clock.now(), actor, passed, note
        check.full_clean()
        check.save(update_fields=["checked_at", "checked_by", "passed", "note"])
        log(
            actor,
            "quality.spot_check.recorded",
            check,
            household=household,
            summary=_("%(k)s：%(r)s") % {"k": spec.title, "r": spec.passed_label if passed else spec.failed_label},
            passed=passed,
        )
        _meet_when_all_checked(spec, check)
    return check


def _meet_when_all_checked(spec: SpotCheckKind, check: SpotCheck) -> None:
    """The period's duty is met by the last drawn record's finding."""
    if not spec.due_day_policy:
        return
    pending = SpotCheck.objects.filter(
        community=check.community_id, kind=spec.key, period=check.period, checked_at__isnull=True
    )
    if not pending.exists():
        period = periods.Period.parse(check.period, spec.period)
        duties.duty_meet(community=check.community, key=spec.key, period=period, actor=check.checked_by)
