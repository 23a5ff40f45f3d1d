"""The demo's past spot checks (RC-4 and whatever kind registers a duty): the office manager draws
each ended month's sample on the 6th of the next month and records what each check found by the
8th, through the services at those moments. A step later than the demo's now is not done yet, so
only the most recent month can still be on its way, never overdue."""

from __future__ import annotations

from django.db import transaction

from guanjia.core import duties
from guanjia.core.demo import DemoBuild, after

from . import registry, services

# One in twenty checks finds the callback did not happen as recorded: the manager's note.
FINDING = "业主表示未接到回访电话，已要求客服中心重新回访。"


def build(context: DemoBuild) -> None:
    kinds = [kind for kind in registry.spot_check_kinds() if kind.due_day_policy]
    with transaction.atomic(), context.timeline() as timeline:
        for kind in kinds:
            periods = duties.duty_of(kind.key).owed_periods(context.now)
            for community in context.communities:
                rng = context.rng(f"quality.spot_checks:{kind.key}:{community.code}")
                manager = context.member(community, kind.owner_role)
                for period in periods:
                    if not timeline.reached(after(period, 6, 9)):
                        continue
                    checks = services.spot_check_draw(
                        kind=kind.key, community=community, period=period, actor=manager, seed=rng.randrange(10**6)
                    )
                    if not timeline.reached(after(period, 8, 15)):
                        continue
                    for check in checks:
                        passed = rng.random() >= 0.05
                        services.spot_check_record(
                            check=check, actor=manager, passed=passed, note="" if passed else FINDING
                        )
