"""Reads of the equipment ledger (FM-1): the type tree, the device list's filters, inspection states,
the dashboard's devices due, and a device's whole history as one timeline. Each a fixed number of
queries whatever the number of devices or events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.policies import policy

from .choices import Importance, RecordKind
from .models import Device, DeviceType


@dataclass
class TypeNode:
    type: DeviceType
    depth: int
    count: int = 0

    @property
    def indented(self) -> str:
        """The name indented by its depth, for a <select> (options cannot nest deeper than one group)."""
        return "\u3000" * self.depth + self.type.name


def type_tree(counts: dict[int, int] | None = None) -> list[TypeNode]:
    """Every device type in tree order (parents before their children), with its depth: one query."""
    types = list(DeviceType.objects.order_by("sort", "code"))
    children: dict[int | None, list[DeviceType]] = {}
    for t in types:
        children.setdefault(t.parent_id, []).append(t)
    nodes: list[TypeNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for t in children.get(parent, []):
            nodes.append(TypeNode(t, depth, (counts or {}).get(t.pk, 0)))
            walk(t.pk, depth + 1)

    walk(None, 0)
    return nodes


def descendants(type_id: int) -> set[int]:
    """The type and every type below it (a filter on 电梯 lists 客梯 and 货梯): one query."""
    parents = dict(DeviceType.objects.values_list("pk", "parent_id"))
    found, changed = {type_id}, True
    while changed:
        more = {pk for pk, parent in parents.items() if parent in found and pk not in found}
        found |= more
        changed = bool(more)
    return found


def due_before(community, today: dt.date | None = None) -> dt.date:
    """Devices to inspect by this day are due (FM-1.inspection_warn_days ahead) or overdue."""
    return (today or clock.today()) + dt.timedelta(days=policy(community, "FM-1.inspection_warn_days"))


def filter_devices(devices, filters: dict, community):
    devices = devices.select_related("type", "building", "contractor")
    if str(filters.get("type", "")).isdigit():
        devices = devices.filter(type_id__in=descendants(int(filters["type"])))
    if str(filters.get("building", "")).isdigit():
        devices = devices.filter(building_id=int(filters["building"]))
    if filters.get("importance") in Importance.values:
        devices = devices.filter(importance=filters["importance"])
    if filters.get("due"):
        devices = devices.filter(active=True, next_inspection_on__lte=due_before(community))
    if filters.get("q"):
        q = filters["q"]
        devices = devices.filter(
            Q(code__icontains=q) | Q(name__icontains=q) | Q(place__icontains=q) | Q(serial_no__icontains=q)
        )
    return devices.order_by("code")


def inspection_state(device: Device, today: dt.date, warn_days: int) -> tuple[str, str] | None:
    """(label, colour) of the device's next statutory inspection, or None when far off or not set."""
    if device.next_inspection_on is None or not device.active:
        return None
    if device.next_inspection_on < today:
        return _("检验已逾期"), "red"
    if device.next_inspection_on <= today + dt.timedelta(days=warn_days):
        return _("即将到期检验"), "amber"
    return None


def due_for_inspection(community, limit: int = 10) -> tuple[list[Device], int]:
    """The dashboard's devices due within FM-1.inspection_warn_days or overdue, soonest first, and how many."""
    devices = Device.objects.filter(community=community, active=True, next_inspection_on__lte=due_before(community))
    return list(devices.select_related("type").order_by("next_inspection_on", "id")[:limit]), devices.count()


@dataclass
class Event:
    """One line of a device's timeline."""

    day: dt.date
    at: Any  # a datetime for ordering within the day
    kind: str  # record, ticket, document
    label: str
    colour: str
    obj: Any


def timeline(device: Device) -> list[Event]:
    """The device's whole history, newest first: its records, its fault tickets, its documents (three queries)."""
    events: list[Event] = []
    for r in device.records.select_related("recorded_by").order_by("-done_on", "-id"):
        kind = RecordKind(r.kind)
        events.append(Event(r.done_on, r.recorded_at, "record", kind.label, kind.colour, r))
    links = device.ticket_links.select_related("ticket").order_by("-ticket__received_at")
    for link in links:
        ticket = link.ticket
        day = timezone.localdate(ticket.received_at)
        events.append(Event(day, ticket.received_at, "ticket", _("故障报修"), "red", link))
    for d in device.documents.select_related("uploaded_by").order_by("-uploaded_at"):
        day = timezone.localdate(d.uploaded_at)
        events.append(Event(day, d.uploaded_at, "document", _("资料"), "grey", d))
    events.sort(key=lambda e: (e.day, e.at), reverse=True)
    return events


def licence_state(contractor, today: dt.date, warn_days: int) -> tuple[str, str] | None:
    """(label, colour) of a contractor's licence expiry (FM-1.licence_warn_days ahead), or None."""
    if contractor.licence_expires_on is None:
        return None
    if contractor.licence_expires_on < today:
        return _("资质已过期"), "red"
    if contractor.licence_expires_on <= today + dt.timedelta(days=warn_days):
        return _("资质即将到期"), "amber"
    return None


# --- Plans and tasks (FM-2, FM-3, FM-5) -------------------------------------------------------------


def plan_tasks(community, filters: dict, now=None):
    """The supervisors' task list: every facilities task of the community up to the end of the chosen
    day (or today), with its clock-derived state; filtered by state, kind and date. Made by the
    calendar first, so no task is missing because a job did not run."""
    from guanjia.core.plans.models import Task
    from guanjia.core.plans.services import tasks_generate

    from .plans import KIND_KEYS

    now = now or clock.now()
    tasks_generate(community=community, now=now)
    tasks = Task.objects.filter(community=community, plan__kind__in=KIND_KEYS).with_state(now)
    if filters.get("kind") in KIND_KEYS:
        tasks = tasks.filter(plan__kind=filters["kind"])
    if filters.get("state"):
        tasks = tasks.filter(state=filters["state"])
    day = filters.get("date")
    if day:
        tasks = tasks.filter(window_start__date=day)
    else:
        tasks = tasks.filter(window_start__date__lte=timezone.localdate(now))
    return tasks.select_related("plan", "assignee", "done_by").order_by("-window_start", "-id")


def annual_plan(community, year: int):
    """FM-2's annual maintenance plan 年度维保计划: each maintenance plan running in `year`, with its
    devices, the months it falls in, its checklist (what) and who does it. Three queries."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Prefetch, Q

    from guanjia.core.plans.models import Plan, PlanTarget
    from guanjia.core.plans.services import occurrences

    from .plans import MAINTENANCE

    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    plans = list(
        Plan.objects.filter(community=community, kind=MAINTENANCE, active=True, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
        .select_related("checklist", "assignee")
        .prefetch_related(Prefetch("targets", queryset=PlanTarget.objects.order_by("position")))
        .order_by("title", "id")
    )
    device_type = ContentType.objects.get_for_model(Device)
    ids = {t.target_id for p in plans for t in p.targets.all() if t.target_type_id == device_type.pk}
    devices = {str(d.pk): d for d in Device.objects.filter(community=community, pk__in=ids)}
    rows = []
    for plan in plans:
        days = occurrences(plan, max(first, plan.starts_on), min(last, plan.ends_on or last))
        months = [sum(1 for d in days if d.month == m) for m in range(1, 13)]
        targets = [devices[t.target_id] for t in plan.targets.all() if t.target_id in devices]
        rows.append({"plan": plan, "devices": targets, "months": months, "total": len(days)})
    return rows
