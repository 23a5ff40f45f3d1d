"""Surveys from drawing to published results: the quarterly evaluation 业户评议 (SV-1) and the
half-yearly questionnaire 问卷调查 (SV-2), answered on paper, in the portal or by Excel, and
counted by the SV-3 formula (`stats`). Writes check permission, validate, run atomically and log.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock, transitions, workdays
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_meet, deadline_open
from guanjia.core.errors import ServiceError
from guanjia.core.periods import Period
from guanjia.core.policies import policy
from guanjia.core.roles import Role
from guanjia.core.topics import Topic
from guanjia.estates.households import households

from . import stats, timeliness
from .choices import Answer, Channel, SurveyKind
from .models import (
    SheetDraft,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveySheet,
    survey_period,
    survey_period_kind,
    survey_period_number,
)
from .sample import choose_for_evaluation, sample_size, survey_top_up  # noqa: F401 (a survey service, for the console)

# --- Periods and the calendar of a survey (SV-1, SV-2, SV-6) ---------------------------------


def period_of(kind: str, day: dt.date) -> tuple[int, int]:
    """(year, quarter) for an evaluation (SV-1), (year, half) for a questionnaire (SV-2)."""
    period = Period.of(survey_period_kind(kind), day)
    return period.start.year, survey_period_number(period)


def period_label(kind: str, year: int, period: int) -> str:
    return survey_period(kind, year, period).label


def default_title(kind: str, year: int, period: int) -> str:
    noun = _("业户评议") if kind == SurveyKind.EVALUATION else _("业户问卷调查")
    return f"{period_label(kind, year, period)}{noun}"


def issue_month(community, kind: str, year: int, period: int) -> int:
    """The month the forms go out: the quarter's last month (SV-1), or the policy month of the
    half, June or December by default (SV-2)."""
    span = survey_period(kind, year, period)
    if kind == SurveyKind.EVALUATION:
        return span.last_day.month
    months = sorted(int(m) for m in policy(community, "SV-2.months"))
    in_half = [m for m in months if dt.date(year, m, 1) in span]
    return in_half[0] if in_half else span.last_day.month


def proposed_issue_date(community, kind: str, year: int, period: int) -> dt.date:
    """SV-1: the middle of the quarter's last month (the SV-1.issue_day, the 15th, or the next
    working day); SV-2: the first working day of June / December."""
    month = issue_month(community, kind, year, period)
    day = dt.date(year, month, policy(community, "SV-1.issue_day") if kind == SurveyKind.EVALUATION else 1)
    while not workdays.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def collect_due(survey: Survey, issued_on: dt.date) -> dt.datetime:
    """SV-1: collected within half a month (15 days); SV-2: within 15 working days."""
    if survey.kind == SurveyKind.EVALUATION:
        return workdays.add_days(issued_on, policy(survey.community, "SV-1.collect_days"))
    return workdays.add_workdays(issued_on, policy(survey.community, "SV-2.collect_workdays"))


def summary_due(survey: Survey) -> dt.datetime:
    """SV-1: the summary reaches the head office by the 5th of the next quarter's first month."""
    return survey.calendar_period.due_on_day(policy(survey.community, "SV-1.summary_day"))


def min_return_pct(survey: Survey) -> Decimal:
    return Decimal(str(policy(survey.community, "SV-2.min_return_pct")))


# --- Setting a survey up -----------------------------------------------------------------------


def _clean_items(items) -> list[tuple[str, str]]:
    cleaned = []
    for n, (text, topic) in enumerate(items, start=1):
        text = (text or "").strip()
        if not text:
            raise ServiceError("invalid", _("第 %(n)s 项：请填写评议项目。") % {"n": n}, field="items")
        if len(text) > 100:
            raise ServiceError("invalid", _("第 %(n)s 项：评议项目不能超过 100 字。") % {"n": n}, field="items")
        if topic and topic not in Topic.values:
            raise ServiceError("invalid", _("第 %(n)s 项：对应事项不在规定范围内。") % {"n": n}, field="items")
        if any(text == seen for seen, _t in cleaned):
            raise ServiceError("invalid", _("第 %(n)s 项：评议项目与前面重复。") % {"n": n}, field="items")
        cleaned.append((text, topic or ""))
    if not cleaned:
        raise ServiceError("invalid", _("问卷至少要有一个评议项目。"), field="items")
    return cleaned


def default_items() -> list[tuple[str, str]]:
    """The SV-7 topics, one item each."""
    return [(str(t.label), t.value) for t in Topic]


def survey_create(*, community, actor, kind: str, year: int, period: int, title: str = "", items=None) -> Survey:
    """A new survey in draft, with the SV-7 topics as items unless others are given."""
    require(actor, "engagement.survey_manage", community)
    if kind not in SurveyKind.values:
        raise ServiceError("invalid", _("请选择调查类型。"), field="kind")
    top = 4 if kind == SurveyKind.EVALUATION else 2
    if not (isinstance(period, int) and 1 <= period <= top):
        raise ServiceError("invalid", _("期次应为 1 至 %(n)s。") % {"n": top}, field="period")
    if not (isinstance(year, int) and 2000 <= year <= 2100):
        raise ServiceError("invalid", _("请填写正确的年度。"), field="year")
    if Survey.objects.filter(community=community, kind=kind, year=year, period=period).exists():
        raise ServiceError(
            "duplicate",
            _("%(p)s的%(k)s已经建立。") % {"p": period_label(kind, year, period), "k": SurveyKind(kind).label},
            field="period",
        )
    cleaned = _clean_items(default_items() if items is None else items)
    with transaction.atomic():
        survey = Survey.objects.create(
            community=community,
            kind=kind,
            year=year,
            period=period,
            title=(title or "").strip()[:100] or default_title(kind, year, period),
            created_by=actor,
        )
        SurveyItem.objects.bulk_create(
            SurveyItem(survey=survey, position=n, text=text, topic=topic)
            for n, (text, topic) in enumerate(cleaned, start=1)
        )
        log(actor, "engagement.survey.created", survey, community=community, summary=survey.title)
    return survey


def survey_set_items(*, survey: Survey, actor, items) -> list[SurveyItem]:
    """Replace the items of a draft survey: [(text, topic or "")] in order."""
    transitions.check(survey, "set_items", actor)
    cleaned = _clean_items(items)
    with transaction.atomic():
        survey.items.all().delete()
        created = SurveyItem.objects.bulk_create(
            SurveyItem(survey=survey, position=n, text=text, topic=topic)
            for n, (text, topic) in enumerate(cleaned, start=1)
        )
        log(actor, "engagement.survey.items", survey, community=survey.community, summary=_("修改评议项目"))
    return created


def survey_draw(*, survey: Survey, actor, rng: random.Random | None = None) -> int:
    """Choose who gets a form, replacing any earlier draw of this draft.

    SV-2: every moved-in household (so every entrance is covered).
    SV-1: at least 20% (policy) of moved-in households, spread over the entrances, avoiding
    households already drawn for an evaluation this year; only when too few remain are
    households drawn earlier in the year taken, those drawn longest ago first.
    Returns the number of forms.
    """
    transitions.check(survey, "draw", actor)
    rng = rng or random.SystemRandom()
    rooms = list(households(survey.community).only("id", "building_id", "unit_id", "code"))
    if not rooms:
        raise ServiceError("invalid", _("本小区还没有已入住的住宅，无法发放问卷。"), field="status")
    if survey.kind == SurveyKind.QUESTIONNAIRE:
        chosen = rooms
    else:
        need = sample_size(len(rooms), policy(survey.community, "SV-1.sample_pct"))
        chosen = choose_for_evaluation(survey, rooms, need, rng)
    chosen.sort(key=lambda r: r.code)
    with transaction.atomic():
        survey.sheets.all().delete()
        SurveySheet.objects.bulk_create(
            (
                SurveySheet(community_id=survey.community_id, survey=survey, room_id=r.id, number=n)
                for n, r in enumerate(chosen, start=1)
            ),
            batch_size=2000,
        )
        log(
            actor,
            "engagement.survey.drawn",
            survey,
            community=survey.community,
            summary=_("确定发放对象 %(n)s 户") % {"n": len(chosen)},
            households=len(rooms),
            forms=len(chosen),
        )
    return len(chosen)


def survey_issue(*, survey: Survey, actor, issued_on: dt.date, early_ok: bool = False) -> Survey:
    """Hand the forms out: the survey opens for answers and its clocks start (SV-1, SV-2, SV-6).
    An evaluation before mid-month is refused with the SV-1 warning unless `early_ok` (the clerk
    has read it and confirms); the log records that it went out early."""
    transitions.check(survey, "issue", actor)
    if issued_on is None:
        raise ServiceError("invalid", _("请填写发放日期。"), field="issued_on")
    month = issue_month(survey.community, survey.kind, survey.year, survey.period)
    if (issued_on.year, issued_on.month) != (survey.year, month):
        raise ServiceError(
            "invalid",
            _("%(t)s应在 %(y)s 年 %(m)s 月发放。") % {"t": survey.title, "y": survey.year, "m": month},
            field="issued_on",
        )
    if not survey.sheets.exists():
        raise ServiceError("invalid", _("请先确定发放对象。"), field="status")
    early = timeliness.early_issue_warning(survey, issued_on)
    if early and not early_ok:
        raise ServiceError(
            "early_issue", early + _("如确需提前发放，请勾选“确认提前发放”后再提交。"), field="issued_on"
        )
    start = timezone.make_aware(dt.datetime.combine(issued_on, dt.time()))
    with transaction.atomic():
        transitions.fire(survey, "issue")
        survey.issued_on = issued_on
        survey.collect_until = collect_due(survey, issued_on)
        survey.save(update_fields=["status", "issued_on", "collect_until"])
        clocks = [(f"{_rule(survey)}.collect", _("%(t)s回收") % {"t": survey.title}, survey.collect_until)]
        if survey.kind == SurveyKind.EVALUATION:
            clocks.append(("SV-1.summary", _("%(t)s汇总分析上报") % {"t": survey.title}, summary_due(survey)))
        else:
            days = policy(survey.community, "SV-6.analysis_workdays")
            clocks.append(
                (
                    "SV-6.analysis",
                    _("%(t)s问卷结果统计表") % {"t": survey.title},
                    workdays.add_workdays(issued_on, days),
                )
            )
            days = policy(survey.community, "SV-6.measures_workdays")
            clocks.append(
                ("SV-6.measures", _("%(t)s整改措施公布") % {"t": survey.title}, workdays.add_workdays(issued_on, days))
            )
        for rule, title, due in clocks:
            deadline_open(
                subject=survey, rule=rule, title=title, starts_at=start, due_at=due, owner_role=Role.CS_SUPERVISOR
            )
        log(
            actor,
            "engagement.survey.issued",
            survey,
            community=survey.community,
            summary=(_("发放%(t)s，共 %(n)s 份（早于季末月中旬）") if early else _("发放%(t)s，共 %(n)s 份"))
            % {"t": survey.title, "n": survey.sheets.count()},
            early=bool(early),
        )
    return survey


def _rule(survey: Survey) -> str:
    return "SV-1" if survey.kind == SurveyKind.EVALUATION else "SV-2"


# --- Returned sheets -------------------------------------------------------------------------


def mark(value) -> str:
    """One item's ticks → an Answer. Nothing ticked is blank, two or more is multiple (SV-3)."""
    if value is None or value == "":
        return Answer.BLANK
    if isinstance(value, str):
        value = [value]
    ticked = {v for v in value if v}
    unknown = ticked - set(stats.CHOICES) - {Answer.BLANK, Answer.MULTIPLE}
    if unknown:
        raise ValueError(unknown)
    if ticked & {Answer.BLANK, Answer.MULTIPLE}:
        return next(iter(ticked & {Answer.BLANK, Answer.MULTIPLE})) if len(ticked) == 1 else Answer.MULTIPLE
    if not ticked:
        return Answer.BLANK
    return next(iter(ticked)) if len(ticked) == 1 else Answer.MULTIPLE


def _answers_for(survey: Survey, answers: dict) -> list[tuple[SurveyItem, str]]:
    """{item id or position: ticks} → [(item, Answer)] for every item; missing items are blank."""
    items = list(survey.items.all())
    by_key = {i.pk: i for i in items}
    out = {}
    for key, ticks in (answers or {}).items():
        item = by_key.get(key if isinstance(key, int) else int(key)) if str(key).isdigit() else None
        if item is None:
            raise ServiceError("invalid", _("评议项目 %(k)s 不属于本问卷。") % {"k": key}, field="answers")
        try:
            out[item.pk] = mark(ticks)
        except ValueError:
            raise ServiceError(
                "invalid", _("第 %(n)s 项的选择无效。") % {"n": item.position}, field=f"item_{item.pk}"
            ) from None
    return [(i, out.get(i.pk, Answer.BLANK)) for i in items]


def _write_sheet(sheet: SurveySheet, marks, *, channel: str, suggestions: str, entered_by, at) -> None:
    SurveyAnswer.objects.filter(sheet=sheet).delete()
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(survey_id=sheet.survey_id, sheet=sheet, item=item, choice=choice) for item, choice in marks
    )
    sheet.returned_at = sheet.returned_at or at
    sheet.channel = channel
    sheet.entered_by = entered_by
    sheet.suggestions = (suggestions or "").strip()
    sheet.save(update_fields=["returned_at", "channel", "entered_by", "suggestions"])


def owner_answered_message(number: int, room_code: str) -> str:
    return _("第 %(n)s 号表（%(room)s）是业主本人在线填写的，工作人员不能更改。") % {"n": number, "room": room_code}


def _require_open(survey: Survey):
    if not survey.accepts_answers:
        raise ServiceError("closed", _("%(t)s不在回收期内。") % {"t": survey.title}, field="answers", status=409)


def sheet_record(
    *, sheet: SurveySheet, actor, answers: dict, suggestions: str = "", channel: str = Channel.PAPER
) -> SurveySheet:
    """Staff enter a returned form (paper or import). Entering it again corrects it."""
    require(actor, "engagement.survey_enter", sheet.community_id)
    survey = sheet.survey
    _require_open(survey)
    if sheet.channel == Channel.PORTAL:  # the owner's own answers are theirs, not the office's
        raise ServiceError("owner_answered", owner_answered_message(sheet.number, sheet.room.code), status=409)
    marks = _answers_for(survey, answers)
    with transaction.atomic():
        again = sheet.returned_at is not None
        _write_sheet(sheet, marks, channel=channel, suggestions=suggestions, entered_by=actor, at=clock.now())
        log(
            actor,
            "engagement.sheet.corrected" if again else "engagement.sheet.returned",
            sheet,
            community=sheet.survey.community,
            household=sheet.room_id,
            summary=_("%(t)s第 %(n)s 号表%(a)s")
            % {"t": survey.title, "n": sheet.number, "a": _("更正") if again else _("回收")},
        )
    return sheet


def sheets_for_owner(user):
    """The forms an owner may answer in the portal now: issued surveys, their homes."""
    from guanjia.estates.selectors import homes_of

    return (
        SurveySheet.objects.filter(room__in=homes_of(user).values("pk"), survey__in=Survey.objects.collecting())
        .select_related("survey", "room", "community", "draft")
        .order_by("-survey__issued_on", "id")
    )


def require_own_open_sheet(sheet: SurveySheet, user) -> None:
    """The form is of one of the user's homes (else "not found") and its survey is collecting."""
    from guanjia.estates.selectors import homes_of

    if not SurveySheet.objects.filter(pk=sheet.pk, room__in=homes_of(user).values("pk")).exists():
        raise ServiceError("forbidden", _("这份问卷不属于您的房屋。"), status=404)
    _require_open(sheet.survey)


def sheet_answer_by_owner(*, sheet: SurveySheet, user, answers: dict, suggestions: str = "") -> SurveySheet:
    """The owner answers their household's form in the portal; once per form."""
    require_own_open_sheet(sheet, user)
    if sheet.returned_at is not None:
        raise ServiceError("answered", _("这份问卷已经填写过了，感谢您的参与。"), status=409)
    marks = _answers_for(sheet.survey, answers)
    with transaction.atomic():
        SheetDraft.objects.filter(sheet=sheet).delete()  # only the submitted answers count as returned
        _write_sheet(sheet, marks, channel=Channel.PORTAL, suggestions=suggestions, entered_by=None, at=clock.now())
        log(
            user,
            "engagement.sheet.answered",
            sheet,
            community=sheet.survey.community,
            household=sheet.room_id,
            summary=_("业主在线填写%(t)s") % {"t": sheet.survey.title},
        )
    return sheet


def survey_close(*, survey: Survey, actor) -> Survey:
    """Collection ends: no more answers; the collection clock is met."""
    transitions.check(survey, "close", actor)
    now = clock.now()
    with transaction.atomic():
        transitions.fire(survey, "close")
        survey.closed_at = now
        survey.save(update_fields=["status", "closed_at"])
        deadline_meet(survey, f"{_rule(survey)}.collect", at=now, by=actor)
        returned = survey.sheets.filter(returned_at__isnull=False).count()
        log(
            actor,
            "engagement.survey.closed",
            survey,
            community=survey.community,
            summary=_("截止回收，回收 %(r)s 份") % {"r": returned},
        )
    return survey


def survey_publish_results(*, survey: Survey, actor, conclusion: str = "") -> Survey:
    """The results statistics table 问卷结果统计表 is done and published (SV-6; SV-1 summary)."""
    transitions.check(survey, "publish_results", actor)
    now = clock.now()
    with transaction.atomic():
        transitions.fire(survey, "publish_results")
        survey.results_published_at = now
        survey.conclusion = (conclusion or "").strip()
        survey.save(update_fields=["status", "results_published_at", "conclusion"])
        deadline_meet(
            survey, "SV-1.summary" if survey.kind == SurveyKind.EVALUATION else "SV-6.analysis", at=now, by=actor
        )
        log(actor, "engagement.survey.published", survey, community=survey.community, summary=_("公布统计结果"))
    return survey


# --- Results (SV-3, SV-4) ----------------------------------------------------------------------


def item_counts(survey: Survey) -> list[stats.ItemCounts]:
    """Each item's satisfied / basic / dissatisfied / abstained counts: one GROUP BY over the
    (survey, item, choice) index, however many sheets."""
    items = list(survey.items.all())
    rows = (
        SurveyAnswer.objects.filter(survey=survey).values_list("item_id", "choice").annotate(n=Count("id")).order_by()
    )
    tally: dict = defaultdict(lambda: defaultdict(int))
    for item_id, choice, n in rows:
        tally[item_id][choice] += n
    return [
        stats.ItemCounts(
            item=i.text,
            satisfied=tally[i.pk][Answer.SATISFIED],
            basic=tally[i.pk][Answer.BASIC],
            dissatisfied=tally[i.pk][Answer.DISSATISFIED],
            abstained=tally[i.pk][Answer.BLANK] + tally[i.pk][Answer.MULTIPLE],
        )
        for i in items
    ]


def sheet_counts(survey: Survey) -> tuple[int, int]:
    """(issued, returned)."""
    agg = survey.sheets.aggregate(issued=Count("id"), returned=Count("returned_at"))
    return agg["issued"], agg["returned"]


def results_with_counts(survey: Survey) -> tuple[list[stats.ItemCounts], stats.Result, list[stats.ParetoRow]]:
    """Each item's counts (with abstentions), satisfaction per item and overall with the
    return-rate penalty (SV-3), and the Pareto rows with the key items (SV-4), all from the
    policies of the survey's community: one GROUP BY over the answers and one count of the sheets."""
    counts = item_counts(survey)
    issued, returned = sheet_counts(survey)
    community = survey.community
    result = stats.satisfaction(
        counts,
        issued=issued,
        returned=returned,
        threshold_pct=min_return_pct(survey),
        penalty_points=Decimal(str(policy(community, "SV-3.penalty_points"))),
    )
    rows = stats.pareto(counts, key_pct=Decimal(str(policy(community, "SV-4.key_cumulative_pct"))))
    return counts, result, rows


def results(survey: Survey) -> tuple[stats.Result, list[stats.ParetoRow]]:
    """Satisfaction (SV-3) and the Pareto rows (SV-4), without the raw counts."""
    _counts, result, rows = results_with_counts(survey)
    return result, rows


def key_items(survey: Survey) -> list[SurveyItem]:
    """The vital few of this survey's Pareto (SV-4), as items."""
    _result, rows = results(survey)
    keys = {r.item for r in rows if r.key}
    return [i for i in survey.items.all() if i.text in keys]


def coverage(survey: Survey) -> list[dict]:
    """Forms issued and returned per entrance (building, unit): SV-2 wants every entrance covered
    and the return rate watched where it lags. Moved-in entrances with no form come first."""
    rows = {
        (r["room__building__code"], r["room__unit__code"]): r
        for r in survey.sheets.values("room__building__code", "room__unit__code")
        .annotate(issued=Count("id"), returned=Count("returned_at"))
        .order_by()
    }
    entrances = (
        households(survey.community)
        .values_list("building__code", "unit__code", "building__sort_key", "unit__sort_key")
        .distinct()
        .order_by("building__sort_key", "unit__sort_key")  # natural order: 2幢 before 10幢
    )
    out = []
    for building, unit, _bkey, _ukey in entrances:
        r = rows.get((building, unit), {"issued": 0, "returned": 0})
        out.append({"building": building, "unit": unit or "", "issued": r["issued"], "returned": r["returned"]})
    out.sort(key=lambda r: r["issued"] > 0)  # stable: entrances with no form first, each in natural order
    return out


# --- Console selectors (survey pages) ----------------------------------------------------------


def next_due_period(community, kind: str, today: dt.date) -> tuple[int, int]:
    """The period a new survey of `kind` is most likely for: the current quarter (SV-1) or half
    (SV-2), or the next one when that survey already exists."""
    existing = set(Survey.objects.filter(community=community, kind=kind).values_list("year", "period"))
    period = Period.of(survey_period_kind(kind), today)
    while (period.start.year, survey_period_number(period)) in existing:
        period = period.next()
    return period.start.year, survey_period_number(period)


def surveys_with_counts(queryset):
    """Surveys with `issued` and `returned` sheet counts, in one query for a whole page."""
    return queryset.annotate(issued=Count("sheets"), returned=Count("sheets__returned_at"))


def drawn_earlier_this_year(survey: Survey) -> int:
    """How many of an evaluation's forms went to households already drawn this year (SV-1 wants
    none; only when too few fresh households remain does the draw take some again)."""
    return (
        SurveySheet.objects.filter(
            community_id=survey.community_id,
            survey__kind=SurveyKind.EVALUATION,
            survey__year=survey.year,
            room_id__in=survey.sheets.values("room_id"),
        )
        .exclude(survey=survey)
        .values("room_id")
        .distinct()
        .count()
    )
