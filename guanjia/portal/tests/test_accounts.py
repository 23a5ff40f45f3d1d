"""Portal accounts: activation by registered mobile + ID tail, sign-in, sign-out, staff sent to the console."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from guanjia.core.models import ActivityLog, LoginAttempt
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.tests.factories import OwnershipFactory, PersonFactory
from guanjia.servicedesk.tests.factories import Office

from .factories import ID_A, PASSWORD, portal_user, registered

pytestmark = pytest.mark.django_db

User = get_user_model()
PHONE = "13800138000"


def activate(client, phone=PHONE, tail=ID_A[-6:], password=PASSWORD, password2=None, **extra):
    data = {"phone": phone, "id_tail": tail, "password1": password, "password2": password2 or password}
    return client.post(reverse("portal:activate"), data, **extra)


@pytest.fixture
def office():
    office = Office()
    registered(office.owner, id_number=ID_A, phone=PHONE)
    return office


class TestActivation:
    def test_registered_phone_and_id_tail_open_an_account_and_sign_in(self, client, office):
        response = activate(client)
        assert response.status_code == 302 and response.url == reverse("portal:home")
        user = User.objects.get(username=PHONE)
        office.owner.refresh_from_db()
        assert office.owner.user == user
        assert user.check_password(PASSWORD)
        assert client.session["_auth_user_id"] == str(user.pk)
        assert ActivityLog.objects.filter(verb="portal.account.activated", subject_id=str(office.owner.pk)).exists()
        home = client.get(reverse("portal:home"))
        assert office.room.code in home.content.decode()

    def test_spaces_dashes_and_lower_case_x_are_accepted(self, client):
        office = Office()
        registered(office.owner, id_number="11010519491231002X", phone="13900139000")
        response = activate(client, phone="139-0013-9000", tail="31002x")
        assert response.status_code == 302
        assert User.objects.filter(username="13900139000").exists()

    def test_one_account_for_the_same_person_in_two_communities(self, client, office):
        elsewhere = OwnershipFactory(room__community=CommunityFactory(), person__name="张三").person
        registered(elsewhere, id_number=ID_A, phone=PHONE)
        activate(client)
        user = User.objects.get(username=PHONE)
        assert set(user.people.values_list("pk", flat=True)) == {office.owner.pk, elsewhere.pk}

    def test_wrong_id_tail_is_refused_and_counted(self, client, office):
        response = activate(client, tail="999999")
        assert response.status_code == 200
        assert "与管理处登记的信息不符" in response.content.decode()
        assert not User.objects.filter(username=PHONE).exists()
        assert LoginAttempt.objects.filter(username=f"activate:{PHONE}").count() == 1

    def test_unknown_phone_gets_the_same_answer(self, client, office):
        response = activate(client, phone="13700137000")
        assert "与管理处登记的信息不符" in response.content.decode()
        assert not User.objects.filter(memberships__isnull=True).exists()
        assert LoginAttempt.objects.filter(username="activate:13700137000").count() == 1

    def test_repeated_failures_lock_activation_even_with_the_right_tail(self, client, settings, office):
        settings.LOGIN_MAX_FAILURES = 3
        for _ in range(3):
            activate(client, tail="000000")
        response = activate(client)
        assert "验证失败次数过多" in response.content.decode()
        assert not User.objects.filter(username=PHONE).exists()

    def test_a_success_clears_earlier_failures(self, client, office):
        activate(client, tail="000000")
        activate(client)
        assert not LoginAttempt.objects.filter(username=f"activate:{PHONE}").exists()

    def test_already_active_is_told_to_sign_in(self, client, office):
        activate(client)
        client.logout()
        response = activate(client)
        assert "已开通业主账号，请直接登录" in response.content.decode()
        assert User.objects.filter(username=PHONE).count() == 1

    def test_two_different_people_matching_are_sent_to_the_office(self, client, office):
        other = PersonFactory(community=office.community, name="李四")
        registered(other, id_number="E1" + ID_A[-6:], phone=PHONE, id_type="passport")
        response = activate(client)
        assert "无法唯一确认您的身份" in response.content.decode()
        assert not User.objects.filter(username=PHONE).exists()

    def test_password_errors_are_shown_beside_the_field_and_not_counted(self, client, office):
        response = activate(client, password="Lu-8813-qiao", password2="Lu-8813-qiaX")
        assert "两次输入的密码不一致" in response.content.decode()
        response = activate(client, password="1234", password2="1234")
        assert response.status_code == 200
        assert 'class="field has-error"' in response.content.decode()
        assert not User.objects.filter(username=PHONE).exists()
        assert not LoginAttempt.objects.exists()

    def test_short_id_tail_and_bad_phone_are_field_errors(self, client, office):
        response = activate(client, phone="12345", tail="1235")
        body = response.content.decode()
        assert "请输入证件号码的后 6 位" in body
        assert "11 位手机号码" in body


class TestSignIn:
    def test_owner_signs_in_at_m_login_and_lands_on_the_portal(self, client, office):
        user = portal_user(office.owner, username=PHONE)
        response = client.post(reverse("portal:login"), {"username": PHONE, "password": PASSWORD})
        assert response.status_code == 302 and response.url == reverse("portal:home")
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_wrong_password_in_chinese_and_throttled(self, client, settings, office):
        portal_user(office.owner, username=PHONE)
        settings.LOGIN_MAX_FAILURES = 2
        for _ in range(2):
            response = client.post(reverse("portal:login"), {"username": PHONE, "password": "nope"})
            assert "用户名或密码不正确" in response.content.decode()
        response = client.post(reverse("portal:login"), {"username": PHONE, "password": PASSWORD})
        assert "登录失败次数过多" in response.content.decode()

    def test_anonymous_pages_go_to_the_portal_sign_in(self, client):
        for name in ("portal:home", "portal:report", "portal:tickets", "portal:me"):
            response = client.get(reverse(name))
            assert response.status_code == 302
            assert response.url.startswith(reverse("portal:login") + "?next=")

    def test_staff_who_open_the_portal_are_sent_to_the_console(self, client, office):
        client.force_login(office.desk)
        response = client.get(reverse("portal:home"))
        assert response.status_code == 302 and response.url == reverse("core:dashboard")

    def test_company_staff_too(self, client):
        client.force_login(staff("company_admin", None))
        assert client.get(reverse("portal:tickets")).url == reverse("core:dashboard")

    def test_sign_out(self, client, office):
        client.force_login(portal_user(office.owner))
        response = client.post(reverse("portal:logout"))
        assert response.url == reverse("portal:login")
        assert "_auth_user_id" not in client.session

    def test_change_password(self, client, office):
        user = portal_user(office.owner)
        client.force_login(user)
        response = client.post(
            reverse("portal:password"),
            {"old_password": PASSWORD, "new_password1": "Hu-2290-xing", "new_password2": "Hu-2290-xing"},
        )
        assert response.url == reverse("portal:me")
        user.refresh_from_db()
        assert user.check_password("Hu-2290-xing")
