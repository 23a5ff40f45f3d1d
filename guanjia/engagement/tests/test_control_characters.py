"""Issue 10: the survey's answer-sheet template is an export of stored text (the survey's title, its
items, room codes); control characters put straight into the database never break it."""

import io

import pytest
from openpyxl import load_workbook

from guanjia.engagement import answers_import as ai
from guanjia.engagement.models import Survey, SurveyItem
from guanjia.engagement.tests.factories import issued_survey, survey_office
from guanjia.estates.models import Room

pytestmark = pytest.mark.django_db

CONTROLS = "".join(chr(c) for c in range(1, 0x20) if c not in (0x09, 0x0A, 0x0D))


def test_the_answers_template_survives_stored_control_characters():
    survey = issued_survey(survey_office(households=2), items=[("治安", "security"), ("清洁", "cleaning")])
    Survey.objects.filter(pk=survey.pk).update(title="2026年" + CONTROLS + "问卷")
    SurveyItem.objects.filter(survey=survey, position=1).update(text="治" + CONTROLS + "安")
    Room.objects.filter(pk=survey.sheets.order_by("number").first().room_id).update(code="3-1\x0b-101")
    survey.refresh_from_db()
    rows = list(load_workbook(io.BytesIO(ai.answers_template(survey)))["答卷"].iter_rows(values_only=True))
    assert rows[0][0] == "2026年\n\n问卷 答卷录入表"
    assert rows[1][2] == "1. 治\n\n安"
    assert rows[2][1] == "3-1\n-101"
