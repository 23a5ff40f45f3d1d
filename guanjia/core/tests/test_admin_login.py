"""/admin/login/ under the same sign-in throttle as the console and the API (issue 10)."""

import datetime as dt

import pytest

from guanjia.core import clock
from guanjia.core.models import LoginAttempt
from guanjia.core.tests.factories import UserFactory, at

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"
T0 = at(2026, 3, 10, 9, 0)


@pytest.fixture
def admin_user(settings):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_sign_in(client, username, password, **extra):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"}, **extra
    )


def test_a_right_password_opens_the_admin(client, admin_user):
    response = admin_sign_in(client, "root", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_brute_force_at_the_admin_login_is_stopped_and_told_when(client, admin_user):
    with clock.frozen(T0):
        for guess in range(5):
            page = admin_sign_in(client, "root", f"guess-{guess}").content.decode()
            assert "用户名或密码不正确" in page
        page = admin_sign_in(client, "root", PASSWORD).content.decode()
    assert "登录失败次数过多，请 15 分钟后（09:15 以后）再试" in page
    assert "_auth_user_id" not in client.session
    with clock.frozen(T0 + dt.timedelta(minutes=16)):
        assert admin_sign_in(client, "root", PASSWORD).status_code == 302


def test_failures_at_the_console_count_at_the_admin_too(client, admin_user):
    """One throttle, not one per door: guesses cannot be spread over the sign-in pages."""
    with clock.frozen(T0):
        for guess in range(3):
            client.post("/console/login/", {"username": "root", "password": f"guess-{guess}"})
        client.post("/api/auth/token/", {"username": "root", "password": "guess-3"})
        admin_sign_in(client, "root", "guess-4")
        assert LoginAttempt.objects.filter(username="root").count() == 5
        assert "登录失败次数过多" in admin_sign_in(client, "root", PASSWORD).content.decode()


def test_a_non_staff_user_with_the_right_password_is_refused_but_not_counted(client, admin_user):
    UserFactory(username="owner1")
    page = admin_sign_in(client, "owner1", PASSWORD).content.decode()
    assert "无权进入后台管理" in page
    assert not LoginAttempt.objects.exists()
