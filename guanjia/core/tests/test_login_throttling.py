"""Sign-in through the login page, and the lock-out after repeated failures (core/throttling.py)."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core.models import LoginAttempt
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"  # UserFactory's


@pytest.fixture
def user():
    return staff("front_desk", CommunityFactory(name="翠苑一期"), username="wang")


def sign_in(client, username, password, **extra):
    return client.post(reverse("core:login"), {"username": username, "password": password}, **extra)


def test_good_password_signs_in_to_the_dashboard(client, user):
    response = sign_in(client, "wang", PASSWORD, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:dashboard")
    assert "翠苑一期" in response.content.decode()


def test_bad_password_says_so_in_chinese(client, user):
    response = sign_in(client, "wang", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_for_the_right_password(client, settings, user):
    settings.LOGIN_MAX_FAILURES = 5
    for _ in range(5):
        assert "用户名或密码不正确" in sign_in(client, "wang", "wrong").content.decode()
    page = sign_in(client, "wang", PASSWORD).content.decode()
    assert "登录失败次数过多" in page and "15 分钟后再试" in page
    assert "_auth_user_id" not in client.session


def test_lock_is_per_user_name_case_insensitive(client, settings, user):
    settings.LOGIN_MAX_FAILURES = 3
    staff("front_desk", CommunityFactory(), username="li")
    for _ in range(3):
        sign_in(client, "WANG", "wrong")
    assert "登录失败次数过多" in sign_in(client, "wang", PASSWORD).content.decode()
    assert sign_in(client, "li", PASSWORD).status_code == 302  # another colleague is not locked out


def test_lock_lifts_after_the_lockout_period(client, settings, user):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        sign_in(client, "wang", "wrong")
    assert "登录失败次数过多" in sign_in(client, "wang", PASSWORD).content.decode()
    LoginAttempt.objects.update(at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert sign_in(client, "wang", PASSWORD).status_code == 302


def test_success_clears_earlier_failures(client, settings, user):
    settings.LOGIN_MAX_FAILURES = 3
    sign_in(client, "wang", "wrong")
    sign_in(client, "wang", "wrong")
    assert sign_in(client, "wang", PASSWORD).status_code == 302
    assert not LoginAttempt.objects.filter(username="wang").exists()


def test_login_page_is_polished_and_chinese(client):
    page = client.get(reverse("core:login")).content.decode()
    assert "物业客服管理系统" in page and 'autocomplete="current-password"' in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # no CDN
