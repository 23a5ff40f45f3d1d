"""What the desk and the portal tell people about a request's clocks.

Every due time reads as `core.workdays.deadline_text` puts it: a day-based limit ends at 24:00 of its
last day, never 00:00 of the next (RULES.md "Clocks"); the desk's lines use its "desk" form ("明日 09:00").

The promises are built from `service_levels`, the functions the services open their Deadline rows
from, so what the clerk and the owner are told before saving is what is then timed (RC-2, RC-3, RC-8).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core import clock, workdays
from guanjia.core.policies import policy

from . import service_levels
from .choices import Kind, RepairCategory

# --- what the desk and the owner are told -------------------------------------------------------

RULE_LABELS = {
    "RC-8.response": gettext_lazy("响应时限"),
    "RC-8.civil": gettext_lazy("完工时限"),
    "RC-3": gettext_lazy("答复时限"),
    "RC-4": gettext_lazy("回访时限"),
    "RC-9": gettext_lazy("回访时限"),
    "RC-5.issue": gettext_lazy("整改通知书下达时限"),
    "RC-5.fix": gettext_lazy("整改时限"),
    "RC-5": gettext_lazy("整改时限"),  # notices issued before RC-5 had two clocks
}


@dataclass(frozen=True)
class Promise:
    """One line told before (or when) a request is saved. `tone`: "now" (its clock runs at once),
    "wait" (it starts at the next opening), "" (a due time or a note)."""

    text: str
    tone: str = ""

    def __str__(self) -> str:
        return self.text


def _limit(rule: str, community) -> str:
    """ "2 小时内" / "3 天内" / "72 小时内", from the policy the clock is computed from."""
    if rule == "RC-8.response":
        return _("%(n)s 小时内") % {"n": policy(community, "RC-8.response_hours")}
    if rule == "RC-8.civil":
        return _("%(n)s 天内") % {"n": policy(community, "RC-8.civil_days")}
    if rule == "RC-3":
        return _("%(n)s 小时内") % {"n": policy(community, "RC-3.reply_hours")}
    return ""


def start_promise(community, kind: str, category: str, moment: dt.datetime, now=None) -> Promise | None:
    """Why the clocks of a request received at `moment` start when they do (RC-2, RC-3, RC-8).

    None for requests without a clock, and for a repair whose category is not chosen yet."""
    now = now or moment
    if kind == Kind.COMPLAINT:
        return Promise(_("投诉电话 24 小时开通，立即计时"), "now")
    if kind != Kind.REPAIR or category not in RepairCategory.values:
        return None
    if category == RepairCategory.UTILITIES:
        return Promise(_("%(c)s故障随报随修，立即计时") % {"c": RepairCategory.UTILITIES.label}, "now")
    if category == RepairCategory.EMERGENCY:
        return Promise(_("紧急抢修 24 小时服务，立即计时"), "now")
    if service_levels.in_reception_hours(community, moment):
        return Promise(_("接待时间内受理，立即计时"), "now")
    opening = service_levels.next_opening(community, moment)
    return Promise(
        _("非营业时间受理，将于 %(when)s 开始计时") % {"when": workdays.deadline_text(opening, "desk", now=now)}, "wait"
    )


def desk_promises(community, kind: str, category: str, now: dt.datetime | None = None) -> list[Promise]:
    """What the desk sees before saving a request received now: which rule starts its clocks and
    when each limit falls due (RC-2, RC-3, RC-8)."""
    now = now or clock.now()
    if kind == Kind.REPAIR and category not in RepairCategory.values:
        return _repair_without_category(community, now, owner=False)
    start = start_promise(community, kind, category, now, now)
    if start is None:
        return []
    begins = service_levels.clock_start(community, kind, category, now)
    lines = [start]
    for c in service_levels.intake_clocks(community, kind, category, begins):
        text = _("%(label)s %(due)s（%(limit)s）") % {
            "label": RULE_LABELS[c.rule],
            "due": workdays.deadline_text(c.due_at, "desk", now=now),
            "limit": _limit(c.rule, community),
        }
        lines.append(Promise(text))
    return lines


def owner_promises(community, kind: str, category: str, now: dt.datetime | None = None) -> list[Promise]:
    """What the owner reading the portal's report page is told, the same rules in the owner's words."""
    now = now or clock.now()
    if kind == Kind.REPAIR and category not in RepairCategory.values:
        return _repair_without_category(community, now, owner=True)
    start = start_promise(community, kind, category, now, now)
    if start is None:
        return []
    begins = service_levels.clock_start(community, kind, category, now)
    if kind == Kind.COMPLAINT:
        lines = [Promise(_("投诉 24 小时受理，提交后立即计时"), "now")]
    elif category == RepairCategory.UTILITIES:
        lines = [Promise(_("水电、电梯故障随报随修，提交后立即计时"), "now")]
    elif category == RepairCategory.EMERGENCY:
        lines = [Promise(_("紧急抢修 24 小时受理，提交后立即计时"), "now")]
    elif begins > now:
        lines = [
            Promise(
                _("现在是非接待时间，管理处将于 %(when)s 开始计时")
                % {"when": workdays.deadline_text(begins, "desk", now=now)},
                "wait",
            )
        ]
    else:
        lines = [Promise(_("接待时间内提交，立即计时"), "now")]
    words = {
        "RC-8.response": _("%(limit)s响应，%(due)s 前"),
        "RC-8.civil": _("土建维修 %(limit)s完成，%(due)s 前"),
        "RC-3": _("管理处 %(limit)s答复，%(due)s 前"),
    }
    for c in service_levels.intake_clocks(community, kind, category, begins):
        lines.append(
            Promise(
                words[c.rule]
                % {"limit": _limit(c.rule, community), "due": workdays.deadline_text(c.due_at, "desk", now=now)}
            )
        )
    return lines


def _repair_without_category(community, now: dt.datetime, *, owner: bool) -> list[Promise]:
    """Before the category is chosen: in reception hours every repair starts at once; outside them
    only water, power and lift faults and emergencies do (RC-2, RC-8)."""
    hours = policy(community, "RC-8.response_hours")
    if service_levels.in_reception_hours(community, now):
        text = (
            _("接待时间内提交，立即计时，%(h)s 小时内响应")
            if owner
            else _("接待时间内受理，立即计时，%(h)s 小时内响应")
        )
        return [Promise(text % {"h": hours}, "now")]
    opening = workdays.deadline_text(service_levels.next_opening(community, now), "desk", now=now)
    if owner:
        first = _("现在是非接待时间：水电、电梯故障和紧急抢修提交后立即计时")
        second = _("其他报修将于 %(when)s 开始计时，计时起 %(h)s 小时内响应")
    else:
        first = _("非营业时间：%(c)s故障随报随修、紧急抢修 24 小时，立即计时") % {"c": RepairCategory.UTILITIES.label}
        second = _("其他报修将于 %(when)s 开始计时，计时起 %(h)s 小时内响应")
    return [Promise(first, "now"), Promise(second % {"when": opening, "h": hours}, "wait")]


def reception_hours(community) -> list[tuple[str, str]]:
    """[("工作日", "09:00-21:00"), ("周末及节假日", "09:00-17:00")] (RC-2), from the policies."""
    return [
        (_("工作日"), f"{policy(community, 'RC-2.weekday_open')}-{policy(community, 'RC-2.weekday_close')}"),
        (_("周末及节假日"), f"{policy(community, 'RC-2.weekend_open')}-{policy(community, 'RC-2.weekend_close')}"),
    ]


def ticket_clock_lines(ticket, deadlines, now: dt.datetime | None = None) -> list[Promise]:
    """What the desk tells the caller once a request is saved: why its clock started when it did
    (when received outside reception hours, RC-2) and its pending limits (`deadlines`, by due time)."""
    now = now or clock.now()
    lines = []
    starts = ticket.clock_starts_at
    if starts > ticket.received_at:
        when = workdays.deadline_text(starts, "desk", now=now)
        if now < starts:
            lines.append(Promise(_("非营业时间受理，将于 %(when)s 开始计时") % {"when": when}, "wait"))
        else:
            lines.append(Promise(_("非营业时间受理，%(when)s 起计时") % {"when": when}, "wait"))
    elif service_levels.starts_at_once(ticket.kind, ticket.category) and not service_levels.in_reception_hours(
        ticket.community, ticket.received_at
    ):  # an ordinary repair whose clock did not wait was received within hours: nothing to explain
        start = start_promise(ticket.community, ticket.kind, ticket.category, ticket.received_at, now)
        if start is not None:
            lines.append(start)
    for deadline in deadlines:
        label = RULE_LABELS.get(deadline.rule, deadline.rule)
        lines.append(Promise(f"{label} {workdays.deadline_text(deadline.due_at, 'desk', now=now)}"))
    return lines
