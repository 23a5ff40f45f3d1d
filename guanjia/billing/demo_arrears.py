"""The demo's deposits and dunning (FE-1, FE-3), made through the services at past moments: in every
community a renovation deposit received three months ago and held past its release date (the ageing
list), a key deposit with a deduction, settled through the refund approval; and where earlier parts
left households in arrears, the reminders now due sent and a written demand issued to the oldest; the
late-charge clause of the earlier contract, recorded and ended at its renewal (none in force)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from guanjia.core.demo import DemoBuild
from guanjia.core.roles import Role
from guanjia.estates.models import Room

from . import selectors_arrears
from .choices import Channel, ContactOutcome, DunningStep
from .services import clauses, deposits, dunning


def _moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def build(context: DemoBuild) -> str | None:
    today = timezone.localdate(context.now)
    made = 0
    with transaction.atomic(), context.timeline() as timeline:
        for community in context.communities:
            cashier = context.member(community, Role.CASHIER)
            rooms = list(Room.objects.filter(community=community).order_by("sort_key")[:2])
            if len(rooms) < 2:
                continue
            # FE-3: the clause of the earlier contract, ended at its renewal — no late charge now
            manager = context.member(community, Role.OFFICE_MANAGER)
            if timeline.reached(_moment(today - dt.timedelta(days=400))):
                old = clauses.clause_record(
                    community=community,
                    actor=manager,
                    contract_ref="物业服务合同（前期）第十二条",
                    daily_rate="0.5",
                    grace_days=30,
                    cap_pct="10",
                    since=today - dt.timedelta(days=400),
                )
            if timeline.reached(_moment(today - dt.timedelta(days=200))):
                clauses.clause_end(clause=old, actor=manager, reason="续签的物业服务合同不再约定违约金")
            received = today - dt.timedelta(days=90)
            if timeline.reached(_moment(received)):
                deposits.deposit_receive(
                    room=rooms[0],
                    kind="renovation",
                    amount="3000.00",
                    method="transfer",
                    reference=f"DEMO-{community.code}-1",
                    release_event="装修完工验收合格后",
                    release_on=today - dt.timedelta(days=20),
                    payer_name="张建国",
                    actor=cashier,
                )
                key = deposits.deposit_receive(
                    room=rooms[1],
                    kind="key",
                    amount="200.00",
                    method="cash",
                    release_event="归还钥匙后",
                    release_on=today - dt.timedelta(days=10),
                    payer_name="李秀英",
                    actor=cashier,
                )
                made += 2
            if timeline.reached(_moment(today - dt.timedelta(days=10))):
                deposits.deposit_deduct(deposit=key, amount="50.00", reason="遗失门禁卡一张", actor=cashier)
                key = deposits.deposit_settle(deposit=key, method="cash", actor=cashier)
                context.decide(key.refund, deposits.REFUND_KIND)
            supervisor = context.member(community, Role.CS_SUPERVISOR)
            if timeline.reached(_moment(today - dt.timedelta(days=1), 9)):
                dunning.reminders_send(community=community, actor=supervisor)
                rows = list(selectors_arrears.households(community, today)[:1])
                for row in rows:
                    room = Room.objects.get(pk=row["room_id"])
                    ladder = dunning.standing(room)[1]
                    if ladder and DunningStep.REMINDER not in ladder.done:
                        dunning.contact_record(
                            room=room,
                            step=DunningStep.REMINDER,
                            channel=Channel.PHONE,
                            person="业主",
                            outcome=ContactOutcome.NO_ANSWER,
                            actor=supervisor,
                        )
                    if (today - row["oldest"]).days >= 60:
                        dunning.demand_issue(room=room, actor=supervisor)
    return f"押金 {made} 笔" if made else None
