"""Test helpers for visits and surveys: an office whose households have moved in, surveys made and issued."""

import datetime as dt
import math

from django.urls import reverse

from guanjia.engagement import surveys
from guanjia.engagement.choices import SurveyKind
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.servicedesk.tests.factories import Office

ISSUE_DAY = dt.date(2026, 12, 1)  # a December working day: the SV-2 month of 2026's second half
PER_ENTRANCE = 40  # room numbers stay unique within an entrance


def add_rooms(office, n: int, units: int = 1) -> list:
    """`n` moved-in households spread evenly over `units` new entrances (more when one would hold
    over 40)."""
    c = office.community
    units = max(units, math.ceil(n / PER_ENTRANCE))
    made = []
    for i in range(units):
        unit = UnitFactory(community=c, building__community=c)
        size = n // units + (1 if i < n % units else 0)
        made += [RoomFactory(community=c, unit=unit, building=unit.building, handover="moved_in") for _ in range(size)]
    return made


def step_url(survey, action: str) -> str:
    """The console URL of one step of the survey's state machine (views_survey_steps)."""
    return reverse("engagement:survey_step", args=[survey.pk, action])


def survey_office(households: int = 1, units: int = 1) -> Office:
    """An office (staff, a room and its owner) whose room has moved in, with `households` moved-in
    households in all: the others on `units` further entrances."""
    office = Office()
    office.room.handover = "moved_in"
    office.room.save()
    add_rooms(office, households - 1, units)
    return office


def new_survey(office, kind=SurveyKind.QUESTIONNAIRE, year=2026, period=2, **kw):
    return surveys.survey_create(
        community=office.community, actor=office.supervisor, kind=kind, year=year, period=period, **kw
    )


def issued_survey(office, issued_on=ISSUE_DAY, **kw):
    """A questionnaire for 2026's second half, drawn and issued on 1 December (SV-2)."""
    survey = new_survey(office, **kw)
    surveys.survey_draw(survey=survey, actor=office.supervisor)
    surveys.survey_issue(survey=survey, actor=office.supervisor, issued_on=issued_on)
    return survey
