"""A user of community A can neither list, find, open nor act on a ticket of community B: it is a 404
and nothing changes (DESIGN.md §1)."""

import pytest
from django.urls import reverse

from guanjia.core.models import ActivityLog
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind, Status
from guanjia.servicedesk.models import Ticket

from .factories import Office, at

pytestmark = pytest.mark.django_db

ACTIONS = {
    "dispatch": {"technician": "0"},
    "arrive": {},
    "complete": {"work_done": "修好了"},
    "check": {"passed": "1"},
    "reply": {"reply": "已处理", "valid": "1"},
    "escalate": {},
    "cancel": {"reason": "重复"},
}


@pytest.fixture
def world(client):
    a, b = Office(), Office()
    a.community.name, b.community.name = "甲小区", "乙小区"
    a.community.save()
    b.community.save()
    b.room.code = "88-1-8801"
    b.room.save()
    repair_b = sd.ticket_create(
        community=b.community,
        actor=b.desk,
        kind=Kind.REPAIR,
        channel="window",
        category="other",
        room=b.room,
        reporter=b.owner,
        description="乙小区的报修",
        received_at=at(2026, 11, 18, 10, 0),
    )
    complaint_b = sd.ticket_create(
        community=b.community,
        actor=b.desk,
        kind=Kind.COMPLAINT,
        channel="phone",
        topic="cleaning",
        room=b.room,
        description="乙小区的投诉",
        received_at=at(2026, 11, 18, 10, 0),
    )
    repair_a = sd.ticket_create(
        community=a.community,
        actor=a.desk,
        kind=Kind.REPAIR,
        channel="window",
        category="other",
        room=a.room,
        description="甲小区的报修",
        received_at=at(2026, 11, 18, 10, 0),
    )
    client.force_login(a.manager)  # every desk permission, in A only
    return {"a": a, "b": b, "repair_b": repair_b, "complaint_b": complaint_b, "repair_a": repair_a}


def test_other_communitys_ticket_page_and_work_order_are_404(client, world):
    for ticket in (world["repair_b"], world["complaint_b"]):
        assert client.get(reverse("servicedesk:ticket", args=[ticket.pk])).status_code == 404
    assert client.get(reverse("core:document_pdf", args=["RC-8.work_order", world["repair_b"].pk])).status_code == 404


def test_other_communitys_ticket_photo_is_404(client, world):
    from django.core.files.base import ContentFile

    from guanjia.servicedesk.models import TicketPhoto

    photo = TicketPhoto.objects.create(
        community=world["b"].community, ticket=world["repair_b"], image=ContentFile(b"GIF89a", name="b.gif")
    )
    assert client.get(reverse("servicedesk:photo", args=[photo.pk])).status_code == 404


@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_action_on_another_communitys_ticket_is_404_and_changes_nothing(client, world, name):
    logged = ActivityLog.objects.count()
    for ticket in (world["repair_b"], world["complaint_b"]):
        data = dict(ACTIONS[name])
        if name == "dispatch":
            data["technician"] = str(world["b"].technician.pk)
        url = reverse("servicedesk:ticket_action", args=[ticket.pk, name])
        assert client.get(url).status_code == 404
        response = client.post(url, data)
        assert response.status_code == 404
        ticket.refresh_from_db()
        assert ticket.status == Status.RECEIVED and ticket.severity in ("", "general")
    assert ActivityLog.objects.count() == logged


def test_list_never_shows_another_communitys_tickets(client, world):
    number_b = world["repair_b"].number
    page = client.get(reverse("servicedesk:tickets")).content.decode()
    assert world["repair_a"].number in page and number_b not in page
    for query in ({"search": number_b}, {"search": "88-1-8801"}, {"kind": "complaint"}, {"overdue": "on"}):
        table = client.get(reverse("servicedesk:tickets"), query).content.decode().split('id="ticket-list"')[1]
        assert number_b not in table and world["complaint_b"].number not in table
        assert "没有符合条件的工单" in table or query == {"overdue": "on"}


def test_desk_search_never_finds_another_communitys_household(client, world):
    b = world["b"]
    for query in ("88-1-8801", b.owner.name):
        html = client.get(reverse("servicedesk:desk_search"), {"q": query}).content.decode()
        assert f'data-room="{b.room.pk}"' not in html
        assert f'data-reporter="{b.owner.pk}"' not in html
        page = client.get(reverse("servicedesk:desk"), {"q": query}).content.decode()
        assert f'data-room="{b.room.pk}"' not in page


def test_desk_does_not_accept_or_show_another_communitys_rows(client, world):
    b = world["b"]
    page = client.get(reverse("servicedesk:desk"), {"room": b.room.pk, "reporter": b.owner.pk}).content.decode()
    assert f'value="{b.room.pk}"' not in page and b.owner.name not in page.split('id="desk-form"')[1]
    filed = client.get(reverse("servicedesk:desk"), {"filed": world["repair_b"].pk}).content.decode()
    assert world["repair_b"].number not in filed
    count = Ticket.objects.count()
    response = client.post(
        reverse("servicedesk:desk"),
        {"kind": "repair", "channel": "window", "category": "other", "room": b.room.pk, "description": "越界报修"},
    )
    assert response.status_code == 400 and Ticket.objects.count() == count


def test_my_tickets_never_shows_another_communitys_ticket(client, world):
    a, b = world["a"], world["b"]
    sd.ticket_dispatch(ticket=world["repair_b"], technician=b.technician, actor=b.desk)
    sd.ticket_dispatch(ticket=world["repair_a"], technician=a.technician, actor=a.desk)
    client.force_login(a.technician)
    page = client.get(reverse("servicedesk:my_tickets")).content.decode()
    assert world["repair_a"].number in page and world["repair_b"].number not in page
