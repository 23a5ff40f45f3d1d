import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db


def test_staff_land_on_the_console_and_owners_on_the_portal(client):
    staff("front_desk", CommunityFactory(), username="desk")
    get_user_model().objects.create_user("13800138000", password="pw-123456")
    response = client.post(reverse("core:login"), {"username": "desk", "password": "pw-123456"})
    assert response.url == reverse("core:dashboard")
    client.logout()
    response = client.post(reverse("core:login"), {"username": "13800138000", "password": "pw-123456"})
    assert response.url == reverse("portal:home")
