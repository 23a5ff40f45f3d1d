"""The README's role × personal-field matrix (AR-4, LW-1) is what the code shows.

For every role the pages and API answers are rendered and each field is classified by what they
actually show (full, masked, revealable, on his own jobs only, nothing); the result must equal the
table in the README, and the table in this test (so neither can drift silently)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from guanjia.billing.tests.factories import FeeItemFactory, bill_for
from guanjia.core import clock
from guanjia.core.models import ActivityLog
from guanjia.core.roles import COMPANY_ROLES, Role
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.estates import services as estates
from guanjia.estates.tests.factories import OwnershipFactory, RoomFactory
from guanjia.servicedesk import services as desk
from guanjia.servicedesk.choices import Kind

pytestmark = pytest.mark.django_db

FULL, MASKED, REVEAL, OWN, NONE = "完整", "遮蔽", "遮蔽，可查看完整（记日志）", "本人工单", "—"
FIELDS = ["姓名", "电话", "证件号", "出生日期", "房号/地址", "投诉内容"]
ROLES = list(Role)
_ = NONE
# fmt: off
EXPECTED = {
    #            接待员  客服主管 管理处经理 设备主管 现场管理员 出纳  文档管理员 保安  维修工 品质管理部 公司管理员
    "姓名":     [FULL, FULL,   FULL,   FULL,  FULL,   FULL, FULL,   FULL, OWN,  FULL,   FULL],
    "电话":     [FULL, FULL,   FULL,   MASKED, FULL,  MASKED, MASKED, MASKED, OWN, MASKED, FULL],
    "证件号":   [MASKED, REVEAL, REVEAL, MASKED, MASKED, MASKED, MASKED, MASKED, _, MASKED, REVEAL],
    "出生日期": [_,    FULL,   FULL,   _,     _,      _,    _,      _,    _,    _,      FULL],
    "房号/地址": [FULL, FULL,   FULL,   FULL,  FULL,   FULL, FULL,   FULL, OWN,  FULL,   FULL],
    "投诉内容": [FULL, FULL,   FULL,   FULL,  FULL,   _,    FULL,   FULL, OWN,  FULL,   FULL],
}
# fmt: on

OWNER_ID, OWNER_PHONE = "330106198503122146", "13800001111"
CALLER_PHONE = "13900002222"
NOW = at(2026, 11, 20, 10, 0)


def readme_matrix() -> dict[str, list[str]]:
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- personal-data-matrix -->\n(.*?)<!-- /personal-data-matrix -->", text, re.S)
    assert block, "README.md has lost its personal-data matrix"
    lines = [line.strip().strip("|").split("|") for line in block.group(1).strip().splitlines()]
    header, rows = [c.strip() for c in lines[0]], lines[2:]
    assert header[1:] == [str(r.label) for r in ROLES], "the README's columns are the roles of core/roles.py"
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}


def test_readme_matrix_is_the_tests():
    assert readme_matrix() == EXPECTED


@pytest.fixture
def office():
    community = CommunityFactory(name="翠苑一期")
    manager = staff("office_manager", community)
    desk_clerk = staff("front_desk", community)
    technician = staff("technician", community)
    room = RoomFactory(community=community, unit__community=community, unit__building__community=community)
    with clock.frozen(NOW):
        owner = estates.person_create(
            community=community, actor=manager, name="陈晓梅", id_number=OWNER_ID, phones=[OWNER_PHONE]
        )
        OwnershipFactory(room=room, person=owner)
        repair = desk.ticket_create(
            community=community,
            actor=desk_clerk,
            kind=Kind.REPAIR,
            channel="phone",
            category="leakage",
            room=room,
            reporter=owner,
            description="卫生间天花板渗水",
        )
        desk.ticket_dispatch(ticket=repair, technician=technician, actor=desk_clerk)
        fee = FeeItemFactory(community=community)
        bill = bill_for(room, [(fee, "268.50")], payer_name=owner.name)  # its payer on the fee pages
        complaint = desk.ticket_create(
            community=community,
            actor=desk_clerk,
            kind=Kind.COMPLAINT,
            channel="phone",
            topic="cleaning",
            room=room,  # on the household file too: its 报修投诉 section follows the same rule
            reporter_name="李四海",
            reporter_phone=CALLER_PHONE,
            description="楼道垃圾两天没人清理，邻居养狗扰民",
        )
    return {
        "community": community,
        "room": room,
        "owner": owner,
        "repair": repair,
        "complaint": complaint,
        "technician": technician,
        "bill": bill,
    }


def _page(client, url, follow=False) -> str:
    response = client.get(url, follow=follow)
    return response.content.decode() if response.status_code == 200 else ""


def observe(client, office, user) -> dict[str, str]:
    """Classify each field by what this user's pages show."""
    owner, room = office["owner"], office["room"]
    client.force_login(user)
    household = _page(client, reverse("estates:household", args=[room.pk]))
    person = _page(client, reverse("estates:person", args=[owner.pk]))
    api_person = client.get(f"/api/people/{owner.pk}/")
    own_job = _page(client, reverse("servicedesk:ticket", args=[office["repair"].pk]))
    complaint = _page(client, reverse("servicedesk:ticket", args=[office["complaint"].pk]))
    api_complaint = client.get(f"/api/tickets/{office['complaint'].pk}/")
    everyone_jobs = bool(complaint)
    assert everyone_jobs == (api_complaint.status_code == 200), "console and API disagree on the complaint"

    def graded(full: bool, masked: bool, on_own_job: bool) -> str:
        if full:
            return FULL
        if masked:
            return MASKED
        return OWN if on_own_job else NONE

    seen = {}
    seen["姓名"] = graded(owner.name in household, False, owner.name in own_job and not everyone_jobs)
    masked_phone = f"{OWNER_PHONE[:3]}****{OWNER_PHONE[-4:]}"
    seen["电话"] = graded(
        OWNER_PHONE in household and CALLER_PHONE in complaint,
        masked_phone in household,
        OWNER_PHONE in own_job and not everyone_jobs,
    )
    shown_id = "*" * 14 + OWNER_ID[-4:]
    if shown_id in household and shown_id in person:
        before = ActivityLog.objects.filter(verb="estates.person.id_viewed").count()
        reveal = client.post(reverse("estates:person_reveal_id", args=[owner.pk]), HTTP_HX_REQUEST="true")
        revealed = reveal.status_code == 200 and OWNER_ID in reveal.content.decode()
        if revealed:
            assert ActivityLog.objects.filter(verb="estates.person.id_viewed").count() == before + 1  # LW-1
        seen["证件号"] = REVEAL if revealed else MASKED
    else:
        assert OWNER_ID[-4:] not in own_job + complaint
        seen["证件号"] = NONE
    body = api_person.json() if api_person.status_code == 200 else {}
    on_person_page = "1985-03-12" in person
    assert bool(body.get("birth_date")) == on_person_page or not body, "API and person page disagree"
    seen["出生日期"] = FULL if body.get("birth_date") == "1985-03-12" else NONE
    seen["房号/地址"] = graded(bool(household) and room.code in household, False, room.code in own_job)
    everywhere = complaint + household
    seen["投诉内容"] = graded(
        office["complaint"].description in everywhere, False, office["repair"].description in own_job
    )
    fee_pages_hold_to(client, office, seen)
    return seen


def fee_pages_hold_to(client, office, seen) -> None:
    """The fee office's pages (FE-1, FE-3) show no more than the matrix allows the role: the household
    statement, a bill with its payer's name, the arrears and dunning page, the cashier's window and its
    search by an owner's phone."""
    room = office["room"]
    pages = "".join(
        _page(client, url, follow=True)
        for url in (
            reverse("billing:statement", args=[room.pk]),
            reverse("billing:bill", args=[office["bill"].pk]),
            reverse("billing:arrears_household", args=[room.pk]),
            reverse("billing:collect") + f"?q={OWNER_PHONE}",  # one hit: straight to the room's window
            reverse("billing:collect") + f"?q={room.code[:1]}",  # the hits list, owners' names on it
        )
    )
    if seen["电话"] != FULL:
        assert OWNER_PHONE not in pages, "a fee page shows the full phone to a role the matrix masks it for"
    if seen["姓名"] != FULL:
        assert office["owner"].name not in pages
    if seen["房号/地址"] != FULL:
        assert not pages
    assert OWNER_ID not in pages and OWNER_ID[-4:] not in pages and "1985-03-12" not in pages


def test_code_shows_what_the_matrix_says(client, office):
    observed = {field: [] for field in FIELDS}
    with clock.frozen(NOW):
        for role in ROLES:
            if role == Role.TECHNICIAN:
                user = office["technician"]
            else:
                user = staff(role, None if role in COMPANY_ROLES else office["community"])
            for field, value in observe(client, office, user).items():
                observed[field].append(value)
            client.logout()
    assert observed == EXPECTED


def test_technician_list_and_api_hold_only_his_jobs(client, office):
    client.force_login(office["technician"])
    listing = client.get(reverse("servicedesk:tickets")).content.decode()
    assert office["repair"].number in listing and office["complaint"].number not in listing
    api = client.get("/api/tickets/").json()["results"]
    assert [t["number"] for t in api] == [office["repair"].number]
    assert client.get("/api/callbacks/").status_code == 200
    assert client.get(reverse("servicedesk:calls")).status_code in (200, 403)
    assert CALLER_PHONE not in client.get(reverse("servicedesk:calls")).content.decode()
    assert client.get(reverse("estates:household", args=[office["room"].pk])).status_code in (403, 404)
    assert client.get("/api/people/").status_code in (403, 404) or client.get("/api/people/").json()["results"] == []
