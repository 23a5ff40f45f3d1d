"""The demo's takings at the window (FE-1), through the services at the moments an office would have
taken them, after the bills part has issued its months (whatever bills exist when this part runs):

- every household has a habit: most pay each month or each quarter a little before the due date, some
  catch up every four months weeks late, a few not at all (the long arrears the dunning
  part shows) — in every community at least one, the household last in the register that is billed
  itself, so each has a written demand to show; each payment settles what had been billed by then, oldest first — about 90% of what
  was billed is collected;
- a few households pay in advance 预存 (property fees, utilities), one of them asks part of it back
  (approved), another's refund waits for the office manager;
- one receipt was voided with the manager's approval (its number stays used), one void waits;
- every past day with takings is closed by the cashier at 17:30 and signed off by the office manager;
  today's takings are left open, as on a working day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from guanjia.core.demo import DemoBuild

from .choices import Method, PayerKind, PaymentStatus, Purse
from .models import BillLine, Payment
from .services import payments as services

ZERO = Decimal("0.00")
METHODS = (
    (Method.CASH, 25),
    (Method.WECHAT, 35),
    (Method.ALIPAY, 15),
    (Method.TRANSFER, 20),
    (Method.POS, 5),
)
# share of households by habit: each month, each quarter, once a year, never (long arrears)
HABITS = (("monthly", 60), ("quarterly", 30), ("late", 7), ("never", 3))


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _pick(rng, weighted):
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


class _Events:
    """Everything the window did, replayed in time order (so days close after their takings)."""

    def __init__(self):
        self.rows: list[tuple[dt.datetime, int, object]] = []

    def add(self, moment: dt.datetime, action) -> None:
        self.rows.append((moment, len(self.rows), action))

    def replay(self, timeline) -> None:
        for moment, _n, action in sorted(self.rows, key=lambda r: (r[0], r[1])):
            if timeline.reached(moment):
                action()


def _pay_times(rng, habit: str, due_dates: list[dt.date]) -> list[dt.date]:
    """The days a household of `habit` comes to pay, for bills due on `due_dates` (sorted)."""
    if habit == "never" or not due_dates:
        return []
    if habit == "monthly":
        chosen = due_dates
    elif habit == "quarterly":
        chosen = [d for d in due_dates if d.month in (1, 4, 7, 10)] or due_dates[-1:]
    else:  # late: catches up every four months, weeks after the due date
        chosen = [d + dt.timedelta(days=rng.randint(15, 40)) for d in due_dates if d.month in (3, 7, 11)]
        return chosen
    return [d - dt.timedelta(days=rng.randint(0, 9)) for d in chosen]


def _community(context: DemoBuild, events: _Events, community, index: int) -> dict:
    rng = context.rng(f"billing.payments.{community.code}")
    cashier = context.member(community, "cashier")
    manager = context.member(community, "office_manager")
    now = context.now
    lines = defaultdict(list)
    for line in (
        BillLine.objects.filter(community=community, open_amount__gte=Decimal("0.01"))
        .select_related("bill", "room")
        .order_by("room_id", "due_on", "id")
    ):
        lines[line.room_id].append(line)
    counters = {"n": 0}
    taken_days: set[dt.date] = set()

    def take(room_id: int, moment: dt.datetime, **kw):
        method = _pick(rng, METHODS)
        counters["n"] += 1
        reference = "" if method == Method.CASH else f"{method.upper()}{community.pk:02d}{counters['n']:07d}"
        taken_days.add(timezone.localdate(moment))

        def act():
            from guanjia.estates.models import Room

            return services.payment_take(
                room=Room.objects.get(pk=room_id), method=method, reference=reference, actor=cashier, **kw
            )

        events.add(moment, act)

    # bills: each household's habit decides when it pays what had been billed by then
    never = next(
        (
            room_id
            for room_id, room_lines in sorted(lines.items(), key=lambda item: item[1][0].room.sort_key, reverse=True)
            if any(line.payer_kind != PayerKind.DEVELOPER for line in room_lines)
        ),
        None,
    )
    for room_id, room_lines in lines.items():
        habit = "never" if room_id == never else _pick(rng, HABITS)
        dues = sorted({line.due_on for line in room_lines})
        paid_to = 0
        for day in _pay_times(rng, habit, dues):
            moment = _at(day, rng.randint(9, 16), rng.randint(0, 59))
            if moment > now:
                continue
            billed = [line for line in room_lines[paid_to:] if line.bill.issued_at <= moment]
            amount = sum((line.open_amount for line in billed), ZERO)
            if amount <= 0:
                continue
            paid_to += len(billed)
            take(room_id, moment, amount=amount)

    # prepayments, refunds, a void: a few households of every community, whatever was billed
    from guanjia.estates.models import Room

    rooms = list(Room.objects.filter(community=community).order_by("sort_key", "pk").values_list("pk", flat=True)[:6])
    today = timezone.localdate(now)
    if len(rooms) >= 3:
        early = _at(today - dt.timedelta(days=40 + index), 10, 15)
        take(rooms[0], early, amount=Decimal("1200.00"), lines=[], to_prepayment_purse=Purse.PROPERTY)
        take(
            rooms[1],
            early + dt.timedelta(minutes=20),
            amount=Decimal("300.00"),
            lines=[],
            to_prepayment_purse=Purse.UTILITIES,
        )
        take(
            rooms[2],
            early + dt.timedelta(minutes=40),
            amount=Decimal("500.00"),
            lines=[],
            to_prepayment_purse=Purse.PROPERTY,
        )

        def refunds():
            room = Room.objects.get(pk=rooms[1])
            refund = services.refund_request(
                room=room,
                purse=Purse.UTILITIES,
                amount=Decimal("100.00"),
                method=Method.TRANSFER,
                reason="业主多预存水电费，申请退回部分",
                actor=cashier,
            )
            context.decide(refund, services.REFUND)

        def pending_refund():
            services.refund_request(
                room=Room.objects.get(pk=rooms[2]),
                purse=Purse.PROPERTY,
                amount=Decimal("200.00"),
                method=Method.TRANSFER,
                reason="房屋出售，业主申请退回预存物业费",
                actor=cashier,
            )

        def voids():
            # the advance entered twice by mistake: voided with the manager's approval, number kept
            twice = Payment.objects.filter(room_id=rooms[0], status=PaymentStatus.VALID, to_prepayment__gt=0)
            wrong = twice.order_by("-pk").first()
            if wrong is not None:
                services.receipt_void_request(payment=wrong, reason="同一笔预存重复开具收据", actor=cashier)
                context.decide(wrong, services.VOID)

        take(
            rooms[0],
            early + dt.timedelta(minutes=5),
            amount=Decimal("1200.00"),
            lines=[],
            to_prepayment_purse=Purse.PROPERTY,
        )
        events.add(_at(today - dt.timedelta(days=20), 11), refunds)
        # still within the manager's time limit (policies.APPROVAL_HOURS, the chain's default) at the demo's now
        events.add(context.now - dt.timedelta(hours=20), pending_refund)
        events.add(_at(today - dt.timedelta(days=39 + index), 9, 30), voids)  # the day after the prepayment
        taken_days.add(today - dt.timedelta(days=39 + index))

    # every past day with takings: closed at 17:30, signed off at 18:00; today's left open
    def close(day):
        def act():
            sheet = services.cashier_day_close(community=community, cashier=cashier, day=day, actor=cashier)
            services.cashier_day_sign_off(sheet=sheet, actor=manager)

        return act

    for day in sorted(taken_days):
        if day < today:
            events.add(_at(day, 17, 45), close(day))
    return counters


def build(context: DemoBuild) -> str:
    events = _Events()
    made = [_community(context, events, community, index) for index, community in enumerate(context.communities)]
    if context.communities:  # one void waits for the manager (收据作废 in 待我审批)
        community = context.communities[0]

        def pending_void():
            latest = Payment.objects.filter(community=community, status=PaymentStatus.VALID, to_prepayment=0)
            payment = latest.order_by("-received_at", "-pk").first()
            if payment is not None:
                services.receipt_void_request(
                    payment=payment, reason="交款人称金额有误，待核实", actor=context.member(community, "cashier")
                )

        events.add(context.now - dt.timedelta(minutes=30), pending_void)
    with context.timeline() as timeline:
        events.replay(timeline)
    return f"收据 {Payment.objects.filter(community__in=context.communities).count()} 张（{sum(m['n'] for m in made)} 笔收款）"
