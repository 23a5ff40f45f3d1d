"""Staff passwords: reset by e-mail (throttled, revealing nothing) and changed while signed in, which
ends the other sessions and revokes the API token (issue 10, core/accounts.py)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.accounts import user_password_set
from guanjia.core.errors import Forbidden
from guanjia.core.models import ActivityLog, LoginAttempt
from guanjia.core.tests.factories import CommunityFactory, UserFactory, at, staff

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"
NEW = "Qiao-8813-lu"
T0 = at(2026, 3, 10, 9, 0)


@pytest.fixture
def wang(settings):
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 3
    user = staff("front_desk", CommunityFactory(name="翠苑一期"), username="wang")
    user.email = "wang@example.com"
    user.save()
    return user


def request_reset(client, email, **extra):
    return client.post(reverse("core:password_reset"), {"email": email}, **extra)


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/console/password/reset/\S+/)", message.body).group(1)


def test_the_login_page_links_to_the_reset_page(client):
    page = client.get(reverse("core:login")).content.decode()
    assert f'href="{reverse("core:password_reset")}">忘记密码<' in page
    assert "请输入您员工账号登记的电子邮箱" in client.get(reverse("core:password_reset")).content.decode()


def test_a_reset_by_e_mail_sets_a_new_password_and_logs_it(client, wang):
    response = request_reset(client, "WANG@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("core:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang@example.com"] and message.subject == "管家：重设登录密码"
    assert "请在 1 小时内打开下面的链接设置新密码" in message.body and "您的用户名：wang" in message.body

    form_page = client.get(reset_link(message), follow=True)
    assert 'id="password-set-form"' in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("core:password_reset_complete")
    wang.refresh_from_db()
    assert wang.check_password(NEW)
    assert ActivityLog.objects.filter(verb="core.user.password_reset", actor=wang, subject_id=str(wang.pk)).count() == 1
    # The link works once.
    again = client.get(reset_link(message), follow=True).content.decode()
    assert "该重设链接无效或已过期" in again


def test_an_unknown_or_owner_address_gets_the_same_answer_and_no_mail(client, wang):
    UserFactory(username="13900000001", email="owner@example.com")  # a portal owner, no staff role
    known = request_reset(client, "wang@example.com")
    unknown = request_reset(client, "nobody@example.com")
    owner = request_reset(client, "owner@example.com")
    assert known["Location"] == unknown["Location"] == owner["Location"] == reverse("core:password_reset_done")
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]
    page = client.get(reverse("core:password_reset_done")).content.decode()
    assert "如果该邮箱属于本系统的员工账号" in page


def test_reset_requests_are_throttled_per_e_mail_from_any_address(client, wang):
    with clock.frozen(T0):
        for n in range(3):
            request_reset(client, "wang@example.com", REMOTE_ADDR=f"198.51.100.{n + 1}")
        refused = request_reset(client, "wang@example.com", REMOTE_ADDR="198.51.100.9")
        # An unknown address is refused the same way: the throttle tells nothing either.
        for n in range(3):
            request_reset(client, "nobody@example.com", REMOTE_ADDR=f"203.0.113.{n + 1}")
        refused_unknown = request_reset(client, "nobody@example.com", REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 200 and refused_unknown.status_code == 200
    assert "重设密码的请求过多，请 15 分钟后（09:15 以后）再试" in refused.content.decode()
    assert "重设密码的请求过多" in refused_unknown.content.decode()
    assert len(mail.outbox) == 3


def test_reset_requests_are_throttled_per_address(client, wang, settings):
    settings.LOGIN_ADDRESS_MAX_FAILURES = 6
    with clock.frozen(T0):
        for n in range(6):
            request_reset(client, f"guess{n}@example.com", REMOTE_ADDR="198.51.100.7")
        refused = request_reset(client, "wang@example.com", REMOTE_ADDR="198.51.100.7")
        assert "重设密码的请求过多" in refused.content.decode()
        assert request_reset(client, "wang@example.com", REMOTE_ADDR="198.51.100.8").status_code == 302
    assert LoginAttempt.objects.filter(ip="198.51.100.7").count() == 6


def test_changing_the_password_ends_other_sessions_and_revokes_the_api_token(client, wang):
    elsewhere = Client()
    elsewhere.force_login(wang)
    assert elsewhere.get(reverse("core:dashboard")).status_code == 200
    token = Token.objects.create(user=wang)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/me/").status_code == 200

    client.force_login(wang)
    page = client.get(reverse("core:password_change")).content.decode()
    assert 'id="password-change-form"' in page and "其他设备上的登录将退出" in page
    response = client.post(
        reverse("core:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert "密码已修改。其他设备上的登录已退出，API 令牌已作废。" in response.content.decode()
    assert client.get(reverse("core:dashboard")).status_code == 200  # this session goes on
    assert elsewhere.get(reverse("core:dashboard")).status_code == 302  # the other one is signed out
    assert api.get("/api/me/").status_code == 401
    assert not Token.objects.filter(user=wang).exists()
    entry = ActivityLog.objects.get(verb="core.user.password_changed")
    assert entry.actor == wang and entry.data == {"tokens_revoked": 1}


def test_a_wrong_old_password_changes_nothing(client, wang):
    Token.objects.create(user=wang)
    client.force_login(wang)
    response = client.post(
        reverse("core:password_change"), {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}
    )
    assert response.status_code == 200 and "has-error" in response.content.decode()
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD) and Token.objects.filter(user=wang).exists()
    assert not ActivityLog.objects.filter(verb="core.user.password_changed").exists()


def test_nobody_sets_another_persons_password_through_the_service(wang):
    other = staff("front_desk", CommunityFactory(), username="li")
    with pytest.raises(Forbidden):
        user_password_set(user=wang, password=NEW, actor=other)
    wang.refresh_from_db()
    assert wang.check_password(PASSWORD)


def test_the_console_shows_where_to_change_the_password(client, wang):
    client.force_login(wang)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert f'href="{reverse("core:password_change")}"' in page
