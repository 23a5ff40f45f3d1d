"""Demo data for visits and surveys, built through the services so the demo shows what an office
sees: last half-year's questionnaire published with its results, last quarter's evaluation
collected, the next evaluation drawn and waiting to go out, and this month's visits."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from guanjia.core import clock, periods
from guanjia.core.periods import Period
from guanjia.core.roles import Role
from guanjia.estates.households import households

from . import surveys
from .choices import Answer, Channel, SurveyKind, VisitForm
from .models import SurveyAnswer, SurveySheet, survey_period_kind, survey_period_number
from .services import visit_record

OPINIONS = [
    "楼道灯坏了好几天，希望尽快修好。",
    "小区绿化很好，保安态度也不错。",
    "地下车库有积水，雨天不方便。",
    "希望增加儿童游乐设施。",
    "晚上广场舞音乐太吵。",
    "快递柜不够用。",
    "",
]


def answer_sheets(survey, rng: random.Random, returned_pct: int, at: dt.datetime, actor=None) -> None:
    """Answers for a share of the sheets, in bulk (also used by `bench_survey`): a few items draw
    most of the discontent, 3% blank and 1% multiple marks (SV-3 abstentions)."""
    items = list(survey.items.all())
    levels = [0.22, 0.12, 0.05, 0.03, 0.02, 0.015, 0.01, 0.01, 0.008, 0.005]  # a few items matter most
    rng.shuffle(levels)
    unhappy = {item.pk: levels[n % len(levels)] for n, item in enumerate(items)}
    sheets = list(survey.sheets.values_list("pk", flat=True))
    back = rng.sample(sheets, len(sheets) * returned_pct // 100)
    answers = []
    for sheet_id in back:
        for item in items:
            roll = rng.random()
            if roll < 0.03:
                choice = Answer.BLANK
            elif roll < 0.04:
                choice = Answer.MULTIPLE
            elif roll < 0.04 + unhappy[item.pk]:
                choice = Answer.DISSATISFIED
            else:
                choice = Answer.SATISFIED if rng.random() < 0.6 else Answer.BASIC
            answers.append(SurveyAnswer(survey=survey, sheet_id=sheet_id, item=item, choice=choice))
    SurveyAnswer.objects.bulk_create(answers, batch_size=5000)
    SurveySheet.objects.filter(pk__in=back).update(returned_at=at, channel=Channel.PAPER, entered_by=actor)
    for sheet_id in rng.sample(back, min(8, len(back))):
        SurveySheet.objects.filter(pk=sheet_id).update(suggestions=rng.choice(OPINIONS[:-1]))


def _completed(community, kind: str, today: dt.date, users, rng, returned_pct: int, published: bool, replay):
    """The latest survey of `kind` whose collection ended before today, run to its end when the
    office would have run it (the clock replayed): issued, collected 12 days later, analysed a week
    after that. Returns the survey and the moment it was analysed."""
    period = Period.of(survey_period_kind(kind), today)
    while True:
        year, number = period.start.year, survey_period_number(period)
        issued_on = surveys.proposed_issue_date(community, kind, year, number)
        if issued_on + dt.timedelta(days=40) < today:
            break
        period = period.previous()
    cs = users["cs"]
    collected = timezone.make_aware(dt.datetime.combine(issued_on + dt.timedelta(days=12), dt.time(17)))
    analysed = collected + dt.timedelta(days=7)
    replay.at(timezone.make_aware(dt.datetime.combine(issued_on, dt.time(9))))
    survey = surveys.survey_create(community=community, actor=cs, kind=kind, year=year, period=number)
    surveys.survey_draw(survey=survey, actor=cs, rng=rng)
    surveys.survey_issue(survey=survey, actor=cs, issued_on=issued_on)
    answer_sheets(survey, rng, returned_pct, collected, users["desk"])
    replay.at(collected)
    surveys.survey_close(survey=survey, actor=cs)
    replay.at(analysed)
    if published:
        surveys.survey_publish_results(
            survey=survey, actor=cs, conclusion="总体满意率保持稳定，排列图中的关键项已制定整改措施并跟踪落实。"
        )
    return survey


CAUSES = [  # (bone, cause, sub-cause) for the fishbone of each key item (SV-5)
    ("man", "员工服务意识不强", "新员工岗前培训不足"),
    ("method", "巡查和回访制度执行不到位", "巡查记录无人复核"),
    ("machine", "设施设备老化", "维修保养计划未按期执行"),
    ("environment", "小区人流车流增加", ""),
]


def _analyse(survey, users: dict, today: dt.date) -> None:
    """Fishbone causes and QA-3 measures for every key item, then the measures published (SV-4 … SV-6).
    The fishbone and the measures are the quality app's; it is imported here, not with the module."""
    from guanjia.quality import services as actions

    cs = users["cs"]
    for n, item in enumerate(surveys.key_items(survey)):
        first = None
        for bone, text, sub in CAUSES:
            cause = actions.cause_add(item=item, actor=cs, category=bone, text=text)
            if sub:
                actions.cause_add(item=item, actor=cs, parent=cause, text=sub)
            first = first or cause
        action = actions.action_create(
            community=survey.community,
            actor=cs,
            problem=f"{item.text}不满意率偏高",
            measure="组织专项培训，修订巡查标准并每周复核记录，月底复查业户意见。",
            owner=users["manager"],
            due_on=today + dt.timedelta(days=14 + 7 * n),
            survey=survey,
            item=item,
            cause=first,
        )
        if n == 0:
            actions.action_complete(action=action, actor=users["manager"], note="培训已完成，巡查记录每周复核。")
    actions.survey_publish_measures(survey=survey, actor=cs)


def build(community, users: dict, *, today: dt.date, rng: random.Random) -> None:
    """users: {"cs": …, "desk": …, "manager": …} of this community."""
    with transaction.atomic():
        with clock.Replay() as replay:
            half_year = _completed(community, SurveyKind.QUESTIONNAIRE, today, users, rng, 68, True, replay)
            _analyse(half_year, users, today)  # at the moment of the analysis, a week after collection
            _completed(community, SurveyKind.EVALUATION, today, users, rng, 85, True, replay)
        year, period = surveys.period_of(SurveyKind.EVALUATION, today)
        draft = surveys.survey_create(
            community=community, actor=users["cs"], kind=SurveyKind.EVALUATION, year=year, period=period
        )
        surveys.survey_draw(survey=draft, actor=users["cs"], rng=rng)
        homes = list(households(community).order_by("pk"))
        rooms = rng.sample(homes, min(12, len(homes)))  # seeded: the same build visits the same homes
        for n, room in enumerate(rooms):
            day = Period.of(periods.MONTH, today).start + dt.timedelta(days=n % max(1, today.day - 1))
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(10 + n % 8)))
            home = n % 3 == 0
            visit_record(
                community=community,
                actor=users["cs"],
                room=room,
                form=VisitForm.HOME if home else rng.choice([VisitForm.OFFICE, VisitForm.PHONE, VisitForm.OUTDOORS]),
                visited_at=at,
                appointment_at=at - dt.timedelta(days=1) if home else None,
                topics=rng.sample(["security", "cleaning", "greening", "facilities", "convenience"], 2),
                opinions=rng.choice(OPINIONS),
                signed=n % 4 != 3,
                signature_refused=n % 4 == 3,
                feedback_owed=n % 5 == 0,
                beyond_authority=n == 7,
            )


# The demo users each community's office is run by (core.demo.DemoBuild.member).
STAFF = {"cs": Role.CS_SUPERVISOR, "desk": Role.FRONT_DESK, "manager": Role.OFFICE_MANAGER}


def build_part(context) -> None:
    """Visits and surveys' part of the demo (core.demo): the surveys run to their results, this month's visits."""
    for community in context.communities:
        users = {short: context.member(community, role) for short, role in STAFF.items()}
        build(community, users, today=context.today, rng=context.rng(f"engagement:{community.code}"))
