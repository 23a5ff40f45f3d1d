"""Owners' words are stored as typed: "，" stays full-width in a description, a comment, a suggestion;
NFKC (full-width → half-width) is only for codes and numbers (core.textnorm)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.textnorm import clean, clean_prose, normalise_room_code, parse_area
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.models import CallLog, Ticket
from guanjia.servicedesk.tests.factories import at

from .factories import Household

NOW = at(2026, 11, 18, 10, 0)
REPORT = "主卧天花板渗水，已有水渍（两处）；楼上１２０１室？"
COMMENT = "师傅很专业，准时到场！谢谢。"


def test_prose_keeps_its_characters_codes_are_normalised():
    assert clean_prose("  主卧渗水，已有水渍。\n第二行  ") == "主卧渗水，已有水渍。\n第二行"
    assert clean_prose("单价 ３０ 元／㎡") == "单价 ３０ 元／㎡"
    assert clean_prose(None) == ""
    # Codes and numbers are still read however they were typed.
    assert normalise_room_code("３栋２单元１２０１室") == "3-2-1201"
    assert clean("１３８ ００１３ ８０００") == "13800138000"
    assert str(parse_area("８９．５平方米")) == "89.50"


@pytest.mark.django_db
class TestPortal:
    @pytest.fixture
    def home(self, client):
        household = Household()
        client.force_login(household.user)
        return household

    def test_report_form_keeps_the_description_as_typed(self, client, home):
        with clock.frozen(NOW):
            response = client.post(
                reverse("portal:report"), {"kind": "repair", "category": "leakage", "description": f"  {REPORT}\n"}
            )
        assert response.status_code == 302
        ticket = Ticket.objects.get()
        assert ticket.description == REPORT
        with clock.frozen(NOW):
            page = client.get(reverse("portal:ticket", args=[ticket.pk])).content.decode()
        assert REPORT in page

    def test_rating_comment_keeps_its_full_width_punctuation(self, client, home):
        office = home.office
        with clock.frozen(NOW):
            ticket = sd.ticket_create(
                community=home.community,
                actor=home.user,
                kind="repair",
                channel="portal",
                category="leakage",
                room=home.room,
                description="厨房漏水",
            )
            sd.ticket_dispatch(ticket=ticket, technician=office.technician, actor=office.desk)
            sd.ticket_arrive(ticket=ticket, actor=office.technician)
            sd.ticket_complete(ticket=ticket, actor=office.technician, work_done="更换水管接头，试水正常")
            response = client.post(reverse("portal:confirm", args=[ticket.pk]), {"rating": "5", "comment": COMMENT})
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert ticket.owner_comment == COMMENT and ticket.work_done == "更换水管接头，试水正常"


@pytest.mark.django_db
class TestApi:
    @pytest.fixture
    def api(self):
        household = Household()
        client = APIClient()
        client.force_authenticate(household.office.desk)
        return client, household

    def test_ticket_description_through_the_api(self, api):
        client, home = api
        with clock.frozen(NOW):
            response = client.post(
                "/api/tickets/",
                {
                    "kind": "complaint",
                    "channel": "phone",
                    "topic": "cleaning",
                    "room": home.room.pk,
                    "description": REPORT,
                },
                format="json",
            )
        assert response.status_code == 201, response.content
        assert response.json()["description"] == REPORT
        assert Ticket.objects.get().description == REPORT

    def test_call_log_content_and_handling_through_the_api(self, api):
        client, home = api
        with clock.frozen(NOW):
            response = client.post(
                "/api/calls/",
                {
                    "room": home.room.pk,
                    "caller": "张先生",
                    "phone": "１３８００１３８０００",
                    "content": "咨询停车，月卡怎么办理？",
                    "handling": "已告知：带行驶证到管理处，当场办理。",
                },
                format="json",
            )
        assert response.status_code == 201, response.content
        entry = CallLog.objects.get()
        assert entry.content == "咨询停车，月卡怎么办理？"
        assert entry.handling == "已告知：带行驶证到管理处，当场办理。"
        assert entry.phone == "13800138000"  # a number: normalised
