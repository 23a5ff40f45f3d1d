"""`manage.py bench_desk`: the service desk with 1,000,000 tickets (issue #3).

Fills the configured database (`make bench` points it at a throwaway SQLite file) with N tickets
over 3 communities and 3 years — realistic kinds, channels, categories and statuses, with their
callbacks and `Deadline` rows — then prints p50/p95/max of:

* `ticket_create` through the service (permission check, numbering, clocks, deadline, log);
* the desk's ticket list as the console runs it (first page: unfiltered, by status, by kind,
  overdue only) — the console view through Django's test client when it exists, else the same
  scoped, paginated queryset;
* the API's ticket list (first page).

The rows are written with executemany on prepared tuples (the ORM's bulk_create splits a
45-column row into batches of 22 on SQLite); generation is a one-off, the measurements go
through the real code paths.
"""

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import scoped
from guanjia.core.models import Community, Company, Deadline, Membership
from guanjia.core.policies import policy
from guanjia.core.roles import Role
from guanjia.estates.models import Building, Room
from guanjia.servicedesk import services
from guanjia.servicedesk.api.filters import overdue_ticket_ids
from guanjia.servicedesk.choices import Channel, Kind, RepairCategory, Severity, Status
from guanjia.servicedesk.demo import CATEGORIES, CHANNELS  # one realistic mix for the demo and the bench
from guanjia.servicedesk.models import Callback, Ticket

CODE = "bench-desk"
YEARS = 3
CHUNK = 20_000
ROOMS_PER_COMMUNITY = 3_000
TECHNICIANS = 6
PAGE = 50
STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"

KINDS = [
    (Kind.REPAIR, 50),
    (Kind.CONSULTATION, 20),
    (Kind.PAYMENT, 8),
    (Kind.COMPLAINT, 10),
    (Kind.SUGGESTION, 7),
    (Kind.PRAISE, 5),
]
TOPICS = [
    "security",
    "cleaning",
    "greening",
    "repair_staff",
    "facilities",
    "management_staff",
    "convenience",
    "culture",
    "other",
]


def _weights(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(weights)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class Table:
    """Prepared INSERTs for one model: a default row from the model's own field defaults, so only what
    varies is set per row."""

    def __init__(self, model, *, explicit_pk: bool = True):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if explicit_pk or not f.primary_key]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        blank = model()
        self.template = [f.get_db_prep_save(getattr(blank, f.attname), connection) for f in self.fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self.rows: list[list] = []

    def add(self, **values) -> None:
        row = self.template.copy()
        for name, value in values.items():
            row[self.index[name]] = value
        self.rows.append(row)

    def flush(self, cursor) -> int:
        count = len(self.rows)
        if count:
            cursor.executemany(self.sql, self.rows)
            self.rows = []
        return count


class Command(BaseCommand):
    help = _("服务台基准测试：生成 100 万张工单（3 个小区、3 年，含回访和时限），统计受理与工单列表的 p50/p95。")

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=1_000_000)
        parser.add_argument("--runs", type=int, default=100, help=_("每种列表查询的次数"))
        parser.add_argument("--creates", type=int, default=200, help=_("受理（ticket_create）的次数"))
        parser.add_argument("--seed", type=int, default=3)

    def handle(self, *args, tickets, runs, creates, seed, **options):
        self.rng = random.Random(seed)
        communities = self.setup(tickets)
        desk = get_user_model().objects.get(username=f"{CODE}-1-desk")
        quality = get_user_model().objects.get(username=f"{CODE}-quality")
        self.stdout.write(
            _("工单 %(t)s 张，回访 %(c)s 条，时限 %(d)s 条")
            % {"t": Ticket.objects.count(), "c": Callback.objects.count(), "d": Deadline.objects.count()}
        )
        self.stdout.write(f"{'measure':<38}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'rows':>9}")
        self.bench_create(communities[0], desk, creates)
        # The pages' static links without the collectstatic manifest: the benchmark times the view, not the CSS.
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": STATIC}}):
            self.bench_lists(desk, quality, runs)

    # --- Data ------------------------------------------------------------------------------

    def setup(self, tickets: int) -> list[Community]:
        existing = list(Community.objects.filter(code__startswith=CODE).order_by("code"))
        if existing:
            have = Ticket.objects.filter(community__in=existing).count()
            if have >= tickets:
                return existing
            raise SystemExit(_("基准数据已存在但工单数不足，请使用新的数据库文件。"))
        started = time.perf_counter()
        company, _created = Company.objects.get_or_create(name="基准测试物业")
        User = get_user_model()
        communities = []
        with transaction.atomic():
            for n in (1, 2, 3):
                community = Community.objects.create(company=company, code=f"{CODE}-{n}", name=f"服务台基准小区{n}")
                communities.append(community)
                buildings = Building.objects.bulk_create(
                    [Building(community=community, code=str(b), floors=30) for b in range(1, 31)]
                )
                Room.objects.bulk_create(
                    [
                        Room(
                            community=community,
                            building=b,
                            number=f"{r // 4 + 1}{r % 4 + 1:02d}",
                            code=f"{b.code}-{r // 4 + 1}{r % 4 + 1:02d}",
                        )
                        for b in buildings
                        for r in range(ROOMS_PER_COMMUNITY // len(buildings))
                    ]
                )
                for role in ("desk", "supervisor"):
                    user = User.objects.create(username=f"{CODE}-{n}-{role}")
                    Membership.objects.create(
                        user=user, community=community, role=Role.FRONT_DESK if role == "desk" else Role.CS_SUPERVISOR
                    )
                for t in range(TECHNICIANS):
                    user = User.objects.create(username=f"{CODE}-{n}-tech{t}")
                    Membership.objects.create(user=user, community=community, role=Role.TECHNICIAN)
            quality = User.objects.create(username=f"{CODE}-quality")
            Membership.objects.create(user=quality, community=None, role=Role.QUALITY)
        self.load(communities, tickets)
        self.stdout.write(_("生成用时 %(s).0f 秒") % {"s": time.perf_counter() - started})
        return communities

    def load(self, communities, total: int) -> None:
        """Tickets in order of reception (ids follow time, as in real life), with callbacks and deadlines."""
        rng = self.rng
        vendor = connection.vendor
        tune = vendor == "sqlite" and not connection.in_atomic_block  # (not inside a test's transaction)
        if tune:
            with connection.cursor() as cursor:
                # A throwaway file: trade durability for load speed (WAL stays, as in production).
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-262144")  # 256 MB
                cursor.execute("PRAGMA temp_store=MEMORY")
        rooms = {c.pk: list(Room.objects.filter(community=c).values_list("pk", flat=True)) for c in communities}
        techs = {
            c.pk: list(Membership.objects.filter(community=c, role=Role.TECHNICIAN).values_list("user_id", flat=True))
            for c in communities
        }
        desks = {c.pk: Membership.objects.get(community=c, role=Role.FRONT_DESK).user_id for c in communities}
        ct_ticket = ContentType.objects.get_for_model(Ticket).pk
        ct_callback = ContentType.objects.get_for_model(Callback).pk
        kinds, kind_w = _weights(KINDS)
        channels, channel_w = _weights(CHANNELS)
        categories, category_w = _weights(CATEGORIES)
        adapt = connection.ops.adapt_datetimefield_value
        now = clock.now()
        span = dt.timedelta(days=365 * YEARS).total_seconds()
        start = now - dt.timedelta(seconds=span)
        ticket_id = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        callback_id = (Callback.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        t_table, c_table, d_table = Table(Ticket), Table(Callback), Table(Deadline, explicit_pk=False)
        community_ids = [c.pk for c in communities]
        hour = dt.timedelta(hours=1)
        # The rulebook's limits as the (default) policies say, read once: the generated clocks follow them.
        first = communities[0]
        response = policy(first, "RC-8.response_hours") * hour
        civil = dt.timedelta(days=policy(first, "RC-8.civil_days"))
        reply = policy(first, "RC-3.reply_hours") * hour
        callback_days = {
            RepairCategory.SAFETY: policy(first, "RC-4.safety_days"),
            RepairCategory.LEAKAGE: policy(first, "RC-4.leak_days"),
        }
        other_days = policy(first, "RC-4.other_days")
        written, loaded = 0, time.perf_counter()

        # Reception times: sorted uniform moments, shifted into office-ish hours (most requests by day).
        offsets = sorted(rng.random() * span for _ in range(total))
        for i, offset in enumerate(offsets):
            received = start + dt.timedelta(seconds=offset)
            local_hour = (received.hour + 8) % 24
            if local_hour < 7 and rng.random() < 0.8:
                received = min(received + dt.timedelta(hours=8), now - dt.timedelta(minutes=1))
            cid = community_ids[i % 3]
            kind = rng.choices(kinds, kind_w)[0]
            age_days = (now - received).total_seconds() / 86400
            room = rng.choice(rooms[cid]) if rng.random() < 0.9 else None
            row = {
                "id": ticket_id,
                "community_id": cid,
                "number": f"BK-{received.year}-{ticket_id:08d}",
                "kind": kind,
                "channel": rng.choices(channels, channel_w)[0],
                "room_id": room,
                "area": "" if room else "公共区域",
                "reporter_name": "业主",
                "reporter_phone": f"13{rng.randrange(10**9):09d}",
                "description": "基准测试工单",
                "received_at": adapt(received),
                "clock_starts_at": adapt(received),
                "received_by_id": desks[cid],
            }
            deadlines = []
            callback = None
            roll = rng.random()
            if kind == Kind.REPAIR:
                category = rng.choices(categories, category_w)[0]
                row["category"] = category
                tech = rng.choice(techs[cid])
                late = rng.random() < 0.05
                dispatched = received + dt.timedelta(minutes=rng.randrange(5, 40))
                arrived = received + dt.timedelta(minutes=rng.randrange(130, 400) if late else rng.randrange(20, 110))
                completed = arrived + dt.timedelta(minutes=rng.randrange(30, 300))
                if category == RepairCategory.CIVIL:
                    completed += dt.timedelta(days=rng.randrange(0, 3))
                checked = completed + hour
                # Old tickets are almost all closed; the last ten days are spread over the flow.
                if age_days > 10:
                    status = (
                        Status.CLOSED
                        if roll < 0.95
                        else Status.CANCELLED
                        if roll < 0.98
                        else Status.CALLBACK
                        if roll < 0.995
                        else Status.DISPATCHED
                    )
                else:
                    status = rng.choice(
                        [
                            Status.RECEIVED,
                            Status.DISPATCHED,
                            Status.ARRIVED,
                            Status.COMPLETED,
                            Status.CALLBACK,
                            Status.CLOSED,
                            Status.CLOSED,
                        ]
                    )
                stage = [
                    Status.RECEIVED,
                    Status.DISPATCHED,
                    Status.ARRIVED,
                    Status.COMPLETED,
                    Status.CALLBACK,
                    Status.CLOSED,
                ]
                reached = stage.index(status) if status in stage else 1
                if reached >= 1:
                    row.update(technician_id=tech, dispatched_at=adapt(dispatched))
                if reached >= 2:
                    row["arrived_at"] = adapt(arrived)
                if reached >= 3:
                    row.update(completed_at=adapt(completed), work_done="已修复")
                if reached >= 4:
                    row.update(checked_at=adapt(checked), check_passed=True)
                    # RC-4: the callback is counted from the completion, not from the check.
                    due = completed + dt.timedelta(days=callback_days.get(category, other_days))
                    done = checked + dt.timedelta(days=rng.randrange(0, 3)) if status == Status.CLOSED else None
                    callback = (due, done, "RC-4")
                response_due = received + response
                deadlines.append(
                    (
                        "RC-8.response",
                        received,
                        response_due,
                        arrived if reached >= 2 else None,
                        tech if reached >= 1 else None,
                        "" if reached >= 1 else Role.FRONT_DESK,
                    )
                )
                if category == RepairCategory.CIVIL:
                    deadlines.append(
                        (
                            "RC-8.civil",
                            received,
                            received + civil,
                            completed if reached >= 3 else None,
                            None,
                            Role.EQUIPMENT_SUPERVISOR,
                        )
                    )
            elif kind == Kind.COMPLAINT:
                row.update(
                    topic=rng.choice(TOPICS), severity=Severity.MAJOR if rng.random() < 0.03 else Severity.GENERAL
                )
                replied = received + dt.timedelta(hours=rng.randrange(2, 80))
                if age_days > 10:
                    status = Status.CLOSED if roll < 0.97 else Status.CALLBACK
                else:
                    status = rng.choice([Status.RECEIVED, Status.CALLBACK, Status.CLOSED])
                if status != Status.RECEIVED:
                    row.update(reply="已答复", replied_at=adapt(replied), valid=rng.random() < 0.7)
                    due = replied + dt.timedelta(days=7)
                    done = replied + dt.timedelta(days=rng.randrange(0, 5)) if status == Status.CLOSED else None
                    callback = (due, done, "RC-9")
                deadlines.append(
                    (
                        "RC-3",
                        received,
                        received + reply,
                        replied if status != Status.RECEIVED else None,
                        None,
                        Role.CS_SUPERVISOR,
                    )
                )
            else:
                status = Status.CLOSED if age_days > 2 or roll < 0.7 else Status.RECEIVED
                if status == Status.CLOSED:
                    row.update(reply="已答复", replied_at=adapt(received + hour))
            row["status"] = status
            if status == Status.CLOSED:
                closed = callback[1] if callback and callback[1] else received + 2 * hour
                row["closed_at"] = adapt(closed)
            if status == Status.CANCELLED:
                row.update(cancelled_at=adapt(received + hour), cancel_reason="业主取消")
            t_table.add(**row)
            for rule, starts, due, met, owner, role in deadlines:
                d_table.add(
                    community_id=cid,
                    rule=rule,
                    title=f"{rule} {row['number']}",
                    subject_type_id=ct_ticket,
                    subject_id=str(ticket_id),
                    household_id=room,
                    starts_at=adapt(starts),
                    due_at=adapt(due),
                    owner_id=owner,
                    owner_role=role,
                    met_at=adapt(met) if met else None,
                    cancelled_at=adapt(received + hour) if status == Status.CANCELLED and not met else None,
                    created_at=adapt(starts),
                )
            if callback:
                due, done, rule = callback
                c_table.add(
                    id=callback_id,
                    community_id=cid,
                    ticket_id=ticket_id,
                    due_at=adapt(due),
                    owner_role=Role.CS_SUPERVISOR,
                    method="phone" if done else "",
                    done_at=adapt(done) if done else None,
                    satisfied=True if done else None,
                )
                d_table.add(
                    community_id=cid,
                    rule=rule,
                    title=f"回访 {row['number']}",
                    subject_type_id=ct_callback,
                    subject_id=str(callback_id),
                    household_id=room,
                    starts_at=adapt(due - dt.timedelta(days=3)),
                    due_at=adapt(due),
                    owner_role=Role.CS_SUPERVISOR,
                    met_at=adapt(done) if done else None,
                    created_at=adapt(due - dt.timedelta(days=3)),
                )
                callback_id += 1
            ticket_id += 1
            if len(t_table.rows) >= CHUNK or i == total - 1:
                with transaction.atomic(), connection.cursor() as cursor:
                    written += t_table.flush(cursor)
                    c_table.flush(cursor)
                    d_table.flush(cursor)
                if written % 100_000 < CHUNK or i == total - 1:
                    self.stdout.write(
                        _("已生成 %(n)s / %(total)s 张工单（%(s).0f 秒）")
                        % {"n": written, "total": total, "s": time.perf_counter() - loaded}
                    )
        if tune:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")
                # What `PRAGMA optimize` does in production: statistics for the query planner.
                cursor.execute("ANALYZE")
        elif vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    # --- Measurements --------------------------------------------------------------------

    def report(self, name: str, times: list[float], rows: int | str = "") -> None:
        self.stdout.write(
            f"{name:<38}{len(times):>5}{statistics.median(times):>9.1f}{_p(times, 0.95):>9.1f}{max(times):>9.1f}{rows!s:>9}"
        )

    def timed(self, name: str, runs: int, call: Callable[[int], object], rows=None) -> None:
        call(0)  # warm up
        times = []
        for n in range(runs):
            started = time.perf_counter()
            call(n)
            times.append((time.perf_counter() - started) * 1000)
        self.report(name, times, rows(call(0)) if rows else "")

    def bench_create(self, community, desk, runs: int) -> None:
        rooms = list(Room.objects.filter(community=community).values_list("pk", flat=True)[:500])
        rooms = {r.pk: r for r in Room.objects.filter(pk__in=rooms)}
        room_ids = list(rooms)

        def create(n):
            repair = n % 2 == 0
            return services.ticket_create(
                community=community,
                actor=desk,
                kind=Kind.REPAIR if repair else Kind.COMPLAINT,
                channel=Channel.PHONE,
                category=RepairCategory.LEAKAGE if repair else "",
                topic="" if repair else "cleaning",
                room=rooms[room_ids[n % len(room_ids)]],
                reporter_name="张先生",
                reporter_phone="13800138000",
                description="基准测试：卫生间渗水" if repair else "基准测试：楼道不干净",
            )

        self.timed("ticket_create (service)", runs, create)

    def bench_lists(self, desk, quality, runs: int) -> None:
        variants = [
            ("unfiltered", {}),
            ("status=received", {"status": Status.RECEIVED}),
            ("kind=complaint", {"kind": Kind.COMPLAINT}),
            ("overdue=true", {"overdue": "true"}),
        ]
        try:
            console_url = reverse("servicedesk:tickets")
        except NoReverseMatch:
            console_url = None
        for label, user in (("desk", desk), ("company", quality)):
            if console_url:
                client = Client(HTTP_HOST="localhost")
                client.force_login(user)
                for name, params in variants:
                    self.timed(
                        f"console list {label} {name}",
                        runs,
                        lambda n, p=params, c=client: _ok(c.get(console_url, p)),
                    )
            else:
                for name, params in variants:
                    self.timed(
                        f"desk list (queryset) {label} {name}",
                        runs,
                        lambda n, p=params, u=user: _first_page(u, p),
                        rows=lambda result: result,
                    )
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            for name, params in variants:
                self.timed(
                    f"API list {label} {name}",
                    runs,
                    lambda n, p=params, c=client: _ok(c.get(reverse("ticket-list"), p)),
                    rows=lambda response: response.json()["count"],
                )


def _ok(response):
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code} {response.content[:300]!r}")
    return response


def _first_page(user, params: dict) -> int:
    """What the console list runs: the scoped queryset, filtered, its first page of 50 and the count."""
    qs = scoped(Ticket.objects.select_related("room", "technician"), user, "servicedesk.view")
    if "status" in params:
        qs = qs.filter(status=params["status"])
    if "kind" in params:
        qs = qs.filter(kind=params["kind"])
    if params.get("overdue"):
        qs = qs.filter(pk__in=overdue_ticket_ids(user))
    page = Paginator(qs, PAGE).page(1)
    list(page.object_list)
    return page.paginator.count
