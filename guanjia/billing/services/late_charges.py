"""Late charges 违约金 (FE-3): only where the contract's clause is recorded (`LateChargeClause`, active;
none by default — without one nothing is ever charged).

The one rule, per overdue line: open amount × daily rate ‰ × days overdue after the grace period,
the total of all its late charges capped at cap_pct % of the line's amount, rounded once (half up, to
the fen) per line and run.

How it is kept idempotent (design): a run on day `as_of` makes at most ONE late-charge bill
(Bill.kind LATE_CHARGE) per household and month, with one line per overdue line, covering the days
from where that line's previous late charges stopped up to `as_of` (each late line's covers_from …
covers_to are the days it charges). Running again in the same month leaves a household that already
has that month's bill alone; the next month's run carries on from the day after. A late line repeats
the overdue line's item and `period` (the month the debt is for), so a line's late-charge history is
the late lines with its room, item and period — from which the cap and the days already charged come.

Not charged: utilities collected on behalf of suppliers (LW-4: no surcharge on them), what the
developer owes, debit notes and late charges themselves. A late charge's waiver goes through the
corrections chain (services.adjustments, kind WAIVER), not here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils.translation import gettext as _

from guanjia.core import clock, numbering
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.periods import MONTH, Period

from ..choices import BillKind, PayerKind
from ..models import Bill, BillLine, LateChargeClause
from ..models._fields import ZERO

PREFIX = "WY"
CENT = Decimal("0.01")


def active_clause(community, as_of: dt.date) -> LateChargeClause | None:
    cid = getattr(community, "pk", community)
    return (
        LateChargeClause.objects.filter(community_id=cid, active=True, since__lte=as_of)
        .filter(Q(until__isnull=True) | Q(until__gte=as_of))  # a superseded clause stops the day before
        .order_by("-since", "-id")
        .first()
    )


def late_amount(open_amount: Decimal, rate_permille: Decimal, days: int, room_left: Decimal) -> Decimal:
    """open × rate‰ × days, capped at what the cap leaves, rounded once half up to the fen."""
    exact = open_amount * rate_permille / Decimal(1000) * days
    return min(exact, room_left).quantize(CENT, rounding=ROUND_HALF_UP)


def late_charges_compute(*, community, as_of: dt.date, actor) -> list[Bill]:
    """Charge the month's late charges up to `as_of` where a clause is recorded (FE-3); [] otherwise."""
    require(actor, "billing.run", community)
    month = Period.of(MONTH, as_of)
    made: list[Bill] = []
    with transaction.atomic():
        clause = active_clause(community, as_of)
        if clause is None:
            return []
        # one run at a time per community: the clause row is the lock
        clause = LateChargeClause.objects.select_for_update().get(pk=clause.pk)
        grace_end = as_of - dt.timedelta(days=clause.grace_days)
        lines = list(
            BillLine.objects.filter(
                community=community,
                open_amount__gt=0,
                due_on__lt=grace_end,
                on_behalf=False,
                correction=False,
                payer_kind__in=[PayerKind.OWNER, PayerKind.TENANT],
            )
            .exclude(bill__kind=BillKind.LATE_CHARGE)
            .select_related("bill")
            .order_by("room_id", "due_on", "id")
        )
        if not lines:
            return []
        charged_rooms = set(
            Bill.objects.filter(community=community, kind=BillKind.LATE_CHARGE, period=month.start).values_list(
                "room_id", flat=True
            )
        )
        history = {
            (h["room_id"], h["item_id"], h["period"]): (h["through"], h["charged"])
            for h in BillLine.objects.filter(community=community, bill__kind=BillKind.LATE_CHARGE)
            .filter(Q(room_id__in={ln.room_id for ln in lines}))
            .values("room_id", "item_id", "period")
            .annotate(through=Max("covers_to"), charged=Sum("amount"))
        }
        by_room: dict[int, list] = defaultdict(list)
        for line in lines:
            if line.room_id in charged_rooms:
                continue
            through, charged = history.get((line.room_id, line.item_id, line.period), (None, ZERO))
            start = max(line.due_on + dt.timedelta(days=clause.grace_days + 1), clause.since)
            if through is not None:
                start = max(start, through + dt.timedelta(days=1))
            days = (as_of - start).days + 1
            left = (line.amount * clause.cap_pct / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP) - charged
            if days <= 0 or left <= 0:
                continue
            amount = late_amount(line.open_amount, clause.daily_rate, days, left)
            if amount > 0:
                by_room[line.room_id].append((line, start, days, amount))
        for room_id, charges in by_room.items():
            first = charges[0][0]
            total = sum((c[3] for c in charges), ZERO)
            bill = Bill.objects.create(
                community=community,
                number=numbering.next_number(PREFIX, scope=community),
                kind=BillKind.LATE_CHARGE,
                room_id=room_id,
                payer_kind=first.bill.payer_kind,
                payer_id=first.bill.payer_id,
                payer_name=first.bill.payer_name,
                period=month.start,
                issued_at=clock.now(),
                due_on=as_of,
                total=total,
            )
            BillLine.objects.bulk_create(
                BillLine.of(
                    bill,
                    item_id=line.item_id,
                    item_name=(_("违约金（%(item)s）") % {"item": line.item_name})[:60],
                    on_behalf=False,
                    payer_kind=line.payer_kind,
                    period=line.period,
                    covers_from=start,
                    covers_to=as_of,
                    quantity=Decimal(days),
                    basis_label=(
                        _("逾期 %(open)s 元 × %(rate)s‰ × %(days)s 天（%(ref)s）")
                        % {
                            "open": line.open_amount,
                            "rate": clause.daily_rate.normalize(),
                            "days": days,
                            "ref": clause.contract_ref,
                        }
                    )[:120],
                    unit_price=(line.open_amount * clause.daily_rate / Decimal(1000)).quantize(Decimal("0.0001")),
                    amount=amount,
                    due_on=as_of,
                    open_amount=amount,
                    # a late line repeats the period of the line it is for: exempt from "once per period"
                    correction=True,
                )
                for line, start, days, amount in charges
            )
            log(
                actor,
                "billing.late_charge.billed",
                bill,
                community=community,
                household=room_id,
                summary=f"{bill.number} · {total}",
                total=str(total),
                month=month.key,
            )
            made.append(bill)
    return made
