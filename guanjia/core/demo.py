"""The demo company (`manage.py demo`): core makes the company and asks each app for its part.

An app registers its part once, in its registrations.py:

    demo.register(DemoPart("servicedesk", 30, build=build_part, logins=None, refresh=None))

`build_demo()` runs the parts in `order` inside one transaction, each given the same `DemoBuild`
(the company, the scale and seed, the demo's "now", and what earlier parts made: communities, staff).
Each part writes through its app's services, so every clock, deadline and log entry is real, and
carries out what an office would have done by now, so nothing before "now" is left overdue that
the demo does not mean to show. An existing demo company is not built again: each part's `refresh`
brings an older demo database up to date instead. Core imports no domain app: the parts come to it.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import approvals, clock
from .approval_models import ApprovalStatus
from .models import Community, Company
from .periods import Period

COMPANY_NAME = "示范物业服务有限公司"
PASSWORD = "guanjia-demo"  # every demo account's, printed with the logins


@dataclass
class DemoBuild:
    """What the parts share while the demo is built (or refreshed)."""

    company: Company
    scale: float = 1.0
    seed: int = 0
    today: dt.date | None = None
    now: dt.datetime | None = None
    communities: list[Community] = field(default_factory=list)
    # (community id or None for a company role, role) → the demo user holding it
    staff: dict[tuple[int | None, str], Any] = field(default_factory=dict)

    def rng(self, part: str) -> random.Random:
        """The part's own generator: adding a part never changes the data the others make."""
        return random.Random(f"{self.seed}:{part}")

    def member(self, community: Community | None, role: str) -> Any:
        return self.staff[(getattr(community, "pk", None), str(role))]

    def timeline(self) -> Timeline:
        return Timeline(self.now)

    def decide(self, subject, key: str, *, outcome: str = "approve", comment: str = "") -> None:
        """Every remaining step of `subject`'s running approval (`key`), each by the demo user who holds
        the step's role in the subject's community, whatever the community's chain now says."""
        approval = approvals.current_approval(subject, key)
        while approval is not None and approval.status == ApprovalStatus.IN_PROGRESS:
            actor = self.staff[(approval.community_id, approval.current_role)]
            approval = approvals.approval_decide(approval=approval, actor=actor, outcome=outcome, comment=comment)


class Timeline:
    """A part's past events replayed in order up to the demo's now (core.clock.Replay):
    `if timeline.reached(moment): service(...)` runs the service at `moment`, or not at all when the
    moment is later than now, which is what leaves the present's work open."""

    def __init__(self, now: dt.datetime):
        self.now, self._replay = now, clock.Replay()

    def __enter__(self) -> Timeline:
        self._replay.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._replay.__exit__(*exc)

    def reached(self, moment: dt.datetime) -> bool:
        if moment > self.now:
            return False
        self._replay.at(moment)
        return True


def after(period: Period, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """`hour`:`minute` on the `day` of the month after `period`: when a month's paperwork is done."""
    first = period.end
    return timezone.make_aware(dt.datetime.combine(first.replace(day=day), dt.time(hour, minute)))


@dataclass(frozen=True)
class LoginTable:
    """Rows printed by `manage.py demo` (and `--logins`); `missing` is said instead when there are none."""

    header: Sequence[Any]
    rows: Sequence[Sequence[Any]]
    title: str = ""
    missing: str = ""


@dataclass(frozen=True)
class DemoPart:
    key: str
    order: int
    # Makes the part's data; may return a phrase for the "made" line ("翠苑花园 15 户、…").
    build: Callable[[DemoBuild], str | None]
    # On an existing demo company: brings it up to date; returns what it did ("" for nothing).
    refresh: Callable[[DemoBuild], str] | None = None
    logins: Callable[[Company], LoginTable | None] | None = None


_PARTS: dict[str, DemoPart] = {}


def register(part: DemoPart) -> DemoPart:
    _PARTS[part.key] = part
    return part


def unregister(key: str) -> None:
    _PARTS.pop(key, None)


def parts() -> list[DemoPart]:
    return sorted(_PARTS.values(), key=lambda p: (p.order, p.key))


@dataclass
class Result:
    created: bool
    communities: list[Community]
    seconds: float = 0.0
    made: list[str] = field(default_factory=list)  # the parts' phrases, on a new build
    changes: list[str] = field(default_factory=list)  # what the parts' refresh did, on an existing one


def demo_company() -> Company | None:
    return Company.objects.filter(name=COMPANY_NAME).first()


def demo_now(today: dt.date) -> dt.datetime:
    """The demo's present: the real one, or 18:00 of `today` when the demo is built as of another day;
    never later than the real present (nothing in the demo may have happened after it)."""
    real = clock.now()
    if timezone.localdate(real) == today:
        return real
    return min(real, timezone.make_aware(dt.datetime.combine(today, dt.time(18))))


def build_demo(*, scale: float = 1.0, seed: int = 20260101, today: dt.date | None = None) -> Result:
    """The demo company with every registered part, unless it is there already (then each part's refresh)."""
    company = demo_company()
    if company is not None:
        context = DemoBuild(company=company, communities=list(company.communities.order_by("pk")))
        with transaction.atomic():
            changes = [part.refresh(context) for part in parts() if part.refresh]
        return Result(created=False, communities=context.communities, changes=[c for c in changes if c])
    started = time.perf_counter()
    today = today or clock.today()
    with transaction.atomic():
        context = DemoBuild(
            company=Company.objects.create(name=COMPANY_NAME), scale=scale, seed=seed, today=today, now=demo_now(today)
        )
        made = [part.build(context) for part in parts()]
    return Result(
        created=True,
        communities=context.communities,
        seconds=time.perf_counter() - started,
        made=[m for m in made if m],
    )


def login_tables() -> list[LoginTable] | None:
    """Each part's table of demo logins, in the parts' order; None when there is no demo company."""
    company = demo_company()
    if company is None:
        return None
    tables = (part.logins(company) for part in parts() if part.logins)
    return [t for t in tables if t is not None]
