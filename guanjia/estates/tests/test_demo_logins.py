"""`manage.py demo` prints a ready owner-portal login per community, next to the staff logins."""

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from guanjia.billing.models import PaymentOrder
from guanjia.core import clock
from guanjia.core.models import ActivityLog
from guanjia.estates import demo
from guanjia.estates.models import Person
from guanjia.servicedesk.tests.factories import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 20, 18, 0)


def run(*args) -> str:
    out = io.StringIO()
    with clock.frozen(NOW):
        call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def built(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return run("--scale", "0.05")


def test_one_activated_owner_per_community_signs_in_to_the_portal(built, client):
    owners = demo.owner_logins()
    assert [(o.username, o.community) for o in owners] == [  # the numbers README.md lists
        ("13900000001", "翠苑花园"),
        ("13900000002", "锦绣华庭"),
        ("13900000003", "江畔壹号"),
    ]
    for owner in owners:
        person = Person.objects.get(user__username=owner.username, community__name=owner.community)
        assert person.phones.filter(number=owner.username).exists()
        # Opened the way a real owner opens it (portal activation), so it is logged as one.
        assert ActivityLog.objects.filter(verb="portal.account.activated", subject_id=str(person.pk)).exists()
        assert client.login(username=owner.username, password=demo.PASSWORD)
        with clock.frozen(NOW):
            home = client.get(reverse("portal:home"))
        assert home.status_code == 200 and owner.room in home.content.decode()
        client.logout()


def test_the_logins_table_names_the_portal_and_the_owners(built):
    assert demo.PORTAL_URL == "http://127.0.0.1:8000/m/"
    for output in (built, run("--logins")):
        assert "http://127.0.0.1:8000/m/" in output and "cuiyuan_desk" in output
        for owner in demo.owner_logins():
            line = next(line for line in output.splitlines() if line.startswith(owner.username))
            assert line.split() == [owner.username, owner.name, owner.room, owner.community, demo.PASSWORD]


def test_readme_lists_the_demo_owners():
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    for plan in demo.COMMUNITIES:
        assert f"| `{demo.DEMO_OWNER_PHONES[plan.code]}` | {plan.name} |" in readme
    assert demo.PORTAL_URL in readme and "/m/activate/" in readme


def test_an_older_demo_database_gains_its_owner_logins(built):
    owners = get_user_model().objects.filter(username__in=[o.username for o in demo.owner_logins()])
    PaymentOrder.objects.filter(user__in=owners).delete()  # an older demo had no online orders either
    owners.delete()
    assert demo.owner_logins() == []
    assert "manage.py demo" in run("--logins")  # says how to get them
    output = run()  # the demo company exists: nothing else changes
    assert "已存在" in output and "已为 3 个小区开通演示业主账号" in output
    assert len(demo.owner_logins()) == 3
    run()
    assert Person.objects.filter(user__isnull=False).count() == 3  # idempotent
