"""The in-app inbox (站内消息): the user's own notifications, unread first, the top bar's unread count."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guanjia.core.models import Notification
from guanjia.core.notify import notify
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def desk(community):
    return staff("front_desk", community)


def rows(page: str) -> str:
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_unread_first_then_newest(client, desk, community):
    old_unread = notify(desk, "旧的未读", community=community)
    read = notify(desk, "已读消息", community=community)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    new_unread = notify(desk, "新的未读", community=community)
    Notification.objects.filter(pk=old_unread.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(desk)
    body = rows(client.get(reverse("core:inbox")).content.decode())
    assert body.index(new_unread.title) < body.index(old_unread.title) < body.index(read.title)
    only_unread = rows(client.get(reverse("core:inbox"), {"unread": "1"}).content.decode())
    assert "已读消息" not in only_unread and "新的未读" in only_unread


def test_top_bar_shows_the_unread_count(client, desk, community):
    for i in range(3):
        notify(desk, f"消息{i}", community=community)
    client.force_login(desk)
    page = client.get(reverse("core:dashboard")).content.decode()
    link = page.split('id="inbox-link"', 1)[1].split("</a>", 1)[0]
    assert ">3</span>" in link
    client.post(reverse("core:inbox_read_all"))
    page = client.get(reverse("core:dashboard")).content.decode()
    assert "badge red" not in page.split('id="inbox-link"', 1)[1].split("</a>", 1)[0]


def test_unread_count_is_one_cheap_query(client, desk, community):
    notify(desk, "提醒", community=community)
    client.force_login(desk)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("core:policies"))
    notification_queries = [q["sql"] for q in queries.captured_queries if "core_notification" in q["sql"]]
    assert len(notification_queries) == 1 and "COUNT(" in notification_queries[0]


def test_mark_one_read_and_all_read(client, desk, community):
    first = notify(desk, "第一条", community=community)
    second = notify(desk, "第二条", community=community)
    client.force_login(desk)
    assert client.post(reverse("core:inbox_read", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    response = client.post(reverse("core:inbox_read_all"), follow=True)
    assert "已将 1 条消息标为已读" in response.content.decode()
    second.refresh_from_db()
    assert second.read_at is not None


def test_opening_follows_the_link_and_marks_read(client, desk, community):
    note = notify(desk, "新派工单", url="/console/desk/tickets/7/", community=community)
    client.force_login(desk)
    response = client.post(reverse("core:inbox_open", args=[note.pk]))
    assert response.status_code == 302 and response.url == "/console/desk/tickets/7/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_outside_link_is_not_followed(client, desk, community):
    note = notify(desk, "可疑链接", url="https://evil.example/", community=community)
    client.force_login(desk)
    response = client.post(reverse("core:inbox_open", args=[note.pk]))
    assert response.url == reverse("core:inbox")


def test_someone_elses_notification_is_404(client, desk, community):
    theirs = notify(staff("cs_supervisor", community), "主管的消息", community=community)
    client.force_login(desk)
    assert "主管的消息" not in client.get(reverse("core:inbox")).content.decode()
    for name in ("core:inbox_read", "core:inbox_open"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_signed_out_user_is_sent_to_login(client):
    response = client.get(reverse("core:inbox"))
    assert response.status_code == 302 and reverse("core:login") in response.url


def test_inbox_is_paginated(client, desk, community):
    Notification.objects.bulk_create(
        [Notification(user=desk, community=community, title=f"消息{i}") for i in range(35)]
    )
    client.force_login(desk)
    page = client.get(reverse("core:inbox")).content.decode()
    assert rows(page).count("<tr") == 30 and "下一页" in page


def test_inbox_query_budget(client, desk, community, django_assert_max_num_queries):
    Notification.objects.bulk_create(
        [Notification(user=desk, community=community, title=f"消息{i}") for i in range(25)]
    )
    client.force_login(desk)
    client.get(reverse("core:inbox"))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("core:inbox")).content.decode()
    assert rows(page).count("<tr") == 25
