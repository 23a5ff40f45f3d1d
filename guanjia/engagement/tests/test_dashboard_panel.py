"""The 访问与满意度 dashboard panel (VS-1, SV-2): figures, permission, query budget. One's own QA-3
actions are on the quality panel (quality/tests/test_registrations.py)."""

import pytest
from django.urls import reverse

from guanjia.core.tests.factories import login
from guanjia.engagement.tests.factories import issued_survey, survey_office

pytestmark = pytest.mark.django_db


def test_panel_shows_collecting_survey(client, django_assert_max_num_queries):
    office = survey_office(households=10)
    survey = issued_survey(office)
    login(client, office.supervisor, office.community)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("engagement:dashboard_panel"))
    assert response.status_code == 200
    html = response.content.decode()
    assert survey.title in html and "0 / 10" in html
    assert "≥60%" in html
    assert "0 / 1" in html  # VS-1: 10 households × 4% → 1


def test_dashboard_includes_panel_only_with_permission(client):
    office = survey_office()
    login(client, office.desk, office.community)
    assert "engagement-panel-slot" in client.get(reverse("core:dashboard")).content.decode()
    client.logout()
    assert client.get(reverse("engagement:dashboard_panel")).status_code == 302
