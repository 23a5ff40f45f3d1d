"""Console pages of the visits (VS-1 … VS-4): progress, proposals, recording, detail actions."""

import pytest
from django.urls import reverse

from guanjia.core.tests.factories import login
from guanjia.engagement.models import Visit
from guanjia.engagement.services import visit_record
from guanjia.estates.tests.factories import RoomFactory
from guanjia.servicedesk.models import Ticket
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


def record(office, room=None, **kw):
    kw.setdefault("form", "office")
    kw.setdefault("visited_at", at(2026, 11, 10, 10, 0))
    return visit_record(community=office.community, actor=office.supervisor, room=room or office.room, **kw)


def test_visits_page_shows_progress_and_proposals(client, office, django_assert_max_num_queries):
    c = office.community
    extra = [RoomFactory(community=c, unit__building__community=c, unit__community=c) for _ in range(4)]
    for i, room in enumerate(extra[:3]):
        record(office, room=room, visited_at=at(2026, 11, 2 + i, 10, 0), opinions=f"意见{i}")
    record(office, room=extra[0], visited_at=at(2026, 11, 20, 10, 0), is_callback=True)
    login(client, office.supervisor)
    url = reverse("engagement:visits") + "?month=2026-11"
    client.get(url)  # warm the session
    with django_assert_max_num_queries(13):  # 13 = 12 + the VS-1.count_shops policy the page states
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "已访 3 / 应访 1 户（比例 4%）" in html  # VS-1
    assert "已入住住宅 5 户（不含车位、车库、储藏室、商铺）" in html  # VS-1: says what it counts
    assert html.count("engagement/visits/") >= 4  # 4 visits listed, linked
    proposals = html.split('id="visit-proposals"')[1]
    assert office.room.code in proposals and extra[3].code in proposals
    assert extra[0].code not in proposals
    assert "记录拜访" in proposals


def test_visits_page_query_count_does_not_grow_with_rows(client, office, django_assert_max_num_queries):
    c = office.community
    for i in range(30):
        room = RoomFactory(community=c, unit__building__community=c, unit__community=c)
        record(office, room=room, visited_at=at(2026, 11, 1 + i % 28, 9, 0))
    login(client, office.desk)
    url = reverse("engagement:visits") + "?month=2026-11"
    client.get(url)
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200


def test_record_a_home_visit_from_the_form(client, office):
    login(client, office.desk)
    response = client.post(
        reverse("engagement:visit_new"),
        {
            "room_code": office.room.code,
            "form": "home",
            "visited_at": "2026-11-10T19:30",
            "appointment_at": "2026-11-09T10:00",
            "topics": ["cleaning", "greening"],
            "opinions": "草坪需要修剪",
            "signed": "on",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("engagement:visit", args=[visit.pk])
    assert visit.room == office.room and visit.topics == ["cleaning", "greening"] and visit.signed
    assert visit.visitor == office.desk


def test_form_refuses_home_visit_after_2200_beside_the_field(client, office):
    login(client, office.desk)
    response = client.post(
        reverse("engagement:visit_new"),
        {
            "room_code": office.room.code,
            "form": "home",
            "visited_at": "2026-11-10T22:01",
            "appointment_at": "2026-11-09T10:00",
        },
    )
    assert response.status_code == 200
    assert "上门拜访时间不得晚于 22:00" in response.content.decode()  # VS-2
    assert response.context["form"].errors["visited_at"]
    assert not Visit.objects.exists()


def test_form_refuses_unknown_room(client, office):
    other = Office()
    login(client, office.desk)
    response = client.post(
        reverse("engagement:visit_new"),
        {"room_code": other.room.code + "9", "form": "phone", "visited_at": "2026-11-10T10:00"},
    )
    assert response.context["form"].errors["room_code"]
    assert not Visit.objects.exists()


def test_technician_may_neither_read_nor_record(client, office):
    # AR-4: visit records name the household and its opinions; a technician works from his tickets.
    login(client, office.technician)
    assert client.get(reverse("engagement:visits")).status_code == 403
    assert client.get(reverse("engagement:visit_new")).status_code == 403
    visit = record(office)
    page = client.get(reverse("engagement:visit", args=[visit.pk]))
    assert page.status_code in (403, 404) and "visit-ticket-form" not in page.content.decode()
    response = client.post(reverse("engagement:visit_feedback", args=[visit.pk]), {"feedback": "好"})
    assert response.status_code in (403, 404)


def test_visit_of_another_community_is_404(client, office):
    other = Office()
    visit = record(other, room=other.room)
    login(client, office.supervisor)
    assert client.get(reverse("engagement:visit", args=[visit.pk])).status_code == 404
    response = client.post(reverse("engagement:visit_ticket", args=[visit.pk]), {"kind": "repair"})
    assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_turn_opinion_into_ticket_in_one_step(client, office):
    visit = record(office, opinions="电梯异响")
    login(client, office.supervisor)
    url = reverse("engagement:visit", args=[visit.pk])
    response = client.post(
        reverse("engagement:visit_ticket", args=[visit.pk]), {"kind": "repair", "category": "utilities"}
    )
    visit.refresh_from_db()
    assert response.status_code == 302 and response.url == url
    assert visit.ticket is not None and visit.ticket.description == "电梯异响"
    page = client.get(url).content.decode()
    assert visit.ticket.number in page and "visit-ticket-form" not in page


def test_ticket_form_shows_desk_refusal(client, office):
    visit = record(office, opinions="保洁不到位")
    login(client, office.supervisor)
    response = client.post(reverse("engagement:visit_ticket", args=[visit.pk]), {"kind": "complaint"})
    assert response.status_code == 400  # the desk's refusal, beside the form (core.console.ActionView)
    assert "投诉须选择投诉事项" in response.content.decode()
    assert not Ticket.objects.exists()


def test_give_feedback_from_the_detail_page(client, office):
    visit = record(office, feedback_owed=True)
    login(client, office.desk)
    response = client.post(reverse("engagement:visit_feedback", args=[visit.pk]), {"feedback": "已联系绿化班"})
    visit.refresh_from_db()
    assert response.status_code == 302 and visit.feedback == "已联系绿化班" and visit.feedback_given_at


def test_nav_link(client, office):
    login(client, office.desk)
    html = client.get(reverse("engagement:visits")).content.decode()
    assert f'href="{reverse("engagement:visits")}"' in html and "业户拜访" in html
