"""Whether a survey keeps its calendar, said where the clerk looks (SV-1, SV-6).

- SV-1: the quarterly evaluation is handed out in the middle of the quarter's last month (from the
  SV-1.issue_day, the 15th by default). Earlier is not refused outright: the clerk is warned and
  confirms, and the survey shows afterwards that it went out early.
- SV-6: the measures notice is due within SV-6.measures_workdays working days of issuing the
  questionnaire. Its `Deadline` row is the one source (DESIGN.md §4): published after it is late,
  not published and past it is overdue, both derived from the clock at read time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from guanjia.core import clock, workdays
from guanjia.core.models import Deadline, DeadlineState
from guanjia.core.policies import policy

from .choices import SurveyKind
from .models import Survey

MEASURES_RULE = "SV-6.measures"


# --- SV-1: handed out mid of the quarter's last month ------------------------------------------


def mid_month(survey: Survey) -> dt.date:
    """The SV-1.issue_day (the 15th) of the quarter's last month."""
    return survey.calendar_period.last_day.replace(day=policy(survey.community, "SV-1.issue_day"))


def early_issue_warning(survey: Survey, issued_on: dt.date | None) -> str:
    """The SV-1 warning when an evaluation goes out before mid-month; "" when on time (or not SV-1)."""
    if survey.kind != SurveyKind.EVALUATION or issued_on is None:
        return ""
    middle = mid_month(survey)
    if issued_on >= middle:
        return ""
    return _("%(on)s 早于季末月中旬：季度业户评议应于 %(mid)s 起发放（SV-1），以便评议覆盖整个季度的服务。") % {
        "on": f"{issued_on:%Y-%m-%d}",
        "mid": f"{middle:%Y-%m-%d}",
    }


# --- SV-6: the measures notice within 30 working days -------------------------------------------


@dataclass(frozen=True)
class MeasuresTimeliness:
    """The SV-6.measures clock of one questionnaire as the pages show it."""

    due_at: dt.datetime
    published_at: dt.datetime | None
    state: DeadlineState

    @property
    def due_text(self) -> str:
        return workdays.deadline_text(self.due_at)

    @property
    def late(self) -> bool:
        """Published, but after the limit."""
        return self.state == DeadlineState.LATE

    @property
    def overdue(self) -> bool:
        """Not published, and the limit has passed."""
        return self.state == DeadlineState.OVERDUE

    @property
    def colour(self) -> str:
        return self.state.colour

    @property
    def label(self) -> str:
        if self.late:
            return _("逾期公布")
        if self.overdue:
            return _("已超期未公布")
        if self.state == DeadlineState.MET:
            return _("按时公布")
        return _("待公布")

    @property
    def text(self) -> str:
        """One line for the pages: what happened against the limit."""
        values = {"due": self.due_text}
        if self.published_at:
            values["at"] = f"{timezone.localtime(self.published_at):%Y-%m-%d %H:%M}"
            if self.late:
                return _("%(at)s 公布，已超过期限 %(due)s") % values
            return _("%(at)s 公布（期限 %(due)s）") % values
        if self.overdue:
            return _("期限 %(due)s 已过，尚未公布") % values
        return _("期限 %(due)s") % values


def _of(survey: Survey, row: Deadline | None, now) -> MeasuresTimeliness | None:
    if row is None:
        return None
    return MeasuresTimeliness(due_at=row.due_at, published_at=survey.measures_published_at, state=row.state_at(now))


def measures_timeliness(survey: Survey) -> MeasuresTimeliness | None:
    """The SV-6 measures clock of a questionnaire; None before it is issued (or for an evaluation)."""
    row = (
        Deadline.objects.filter(
            subject_type=ContentType.objects.get_for_model(Survey), subject_id=str(survey.pk), rule=MEASURES_RULE
        )
        .order_by("id")
        .last()
    )
    return _of(survey, row, clock.now())


def attach_measures(surveys) -> None:
    """Set `.measures` (MeasuresTimeliness or None) on each survey of a page, in one query."""
    surveys = list(surveys)
    if not surveys:
        return
    rows = Deadline.objects.filter(
        subject_type=ContentType.objects.get_for_model(Survey),
        subject_id__in=[str(s.pk) for s in surveys],
        rule=MEASURES_RULE,
    ).order_by("id")
    latest = {row.subject_id: row for row in rows}
    now = clock.now()
    for survey in surveys:
        survey.measures = _of(survey, latest.get(str(survey.pk)), now)
