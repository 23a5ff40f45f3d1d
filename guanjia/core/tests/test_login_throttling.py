"""Sign-in through the login page, and the throttle on repeated failures (core/throttling.py).

The attack of issue 10: behind the reverse proxy every request came from one address, and 20 failed
logins on made-up names locked every user of the company out. Now a (name, address) pair is refused,
an address trying many names is refused at a higher bar, and a name failing from many addresses
only slows down those addresses.
"""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock, throttling
from guanjia.core.models import LoginAttempt
from guanjia.core.tests.factories import CommunityFactory, at, staff

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"  # UserFactory's
PROXY = "10.0.0.1"
T0 = at(2026, 3, 10, 9, 0)


@pytest.fixture
def user():
    return staff("front_desk", CommunityFactory(name="翠苑一期"), username="wang")


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_ADDRESS_MAX_FAILURES = 20
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.LOGIN_BACKOFF_SECONDS = 2
    settings.LOGIN_BACKOFF_MAX_SECONDS = 60


def sign_in(client, username, password, **extra):
    return client.post(reverse("core:login"), {"username": username, "password": password}, **extra)


def via_proxy(client, username, password, client_address):
    return sign_in(client, username, password, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def signed_in(response) -> bool:
    return response.status_code == 302 and response.wsgi_request.user.is_authenticated


def test_good_password_signs_in_to_the_dashboard(client, user):
    response = sign_in(client, "wang", PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:dashboard")
    assert "翠苑一期" in response.content.decode()


def test_bad_password_says_so_in_chinese(client, user):
    response = sign_in(client, "wang", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_brute_force_on_one_account_from_one_address_is_stopped(client, behind_proxy, user):
    with clock.frozen(T0):
        for guess in range(5):
            assert "用户名或密码不正确" in sign_in(client, "wang", f"guess-{guess}").content.decode()
        page = sign_in(client, "wang", PASSWORD).content.decode()
    assert "_auth_user_id" not in client.session
    # The message says when to come back: 15 minutes after the first of the five failures.
    assert "登录失败次数过多，请 15 分钟后（09:15 以后）再试" in page
    assert LoginAttempt.objects.count() == 5  # refused attempts are not counted, so waiting works
    with clock.frozen(T0 + dt.timedelta(minutes=15, seconds=1)):
        assert signed_in(sign_in(client, "wang", PASSWORD))


def test_brute_force_through_the_proxy_is_stopped_by_the_client_address(client, behind_proxy, user):
    with clock.frozen(T0):
        for guess in range(5):
            via_proxy(client, "wang", f"guess-{guess}", "198.51.100.7")
        assert "登录失败次数过多" in via_proxy(client, "wang", PASSWORD, "198.51.100.7").content.decode()
        # A spoofed left part of the header changes nothing: the proxy appended the real address.
        spoofed = via_proxy(client, "wang", PASSWORD, "192.0.2.1, 198.51.100.7")
        assert "登录失败次数过多" in spoofed.content.decode()


def test_twenty_made_up_names_and_five_on_a_colleague_do_not_lock_him_out(client, behind_proxy, user):
    """Issue 10's attack, through the one proxy address with distinct clients behind it."""
    with clock.frozen(T0):
        for n in range(20):
            via_proxy(client, f"nobody{n}", "x", f"198.51.100.{n + 1}")
        for n in range(5):
            assert "用户名或密码不正确" in via_proxy(client, "wang", "x", f"203.0.113.{n + 1}").content.decode()
        assert LoginAttempt.objects.count() == 25
        assert signed_in(via_proxy(client, "wang", PASSWORD, "192.0.2.50"))  # his own desk


def test_without_trusted_proxies_the_forwarded_header_is_ignored(client, behind_proxy, user, settings):
    settings.TRUSTED_PROXIES = []
    with clock.frozen(T0):
        for n in range(5):
            via_proxy(client, "wang", "x", f"203.0.113.{n + 1}")
    assert set(LoginAttempt.objects.values_list("ip", flat=True)) == {PROXY}


def test_an_address_trying_many_names_is_refused_at_the_higher_bar(client, behind_proxy, user):
    with clock.frozen(T0):
        for n in range(19):
            via_proxy(client, f"nobody{n}", "x", "198.51.100.9")
        assert "用户名或密码不正确" in via_proxy(client, "li", "x", "198.51.100.9").content.decode()
        assert "登录失败次数过多" in via_proxy(client, "wang", PASSWORD, "198.51.100.9").content.decode()
        assert signed_in(via_proxy(client, "wang", PASSWORD, "198.51.100.10"))


def test_a_name_failing_from_many_addresses_only_slows_down_those_addresses(client, behind_proxy, user):
    with clock.frozen(T0):
        for n in range(6):
            via_proxy(client, "wang", "x", f"203.0.113.{n + 1}")
    # 6 failures on the name (one past the bar): an address that failed waits 2 × 2 s after its failure.
    with clock.frozen(T0 + dt.timedelta(seconds=3)):
        page = via_proxy(client, "wang", PASSWORD, "203.0.113.6").content.decode()
        assert "该账号近期登录失败较多，为保护账号，请 1 秒后（09:00:04 以后）再试" in page
        refusal = throttling.check("wang", "203.0.113.6")
        assert refusal.reason == "backoff" and refusal.seconds == 1
    with clock.frozen(T0 + dt.timedelta(seconds=4)):
        assert signed_in(via_proxy(client, "wang", PASSWORD, "203.0.113.6"))


def test_the_backoff_doubles_and_is_capped(behind_proxy, user):
    with clock.frozen(T0):
        for n in range(30):
            throttling.record_failure("wang", f"203.0.113.{n + 1}")
        refusal = throttling.check("wang", "203.0.113.30")
        assert refusal.reason == "backoff"
        assert refusal.retry_at == T0 + dt.timedelta(seconds=60)
        assert throttling.check("wang", "192.0.2.50") is None  # never a lock for an address of its own


def test_lock_is_per_user_name_case_insensitive(client, settings, user):
    settings.LOGIN_MAX_FAILURES = 3
    staff("front_desk", CommunityFactory(), username="li")
    with clock.frozen(T0):
        for _ in range(3):
            sign_in(client, "WANG", "wrong")
        assert "登录失败次数过多" in sign_in(client, "wang", PASSWORD).content.decode()
        assert sign_in(client, "li", PASSWORD).status_code == 302  # another colleague is not locked out


def test_success_clears_earlier_failures_of_that_address_only(client, settings, user):
    settings.LOGIN_MAX_FAILURES = 3
    with clock.frozen(T0):
        sign_in(client, "wang", "wrong")
        sign_in(client, "wang", "wrong", REMOTE_ADDR="198.51.100.3")
        assert sign_in(client, "wang", PASSWORD).status_code == 302
    # The other address's failure stays: signing in must not hand an attacker fresh attempts.
    assert list(LoginAttempt.objects.values_list("username", "ip")) == [("wang", "198.51.100.3")]


def test_login_page_is_polished_and_chinese(client):
    page = client.get(reverse("core:login")).content.decode()
    assert "物业客服管理系统" in page and 'autocomplete="current-password"' in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # no CDN
    assert f'href="{reverse("core:password_reset")}"' in page and "忘记密码" in page


def test_api_token_sign_in_has_the_same_throttle_and_says_when(behind_proxy, user):
    from rest_framework.test import APIClient

    api = APIClient(REMOTE_ADDR=PROXY)
    with clock.frozen(T0):
        for n in range(20):
            api.post(
                "/api/auth/token/",
                {"username": f"nobody{n}", "password": "x"},
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}",
            )
        for _ in range(5):
            api.post("/api/auth/token/", {"username": "wang", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.1")
        refused = api.post(
            "/api/auth/token/", {"username": "wang", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.1"
        )
        assert refused.status_code == 429
        assert refused.json()["code"] == "locked" and "09:15 以后" in refused.json()["detail"]
        assert refused["Retry-After"] == "900"
        own = api.post(
            "/api/auth/token/", {"username": "wang", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="192.0.2.50"
        )
        assert own.status_code == 200 and own.json()["token"]
