"""The lawful ladder of dunning (FE-3, CM-9, 民法典 944): its timing from the policies, the order that
cannot be skipped, contacts and their refusals, reminders through the inbox, the numbered demand and
its printed form, delivery with proof — and no word anywhere that cuts or threatens to cut a utility."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from guanjia.core import clock
from guanjia.core.documents import document_url
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import Notification, PolicySetting
from guanjia.core.tests.factories import UserFactory, login
from guanjia.core.tests.pdf import pdf_text
from guanjia.core.tests.uploads import png

from .. import choices
from ..choices import Channel, ContactOutcome, DunningStep
from ..models import DemandLetter, DunningContact
from ..services import dunning
from .arrears_setup import NOW, TODAY, Office

pytestmark = pytest.mark.django_db

UTILITY_CUTS = ("停水", "停电", "停气", "停暖", "断水", "断电", "断气", "停止供", "限电", "限水")


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def office():
    return Office()


def _record(office, room, step, **extra):
    args = {"channel": Channel.PHONE, "person": "张三", "outcome": ContactOutcome.NO_ANSWER, **extra}
    return dunning.contact_record(room=room, step=step, actor=office.supervisor, **args)


def _next(room):
    return dunning.standing(room, TODAY)[1].next_step


def test_fe3_the_ladders_timing_comes_from_the_policies(office):
    early = office.owe(office.room(), "10.00", days=10).room
    due = office.owe(office.room(), "10.00", days=15).room
    assert _next(early) is None  # FE-3.reminder_days = 15
    assert _next(due) == DunningStep.REMINDER
    PolicySetting.objects.create(community=office.community, key="FE-3.reminder_days", value=10)
    assert _next(early) == DunningStep.REMINDER


def test_fe3_the_ladder_goes_up_step_by_step(office):
    room = office.owe(office.room(), "100.00", days=200).room
    assert _next(room) == DunningStep.REMINDER
    _record(office, room, DunningStep.REMINDER)
    assert _next(room) == DunningStep.DEMAND
    letter = dunning.demand_issue(room=room, actor=office.supervisor)
    assert _next(room) is None  # the committee waits for the demand's delivery
    dunning.demand_delivered(letter=letter, delivered_on=TODAY, delivery="直接送达签收", actor=office.supervisor)
    assert _next(room) == DunningStep.COMMITTEE
    _record(office, room, DunningStep.COMMITTEE, channel=Channel.COMMITTEE)
    assert _next(room) == DunningStep.LEGAL


def test_fe3_a_step_cannot_be_skipped(office):
    room = office.owe(office.room(), "100.00", days=200).room
    with pytest.raises(Conflict, match="须先提醒"):
        _record(office, room, DunningStep.DEMAND)
    with pytest.raises(Conflict, match="须先提醒"):
        dunning.demand_issue(room=room, actor=office.supervisor)
    _record(office, room, DunningStep.REMINDER)
    with pytest.raises(Conflict, match="催告函须已送达"):
        _record(office, room, DunningStep.COMMITTEE)
    with pytest.raises(Conflict, match="业主委员会督促"):
        _record(office, room, DunningStep.LEGAL)
    assert DunningContact.objects.filter(room=room).count() == 1


def test_fe3_contacts_before_the_current_arrears_do_not_count(office):
    room = office.room()
    with clock.frozen(NOW - dt.timedelta(days=400)):
        office.owe(room, "10.00", days=30, today=TODAY - dt.timedelta(days=400))
        _record(office, room, DunningStep.REMINDER)
    room.bills.get().lines.update(open_amount=0)  # paid since
    office.owe(room, "10.00", days=20)
    assert _next(room) == DunningStep.REMINDER


def test_fe3_a_promised_date_must_be_in_the_future(office):
    room = office.owe(office.room(), "10.00", days=20).room
    with pytest.raises(ServiceError) as error:
        _record(office, room, DunningStep.REMINDER, outcome=ContactOutcome.PROMISED, promised_on=TODAY)
    assert error.value.field == "promised_on"
    with pytest.raises(ServiceError):
        _record(office, room, DunningStep.REMINDER, outcome=ContactOutcome.PROMISED)
    contact = _record(
        office, room, DunningStep.REMINDER, outcome=ContactOutcome.PROMISED, promised_on=TODAY + dt.timedelta(days=3)
    )
    assert contact.owed == Decimal("10.00") and contact.by == office.supervisor


def test_fe3_only_households_in_arrears_are_dunned_and_only_by_who_may(office):
    room = office.room()
    with pytest.raises(Conflict, match="没有逾期欠费"):
        _record(office, room, DunningStep.REMINDER)
    room = office.owe(office.room(), "10.00", days=20).room
    for outsider in (office.front, office.technician):
        with pytest.raises(Forbidden):
            dunning.contact_record(
                room=room,
                step=DunningStep.REMINDER,
                channel=Channel.PHONE,
                person="",
                outcome=ContactOutcome.NO_ANSWER,
                actor=outsider,
            )


def test_fe3_reminders_go_to_the_owners_inbox_once(office):
    owner = UserFactory()
    reachable = office.owned(user=owner)
    office.owe(reachable, "80.00", days=20)
    unreachable = office.owe(office.owned(), "10.00", days=20).room
    office.owe(office.owned(user=UserFactory()), "10.00", days=5)  # not due yet
    result = dunning.reminders_send(community=office.community, actor=office.supervisor)
    assert result["sent"] == [reachable] and result["unreachable"] == [unreachable]
    note = Notification.objects.get(user=owner)
    assert "80.00" in note.title and reachable.code in note.title
    contact = DunningContact.objects.get(room=reachable)
    assert (contact.step, contact.channel, contact.outcome) == ("reminder", "inbox", "delivered")
    again = dunning.reminders_send(community=office.community, actor=office.supervisor)
    assert again["sent"] == [] and Notification.objects.filter(user=owner).count() == 1
    with pytest.raises(Forbidden):
        dunning.reminders_send(community=office.community, actor=office.front)


def test_fe3_a_demand_is_numbered_with_a_reasonable_deadline(office):
    room = office.owe(office.owned(name="李四"), "120.50", days=70).room
    _record(office, room, DunningStep.REMINDER)
    letter = dunning.demand_issue(room=room, actor=office.supervisor)
    assert letter.number == "CG-2026-000001"
    assert letter.pay_by == TODAY + dt.timedelta(days=15)  # FE-3.demand_pay_days
    assert (letter.addressee, letter.owed, letter.owed_since) == ("李四", Decimal("120.50"), TODAY - dt.timedelta(70))
    with pytest.raises(Conflict, match="未送达"):
        dunning.demand_issue(room=room, actor=office.supervisor)
    PolicySetting.objects.create(community=office.community, key="FE-3.demand_pay_days", value=30)
    other = office.owe(office.room(), "10.00", days=70).room
    _record(office, other, DunningStep.REMINDER)
    assert dunning.demand_issue(room=other, actor=office.supervisor).pay_by == TODAY + dt.timedelta(days=30)


def test_fe3_the_printed_demand_states_the_debt_deadline_and_basis_and_no_utility_cut(client, office):
    room = office.room()
    office.owe(room, "120.50", days=70)
    office.owe(room, "30.00", days=40, period=dt.date(2026, 10, 1))
    _record(office, room, DunningStep.REMINDER)
    letter = dunning.demand_issue(room=room, actor=office.supervisor)
    login(client, office.supervisor, office.community)
    page = client.get(f"/console/billing/arrears/rooms/{room.pk}/").content.decode()
    assert document_url("FE-3.demand", letter.pk) in page
    response = client.get(document_url("FE-3.demand", letter.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content).replace(" ", "").replace("\n", "")
    for expected in (letter.number, "150.50", "120.50", "30.00", "物业服务费", "2026年12月16日", "第九百四十四条"):
        assert expected in text, expected
    for word in UTILITY_CUTS:
        assert word not in text
    login(client, office.front, office.community)
    assert client.get(document_url("FE-3.demand", letter.pk)).status_code == 403
    stranger = Office()
    login(client, stranger.supervisor, stranger.community)
    assert client.get(document_url("FE-3.demand", letter.pk)).status_code == 404


def test_fe3_delivery_is_recorded_with_its_proof(office):
    room = office.owe(office.room(), "10.00", days=70).room
    _record(office, room, DunningStep.REMINDER)
    letter = dunning.demand_issue(room=room, actor=office.supervisor)
    with pytest.raises(ServiceError) as error:
        dunning.demand_delivered(letter=letter, delivered_on=TODAY, delivery=" ", actor=office.supervisor)
    assert error.value.field == "delivery"
    with pytest.raises(ServiceError):
        dunning.demand_delivered(
            letter=letter, delivered_on=TODAY + dt.timedelta(days=1), delivery="EMS", actor=office.supervisor
        )
    letter = dunning.demand_delivered(
        letter=letter, delivered_on=TODAY, delivery="EMS 1234", proof=png("receipt.png"), actor=office.supervisor
    )
    letter.refresh_from_db()
    assert letter.delivered_on == TODAY and letter.proof.name.endswith(".png")
    assert DunningContact.objects.filter(room=room, step="demand", outcome="delivered").exists()
    with pytest.raises(Conflict):
        dunning.demand_delivered(letter=letter, delivered_on=TODAY, delivery="EMS", actor=office.supervisor)


def test_fe3_no_choice_or_template_offers_to_cut_a_utility():
    labels = [
        str(label)
        for enum in (choices.DunningStep, choices.Channel, choices.ContactOutcome)
        for _value, label in enum.choices
    ]
    templates = Path(settings.BASE_DIR) / "guanjia" / "templates"
    texts = [p.read_text() for p in (templates / "billing").glob("arrears_*.html")]
    texts += [p.read_text() for p in (templates / "portal").glob("fees_arrears*.html")]
    texts += [Path(dunning.__file__).read_text()]
    for word in UTILITY_CUTS:
        assert not any(word in text for text in labels + texts[:-1]), word
    assert [s for s, _l in choices.DunningStep.choices] == ["reminder", "demand", "committee", "legal"]


def test_fe3_household_page_records_a_contact_and_issues_a_demand(client, office):
    room = office.owe(office.room(), "10.00", days=70).room
    login(client, office.supervisor, office.community)
    here = f"/console/billing/arrears/rooms/{room.pk}/"
    data = {"step": "demand", "channel": "phone", "person": "张三", "outcome": "no_answer", "next": here}
    response = client.post(f"{here}contact/", data)
    assert response.status_code == 302  # back, with the refusal as a message
    assert not DunningContact.objects.exists()
    response = client.post(f"{here}contact/", {**data, "step": "reminder"})
    assert response.status_code == 302 and DunningContact.objects.count() == 1
    assert client.post(f"{here}demand/", {"next": here}).status_code == 302
    letter = DemandLetter.objects.get()
    url = f"/console/billing/arrears/demands/{letter.pk}/delivered/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"delivered_on": "2026-12-01", "delivery": "直接送达"}).status_code == 302
    stranger = Office()
    login(client, stranger.supervisor, stranger.community)
    assert client.post(f"{here}contact/", data).status_code == 404
    assert client.get(url).status_code == 404
