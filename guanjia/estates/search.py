"""Household search (platform issue #2): one box for every way an office asks for a household.

The form of the query decides what is searched, and every form is answered through an index:

=================================  =========================================================
query                              searched
=================================  =========================================================
3-2-1201, 3栋2单元1201室, ３-２-１２０１  Room.code exact (uniq_room_code), and as entrance prefix
3栋2单元, 3号楼, 3-2-                 Room.code prefix (an entrance or a building)
1-3 digits                         building prefix "3-" and room number
13800001111                        Phone.number exact (phone_comm_number)
5-10 digits                        Phone.number prefix
1201 / 123X                        Phone.last4, Person.id_last4, room number
18-digit ID number                 Person.id_hash (keyed hash; the number is never stored plain)
张, 张三                             Person.name prefix (person_comm_name)
zhangsan / zs                      Person.name_pinyin / name_initials prefix
=================================  =========================================================

Prefixes are range conditions (``>= q`` and ``< q + U+FFFF``) rather than LIKE, so SQLite and
PostgreSQL both walk the B-tree index whatever the collation. People lead to households through
their *current* links only: ownerships with no end (PR-1), leases not ended and not expired
(PR-3), residents not moved out.

Scope (DESIGN.md §1): the lookups filter on the current community alone, after checking the
user may see it; the households are then loaded through `scoped()`. (Adding `scoped()`'s
``community_id IN (…)`` to the lookups themselves makes SQLite pick the bare community index
and scan the whole community: 80 ms instead of 1 ms at 100,000 rooms.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import CharField, Prefetch, Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import has_perm, scoped
from guanjia.core.crypto import lookup_hash
from guanjia.core.masking import mask_phone
from guanjia.core.textnorm import clean, normalise_room_code

from .choices import IdType, Relationship
from .models import Building, Lease, Ownership, Person, Phone, Resident, Room, Unit

HIGH = "\uffff"
# How many people a name/phone/ID form may pull in before their households are looked up.
PEOPLE_PER_HIT = 4

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"^[a-z]+$")
_ENTRANCE = re.compile(
    r"^(?P<b>[0-9A-Z]+)(?:栋|幢|座|号楼|楼)(?:(?P<u>[0-9A-Z]+)单元?)?$"  # 3栋, 3号楼2单元
    r"|^(?P<b2>[0-9A-Z]+)-(?:(?P<u2>[0-9A-Z]+)-)?$"  # 3-, 3-2-
)
_ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")
_LAST4 = re.compile(r"^\d{3}[\dX]$")

ROLE_OWNER, ROLE_TENANT, ROLE_RESIDENT = "owner", "tenant", "resident"


@dataclass
class Hit:
    """A household found, why it matched, and who owns it now."""

    room: Room
    reasons: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)


def prefix(field_name: str, value: str) -> Q:
    """`field` starts with `value`, as a range the B-tree index answers."""
    return Q(**{f"{field_name}__gte": value, f"{field_name}__lt": value + HIGH})


def search_households(*, user, community, query: str, limit: int = 20) -> list[Hit]:
    """The households of `community` matching `query`, at most `limit`, visible to `user` only."""
    q = clean(query).upper()
    if not q or community is None or limit <= 0:
        return []
    if not has_perm(user, "estates.view", community):
        return []
    search = _Search(user, community, limit)
    search.run(q)
    return search.finish()


class _Search:
    def __init__(self, user, community, limit: int):
        self.user, self.community, self.limit = user, community, limit
        self.found: dict[int, list[str]] = {}  # room id -> reasons, in the order found
        self.today = clock.today()

    @property
    def full(self) -> bool:
        return len(self.found) >= self.limit

    @property
    def room_cap(self) -> int:
        return self.limit - len(self.found)

    @property
    def people_cap(self) -> int:
        return max(self.limit * PEOPLE_PER_HIT, 20)

    def hit(self, room_id: int, reason: str) -> None:
        reasons = self.found.get(room_id)
        if reasons is None:
            if self.full:
                return
            reasons = self.found[room_id] = []
        if reason not in reasons:
            reasons.append(reason)

    # -- the forms ---------------------------------------------------------------------------

    def run(self, q: str) -> None:
        code = normalise_room_code(q)
        entrance = _ENTRANCE.match(q)
        if code:
            self.room_code(code)
        elif entrance:
            building = entrance.group("b") or entrance.group("b2")
            unit = entrance.group("u") or entrance.group("u2")
            self.room_prefix(f"{building}-{unit}-" if unit else f"{building}-")
        elif q.isdigit() and len(q) == 11:
            self.phones(Q(number=q), "number", _("手机 %(number)s"))
        elif _ID_NUMBER.match(q):
            self.id_number(q)
        elif _LAST4.match(q):
            self.last4(q)
        elif q.isdigit() and len(q) <= 3:
            self.room_prefix(f"{q}-")
            self.room_number(q)
        elif q.isdigit():
            self.phones(prefix("number", q), "number", _("手机 %(number)s"))
        elif _CJK.search(q):
            self.people_by(q, "name")
        elif _LATIN.match(q.lower()):
            self.people_by(q.lower(), "name_pinyin", "name_initials")

    def room_code(self, code: str) -> None:
        """3-2-1201 exactly; "3-2" is also the entrance 3栋2单元 (code prefix "3-2-")."""
        rooms = Room.objects.filter(community=self.community, code=code).order_by().values_list("id", flat=True)
        for room_id in rooms:
            self.hit(room_id, _("房号 %(code)s") % {"code": code})
        if code.count("-") < 2:
            self.room_prefix(f"{code}-")

    def room_prefix(self, start: str) -> None:
        if self.full:
            return
        rooms = (
            Room.objects.filter(prefix("code", start), community=self.community)
            .order_by("sort_key")
            .values_list("id", "code")[: self.room_cap]
        )
        for room_id, code in rooms:
            self.hit(room_id, _("房号 %(code)s") % {"code": code})

    def room_number(self, number: str) -> None:
        """A room number in any entrance: the codes "b-u-number" of every entrance, looked up exactly.

        Room has no (community, number) index; a community's entrances are few, so the candidate
        codes are built in SQL and go through the unique (community, code) index instead.
        """
        if self.full:
            return
        text = CharField()
        entrances = (
            Unit.objects.filter(community=self.community)
            .annotate(candidate=Concat("building__code", Value("-"), "code", Value(f"-{number}"), output_field=text))
            .values("candidate")
            .order_by()
        )
        buildings = (  # buildings without entrances: "b-number"
            Building.objects.filter(community=self.community, units__isnull=True)
            .annotate(candidate=Concat("code", Value(f"-{number}"), output_field=text))
            .values("candidate")
            .order_by()
        )
        rooms = (
            Room.objects.filter(community=self.community, code__in=entrances.union(buildings, all=True))
            .order_by("sort_key")
            .values_list("id", "code")[: self.room_cap]
        )
        for room_id, code in rooms:
            self.hit(room_id, _("房号 %(code)s") % {"code": code})

    def phones(self, condition: Q, order: str, label: str) -> None:
        """People by phone; the phone shown masked (AR-4) even when typed in full."""
        phones = (
            Phone.objects.filter(condition, community=self.community)
            .order_by(order, "id")
            .select_related("person")
            .only("number", "last4", "person", "person__name")[: self.people_cap]
        )
        found = {}
        for phone in phones:
            found.setdefault(phone.person, label % {"number": mask_phone(phone.number), "last4": phone.last4})
        self.via_people(found)

    def id_number(self, number: str) -> None:
        # The partial unique index (community, id_hash) answers it when its condition is repeated.
        people = (
            Person.objects.filter(community=self.community, id_hash=lookup_hash(f"{IdType.RESIDENT_ID}:{number}"))
            .exclude(id_hash="")
            .order_by()
            .only("name")
        )
        self.via_people({p: _("证件号 尾号%(last4)s") % {"last4": number[-4:]} for p in people})

    def last4(self, digits: str) -> None:
        """Four digits: a room number, a phone's last four, an ID number's last four."""
        found: dict[Person, str] = {}
        if digits.isdigit():
            self.room_number(digits)
            phones = (
                Phone.objects.filter(community=self.community, last4=digits)
                .order_by("last4", "id")
                .select_related("person")
                .only("number", "last4", "person", "person__name")[: self.people_cap]
            )
            for phone in phones:
                found.setdefault(phone.person, _("手机尾号 %(last4)s") % {"last4": digits})
        people = (
            Person.objects.filter(community=self.community, id_last4=digits)
            .order_by("id_last4", "id")
            .only("name")[: self.people_cap]
        )
        for person in people:
            found.setdefault(person, _("证件尾号 %(last4)s") % {"last4": digits})
        self.via_people(found)

    def people_by(self, text: str, *fields: str) -> None:
        """Name prefix (汉字), or full pinyin prefix then initials prefix (latin letters)."""
        found: dict[Person, str] = {}
        for field_name in fields:
            people = (
                Person.objects.filter(prefix(field_name, text), community=self.community)
                .order_by(field_name, "id")
                .only("name")[: self.people_cap]
            )
            for person in people:
                found.setdefault(person, "")
        self.via_people(found)

    # -- from people to households ---------------------------------------------------------------

    def via_people(self, found: dict[Person, str]) -> None:
        """Households where the people found are owner, tenant or resident today (one query)."""
        if not found or self.full:
            return
        ids = [p.pk for p in found]
        text = CharField()
        owners = Ownership.objects.filter(person_id__in=ids, until__isnull=True).values_list(
            "room_id", "person_id", Value(ROLE_OWNER, output_field=text), Value("", output_field=text)
        )
        tenants = Lease.objects.filter(tenant_id__in=ids, ended_on__isnull=True, end__gte=self.today).values_list(
            "room_id", "tenant_id", Value(ROLE_TENANT, output_field=text), Value("", output_field=text)
        )
        residents = Resident.objects.filter(person_id__in=ids, until__isnull=True).values_list(
            "room_id", "person_id", Value(ROLE_RESIDENT, output_field=text), "relationship"
        )
        links = list(owners.order_by().union(tenants.order_by(), residents.order_by(), all=True))
        people = {p.pk: (p, detail) for p, detail in found.items()}
        order = {pk: i for i, pk in enumerate(ids)}
        # Households where the person found is the owner first, then tenants, then residents.
        rank = {ROLE_OWNER: 0, ROLE_TENANT: 1, ROLE_RESIDENT: 2}
        links.sort(key=lambda link: (rank[link[2]], order[link[1]], link[0]))
        for room_id, person_id, role, relationship in links:
            person, detail = people[person_id]
            self.hit(room_id, _reason(role, person.name, relationship, detail))

    # -- the households ---------------------------------------------------------------------------

    def finish(self) -> list[Hit]:
        """Load the households through scoped() and attach their current owners (two queries)."""
        if not self.found:
            return []
        rooms = (
            scoped(Room.objects.filter(community=self.community), self.user)
            .filter(pk__in=list(self.found))
            .order_by()
            .select_related("building", "unit")
            .prefetch_related(
                Prefetch(
                    "ownerships",
                    queryset=Ownership.objects.filter(until__isnull=True)
                    .select_related("person")
                    .only("room", "share", "person", "person__name")
                    .order_by("room_id", "-share", "id"),
                    to_attr="current_ownerships",
                )
            )
            .in_bulk()
        )
        hits = []
        for room_id, reasons in self.found.items():
            room = rooms.get(room_id)
            if room is not None:
                owners = [o.person.name for o in room.current_ownerships]
                hits.append(Hit(room=room, reasons=reasons, owners=owners))
        return hits


def _reason(role: str, name: str, relationship: str, detail: str) -> str:
    if role == ROLE_OWNER:
        text = _("业主 %(name)s") % {"name": name}
    elif role == ROLE_TENANT:
        text = _("租户 %(name)s") % {"name": name}
    else:
        label = Relationship(relationship).label if relationship in Relationship.values else ""
        text = _("住户 %(name)s") % {"name": name} + (f"（{label}）" if label else "")
    return f"{text} · {detail}" if detail else text
