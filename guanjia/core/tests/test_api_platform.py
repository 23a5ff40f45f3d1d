"""The API platform: token and session sign-in, errors as {code, detail}, the current user,
policies, and an OpenAPI schema and docs page served without any outside host."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

from guanjia.core.models import ActivityLog, LoginAttempt
from guanjia.core.policies import policy
from guanjia.core.tests.factories import CommunityFactory, UserFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community, username="kefu")


# --- Authentication --------------------------------------------------------------------------


def test_token_sign_in_then_token_auth(supervisor, community):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "kefu", "password": "pw-123456"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/me/")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == "kefu"
    assert body["roles"] == [
        {
            "role": "cs_supervisor",
            "role_display": "客服主管",
            "community": community.pk,
            "community_name": community.name,
        }
    ]
    assert [c["id"] for c in body["communities"]] == [community.pk]
    # The same token again, not a new one per sign-in.
    again = APIClient().post("/api/auth/token/", {"username": "kefu", "password": "pw-123456"}, format="json")
    assert again.json()["token"] == token


def test_session_auth_works(supervisor):
    client = APIClient()
    assert client.login(username="kefu", password="pw-123456")
    assert client.get("/api/me/").status_code == 200


def test_wrong_password_is_counted_and_answered_in_chinese(supervisor):
    response = APIClient().post("/api/auth/token/", {"username": "kefu", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_login", "detail": "用户名或密码不正确。", "field": "password"}
    assert LoginAttempt.objects.filter(username="kefu").count() == 1


def test_lock_out_after_repeated_failures_even_with_right_password(supervisor, settings):
    client = APIClient()
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post("/api/auth/token/", {"username": "kefu", "password": "nope"}, format="json")
    response = client.post("/api/auth/token/", {"username": "kefu", "password": "pw-123456"}, format="json")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked"
    assert "登录失败次数过多" in body["detail"] and "再试" in body["detail"]
    assert int(response["Retry-After"]) > 0
    assert "token" not in body


def test_successful_sign_in_clears_failures(supervisor):
    client = APIClient()
    client.post("/api/auth/token/", {"username": "kefu", "password": "nope"}, format="json")
    assert client.post("/api/auth/token/", {"username": "kefu", "password": "pw-123456"}).status_code == 200
    assert not LoginAttempt.objects.filter(username="kefu").exists()


def test_token_request_missing_password_is_400_naming_the_field():
    response = APIClient().post("/api/auth/token/", {"username": "kefu"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid", "password")
    assert body["detail"].startswith("密码：")


@pytest.mark.parametrize("url", ["/api/me/", "/api/rooms/", "/api/people/", "/api/communities/"])
def test_unauthenticated_is_401_with_code_and_detail(url):
    response = APIClient().get(url)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert re.search(r"[\u4e00-\u9fff]", body["detail"])  # in Chinese
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_token_is_401():
    response = APIClient(HTTP_AUTHORIZATION="Token deadbeef").get("/api/rooms/")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "detail"}


def test_signed_in_non_staff_is_403():
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.get("/api/rooms/")
    assert response.status_code == 403
    assert set(response.json()) == {"code", "detail"}


def test_unknown_row_is_404_with_code_and_detail(supervisor):
    client = APIClient()
    client.force_authenticate(supervisor)
    response = client.get("/api/rooms/999999/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到。"}


# --- Communities and policies (DESIGN.md §3) ------------------------------------------------


def test_policies_list_rule_ids_and_values(supervisor, community):
    client = APIClient()
    client.force_authenticate(supervisor)
    rows = {row["key"]: row for row in client.get(f"/api/communities/{community.pk}/policies/").json()}
    assert rows["RC-4.leak_days"]["rule"] == "RC-4"
    assert (rows["RC-4.leak_days"]["value"], rows["RC-4.leak_days"]["changed"]) == (3, False)
    assert rows["RN-8.complaint_rate_pct"]["value"] == "0.5"


def test_office_manager_changes_a_policy_and_it_is_logged(community):
    manager = staff("office_manager", community)
    client = APIClient()
    client.force_authenticate(manager)
    response = client.patch(
        f"/api/communities/{community.pk}/policies/", {"key": "RC-4.leak_days", "value": "5"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["value"], response.json()["changed"]) == (5, True)
    assert policy(community, "RC-4.leak_days") == 5
    entry = ActivityLog.objects.get(verb="core.policy.changed")
    assert (entry.actor, entry.data["old"], entry.data["new"]) == (manager, "3", "5")


def test_policy_change_refused_to_supervisor_and_bad_value_named(supervisor, community):
    client = APIClient()
    client.force_authenticate(supervisor)
    url = f"/api/communities/{community.pk}/policies/"
    assert client.post(url, {"key": "RC-4.leak_days", "value": "5"}, format="json").status_code == 403
    manager = APIClient()
    manager.force_authenticate(staff("office_manager", community))
    response = manager.post(url, {"key": "RC-4.leak_days", "value": "三天"}, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid_policy", "RC-4.leak_days")
    assert "渗漏水维修回访时限" in response.json()["detail"]
    response = manager.post(url, {"key": "XX-1.nothing", "value": "1"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_policy")
    assert policy(community, "RC-4.leak_days") == 3


# --- OpenAPI --------------------------------------------------------------------------------


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ("/api/rooms/{id}/transfer/", "/api/people/{id}/id-number/", "/api/communities/{id}/policies/"):
        assert path in text


def test_docs_page_loads_only_local_assets():
    response = APIClient().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(?:https?:)?//(?!testserver)[\w.-]+\.\w+/", html), "external host referenced"
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    local = [a for a in assets if a.startswith("/static/")]
    assert any(a.endswith("swagger-ui-bundle.js") for a in local)
    for asset in local:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_schema_endpoint_served():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/rooms/" in response.json()["paths"]
