"""The demo's billing runs (FE-1), through the services at the moments an office would have run them:
the cashier issues each of the last twelve months on its 1st at 08:30 (the current month included),
after the fee items (12) and meters (13), before the window takes payments (17). In every community
one bill was corrected by a credit note and, in the first, another by a debit note, each approved by the
office manager (the demo leaves no approval past its time)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from guanjia.core.demo import DemoBuild
from guanjia.core.periods import MONTH, Period

from .choices import AdjustmentKind
from .models import Bill
from .services import adjustments, runs

DEMO_ORDER = 15
MONTHS = 12


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def build(context: DemoBuild) -> str:
    today = timezone.localdate(context.now)
    first = Period.of(MONTH, today).shift(-(MONTHS - 1))
    issued = 0
    with context.timeline() as timeline:
        for month in first.until(Period.of(MONTH, today)):
            for community in context.communities:
                if timeline.reached(_at(month.start, 8, 30)):
                    run = runs.run_issue(community=community, period=month, actor=context.member(community, "cashier"))
                    issued += run.bills
        for index, community in enumerate(context.communities):
            cashier = context.member(community, "cashier")
            bills = Bill.objects.filter(community=community, period=first.shift(2).start).order_by("pk")
            credited = bills.first()
            if credited is not None and timeline.reached(_at(first.shift(2).start, 10)):
                adjustment = adjustments.adjustment_request(
                    bill=credited,
                    kind=AdjustmentKind.CREDIT,
                    amount=min(credited.total, 50),
                    reason="房屋面积复测后减少，冲减多收部分",
                    actor=cashier,
                )
                context.decide(adjustment, adjustments.ADJUSTMENT)
            debited = bills[1:2].first()
            if index == 0 and debited is not None and timeline.reached(_at(first.shift(2).start, 11)):
                adjustment = adjustments.adjustment_request(
                    bill=debited, kind=AdjustmentKind.DEBIT, amount=30, reason="车位临时占用费漏计，补收", actor=cashier
                )
                context.decide(adjustment, adjustments.ADJUSTMENT)
    return f"{issued} 份账单"
