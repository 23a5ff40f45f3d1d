"""The demo's past months of visits (VS-3) and their summaries for the director (VS-5), done the way
an office does them: a handful of visits in each month the calendar owes a summary for (core.duties),
the summary written and sent on the 2nd of the next month, approved by the director on the 3rd,
each through the services at that moment. A step later than the demo's now is not done yet, so only
the most recent month can still be on its way, never overdue."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from guanjia.core import duties
from guanjia.core.demo import DemoBuild, after
from guanjia.core.roles import Role
from guanjia.estates.households import households

from . import services
from .choices import VisitForm

VISITS_PER_MONTH = 5
TOPICS = ["security", "cleaning", "greening", "facilities", "convenience"]
OPINIONS = ["希望加强夜间巡逻。", "楼道保洁比以前好多了。", "建议增加电动车充电桩。", "", ""]
# What the CS supervisor writes: shown as typed, in every language.
SUMMARY_TEXT = "本月共拜访业户 {n} 户，业户意见已逐条登记并转相关部门处理，需公司协调的事项已单列。"


def _visit(community, cs, room, at: dt.datetime, n: int, rng) -> None:
    home = n == 0  # VS-2: a home visit is made by appointment
    services.visit_record(
        community=community,
        actor=cs,
        room=room,
        form=VisitForm.HOME if home else rng.choice([VisitForm.OFFICE, VisitForm.PHONE, VisitForm.OUTDOORS]),
        visited_at=at,
        appointment_at=at - dt.timedelta(days=1) if home else None,
        topics=rng.sample(TOPICS, 2),
        opinions=rng.choice(OPINIONS),
        signed=True,
    )


def build(context: DemoBuild) -> None:
    months = duties.duty_of(services.SUMMARY).owed_periods(context.now)
    with transaction.atomic(), context.timeline() as timeline:
        for community in context.communities:
            rng = context.rng(f"engagement.visits:{community.code}")
            cs = context.member(community, Role.CS_SUPERVISOR)
            homes = list(households(community).order_by("pk"))
            for month in months:
                rooms = rng.sample(homes, min(VISITS_PER_MONTH, len(homes)))
                for n, room in enumerate(rooms):
                    day = month.start + dt.timedelta(days=2 + n * (month.last_day.day - 3) // VISITS_PER_MONTH)
                    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10 + n)))
                    if timeline.reached(at):
                        _visit(community, cs, room, at, n, rng)
                if timeline.reached(after(month, 2, 10)):
                    summary = services.visit_summary_prepare(
                        community=community, month=month, actor=cs, text=SUMMARY_TEXT.format(n=len(rooms))
                    )
                    services.visit_summary_submit(summary=summary, actor=cs)
                    if timeline.reached(after(month, 3, 11)):
                        context.decide(summary, services.SUMMARY)
