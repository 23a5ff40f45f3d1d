"""`manage.py bench_survey`: the statistics of a questionnaire to 20,000 households (issue #4).

Builds one community of N moved-in households over 50 buildings × 2 entrances, runs the real
services to create the half-yearly questionnaire (SV-2), draw every household and issue it, writes
the returned sheets' answers in bulk (a realistic mix with blank and multiple marks, SV-3), then
prints p50/p95/max of:

* `surveys.results` — satisfaction per item and overall with the return-rate penalty (SV-3) and
  the Pareto rows (SV-4);
* `surveys.coverage` — forms issued and returned per entrance (SV-2);
* the console results page and the API results, when they exist, through Django's test client;
* `surveys.sheet_record` — one paper form entered through the service.
"""

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.models import Community, Company, Membership
from guanjia.core.roles import Role
from guanjia.engagement import surveys
from guanjia.engagement.choices import SurveyKind
from guanjia.engagement.demo import answer_sheets
from guanjia.engagement.models import Survey, SurveyAnswer
from guanjia.estates.models import Building, Room, Unit

CODE = "bench-survey"
BUILDINGS = 50
STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class Command(BaseCommand):
    help = _("问卷统计基准测试：2 万户的半年度问卷，统计满意率、排列图与各单元回收情况的 p50/p95。")

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=20_000)
        parser.add_argument("--returned-pct", type=int, default=72)
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--seed", type=int, default=4)

    def handle(self, *args, households, returned_pct, runs, seed, **options):
        self.rng = random.Random(seed)
        community, supervisor, desk = self.setup(households)
        survey = Survey.objects.filter(community=community).first()
        if survey is None:
            survey = self.make_survey(community, supervisor, returned_pct)
        issued, returned = surveys.sheet_counts(survey)
        self.stdout.write(
            _("问卷 %(i)s 份，回收 %(r)s 份，答案 %(a)s 条")
            % {"i": issued, "r": returned, "a": SurveyAnswer.objects.filter(survey=survey).count()}
        )
        self.stdout.write(f"{'measure':<34}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
        self.timed("surveys.results (SV-3, SV-4)", runs, lambda n: surveys.results(survey))
        self.timed("surveys.coverage (SV-2)", runs, lambda n: surveys.coverage(survey))
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": STATIC}}):
            client = Client(HTTP_HOST="localhost")
            client.force_login(supervisor)
            for name, url in (
                ("console results page", _url("engagement:survey_results", survey.pk)),
                ("API results", _url("survey-results", survey.pk)),
            ):
                if url and client.get(url).status_code == 200:
                    self.timed(name, runs, lambda n, u=url: _ok(client.get(u)))
        pending = list(survey.sheets.filter(returned_at__isnull=True).select_related("survey")[: runs + 1])
        items = list(survey.items.values_list("pk", flat=True))

        def enter(n):
            sheet = pending[n % len(pending)]
            answers = {pk: self.rng.choice(["satisfied", "basic", "dissatisfied", None]) for pk in items}
            return surveys.sheet_record(sheet=sheet, actor=desk, answers=answers)

        if pending:
            self.timed("sheet_record (one paper form)", min(runs, len(pending) - 1), enter)
        result, rows = surveys.results(survey)
        self.stdout.write(
            _("总体满意率 %(raw)s%%，回收率 %(rr)s%%，关键项：%(keys)s")
            % {
                "raw": result.overall.raw_display,
                "rr": f"{result.return_rate:.1f}",
                "keys": "、".join(r.item for r in rows if r.key),
            }
        )

    # --- Data ----------------------------------------------------------------------------

    def setup(self, households: int):
        User = get_user_model()
        community = Community.objects.filter(code=CODE).first()
        if community is None:
            started = time.perf_counter()
            company, _created = Company.objects.get_or_create(name="基准测试物业")
            with transaction.atomic():
                community = Community.objects.create(company=company, code=CODE, name="问卷基准小区")
                buildings = Building.objects.bulk_create(
                    [Building(community=community, code=str(b), floors=34) for b in range(1, BUILDINGS + 1)]
                )
                units = Unit.objects.bulk_create(
                    [Unit(community=community, building=b, code=str(u)) for b in buildings for u in (1, 2)]
                )
                per_unit = -(-households // len(units))
                rooms = []
                for unit in units:
                    for r in range(per_unit):
                        if len(rooms) == households:
                            break
                        number = f"{r // 2 + 1}{r % 2 + 1:02d}"
                        rooms.append(
                            Room(
                                community=community,
                                building=unit.building,
                                unit=unit,
                                number=number,
                                code=f"{unit.building.code}-{unit.code}-{number}",
                                handover="moved_in",
                            )
                        )
                Room.objects.bulk_create(rooms, batch_size=2000)
                for name, role in (("supervisor", Role.CS_SUPERVISOR), ("desk", Role.FRONT_DESK)):
                    user = User.objects.create(username=f"{CODE}-{name}")
                    Membership.objects.create(user=user, community=community, role=role)
            self.stdout.write(_("生成房屋用时 %(s).1f 秒") % {"s": time.perf_counter() - started})
        return community, User.objects.get(username=f"{CODE}-supervisor"), User.objects.get(username=f"{CODE}-desk")

    def make_survey(self, community, supervisor, returned_pct: int) -> Survey:
        year = clock.today().year
        started = time.perf_counter()
        survey = surveys.survey_create(
            community=community, actor=supervisor, kind=SurveyKind.QUESTIONNAIRE, year=year, period=2
        )
        forms = surveys.survey_draw(survey=survey, actor=supervisor, rng=self.rng)
        self.stdout.write(_("确定发放对象 %(n)s 户用时 %(s).1f 秒") % {"n": forms, "s": time.perf_counter() - started})
        surveys.survey_issue(survey=survey, actor=supervisor, issued_on=dt.date(year, 12, 1))
        started = time.perf_counter()
        answer_sheets(survey, self.rng, returned_pct, clock.now())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # both SQLite and PostgreSQL: fresh statistics for the planner
        self.stdout.write(_("生成答卷用时 %(s).1f 秒") % {"s": time.perf_counter() - started})
        return survey

    # --- Measurements --------------------------------------------------------------------

    def timed(self, name: str, runs: int, call: Callable[[int], object]) -> None:
        call(0)  # warm up
        times = []
        for n in range(runs):
            started = time.perf_counter()
            call(n)
            times.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"{name:<34}{len(times):>5}{statistics.median(times):>9.1f}{_p(times, 0.95):>9.1f}{max(times):>9.1f}"
        )


def _url(name: str, pk: int) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def _ok(response):
    if response.status_code != 200:
        raise SystemExit(f"{response.status_code} {response.content[:300]!r}")
    return response
