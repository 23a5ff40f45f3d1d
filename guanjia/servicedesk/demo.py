"""Demo data for the service desk (issue #3), built through the services so the demo shows a
living office: three months of repairs, complaints and enquiries run to their end, and this
month's work in every state (just received, dispatched, on site, awaiting check, callbacks due
today or overdue, a complaint awaiting its reply), plus complaint summaries, call-log entries and
the manager's spot check.

Each service call happens "when it happened": `core.clock.Replay` moves the product's one clock
to the event's moment, so dispatch times, closing times, rectification notices, deadlines,
ActivityLog and Notification times are the ones the services themselves write. Events later than
the present are simply not done yet: that is what leaves this month's tickets open.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from guanjia.core import approvals, clock
from guanjia.core.periods import MONTH, Period
from guanjia.core.roles import Role
from guanjia.core.topics import Topic
from guanjia.estates.choices import RoomKind
from guanjia.estates.models import Ownership, Phone, Room

from . import service_levels, services
from .choices import CallbackMethod, Channel, Kind, RepairCategory, ServiceCategory, Severity
from .models import Callback
from .services import rectifications
from .services.summaries import SUMMARY

KINDS = [  # bench_desk.KINDS, with more complaints so the Pareto (SV-4) has something to show
    (Kind.REPAIR, 46),
    (Kind.CONSULTATION, 18),
    (Kind.PAYMENT, 8),
    (Kind.COMPLAINT, 16),
    (Kind.SUGGESTION, 7),
    (Kind.PRAISE, 5),
]
CHANNELS = [
    (Channel.PHONE, 40),
    (Channel.WINDOW, 30),
    (Channel.PORTAL, 15),
    (Channel.WECHAT, 10),
    (Channel.STAFF, 3),
    (Channel.BOX, 2),
]
CATEGORIES = [
    (RepairCategory.OTHER, 40),
    (RepairCategory.UTILITIES, 25),
    (RepairCategory.LEAKAGE, 15),
    (RepairCategory.CIVIL, 10),
    (RepairCategory.SAFETY, 7),
    (RepairCategory.EMERGENCY, 3),
]
# Skewed so the complaints Pareto (SV-4, on the SV-7 axis) shows a few vital topics.
TOPICS = [
    (Topic.SECURITY, 30),
    (Topic.CLEANING, 22),
    (Topic.REPAIR_STAFF, 14),
    (Topic.GREENING, 8),
    (Topic.FACILITIES, 7),
    (Topic.MANAGEMENT_STAFF, 6),
    (Topic.CONVENIENCE, 5),
    (Topic.CULTURE, 3),
    (Topic.OTHER, 5),
]

REPAIRS = {
    RepairCategory.EMERGENCY: [("厨房水管爆裂，水漫到客厅", "关闭总阀，更换爆裂管段", "PPR管2米、弯头2个")],
    RepairCategory.UTILITIES: [
        ("卫生间水龙头关不紧，一直滴水", "更换水龙头阀芯", "阀芯1个"),
        ("家里插座跳闸，一半房间没电", "更换漏电开关", "漏电保护器1只"),
        ("电梯按钮失灵", "更换楼层按钮", "按钮1个"),
    ],
    RepairCategory.SAFETY: [
        ("楼道应急灯不亮", "更换应急灯电池", "应急灯电池1块"),
        ("单元门门禁坏了关不上", "调整闭门器", ""),
    ],
    RepairCategory.LEAKAGE: [
        ("楼上渗水，卫生间天花板发霉", "重做楼上卫生间防水层", "防水涂料5kg"),
        ("外墙渗水，窗边墙面潮湿", "窗框打胶，外墙修补", "硅酮胶2支"),
    ],
    RepairCategory.CIVIL: [
        ("阳台地砖空鼓开裂", "更换空鼓地砖", "地砖6片、水泥1袋"),
        ("楼道墙面脱落", "铲除空鼓层重新粉刷", "腻子粉1袋"),
    ],
    RepairCategory.OTHER: [
        ("入户门锁不好开", "更换锁芯", "锁芯1个"),
        ("晾衣架卡住", "更换钢丝绳", "钢丝绳2根"),
        ("下水道堵塞", "疏通下水道", ""),
    ],
}
AREAS = ["1幢电梯厅", "地下车库B区", "中心花园", "2幢楼道", "小区东门岗亭", "3幢屋面"]
COMPLAINTS = {
    Topic.SECURITY: "夜间有陌生人进出小区，门岗没有登记。",
    Topic.CLEANING: "楼道垃圾两天没人清理，气味很大。",
    Topic.REPAIR_STAFF: "维修师傅上门迟到，也没有提前电话联系。",
    Topic.GREENING: "楼下草坪很久没修剪，蚊虫多。",
    Topic.FACILITIES: "儿童游乐区的滑梯有松动，存在安全隐患。",
    Topic.MANAGEMENT_STAFF: "前台工作人员态度冷淡，问题没人跟进。",
    Topic.CONVENIENCE: "快递柜经常满，快递只能放门卫。",
    Topic.CULTURE: "社区活动通知太晚，来不及参加。",
    Topic.OTHER: "车位划线不清，经常被人占用。",
}
ENQUIRIES = {
    Kind.CONSULTATION: ("想问一下装修需要办理什么手续？", "已告知装修申报流程及所需材料。"),
    Kind.PAYMENT: ("物业费能不能按季度交？", "可以按季度缴纳，已告知缴费方式。"),
    Kind.SUGGESTION: ("建议在东门增加一个非机动车充电桩。", "感谢建议，已转工程部评估。"),
    Kind.PRAISE: ("表扬保安小王帮忙搬运重物。", "感谢您的表扬，已转告本人。"),
}
CALLS = [
    ("询问小区停水通知的具体时间", "已告知停水时间及储水建议", False),
    ("咨询车位出租价格", "已告知车位租金标准", False),
    ("*市自来水公司来电：下周二片区管网检修", "已在公告栏张贴停水通知", True),
    ("来访询问快递代收时间", "已告知服务时间", False),
    ("*街道来电：本周五开展消防安全检查", "已通知各部门准备", True),
    ("询问业主大会召开时间", "已告知将另行通知", False),
]
SUMMARY_NOTE = "个别投诉涉及多方协调，管理处已制定处理计划并持续跟进，下月汇总中报告结果。"


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class _Office:
    def __init__(self, community, users: dict, now: dt.datetime, rng: random.Random, ticker: clock.Replay):
        self.community, self.users, self.now, self.rng, self.clock = community, users, now, rng, ticker
        self.late_reply_done = False
        self.major_done = False
        self.unsatisfied = 0
        self.hold = False

    def due(self, moment: dt.datetime) -> bool:
        """Whether an event at `moment` has happened by now; if so, the clock is set to it."""
        if moment > self.now:
            return False
        self.clock.at(moment)
        return True

    # -- one ticket --------------------------------------------------------------------------

    def ticket(self, received: dt.datetime, kind: str, room, owner, category: str = "", hold: bool = False) -> None:
        """`hold`: the last duty (a callback, a reply) is left undone, so it is due today or overdue."""
        rng, users, community = self.rng, self.users, self.community
        self.hold = hold
        extra = {}
        if kind == Kind.REPAIR:
            category = category or _weighted(rng, CATEGORIES)
            description, work, materials = rng.choice(REPAIRS[category])
            extra["category"] = category
            if category == RepairCategory.OTHER and room is not None and not hold and rng.random() < 0.15:
                extra.update(special_service=True, paid=True, price=Decimal(rng.choice((30, 50, 80))))  # SS-2
            if category in (RepairCategory.SAFETY, RepairCategory.CIVIL) and not hold and rng.random() < 0.5:
                room, owner = None, None
                extra["area"] = rng.choice(AREAS)
        elif kind == Kind.COMPLAINT:
            topic = _weighted(rng, TOPICS)
            description = COMPLAINTS[topic]
            extra["topic"] = topic
        else:
            description = ENQUIRIES[kind][0]
        channel = _weighted(rng, CHANNELS)
        if owner is None:
            channel = Channel.STAFF
        self.clock.at(received)
        ticket = services.ticket_create(
            community=community,
            actor=users["desk"],
            kind=kind,
            channel=channel,
            description=description,
            room=room,
            reporter=owner,
            received_at=received,
            **extra,
        )
        if kind == Kind.REPAIR:
            self.repair(ticket, work, materials)
        elif kind == Kind.COMPLAINT:
            self.complaint(ticket)
        else:
            reply_at = received + dt.timedelta(minutes=rng.randrange(5, 90))
            if self.due(reply_at):
                services.ticket_reply(ticket=ticket, actor=users["desk"], reply=ENQUIRIES[kind][1], at=reply_at)

    def repair(self, ticket, work: str, materials: str) -> None:
        """RC-8: dispatch, arrival (mostly within 2 h), completion, check (a few fail), callback."""
        rng, users = self.rng, self.users
        start = ticket.clock_starts_at
        tech = users["tech"] if rng.random() < 0.8 else users["equipment"]
        moment = start + dt.timedelta(minutes=rng.randrange(2, 20))
        if not self.due(moment):
            return
        services.ticket_dispatch(ticket=ticket, technician=tech, actor=users["desk"])
        for attempt in range(2):
            late = rng.random() < 0.06
            moment += dt.timedelta(minutes=rng.randrange(130, 300) if late else rng.randrange(15, 100))
            if not self.due(moment):
                return
            services.ticket_arrive(ticket=ticket, actor=tech, at=moment)
            days = rng.choice((1, 2, 2, 3)) if ticket.category == RepairCategory.CIVIL else 0
            moment += dt.timedelta(days=days, minutes=rng.randrange(30, 150))
            if not self.due(moment):
                return
            services.ticket_complete(
                ticket=ticket, actor=tech, work_done=work, materials=materials, charge=ticket.price, at=moment
            )
            moment += dt.timedelta(hours=rng.randrange(1, 20))
            if not self.due(moment):
                return
            passed = attempt == 1 or rng.random() > 0.04  # a few fail their first check, then pass
            services.ticket_check(
                ticket=ticket,
                actor=users["equipment"],
                passed=passed,
                note="" if passed else "仍有渗漏，需返修",
                at=moment,
            )
            if passed:
                break
        self.callback(ticket, moment)

    def complaint(self, ticket) -> None:
        """RC-3 reply within 72 h (one late), RC-7 one major escalated, RC-9 every one called back."""
        rng, users = self.rng, self.users
        received = ticket.received_at
        escalate = not self.major_done and received < self.now - dt.timedelta(days=20)
        actor = users["cs"]
        if escalate:
            self.major_done = True
            moment = received + dt.timedelta(minutes=30)
            if self.due(moment):
                services.ticket_escalate(ticket=ticket, actor=users["cs"])
                actor = users["manager"]
        if self.hold:
            return  # RC-3: this one still awaits its reply
        late = not self.late_reply_done and received < self.now - dt.timedelta(days=10)
        hours = rng.randrange(74, 90) if late else rng.randrange(2, 60)
        moment = received + dt.timedelta(hours=hours, minutes=rng.randrange(60))
        if not self.due(moment):
            return
        self.late_reply_done = self.late_reply_done or late
        valid = rng.random() < 0.8
        reply = "经核实情况属实，已安排整改并加强巡查。" if valid else "经核实系误会，已向业主耐心解释相关规定。"
        services.ticket_reply(ticket=ticket, actor=actor, reply=reply, valid=valid, at=moment)
        self.callback(ticket, moment)

    def callback(self, ticket, done_at: dt.datetime) -> None:
        """RC-4/RC-9: recorded on or before its due day mostly, a few late, recent ones left due."""
        rng, users = self.rng, self.users
        callback = Callback.objects.filter(ticket=ticket, done_at__isnull=True, skipped=False).first()
        if callback is None or self.hold:  # not drawn for callback (RC-9 sample), or left due
            return
        major = ticket.severity == Severity.MAJOR
        actor = users["manager"] if major else users["cs"]
        window = (callback.due_at - done_at).total_seconds()
        late = rng.random() < 0.05
        moment = (
            callback.due_at + dt.timedelta(hours=rng.randrange(2, 30))
            if late
            else done_at + dt.timedelta(seconds=window * rng.uniform(0.1, 0.9))
        )
        if callback.due_at < self.now < callback.due_at + dt.timedelta(days=4) and rng.random() < 0.5:
            return  # forgotten lately: overdue today (RC-4 shows red)
        if not self.due(moment):
            return
        # A few are unsatisfied; the first repair called back three weeks ago or more always is, so that
        # every build shows an RC-5 notice through to its close, whatever the seed.
        first = not self.unsatisfied and moment < self.now - dt.timedelta(days=21)
        satisfied = not (ticket.is_repair and self.unsatisfied < 2 and (rng.random() < 0.08 or first))
        services.callback_record(
            callback=callback,
            actor=actor,
            method=rng.choice([CallbackMethod.PHONE] * 3 + [CallbackMethod.VISIT, CallbackMethod.WECHAT]),
            satisfied=satisfied,
            remarks="" if satisfied else "维修后仍有异响，业主不满意",
            at=moment,
        )
        if satisfied:
            return
        self.unsatisfied += 1
        # RC-5: the written notice within 24 hours of the callback (the second one a little late),
        # then the fix by the notice's due date (RC-5.fix_days).
        moment += dt.timedelta(hours=rng.randrange(26, 30) if self.unsatisfied == 2 else rng.randrange(1, 6))
        if not self.due(moment):
            return
        from guanjia.quality import services as quality  # the notice is the quality app's (RC-5)

        notice = quality.notice_issue(source=rectifications.SOURCE, subject=callback, actor=users["cs"])
        moment += dt.timedelta(hours=rng.randrange(3, 20))
        if not self.due(moment):
            return
        quality.notice_close(notice=notice, actor=users["tech"], result="已重新上门处理，经业主确认问题解决")
        followup = Callback.objects.filter(ticket=ticket, done_at__isnull=True, skipped=False).first()
        moment += dt.timedelta(hours=rng.randrange(20, 40))
        if followup is not None and self.due(moment):
            services.callback_record(
                callback=followup, actor=users["cs"], method=CallbackMethod.PHONE, satisfied=True, at=moment
            )

    # -- the month's paperwork ------------------------------------------------------------------

    def summaries(self, months: list[dt.date]) -> None:
        """RC-10: each ended month's complaint summary prepared and sent for approval on the 2nd, approved by
        the office manager through the "RC-10.summary" chain on the 3rd, published (meeting the month's
        duty) on the 4th."""
        users = self.users
        for month in months:
            nxt = Period.of(MONTH, month).next().start
            steps = [_at(nxt.replace(day=day), 10) for day in (2, 3, 4)]
            if not self.due(steps[0]):
                continue
            summary = services.complaint_summary_prepare(
                community=self.community, month=month, actor=users["cs"], explanation=SUMMARY_NOTE
            )
            services.complaint_summary_submit(summary=summary, actor=users["cs"])
            if not self.due(steps[1]):
                continue
            approval = approvals.current_approval(summary, SUMMARY)
            approvals.approval_decide(approval=approval, actor=users["manager"], outcome="approve")
            if self.due(steps[2]):
                services.complaint_summary_publish(summary=summary, actor=users["cs"])

    def calls(self, rooms: list) -> None:
        """IC-3: a handful of 来电来访 entries; outside information marked `*`."""
        for n, (content, handling, outside) in enumerate(CALLS):
            moment = self.now - dt.timedelta(days=2 + 3 * n, hours=self.rng.randrange(0, 5))
            moment = _at(timezone.localtime(moment).date(), 10 + n % 6)
            if not self.due(moment):
                continue
            room = None if outside else self.rng.choice(rooms)[0]
            services.calllog_record(
                community=self.community,
                actor=self.users["desk"],
                content=content.lstrip("*"),
                caller="" if room is None else "业主",
                room=room,
                outside=outside,
                handling=handling,
                channel=Channel.PHONE if n % 3 else Channel.WINDOW,
                at=moment,
            )


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _last_open_moment(community, now: dt.datetime) -> dt.datetime:
    """`now` within reception hours, else a minute before the last closing time (RC-2)."""
    if service_levels.in_reception_hours(community, now):
        return now
    day = timezone.localtime(now).date()
    for _i in range(15):
        _opens, shut = service_levels._hours(community, day)  # noqa: SLF001 - the same app's reception hours
        last = timezone.make_aware(dt.datetime.combine(day, shut)) - dt.timedelta(minutes=1)
        if last <= now:
            return last
        day -= dt.timedelta(days=1)
    return now


def _rooms_with_owner(community) -> list[tuple[Room, object]]:
    """(room, one current owner with phones prefetched), residences and shops, in pk order."""
    owners = (
        Ownership.objects.filter(until__isnull=True)
        .select_related("person")
        .prefetch_related(Prefetch("person__phones", queryset=Phone.objects.order_by("pk")))
    )
    rooms = (
        Room.objects.filter(community=community, kind__in=[RoomKind.RESIDENCE, RoomKind.SHOP])
        .prefetch_related(Prefetch("ownerships", queryset=owners.order_by("pk"), to_attr="current"))
        .order_by("pk")
    )
    return [(room, room.current[0].person) for room in rooms if room.current]


def _moment(community, day: dt.date, rng: random.Random, kind: str) -> dt.datetime:
    """Mostly within reception hours (RC-2); a few emergencies and complaints in the evening."""
    if rng.random() < 0.05:
        return _at(day, 21 + rng.randrange(2), rng.randrange(60))
    moment = _at(day, 9 + rng.randrange(8), rng.randrange(60))
    return (
        moment
        if service_levels.in_reception_hours(community, moment)
        else service_levels.next_opening(community, moment)
    )


def build(community, users: dict, *, today: dt.date, rng: random.Random, now: dt.datetime | None = None) -> None:
    """users: {"cs", "desk", "manager", "tech", "equipment"} of this community.

    Tickets over the last three full months and this month up to `now` (by default the real
    present, or 18:00 of `today` when `today` is another day), about one per 15 households a month."""
    real = clock.now()
    if now is None:
        now = real if timezone.localdate(real) == today else _at(today, 18)
    now = min(now, real)  # nothing in the demo may have happened after the present
    rooms = _rooms_with_owner(community)
    if not rooms:
        return
    per_month = max(3, round(len(rooms) / 15))
    current = Period.of(MONTH, today)
    this_month = current.start
    months = [p.start for p in current.shift(-3).until(current.previous())]
    plan: list[tuple] = []
    for month in [*months, this_month]:
        last = today if month == this_month else Period.of(MONTH, month).last_day
        days = (last - month).days + 1
        count = max(3, round(per_month * days / 30)) if month == this_month else per_month
        for _i in range(count):
            day = month + dt.timedelta(days=rng.randrange(days))
            kind = _weighted(rng, KINDS)
            room, owner = rng.choice(rooms)
            plan.append((_moment(community, day, rng, kind), kind, room, owner, "", False))
    # The last hours' and days' work, so the desk and 到期事项 show every state. Counted back
    # from the last moment the desk was open, so a demo built at night shows them too (RC-2).
    desk_now = _last_open_moment(community, now)
    recent = [(0.1, Kind.COMPLAINT), (0.3, Kind.REPAIR), (0.8, Kind.REPAIR), (1.5, Kind.REPAIR), (2.5, Kind.REPAIR)]
    recent += [(4, Kind.REPAIR), (6, Kind.COMPLAINT), (26, Kind.REPAIR), (50, Kind.REPAIR)]
    for hours, kind in recent:
        room, owner = rng.choice(rooms)
        plan.append((desk_now - dt.timedelta(hours=hours), kind, room, owner, "", False))
    # Duties left undone: callbacks due today (RC-4: leakage 3 days, safety 2) and overdue, a late reply (RC-3).
    held = [(74, Kind.REPAIR, RepairCategory.LEAKAGE), (50, Kind.REPAIR, RepairCategory.SAFETY)]
    held += [(24 * 10, Kind.REPAIR, RepairCategory.OTHER), (80, Kind.COMPLAINT, "")]
    for hours, kind, category in held:
        room, owner = rng.choice(rooms)
        plan.append(
            (_at(timezone.localdate(desk_now - dt.timedelta(hours=hours)), 10), kind, room, owner, category, True)
        )
    plan = sorted((p for p in plan if p[0] <= now), key=lambda p: p[0])

    ticker = clock.Replay()
    office = _Office(community, users, now, rng, ticker)
    state = random.getstate()  # the RC-9 special-service sample draws from `random`: keep it repeatable
    random.seed(rng.randrange(10**9))
    try:
        with transaction.atomic(), ticker:
            _price_list(community, users["manager"])
            for received, kind, room, owner, category, hold in plan:
                office.ticket(received, kind, room, owner, category, hold)
            office.summaries([m for m in months if Period.of(MONTH, m).has_ended(now)])
            office.calls(rooms)
    finally:
        random.setstate(state)


# SS-2: the special services the office offers, with their public prices (the owner portal shows them).
PRICE_LIST = [
    ("更换水龙头", ServiceCategory.HOME_REPAIR, Decimal("30"), "次"),
    ("疏通下水道", ServiceCategory.HOME_REPAIR, Decimal("50"), "次"),
    ("家庭保洁", ServiceCategory.CLEANING, Decimal("35"), "小时"),
    ("灭蟑除虫", ServiceCategory.PEST_CONTROL, Decimal("80"), "户"),
]


def _price_list(community, manager) -> None:
    from .services.pricelist import service_item_save

    for order, (name, category, price, unit) in enumerate(PRICE_LIST, 1):
        service_item_save(
            community=community, actor=manager, name=name, category=category, price=price, unit=unit, ordering=order
        )


# The demo users each community's office is run by (core.demo.DemoBuild.member).
STAFF = {
    "cs": Role.CS_SUPERVISOR,
    "desk": Role.FRONT_DESK,
    "manager": Role.OFFICE_MANAGER,
    "tech": Role.TECHNICIAN,
    "equipment": Role.EQUIPMENT_SUPERVISOR,
}


def build_part(context) -> None:
    """The service desk's part of the demo (core.demo): each community's three months and this one."""
    for community in context.communities:
        users = {short: context.member(community, role) for short, role in STAFF.items()}
        build(community, users, today=context.today, rng=context.rng(f"servicedesk:{community.code}"), now=context.now)
