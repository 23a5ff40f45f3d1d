"""Demo data (platform issue #2): a company, three communities, their households and staff.

Rows are written with bulk_create for speed, but each row is what the services would have
written: encrypted ID numbers with their keyed hash and last four (LW-1), pinyin keys,
Phone rows, ownership history that is ended rather than overwritten (PR-1), leases (PR-3),
residents, and the ActivityLog entries the household file shows (AR-1).
Everything is drawn from a seeded random generator, so a build is repeatable.

The demo's accounts are in demo_accounts and its parts in demo_parts (core.demo runs them); the
accounts' names are re-exported here, where callers have long found them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from stdnum.cn import ric

from guanjia.core import clock
from guanjia.core.crypto import encrypt, lookup_hash
from guanjia.core.demo import PASSWORD as PASSWORD
from guanjia.core.models import ActivityLog, Community
from guanjia.core.textnorm import room_code

from .choices import Acquisition, Handover, IdType, Relationship, RoomKind, RoomUse
from .demo_accounts import DEMO_OWNER_PHONES as DEMO_OWNER_PHONES
from .demo_accounts import PORTAL_URL as PORTAL_URL
from .demo_accounts import logins as logins
from .demo_accounts import owner_logins as owner_logins
from .models import Building, Lease, Ownership, Person, Phone, Resident, Room, Unit
from .names import pinyin_keys


@dataclass(frozen=True)
class Plan:
    """How one community is laid out and peopled."""

    code: str
    name: str
    households: int
    address: str
    office_phone: str
    delivered: dt.date  # when the developer handed the first homes over
    floors: int
    units: int  # entrances per building
    per_floor: int  # homes per floor per entrance
    awaiting: float  # share of homes not yet moved into (待入伙)
    transfers: float  # share of homes sold, inherited or given on since delivery (PR-1)
    # Hangzhou county codes; 330120 (市区) was in use until 1983, the districts since then.
    regions: tuple[str, ...] = ("330102", "330105", "330106", "330108", "330110", "330120", "330122")
    shops: float = 0.04  # share of rooms that are shops 商铺
    parking: float = 0.06  # share that are parking spaces 车位


COMMUNITIES = (
    Plan(
        "cuiyuan",
        "翠苑花园",
        300,
        "杭州市西湖区文一西路288号",
        "0571-88012345",
        dt.date(2009, 9, 18),
        6,
        2,
        2,
        0.02,
        0.12,
    ),
    Plan(
        "jinxiu",
        "锦绣华庭",
        650,
        "杭州市拱墅区莫干山路1088号",
        "0571-88023456",
        dt.date(2015, 6, 28),
        18,
        2,
        2,
        0.05,
        0.07,
    ),
    Plan(
        "jiangpan",
        "江畔壹号",
        1200,
        "杭州市滨江区江南大道1号",
        "0571-88034567",
        dt.date(2021, 12, 26),
        32,
        2,
        2,
        0.15,
        0.03,
    ),
)


# Common surnames, roughly by frequency (the first ones repeated for weight).
SURNAMES = (
    "王李张刘陈杨黄赵吴周" * 4
    + "徐孙马朱胡郭何高林罗" * 2
    + "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方")
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林博文志建国峰新海东亮春晓振宏德成安毅"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕红英梅琳洁佳雪婷颖倩欣怡琪慧晶莉萍丹璐雯蕾妍瑶娇蓉月莹凤薇婉馨悦"
MOBILE_PREFIXES = (  # noqa: SIM905 - as a literal the formatter gives each of the 34 a line
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 176 177 178 180 181 182 "
    "183 185 186 187 188 189 191 198 199"
).split()
# Codes in use for every birth year (stdnum's table), for people from elsewhere.
OTHER_REGIONS = ("310101", "310104", "310105", "310107", "310109", "310110", "110105", "330122")


@lru_cache(maxsize=50_000)
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(9 + rng.randrange(9), rng.randrange(60)))
    return timezone.make_aware(moment, timezone.get_default_timezone())


@dataclass
class Draft:
    """The rows of one community, unsaved until `save()`."""

    community: Community
    delivered: dt.date | None = None
    buildings: list[Building] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    phones: list[tuple[Person, str]] = field(default_factory=list)
    ownerships: list[Ownership] = field(default_factory=list)
    leases: list[Lease] = field(default_factory=list)
    residents: list[Resident] = field(default_factory=list)
    transfers: list[tuple[Room, list[Ownership]]] = field(default_factory=list)


class Generator:
    """Seeded generator of people, ID numbers and phone numbers, unique across one build."""

    def __init__(self, seed: int | str, today: dt.date | None = None):
        self.rng = random.Random(seed)
        self.today = today or clock.today()
        self.ids: set[str] = set()
        self.mobiles: set[str] = set()

    # -- people -----------------------------------------------------------------------------

    def name(self, gender: str, surname: str | None = None) -> str:
        rng = self.rng
        if surname is None:
            surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
        chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
        return surname + given

    def id_number(self, birth: dt.date, gender: str, regions: tuple[str, ...]) -> str:
        """An 18-digit resident ID that passes GB 11643 as `parse_cn_id` checks it.

        The check digit is right, the 17th digit's parity is the gender, and the region code
        existed in the birth year (stdnum knows when each county code was in use).
        """
        rng = self.rng
        for attempt in range(40):
            pool = regions if rng.random() < 0.75 and attempt < 30 else OTHER_REGIONS
            region = rng.choice(pool)
            sequence = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8))
            body = f"{region}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "?")  # stdnum expects the check position filled
            if number not in self.ids and ric.is_valid(number):
                self.ids.add(number)
                return number
        raise RuntimeError(f"no valid ID number for {birth}")  # pragma: no cover

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def birth(self, age_from: int, age_to: int) -> dt.date:
        age_days = self.rng.randrange(age_from * 365, age_to * 365 + 1)
        return self.today - dt.timedelta(days=age_days)

    def person(
        self,
        draft: Draft,
        regions: tuple[str, ...],
        *,
        gender: str | None = None,
        age: tuple[int, int] = (25, 70),
        surname: str | None = None,
        phones: int = 1,
    ) -> Person:
        gender = gender or self.rng.choice("MF")
        name = self.name(gender, surname)
        birth = self.birth(*age)
        number = self.id_number(birth, gender, regions)
        full, initials = _pinyin(name)
        person = Person(
            community=draft.community,
            name=name,
            name_pinyin=full,
            name_initials=initials,
            id_type=IdType.RESIDENT_ID,
            id_encrypted=encrypt(number),
            id_hash=lookup_hash(f"{IdType.RESIDENT_ID}:{number}"),
            id_last4=number[-4:],
            gender=gender,
            birth_date=birth,
        )
        draft.people.append(person)
        for _i in range(phones):
            draft.phones.append((person, self.mobile()))
        return person

    # -- a community ------------------------------------------------------------------------

    def layout(self, draft: Draft, plan: Plan, households: int, first_building: int = 1) -> None:
        """Buildings of `plan.floors` floors, filled entrance by entrance; then shops and parking."""
        community, rng = draft.community, self.rng
        shops = round(households * plan.shops)
        parking = round(households * plan.parking)
        homes = households - shops - parking
        per_building = plan.floors * plan.units * plan.per_floor
        number = first_building - 1
        while homes > 0:
            number += 1
            building = Building(community=community, code=str(number), name=f"{number}幢", floors=plan.floors)
            draft.buildings.append(building)
            units = [Unit(community=community, building=building, code=str(u + 1)) for u in range(plan.units)]
            draft.units.extend(units)
            in_building = min(homes, per_building)
            homes -= in_building
            per_unit = [
                in_building // plan.units + (1 if u < in_building % plan.units else 0) for u in range(plan.units)
            ]
            for unit, count in zip(units, per_unit, strict=True):
                for i in range(count):
                    floor, position = i // plan.per_floor + 1, i % plan.per_floor + 1
                    area = (
                        Decimal(rng.choice((68, 89, 96, 108, 118, 128, 143, 165)))
                        + Decimal(rng.randrange(0, 100)) / 100
                    )
                    self._room(draft, plan, building, unit, f"{floor}{position:02d}", RoomKind.RESIDENCE, floor, area)
        if shops:
            building = Building(community=community, code="S1", name="沿街商铺", floors=2)
            draft.buildings.append(building)
            for i in range(shops):
                area = Decimal(rng.randrange(40, 160))
                self._room(
                    draft, plan, building, None, f"{i // 20 + 1}{i % 20 + 1:02d}", RoomKind.SHOP, i // 20 + 1, area
                )
        if parking:
            building = Building(community=community, code="P1", name="地下车库", floors=1)
            draft.buildings.append(building)
            for i in range(parking):
                self._room(draft, plan, building, None, f"B{i + 1:03d}", RoomKind.PARKING, -1, Decimal("12.50"))

    def _room(self, draft, plan, building, unit, number, kind, floor, area) -> None:
        rng = self.rng
        room = Room(
            community=draft.community,
            building=building,
            unit=unit,
            number=number,
            code=room_code(building.code, unit.code if unit else "", number),
            kind=kind,
            floor=floor,
            building_area=area,
            usable_area=(area * Decimal("0.78")).quantize(Decimal("0.01")) if kind != RoomKind.PARKING else area,
            land_area=(area * Decimal("0.12")).quantize(Decimal("0.01")) if kind != RoomKind.PARKING else None,
        )
        if kind == RoomKind.PARKING and rng.random() < 0.25:
            room.handover, room.use = Handover.UNDELIVERED, RoomUse.VACANT  # unsold spaces stay with the developer
        elif kind == RoomKind.RESIDENCE and rng.random() < plan.awaiting:
            room.handover, room.use = Handover.AWAITING, RoomUse.VACANT
        else:
            room.handover = Handover.MOVED_IN
            room.moved_in_on = plan.delivered + dt.timedelta(days=rng.randrange(0, 240))
            room.moved_in_on = min(room.moved_in_on, self.today)
            room.use = {RoomKind.SHOP: RoomUse.COMMERCIAL, RoomKind.PARKING: RoomUse.SELF}.get(kind, RoomUse.SELF)
        room.facilities = "" if kind != RoomKind.RESIDENCE else rng.choice(("", "", "入户花园", "露台", "储藏间"))
        draft.rooms.append(room)

    def people_and_tenure(self, draft: Draft, plan: Plan) -> None:
        """Owners for every sold room, co-owners, transfers (PR-1), tenants (PR-3), families."""
        rng, regions = self.rng, plan.regions
        homes = [r for r in draft.rooms if r.kind == RoomKind.RESIDENCE]
        owners_of: dict[int, list[Person]] = {}
        for room in draft.rooms:
            if room.handover == Handover.UNDELIVERED:
                continue
            since = room.moved_in_on or plan.delivered + dt.timedelta(days=rng.randrange(0, 60))
            since = min(since, self.today)
            if room.kind == RoomKind.PARKING and homes and rng.random() < 0.8:
                # Most spaces belong to someone who also owns a home here.
                owners = owners_of.get(id(rng.choice(homes))) or [self.person(draft, regions)]
                owners = owners[:1]
            else:
                owners = self._owners(draft, regions, room.kind)
            # Every community old enough gets at least one transfer, however small the build.
            transfer = (
                room.kind != RoomKind.PARKING
                and (self.today - since).days > 730
                and (rng.random() < plan.transfers or not draft.transfers)
            )
            if transfer:
                on = since + dt.timedelta(days=rng.randrange(365, (self.today - since).days - 30))
                manner = rng.choices((Acquisition.PURCHASE, Acquisition.INHERITANCE, Acquisition.GIFT), (70, 15, 15))[0]
                self._own(draft, room, owners, since, until=on)
                if manner == Acquisition.PURCHASE:
                    new_owners = self._owners(draft, regions, room.kind)
                else:  # inherited by or given to a child of the first owner
                    new_owners = [self.person(draft, regions, age=(25, 45), surname=_surname(owners[0].name))]
                current = self._own(draft, room, new_owners, on, acquisition=manner)
                draft.transfers.append((room, current))
                owners = new_owners
            else:
                self._own(draft, room, owners, since)
            owners_of[id(room)] = owners
            if room.kind == RoomKind.RESIDENCE and room.handover == Handover.MOVED_IN:
                self._household(draft, plan, room, owners)
            elif room.kind == RoomKind.SHOP and rng.random() < 0.4:
                self._lease(draft, plan, room)

    def _owners(self, draft: Draft, regions, kind) -> list[Person]:
        first = self.person(draft, regions, phones=2 if self.rng.random() < 0.2 else 1)
        if kind == RoomKind.RESIDENCE and self.rng.random() < 0.25:
            spouse = self.person(draft, regions, gender="F" if first.gender == "M" else "M", age=_near(first, self))
            return [first, spouse]
        return [first]

    def _own(self, draft, room, owners, since, until=None, acquisition=Acquisition.PURCHASE) -> list[Ownership]:
        share = (Decimal(100) / len(owners)).quantize(Decimal("0.01"))
        rows = [
            Ownership(
                community=draft.community,
                room=room,
                person=person,
                share=share,
                since=since,
                until=until,
                acquisition=acquisition,
                certificate_no=f"浙({since.year})杭州市不动产权第{self.rng.randrange(10**7):07d}号",
            )
            for person in owners
        ]
        draft.ownerships.extend(rows)
        return rows

    def _household(self, draft: Draft, plan: Plan, room: Room, owners: list[Person]) -> None:
        rng, regions = self.rng, plan.regions
        roll = rng.random()
        if roll < 0.10 or not draft.leases:  # about one home in ten is let; at least one per community
            room.use = RoomUse.RENTED
            self._lease(draft, plan, room)
            return
        if roll < 0.15:
            room.use = RoomUse.VACANT
            return
        if roll < 0.17:
            room.use = RoomUse.RENOVATING
        head = owners[0]
        if len(owners) == 1 and rng.random() < 0.7:
            spouse = self.person(
                draft,
                regions,
                gender="F" if head.gender == "M" else "M",
                age=_near(head, self),
                phones=int(rng.random() < 0.7),
            )
            self._reside(draft, room, spouse, Relationship.SPOUSE)
        age = (self.today - head.birth_date).days // 365
        for _i in range(rng.choice((0, 1, 1, 2))):
            child_age = (max(0, age - 50), max(1, age - 22))
            adult = child_age[0] >= 18
            child = self.person(
                draft, regions, age=child_age, surname=_surname(head.name), phones=int(adult and rng.random() < 0.5)
            )
            self._reside(draft, room, child, Relationship.CHILD)
        if age < 55 and rng.random() < 0.25:
            parent = self.person(
                draft, regions, age=(max(age + 22, 50), max(age + 35, 60)), phones=int(rng.random() < 0.5)
            )
            self._reside(draft, room, parent, Relationship.PARENT)
        if rng.random() < 0.03:
            carer = self.person(draft, regions, gender="F", age=(40, 60))
            left = self.today - dt.timedelta(days=rng.randrange(30, 700))
            self._reside(draft, room, carer, Relationship.CAREGIVER, until=left)

    def _lease(self, draft: Draft, plan: Plan, room: Room) -> None:
        """A current lease (PR-3); sometimes an earlier, ended one before it."""
        rng, regions = self.rng, plan.regions
        years = rng.choice((1, 1, 2))
        start = self.today - dt.timedelta(days=rng.randrange(0, 365 * years - 15))
        start = max(start, room.moved_in_on or plan.delivered)
        end = _add_years(start, years) - dt.timedelta(days=1)
        if rng.random() < 0.3 and (start - (room.moved_in_on or plan.delivered)).days > 400:
            earlier = self.person(draft, regions, age=(22, 55))
            old_start = start - dt.timedelta(days=365 + rng.randrange(0, 30))
            draft.leases.append(
                Lease(
                    community=draft.community,
                    room=room,
                    tenant=earlier,
                    start=old_start,
                    end=_add_years(old_start, 1) - dt.timedelta(days=1),
                    ended_on=start - dt.timedelta(days=rng.randrange(1, 20)),
                    decoration="简装",
                )
            )
        tenant = self.person(draft, regions, age=(22, 55))
        draft.leases.append(
            Lease(
                community=draft.community,
                room=room,
                tenant=tenant,
                start=start,
                end=end,
                registration_no=f"ZL{start:%Y}{rng.randrange(10**6):06d}",
                decoration=rng.choice(("精装", "简装", "毛坯后简装")),
            )
        )
        if room.kind == RoomKind.RESIDENCE and rng.random() < 0.35:
            family = self.person(draft, regions, age=(3, 50), surname=_surname(tenant.name), phones=0)
            self._reside(draft, room, family, Relationship.TENANT_FAMILY, since=start)

    def _reside(self, draft, room, person, relationship, since=None, until=None) -> None:
        draft.residents.append(
            Resident(
                community=draft.community,
                room=room,
                person=person,
                relationship=relationship,
                since=since or room.moved_in_on,
                until=until,
            )
        )


def _surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]


def _near(person: Person, gen: Generator) -> tuple[int, int]:
    age = (gen.today - person.birth_date).days // 365
    return max(20, age - 5), max(21, age + 3)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# -- writing ---------------------------------------------------------------------------------

BATCH = 2000


def save(draft: Draft, *, actor=None, activity: bool = True, rng: random.Random | None = None) -> None:
    """Write a draft with bulk inserts, in dependency order, plus the household timeline."""
    rng = rng or random.Random(0)
    # bulk_create fills each foreign key from its related object saved just before.
    Building.objects.bulk_create(draft.buildings, batch_size=BATCH)
    Unit.objects.bulk_create(draft.units, batch_size=BATCH)
    Room.objects.bulk_create(draft.rooms, batch_size=BATCH)
    Person.objects.bulk_create(draft.people, batch_size=BATCH)
    Phone.objects.bulk_create(
        [Phone(community=draft.community, person=p, number=n, last4=n[-4:]) for p, n in draft.phones], batch_size=BATCH
    )
    Ownership.objects.bulk_create(draft.ownerships, batch_size=BATCH)
    Lease.objects.bulk_create(draft.leases, batch_size=BATCH)
    Resident.objects.bulk_create(draft.residents, batch_size=BATCH)
    if activity:
        ActivityLog.objects.bulk_create(_timeline(draft, actor, rng), batch_size=BATCH)


def _timeline(draft: Draft, actor, rng: random.Random) -> list[ActivityLog]:
    """The entries the services write (estates.services), dated when each event happened."""
    from django.utils.translation import gettext as _

    types = ContentType.objects.get_for_models(Room, Lease, Resident)
    community = draft.community
    entries: list[ActivityLog] = []

    def entry(verb, subject, room, day, summary, **data):
        entries.append(
            ActivityLog(
                at=_at(day, rng),
                actor=actor,
                verb=verb,
                community=community,
                subject_type=types[type(subject)],
                subject_id=str(subject.pk),
                household_id=room.pk,
                summary=str(summary)[:300],
                data=data,
            )
        )

    grouped: dict[tuple[int, dt.date], list[Ownership]] = {}
    for ownership in draft.ownerships:
        grouped.setdefault((ownership.room_id, ownership.since), []).append(ownership)
    transferred = {(room.pk, rows[0].since) for room, rows in draft.transfers}
    for (_room_id, since), rows in grouped.items():
        room = rows[0].room
        manner = Acquisition(rows[0].acquisition)
        verb = "estates.ownership.transferred" if (room.pk, since) in transferred else "estates.ownership.registered"
        entry(
            verb,
            room,
            room,
            since,
            _("%(manner)s：%(names)s（%(date)s）")
            % {"manner": manner.label, "names": "、".join(o.person.name for o in rows), "date": since.isoformat()},
            owners=[{"person": o.person_id, "share": str(o.share)} for o in rows],
            since=since.isoformat(),
            acquisition=manner.value,
        )
    for lease in draft.leases:
        entry(
            "estates.lease.created",
            lease,
            lease.room,
            lease.start,
            _("出租给 %(tenant)s，%(start)s 至 %(end)s")
            % {"tenant": lease.tenant.name, "start": lease.start, "end": lease.end},
        )
        if lease.ended_on:
            entry(
                "estates.lease.ended",
                lease,
                lease.room,
                lease.ended_on,
                _("退租：%(tenant)s（%(date)s）") % {"tenant": lease.tenant.name, "date": lease.ended_on},
            )
    for resident in draft.residents:
        day = resident.since or draft.delivered or clock.today()
        entry(
            "estates.resident.added",
            resident,
            resident.room,
            day,
            _("登记住户 %(name)s（%(rel)s）")
            % {"name": resident.person.name, "rel": resident.get_relationship_display()},
        )
        if resident.until:
            entry(
                "estates.resident.removed",
                resident,
                resident.room,
                resident.until,
                _("住户迁出 %(name)s") % {"name": resident.person.name},
            )
    return entries


def build_households(
    community: Community,
    plan: Plan,
    households: int,
    *,
    gen: Generator,
    actor=None,
    activity: bool = True,
    first_building: int = 1,
) -> Draft:
    """Lay out, people and save `households` rooms of `community` following `plan`.

    Large communities are built in slices, each starting at building `first_building`.
    """
    draft = Draft(community=community, delivered=plan.delivered)
    gen.layout(draft, plan, households, first_building=first_building)
    gen.people_and_tenure(draft, plan)
    save(draft, actor=actor, activity=activity, rng=gen.rng)
    return draft
