"""The 中文 / English switch in the console and the portal headers: Django's set_language, back to the same page."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.portal.tests.factories import Household

pytestmark = pytest.mark.django_db

SETLANG = reverse("set_language")


def switch(page: str) -> str:
    match = re.search(r'<form class="lang-switch".*?</form>', page, re.DOTALL)
    assert match, "no language switch on the page"
    return match.group(0)


def test_setlang_is_at_i18n_setlang():
    assert SETLANG == "/i18n/setlang/"


@pytest.mark.parametrize("url", [reverse("core:login"), reverse("portal:login"), reverse("portal:activate")])
def test_sign_in_pages_offer_both_languages(client, url):
    form = switch(client.get(url).content.decode())
    assert f'action="{SETLANG}"' in form and 'method="post"' in form and "csrfmiddlewaretoken" in form
    assert '<button name="language" value="zh-hans" lang="zh-hans" aria-pressed="true">中文</button>' in form
    assert '<button name="language" value="en" lang="en" aria-pressed="false">English</button>' in form
    assert f'name="next" value="{url}"' in form


def test_console_switch_keeps_the_page_and_the_choice(client):
    community = CommunityFactory()
    client.force_login(staff("office_manager", community))
    url = reverse("servicedesk:due") + "?scope=office&tab=overdue"
    form = switch(client.get(url).content.decode())
    assert 'name="next" value="/console/desk/due/?scope=office&amp;tab=overdue"' in form

    response = client.post(SETLANG, {"language": "en", "next": "/console/desk/due/?scope=office&tab=overdue"})
    assert response.status_code == 302 and response["Location"] == "/console/desk/due/?scope=office&tab=overdue"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 30 * 24 * 3600  # not only for this browser session

    page = client.get(url).content.decode()
    assert '<html lang="en">' in page and "Due items" in page
    assert 'aria-pressed="true">English</button>' in switch(page)
    client.post(SETLANG, {"language": "zh-hans", "next": url})
    assert '<html lang="zh-hans">' in client.get(url).content.decode()


def test_portal_switch_on_the_owners_pages(client):
    home = Household()
    client.force_login(home.user)
    page = client.get(reverse("portal:tickets")).content.decode()
    assert 'name="next" value="/m/tickets/"' in switch(page)
    response = client.post(SETLANG, {"language": "en", "next": "/m/tickets/"})
    assert response["Location"] == "/m/tickets/"
    page = client.get(reverse("portal:tickets")).content.decode()
    assert '<html lang="en">' in page and "My tickets" in page and "我的工单" not in page


def test_an_outside_next_is_not_followed(client):
    response = client.post(SETLANG, {"language": "en", "next": "https://evil.example/"}, headers={"referer": ""})
    assert response["Location"] == "/"
