"""The 访问与满意度 dashboard panel (VS-1, SV-2, QA-3): figures, permission, query budget."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.engagement import actions
from guanjia.engagement.tests.factories import issued_survey, survey_office

pytestmark = pytest.mark.django_db


def login(client, user, community):
    client.force_login(user)
    session = client.session
    session["community_id"] = community.pk
    session.save()


def test_panel_shows_collecting_survey_and_my_actions(client, django_assert_max_num_queries):
    office = survey_office(households=10)
    survey = issued_survey(office)
    actions.action_create(
        community=office.community,
        actor=office.supervisor,
        problem="绿化差",
        measure="补种",
        owner=office.supervisor,
        due_on=dt.date(2099, 1, 1),
    )
    login(client, office.supervisor, office.community)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("engagement:dashboard_panel"))
    assert response.status_code == 200
    html = response.content.decode()
    assert survey.title in html and "0 / 10" in html
    assert "≥60%" in html
    assert "?mine=1" in html
    assert response.context["mine"] == {"open": 1, "overdue": 0}
    assert "0 / 1" in html  # VS-1: 10 households × 4% → 1


def test_dashboard_includes_panel_only_with_permission(client):
    office = survey_office()
    login(client, office.desk, office.community)
    assert "engagement-panel-slot" in client.get(reverse("core:dashboard")).content.decode()
    client.logout()
    assert client.get(reverse("engagement:dashboard_panel")).status_code == 302
    other = survey_office()  # staff of another community never see this one's actions
    login(client, other.supervisor, other.community)
    assert client.get(reverse("engagement:dashboard_panel")).context["mine"] == {"open": 0, "overdue": 0}
