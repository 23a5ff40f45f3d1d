"""The owner's questionnaire on a 390 px phone keeps the answers given so far (SV-2 intake): half the
items answered, the page reloaded, the answers still there; the last question scrolled to sits fully
above the fixed submit bar (bounding boxes); the submit is what returns the form.

Screenshot: var/screenshots/portal_survey_draft.png (the phone's viewport at the last question).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.core import clock
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.engagement import surveys
from guanjia.engagement.choices import SurveyKind
from guanjia.engagement.models import SheetDraft, SurveySheet
from guanjia.estates import services as estates
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.portal.services import portal_account_activate

from .conftest import PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER_PHONE = "13900003333"
OWNER_ID = "110105198805204326"
OWNER_PASSWORD = "Wen-5521-juan"
OWNER_ROOM = "7-1-201"
# Thursday 3 December 2026, 20:30: the questionnaire went out on the 1st (SV-2) and is collecting.
EVENING = timezone.make_aware(dt.datetime(2026, 12, 3, 20, 30))
HALF = {1: "满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "满意"}  # items 1–5 of the ten


@pytest.fixture
def issued():
    """翠苑三期, building 7: six dwellings moved in (and a parking space, never a household); the
    December questionnaire with the ten SV-7 items, issued to every household on 1 December."""
    community = CommunityFactory(name="翠苑三期", office_phone="0755-26887777")
    supervisor = staff("cs_supervisor", community, username="kefu3")
    unit = UnitFactory(building__community=community, building__code="7", community=community, code="1")
    rooms = {}
    for floor in range(1, 7):
        room = RoomFactory(unit=unit, number=f"{floor}01", handover="moved_in", use="self")
        rooms[room.code] = room
    RoomFactory(unit=unit, number="B01", kind="parking", handover="moved_in")
    owner = estates.person_create(
        community=community, actor=supervisor, name="欧阳娜娜", id_number=OWNER_ID, phones=[OWNER_PHONE]
    )
    estates.ownership_register(
        room=rooms[OWNER_ROOM], actor=supervisor, owners=[(owner, 100)], since=dt.date(2018, 9, 1)
    )
    portal_account_activate(phone=OWNER_PHONE, id_tail=OWNER_ID[-6:], password=OWNER_PASSWORD)
    survey = surveys.survey_create(
        community=community, actor=supervisor, kind=SurveyKind.QUESTIONNAIRE, year=2026, period=2
    )
    assert surveys.survey_draw(survey=survey, actor=supervisor) == 6  # the parking space gets no form
    surveys.survey_issue(survey=survey, actor=supervisor, issued_on=dt.date(2026, 12, 1))
    return survey


def choose(page, position: int, label: str) -> None:
    """Tap a choice and wait for its draft to be saved."""
    fieldset = page.locator("#sheet-form fieldset[data-item]").nth(position - 1)
    with page.expect_response(lambda r: r.url.endswith("/draft/") and r.request.method == "POST") as saved:
        fieldset.locator(f"label.chip:has(span:text-is('{label}'))").click()
    assert saved.value.ok


def checked(page) -> dict[int, str]:
    """{position: label} of the choices checked on the page."""
    out = {}
    for n, fieldset in enumerate(page.locator("#sheet-form fieldset[data-item]").all(), start=1):
        on = fieldset.locator("label.chip:has(input:checked) span")
        if on.count():
            out[n] = on.inner_text()
    return out


def test_owner_answers_half_reloads_finds_them_and_the_bar_covers_no_question(live_server, issued, phone):
    base = live_server.url
    sheet = SurveySheet.objects.get(survey=issued, room__code=OWNER_ROOM)
    with clock.frozen(EVENING, all_threads=True):  # the live server answers in another thread
        phone.goto(base + reverse("portal:login"))
        phone.fill("#id_username", OWNER_PHONE)
        phone.fill("#id_password", OWNER_PASSWORD)
        phone.click("button[type=submit]")
        phone.wait_for_url(base + "/m/")
        phone.goto(base + reverse("portal:survey", args=[sheet.pk]))
        assert phone.locator("nav.tabs").count() == 0  # the form's own bar instead of the tabs
        assert phone.locator("#draft-state").inner_text() == "选择后自动保存"

        # 1. Half the questionnaire: items 1–5, each saved as it is tapped.
        for position, label in HALF.items():
            choose(phone, position, label)
        assert phone.locator("#sheet-progress").inner_text() == "已答 5 / 10 项"
        assert phone.locator("#draft-state").inner_text() == "已自动保存 20:30"
        draft = SheetDraft.objects.get(sheet=sheet)
        assert len(draft.answers) == 5
        sheet.refresh_from_db()
        assert sheet.returned_at is None  # a draft is not a returned form

        # 2. Reload: the answers are kept.
        phone.reload()
        assert checked(phone) == HALF
        assert phone.locator("#sheet-progress").inner_text() == "已答 5 / 10 项"
        assert "草稿已保存 12-03 20:30" in phone.locator("#draft-state").inner_text()

        # 3. The last question, scrolled to, is fully visible above the fixed bar.
        bar = phone.locator("#sheet-bar")
        last = phone.locator("#sheet-form .card.question").last
        last.evaluate("el => el.scrollIntoView({block: 'end'})")
        bar_box, last_box = bar.bounding_box(), last.bounding_box()
        header_bottom = phone.locator("header.bar").bounding_box()["height"]
        assert bar_box["y"] + bar_box["height"] == pytest.approx(PHONE["height"], abs=1)  # fixed at the bottom
        assert last_box["y"] >= header_bottom - 1
        assert last_box["y"] + last_box["height"] <= bar_box["y"], (last_box, bar_box)
        # And at the very end of the page the last card (suggestions) clears the bar too: the page
        # keeps at least the bar's height of room at its end.
        phone.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        end_card = phone.locator("#sheet-form > .card").last.bounding_box()
        assert end_card["y"] + end_card["height"] <= phone.locator("#sheet-bar").bounding_box()["y"]
        padding = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('main.page')).paddingBottom)")
        assert padding >= bar_box["height"]
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        last.evaluate("el => el.scrollIntoView({block: 'end'})")
        last.locator("label.chip:has(span:text-is('基本满意'))").click()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(SCREENSHOTS / "portal_survey_draft.png"))

        # 4. The submit is what returns the form: the five kept answers and the last one.
        phone.click("#sheet-bar button[type=submit]")
        phone.wait_for_url("**/m/surveys/*/thanks/")
        assert "提交成功，感谢您的参与！" in phone.locator("#thanks").inner_text()
    sheet.refresh_from_db()
    assert sheet.channel == "portal" and sheet.returned_at == EVENING
    given = dict(sheet.answers.values_list("item__position", "choice"))
    assert given[2] == "dissatisfied" and given[10] == "basic" and given[7] == "blank"
    assert not SheetDraft.objects.filter(sheet=sheet).exists()
