"""The late-charge clause 违约金条款 (FE-3): recorded, superseded and ended by the office manager.

Off by default: without a recorded clause nothing is ever charged late (services.late_charges). A
clause is what the property service contract says — its article, the daily rate in ‰ of the overdue
amount, the days of grace after the due date, the cap as a percentage of the line's amount, and the
day it takes effect. Clauses are never edited or deleted, so the history of what applied when stays
readable: a new clause supersedes the current one from its own date (the old one's `until` becomes
the day before), and ending a clause stops it at once (inactive, `until` today; never applied if it
had not started). Recording or ending one needs billing.record_clause (the office manager).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.models import Community
from guanjia.core.textnorm import clean_text

from ..models import LateChargeClause

PERMISSION = "billing.record_clause"
MAX_GRACE_DAYS = 365
ONE_DAY = dt.timedelta(days=1)


def _decimal(value, field: str, label: str, places: int) -> Decimal:
    if value in (None, ""):
        raise ServiceError("invalid", _("%(label)s：请填写。") % {"label": label}, field=field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ServiceError("invalid", _("%(label)s：应为数字。") % {"label": label}, field=field) from None
    if not number.is_finite() or number != number.quantize(Decimal(1).scaleb(-places)):
        raise ServiceError(
            "invalid", _("%(label)s：最多保留 %(n)s 位小数。") % {"label": label, "n": places}, field=field
        )
    return number


def _terms(contract_ref, daily_rate, grace_days, cap_pct, since) -> dict:
    ref = clean_text(contract_ref or "")
    if not ref:
        raise ServiceError(
            "invalid", _("合同条款：请填写约定违约金的合同条款（如：物业服务合同第十二条）。"), field="contract_ref"
        )
    if len(ref) > 200:
        raise ServiceError("invalid", _("合同条款：最多 200 个字。"), field="contract_ref")
    rate = _decimal(daily_rate, "daily_rate", _("日费率（‰）"), 3)
    if not Decimal(0) < rate < Decimal(1000):
        raise ServiceError("invalid", _("日费率（‰）：须大于 0 且小于 1000‰。"), field="daily_rate")
    if grace_days in (None, ""):
        grace_days = 0
    try:
        grace = int(grace_days)
    except (TypeError, ValueError):
        raise ServiceError("invalid", _("宽限天数：应为整数。"), field="grace_days") from None
    if not 0 <= grace <= MAX_GRACE_DAYS:
        raise ServiceError(
            "invalid", _("宽限天数：须在 0 至 %(n)s 天之间。") % {"n": MAX_GRACE_DAYS}, field="grace_days"
        )
    cap = _decimal(cap_pct, "cap_pct", _("上限（欠费的%）"), 2)
    if not Decimal(0) < cap <= Decimal(100):
        raise ServiceError("invalid", _("上限（欠费的%）：须大于 0 且不超过 100%。"), field="cap_pct")
    if not isinstance(since, dt.date):
        raise ServiceError("invalid", _("生效日期：请填写条款生效的日期。"), field="since")
    return {"contract_ref": ref, "daily_rate": rate, "grace_days": grace, "cap_pct": cap, "since": since}


def clause_record(
    *, community, actor, contract_ref: str, daily_rate, grace_days, cap_pct, since: dt.date
) -> LateChargeClause:
    """Record the contract's late-charge clause (FE-3); it supersedes the current one from `since`."""
    require(actor, PERMISSION, community)
    terms = _terms(contract_ref, daily_rate, grace_days, cap_pct, since)
    cid = getattr(community, "pk", community)
    with transaction.atomic():
        # one writer at a time per community (its row is the lock), then the clauses still applying
        Community.objects.select_for_update().filter(pk=cid).first()
        current = list(
            LateChargeClause.objects.filter(community_id=cid, active=True)
            .filter(Q(until__isnull=True) | Q(until__gte=since))
            .order_by("since", "id")
        )
        later = next((c for c in current if c.since >= since), None)
        if later is not None:
            raise Conflict(
                "clause_overlap",
                _("生效日期：须晚于现行条款（%(ref)s，%(since)s 起）的生效日期；如需更正，请先终止该条款。")
                % {"ref": later.contract_ref, "since": later.since.isoformat()},
                field="since",
            )
        for old in current:
            old.until = since - ONE_DAY
            old.save(update_fields=["until"])
            log(
                actor,
                "billing.clause.superseded",
                old,
                summary=f"{old.contract_ref} · {old.until.isoformat()}",
                until=old.until.isoformat(),
            )
        clause = LateChargeClause(community_id=cid, recorded_by=actor, recorded_at=clock.now(), **terms)
        clause.full_clean(exclude=["community", "recorded_by"])
        clause.save()
        log(
            actor,
            "billing.clause.recorded",
            clause,
            summary=_("%(ref)s：日 %(rate)s‰，宽限 %(grace)s 天，上限 %(cap)s%%，%(since)s 起")
            % {
                "ref": clause.contract_ref,
                "rate": clause.daily_rate.normalize(),
                "grace": clause.grace_days,
                "cap": clause.cap_pct.normalize(),
                "since": clause.since.isoformat(),
            },
            daily_rate=str(clause.daily_rate),
            grace_days=clause.grace_days,
            cap_pct=str(clause.cap_pct),
            since=clause.since.isoformat(),
        )
    return clause


def clause_end(*, clause: LateChargeClause, actor, reason: str) -> LateChargeClause:
    """End a clause at once (FE-3): no late charge is computed under it from tomorrow."""
    require(actor, PERMISSION, clause.community_id)
    reason = clean_text(reason or "")
    if not reason:
        raise ServiceError(
            "invalid", _("终止原因：请写明终止的原因（如：续签的合同不再约定违约金）。"), field="end_reason"
        )
    if len(reason) > 200:
        raise ServiceError("invalid", _("终止原因：最多 200 个字。"), field="end_reason")
    with transaction.atomic():
        clause = LateChargeClause.objects.select_for_update().get(pk=clause.pk)
        today = clock.today()
        if not clause.active or (clause.until is not None and clause.until < today):
            raise Conflict("clause_ended", _("该条款已终止或已被新条款取代，无需再终止。"))
        # the last day it applies: today, or (not yet in effect) the day before it would have begun
        clause.until = today if clause.since <= today else clause.since - ONE_DAY
        clause.active = False
        clause.ended_by, clause.ended_at, clause.end_reason = actor, clock.now(), reason
        clause.save(update_fields=["until", "active", "ended_by", "ended_at", "end_reason"])
        log(
            actor,
            "billing.clause.ended",
            clause,
            summary=f"{clause.contract_ref} · {reason}",
            until=clause.until.isoformat(),
        )
    return clause


def clause_state(clause: LateChargeClause, today: dt.date) -> str:
    """How a clause stands today: ended / superseded / upcoming / in_force (for the history page)."""
    if not clause.active:
        return "ended"
    if clause.until is not None and clause.until < today:
        return "superseded"
    if clause.since > today:
        return "upcoming"
    return "in_force"


__all__ = ["clause_end", "clause_record", "clause_state"]
