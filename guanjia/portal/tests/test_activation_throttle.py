"""The portal's activation guessing (mobile number + ID tail) throttled per number from any address,
and per address across numbers (issue 10); the owner's password change ends his other sessions."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.tests.factories import at
from guanjia.servicedesk.tests.factories import Office

from .factories import ID_A, PASSWORD, portal_user, registered

pytestmark = pytest.mark.django_db

User = get_user_model()
PHONE = "13800138000"
PROXY = "10.0.0.1"
T0 = at(2026, 3, 10, 20, 0)


@pytest.fixture
def office(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_ADDRESS_MAX_FAILURES = 20
    settings.LOGIN_LOCKOUT_MINUTES = 15
    office = Office()
    registered(office.owner, id_number=ID_A, phone=PHONE)
    return office


def activate(client, client_address, phone=PHONE, tail=ID_A[-6:]):
    data = {"phone": phone, "id_tail": tail, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("portal:activate"), data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def test_guessing_one_number_from_many_addresses_is_stopped(client, office):
    with clock.frozen(T0):
        for n in range(5):
            page = activate(client, f"198.51.100.{n + 1}", tail=f"00000{n}").content.decode()
            assert "与管理处登记的信息不符" in page
        # A sixth address, even with the right tail: the number is held, and the owner told when.
        page = activate(client, "198.51.100.99").content.decode()
    assert "验证失败次数过多，请 15 分钟后（20:15 以后）再试，或到管理处办理" in page
    assert not User.objects.filter(username=PHONE).exists()
    with clock.frozen(T0 + dt.timedelta(minutes=15, seconds=1)):
        assert activate(client, "198.51.100.99").status_code == 302
    assert User.objects.filter(username=PHONE).exists()


def test_one_address_guessing_many_numbers_is_stopped_at_the_address_bar(client, office):
    with clock.frozen(T0):
        for n in range(20):
            activate(client, "198.51.100.7", phone=f"1370000{n:04d}")
        page = activate(client, "198.51.100.7").content.decode()
        assert "验证失败次数过多" in page
        # The owner at home, behind the same proxy, is not held up by the guesser.
        assert activate(client, "203.0.113.20").status_code == 302


def test_another_number_is_not_held_up_by_guesses_on_this_one(client, office):
    with clock.frozen(T0):
        for n in range(5):
            activate(client, f"198.51.100.{n + 1}", phone="13700137000")
        assert activate(client, "198.51.100.1").status_code == 302


def test_an_owners_password_change_ends_his_other_sessions_and_revokes_his_token(client, office):
    user = portal_user(office.owner, username=PHONE)
    phone_elsewhere = Client()
    phone_elsewhere.force_login(user)
    token = Token.objects.create(user=user)
    client.force_login(user)
    new = "Hu-2290-xing"
    response = client.post(
        reverse("portal:password"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.url == reverse("portal:me")
    assert client.get(reverse("portal:me")).status_code == 200
    assert phone_elsewhere.get(reverse("portal:me")).status_code == 302
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/me/").status_code == 401
