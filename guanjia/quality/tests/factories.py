"""Test helpers of the quality app: an office with a repair whose callback found a problem (RC-5), done
callbacks to spot-check (RC-4), and an answered questionnaire with a key item (SV-4, SV-5)."""

import datetime as dt

from guanjia.engagement import surveys
from guanjia.engagement.choices import SurveyKind
from guanjia.quality import services as quality
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind
from guanjia.servicedesk.models import Callback
from guanjia.servicedesk.services.rectifications import SOURCE
from guanjia.servicedesk.tests.factories import Office, at

__all__ = ["SOURCE", "Office", "answered_survey", "at", "done_callbacks", "done_repair", "issue", "unsatisfied"]


def done_repair(office, category="leakage", **kw) -> Callback:
    """A repair taken, dispatched, done and passed: its RC-4 callback is due."""
    ticket = sd.ticket_create(
        community=office.community,
        actor=office.desk,
        kind=Kind.REPAIR,
        channel="window",
        category=category,
        room=office.room,
        reporter=office.owner,
        reporter_phone="13812345678",
        description="卫生间天花板渗水",
        **kw,
    )
    sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
    sd.ticket_arrive(ticket=ticket, actor=office.technician)
    sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="更换防水层")
    sd.ticket_check(ticket=ticket, actor=office.supervisor, passed=True)
    return Callback.objects.get(ticket=ticket, done_at__isnull=True)


def unsatisfied(office, remarks="墙角仍有水迹") -> Callback:
    """A repair's callback that found a problem (RC-5: a written notice is owed within 24 hours)."""
    callback = done_repair(office)
    sd.callback_record(callback=callback, actor=office.desk, method="visit", satisfied=False, remarks=remarks)
    return callback


def issue(office, callback=None, **kw):
    """The 整改通知书 for an unsatisfied callback, issued by the CS supervisor (RC-5)."""
    callback = callback or unsatisfied(office)
    return quality.notice_issue(source=SOURCE, subject=callback, actor=office.supervisor, **kw)


def done_callbacks(office, n: int) -> list[Callback]:
    callbacks = [done_repair(office) for _ in range(n)]
    for callback in callbacks:
        sd.callback_record(callback=callback, actor=office.desk, method="phone", satisfied=True)
    return callbacks


def answered_survey(office, marks=None):
    """A questionnaire of two items, issued on 1 December 2026 (SV-2); `marks` = [(security,
    cleaning)] per returned sheet. By default cleaning draws two dissatisfied of three: the key item."""
    s = surveys.survey_create(
        community=office.community,
        actor=office.supervisor,
        kind=SurveyKind.QUESTIONNAIRE,
        year=2026,
        period=2,
        items=[("治安", "security"), ("清洁", "cleaning")],
    )
    surveys.survey_draw(survey=s, actor=office.supervisor)
    surveys.survey_issue(survey=s, actor=office.supervisor, issued_on=dt.date(2026, 12, 1))
    sec, cle = s.items.all()
    marks = marks or [("satisfied", "dissatisfied"), ("satisfied", "dissatisfied"), ("dissatisfied", "basic")]
    for sheet, (a, b) in zip(s.sheets.all(), marks, strict=False):
        surveys.sheet_record(sheet=sheet, actor=office.desk, answers={sec.pk: a, cle.pk: b})
    return s, sec, cle


def later(moment: dt.datetime, **delta) -> dt.datetime:
    return moment + dt.timedelta(**delta)


NOW = at(2026, 11, 18, 10, 0)  # a Wednesday in office hours
