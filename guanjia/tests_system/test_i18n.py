"""Languages: Chinese is the default UI language, English the second (compiled .mo files in locale/)."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from guanjia.core.policies import DEFAULTS
from guanjia.core.roles import Role
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.choices import Handover


def test_chinese_is_the_default_language():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    with translation.override(settings.LANGUAGE_CODE):
        assert str(Role.OFFICE_MANAGER.label) == "管理处经理"


def test_english_labels_come_from_the_compiled_catalogue():
    with translation.override("en"):
        assert str(Role.OFFICE_MANAGER.label) == "Office manager"
        assert str(Handover.MOVED_IN.label) == "Moved in"
        assert str(DEFAULTS["RC-4.leak_days"].label) == "Leak repair callback time limit"
        assert translation.gettext("工作台") == "Dashboard"


@pytest.mark.django_db
def test_login_page_is_chinese_without_a_language_preference(client):
    page = client.get(reverse("core:login")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "用户名" in page and "Username" not in page


@pytest.mark.django_db
def test_browser_asking_for_english_gets_the_english_login_page(client):
    page = client.get(reverse("core:login"), headers={"accept-language": "en"}).content.decode()
    assert '<html lang="en">' in page
    assert "Username" in page and "Password" in page and "Log in" in page


@pytest.mark.django_db
def test_english_dashboard_navigation(client):
    community = CommunityFactory()
    client.force_login(staff("office_manager", community))
    page = client.get(reverse("core:dashboard"), headers={"accept-language": "en"}).content.decode()
    assert "Total rooms" in page and "Log out" in page and "Settings" in page
