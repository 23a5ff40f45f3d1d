"""Arrears and their age (FE-3, CM-9): what is still open on bill lines past their due date, as of a day.

Every reading here is ONE aggregate query over `BillLine` (open_amount > 0, the partial index
billline_open_due), grouped in SQL — by household, by building, or by age bucket — with the buckets
as conditional sums on `due_on` (CASE WHEN in SQL), never a loop over lines in Python:

- a line is in arrears on `as_of` when it still owes something and its due date is before that day;
  its age is `as_of − due_on` in days: 0–30 (1…30 days overdue), 31–90, 91–180, 181–365, over 365;
- what the developer owes for rooms not yet handed over (payer_kind developer) is shown apart and is
  not in the households' buckets (FE-2, issue 11: "developer-payable amounts shown apart");
- a household is flagged as disputing (`disputed`) when its last contact recorded a dispute
  (ContactOutcome.DISPUTED) or one of its open lines has an open dispute from the owner (LineDispute,
  a complaint ticket not yet closed: `disputes`); the amounts stay in the buckets (they are owed
  until the dispute is settled), and a written demand asks the staff to look at them first.

The ladder's reading of one household (which step is due, which were done) is in services.dunning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.policies import policy

from .choices import ContactOutcome, DunningStep, PayerKind
from .models import BillLine, DemandLetter, DunningContact
from .models._fields import ZERO

# (key, label, fewest days overdue, most days overdue or None)
BUCKETS = (
    ("d30", _("0–30 天"), 1, 30),
    ("d90", _("31–90 天"), 31, 90),
    ("d180", _("91–180 天"), 91, 180),
    ("d365", _("181–365 天"), 181, 365),
    ("over", _("365 天以上"), 366, None),
)
BUCKET_KEYS = tuple(key for key, *_rest in BUCKETS)

# FE-3: the ladder's steps in order, each with the policy giving its days overdue.
LADDER = (
    (DunningStep.REMINDER, "FE-3.reminder_days"),
    (DunningStep.DEMAND, "FE-3.demand_days"),
    (DunningStep.COMMITTEE, "FE-3.committee_days"),
    (DunningStep.LEGAL, "FE-3.legal_days"),
)

HOUSEHOLD = ~Q(payer_kind=PayerKind.DEVELOPER)
DEVELOPER = Q(payer_kind=PayerKind.DEVELOPER)


def _money(value) -> Decimal:
    return Coalesce(value, ZERO)


def bucket_filter(key: str, as_of: dt.date) -> Q:
    """The lines of age bucket `key` on `as_of`, as a condition on due_on (CASE WHEN in SQL)."""
    _key, _label, low, high = next(b for b in BUCKETS if b[0] == key)
    q = Q(due_on__lte=as_of - dt.timedelta(days=low))
    if high is not None:
        q &= Q(due_on__gte=as_of - dt.timedelta(days=high))
    return q


def bucket_of(days: int) -> str | None:
    for key, _label, low, high in BUCKETS:
        if days >= low and (high is None or days <= high):
            return key
    return None


def open_lines(community, as_of: dt.date) -> QuerySet[BillLine]:
    """Lines still owing something and past due on `as_of` (served by the partial index billline_open_due)."""
    cid = getattr(community, "pk", community)
    return BillLine.objects.filter(community_id=cid, open_amount__gt=0, due_on__lt=as_of)


def _sums(as_of: dt.date) -> dict:
    sums = {key: _money(Sum("open_amount", filter=HOUSEHOLD & bucket_filter(key, as_of))) for key in BUCKET_KEYS}
    sums["total"] = _money(Sum("open_amount", filter=HOUSEHOLD))
    sums["developer"] = _money(Sum("open_amount", filter=DEVELOPER))
    return sums


def step_thresholds(community) -> dict[str, int]:
    """{step: days overdue at which it falls due} from the community's FE-3 policies."""
    return {step: policy(community, key) for step, key in LADDER}


def step_reached(days: int, thresholds: dict[str, int]) -> str | None:
    """The last step of the ladder whose time has come after `days` overdue (None: not yet a reminder)."""
    reached = None
    for step, _key in LADDER:
        if days >= thresholds[step]:
            reached = step
    return reached


def households(community, as_of: dt.date | None = None, *, building=None, bucket: str = "", step: str = ""):
    """One row per household in arrears, oldest debt first: ONE grouped query (a values() queryset,
    paginated as it is). `bucket` keeps households with something in that bucket; `step` those whose
    oldest open line has reached that step of the ladder (and not the next)."""
    as_of = as_of or clock.today()
    lines = open_lines(community, as_of).filter(HOUSEHOLD)
    if building:
        lines = lines.filter(room__building_id=getattr(building, "pk", building))
    rows = (
        lines.values("room_id", "room__code", "room__building_id", "room__building__code")
        .annotate(
            **{k: v for k, v in _sums(as_of).items() if k != "developer"},
            oldest=Min("due_on"),
            lines=Count("id"),
        )
        .order_by("oldest", "room__code")
    )
    if bucket in BUCKET_KEYS:
        rows = rows.filter(**{f"{bucket}__gt": 0})
    if step in dict(LADDER):
        thresholds = step_thresholds(community)
        days = thresholds[step]
        rows = rows.filter(oldest__lte=as_of - dt.timedelta(days=days))
        later = [s for s, _k in LADDER]
        following = later[later.index(step) + 1 :]
        if following:
            rows = rows.filter(oldest__gt=as_of - dt.timedelta(days=thresholds[following[0]]))
    return rows


@dataclass
class Ladder:
    """Where a household stands on the ladder (FE-3) on a day."""

    days: int
    reached: str | None  # the furthest step whose time has come
    done: set[str]  # steps taken since its oldest open line fell due
    delivered: bool  # a written demand was delivered since then
    next_step: str | None  # the first step not yet taken whose time has come (a step is never skipped)
    disputed: bool = False
    last_contact: DunningContact | None = None
    disputes: list = field(default_factory=list)  # open LineDisputes of its open lines, with their tickets

    @property
    def next_label(self) -> str:
        return DunningStep(self.next_step).label if self.next_step else ""


def ladder_of(days: int, thresholds, done: set[str], delivered: bool) -> str | None:
    for step, _key in LADDER:
        if days < thresholds[step]:
            return None
        if step not in done:
            return step
        if step == DunningStep.DEMAND and not delivered:
            return None  # the committee only after the demand was delivered
    return None


def ladders(community, rows, as_of: dt.date) -> dict[int, Ladder]:
    """{room id: Ladder} for household rows (from `households`): three queries for any page of rows."""
    from .selectors_disputes import disputes_of_rooms

    rows = list(rows)
    if not rows:
        return {}
    thresholds = step_thresholds(community)
    since = {r["room_id"]: r["oldest"] for r in rows}
    cid = getattr(community, "pk", community)
    contacts = DunningContact.objects.filter(community_id=cid, room_id__in=since, at__date__gte=min(since.values()))
    done: dict[int, set[str]] = {}
    last: dict[int, DunningContact] = {}
    for c in contacts.order_by("at", "id"):
        if clock_date(c.at) < since[c.room_id]:
            continue
        done.setdefault(c.room_id, set()).add(c.step)
        last[c.room_id] = c
    letters = DemandLetter.objects.filter(community_id=cid, room_id__in=since).values("room_id", "issued_at")
    letters = letters.annotate(delivered=Max("delivered_on"))
    delivered: set[int] = set()
    for letter in letters:
        if clock_date(letter["issued_at"]) >= since[letter["room_id"]]:
            done.setdefault(letter["room_id"], set()).add(DunningStep.DEMAND)
            if letter["delivered"]:
                delivered.add(letter["room_id"])
    disputes = disputes_of_rooms(cid, since)
    out = {}
    for r in rows:
        room_id = r["room_id"]
        days = (as_of - r["oldest"]).days
        taken = done.get(room_id, set())
        out[room_id] = Ladder(
            days=days,
            reached=step_reached(days, thresholds),
            done=taken,
            delivered=room_id in delivered,
            next_step=ladder_of(days, thresholds, taken, room_id in delivered),
            disputed=getattr(last.get(room_id), "outcome", "") == ContactOutcome.DISPUTED or room_id in disputes,
            last_contact=last.get(room_id),
            disputes=disputes.get(room_id, []),
        )
    return out


def clock_date(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(moment)


def by_building(community, as_of: dt.date | None = None) -> list[dict]:
    """One row per building: households in arrears and the amount in each age bucket (ONE query)."""
    as_of = as_of or clock.today()
    return list(
        open_lines(community, as_of)
        .values("room__building_id", "room__building__code")
        .annotate(**_sums(as_of), households=Count("room_id", distinct=True, filter=HOUSEHOLD))
        .order_by("room__building__code")
    )


def by_bucket(community, as_of: dt.date | None = None) -> dict:
    """The community's arrears in each age bucket, households and developer apart (ONE query)."""
    as_of = as_of or clock.today()
    return open_lines(community, as_of).aggregate(
        **_sums(as_of), households=Count("room_id", distinct=True, filter=HOUSEHOLD)
    )


def by_community(community_ids, as_of: dt.date | None = None) -> dict[int, dict]:
    """The company's arrears: {community id: amount in each age bucket, households and developer apart}
    for every community asked (ONE query, grouped by community, over the index billline_open_due)."""
    as_of = as_of or clock.today()
    rows = (
        BillLine.objects.filter(community_id__in=list(community_ids), open_amount__gt=0, due_on__lt=as_of)
        .values("community_id")
        .annotate(**_sums(as_of), households=Count("room_id", distinct=True, filter=HOUSEHOLD))
        .order_by()
    )
    return {row["community_id"]: row for row in rows}


def published_summary(community, as_of: dt.date | None = None) -> list[dict]:
    """CM-9, LW-1: what owners are shown — per building and age bucket only: no name, no room number,
    no per-household row (the developer's share apart)."""
    keep = ("room__building__code", *BUCKET_KEYS, "total", "developer", "households")
    return [{k: row[k] for k in keep} for row in by_building(community, as_of)]


def household_open_lines(room, as_of: dt.date | None = None) -> QuerySet[BillLine]:
    """A household's open lines, oldest first (what a demand letter lists)."""
    as_of = as_of or clock.today()
    return (
        open_lines(room.community_id, as_of)
        .filter(room=room)
        .filter(HOUSEHOLD)
        .select_related("bill")
        .order_by("due_on", "id")
    )


def household_unpaid_lines(room, limit: int = 200) -> QuerySet[BillLine]:
    """Everything the household still owes, due or not yet due, oldest first (its dunning page)."""
    return (
        BillLine.objects.filter(community_id=room.community_id, room=room, open_amount__gt=0)
        .select_related("bill")
        .order_by("due_on", "id")[:limit]
    )


def due_steps_count(community, as_of: dt.date | None = None, limit: int = 500) -> int:
    """Households whose next step of the ladder is due (the dashboard panel): four queries."""
    as_of = as_of or clock.today()
    rows = list(households(community, as_of)[:limit])
    return sum(1 for ladder in ladders(community, rows, as_of).values() if ladder.next_step)
