"""One half-yearly questionnaire 问卷调查 (SV-2), end to end, in Chromium: the CS supervisor creates it
with the SV-7 default items, hands a form to every moved-in household (every entrance covered) and
issues it in December; the owner answers on the phone (one item left blank: an abstention, SV-3); the
front desk types two paper forms with the keyboard only; the supervisor closes collection, checks the
satisfaction arithmetic with the return-rate penalty (SV-3) and the key items of the Pareto (SV-4),
and publishes the results (SV-6); the owner reads them on the phone without any room number or name.

Screenshots: var/screenshots/survey_*.png (phone ones at 390 px wide).
"""

import datetime as dt
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from guanjia.core.policies import policy
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.engagement.models import Survey, SurveySheet
from guanjia.estates import services as estates
from guanjia.estates.tests.factories import RoomFactory, UnitFactory
from guanjia.portal.services import portal_account_activate

from .conftest import DESKTOP
from .test_portal_repair_flow import console_sign_in, phone_shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER_NAME = "欧阳娜娜"
OWNER_PHONE = "13900002222"
OWNER_ID = "110105198805204326"
OWNER_PASSWORD = "Wen-5521-juan"
OWNER_ROOM = "5-1-301"

# The SV-7 default items, in order (the answer string follows this order).
ITEMS = [
    "治安",
    "清洁",
    "绿化",
    "维修人员",
    "休闲及儿童设施",
    "管理人员",
    "便民服务",
    "特殊困难和需求",
    "社区文化",
    "其他",
]
S, B, D, A = "satisfied", "basic", "dissatisfied", "abstained"
# The owner on the phone: 清洁 dissatisfied, 其他 left unanswered, the rest satisfied.
OWNER_ANSWERS = {"清洁": D, "其他": None}
# The two paper forms as the clerk types them (1 满意, 2 基本满意, 3 不满意, 0 blank, 9 multiple).
PAPER = {"5-2-101": "1112223331", "5-2-201": "2311111190"}
KEYS = {"1": S, "2": B, "3": D, "0": A, "9": A}


@pytest.fixture
def estate():
    """翠苑二期: building 5, two entrances of six moved-in households; the owner lives in 5-1-301."""
    community = CommunityFactory(name="翠苑二期", office_phone="0755-26885678")
    staff("cs_supervisor", community, username="kefu")
    staff("front_desk", community, username="qiantai")
    rooms = {}
    first = UnitFactory(building__community=community, building__code="5", community=community, code="1")
    second = UnitFactory(building=first.building, community=community, code="2")
    for unit in (first, second):
        for floor in range(1, 7):
            room = RoomFactory(unit=unit, number=f"{floor}01", handover="moved_in", use="self")
            rooms[room.code] = room
    manager = staff("office_manager", community)
    owner = estates.person_create(
        community=community, actor=manager, name=OWNER_NAME, id_number=OWNER_ID, phones=[OWNER_PHONE]
    )
    estates.ownership_register(room=rooms[OWNER_ROOM], actor=manager, owners=[(owner, 100)], since=dt.date(2018, 9, 1))
    portal_account_activate(phone=OWNER_PHONE, id_tail=OWNER_ID[-6:], password=OWNER_PASSWORD)
    return {"community": community, "rooms": rooms}


def expected_results(community, issued: int):
    """The SV-3 arithmetic done by hand from what the test enters: per-item counts, the raw overall
    rate, the return rate, the penalty and the adjusted rate, each to one decimal."""
    sheets = [{item: OWNER_ANSWERS.get(item, S) or A for item in ITEMS}]
    sheets += [{item: KEYS[key] for item, key in zip(ITEMS, answers, strict=True)} for answers in PAPER.values()]
    counts = {item: {S: 0, B: 0, D: 0, A: 0} for item in ITEMS}
    for sheet in sheets:
        for item, choice in sheet.items():
            counts[item][choice] += 1
    s, b, d = (sum(c[k] for c in counts.values()) for k in (S, B, D))
    one = Decimal("0.1")
    raw = Decimal(s + b) * 100 / Decimal(s + b + d)
    return_rate = Decimal(len(sheets)) * 100 / Decimal(issued)
    threshold = Decimal(str(policy(community, "SV-2.min_return_pct")))
    points = int(max(Decimal(0), threshold - return_rate).to_integral_value(rounding=ROUND_FLOOR))
    penalty = Decimal(str(policy(community, "SV-3.penalty_points"))) * points
    adjusted = max(Decimal(0), raw - penalty)
    return {
        "counts": counts,
        "s": s,
        "b": b,
        "d": d,
        "raw": f"{raw.quantize(one, ROUND_HALF_UP)}%",
        "return_rate": f"{return_rate.quantize(one, ROUND_HALF_UP)}%",
        "penalty": penalty,
        "adjusted": f"{adjusted.quantize(one, ROUND_HALF_UP)}%",
        "points": points,
    }


def test_questionnaire_from_issue_to_published_results(live_server, estate, phone, new_page, shot):
    base = live_server.url
    community = estate["community"]

    # 1. The CS supervisor creates the December questionnaire, draws every household and issues it.
    desk_sup = new_page(DESKTOP)
    console_sign_in(desk_sup, live_server, "kefu")
    desk_sup.click("nav.sidebar >> text=问卷与评议")
    desk_sup.wait_for_url("**/console/engagement/surveys/")
    desk_sup.click("#survey-new")
    desk_sup.click("#survey-new-form a:text-is('半年度问卷调查')")  # pre-fills the kind
    desk_sup.wait_for_url("**/surveys/new/?kind=questionnaire")
    assert desk_sup.locator("#id_kind").input_value() == "questionnaire"
    desk_sup.fill("#id_year", "2026")
    desk_sup.fill("#id_period", "2")
    desk_sup.click("#survey-new-form button[type=submit]")
    desk_sup.wait_for_url("**/console/engagement/surveys/*/")
    survey = Survey.objects.get(community=community)
    assert desk_sup.locator("h1").inner_text().startswith("2026年下半年业户问卷调查")
    assert desk_sup.locator("#survey-status").inner_text() == "草稿"
    assert desk_sup.locator("#id_items").input_value().splitlines()[0].startswith("治安")

    households = "已入住住宅 12 户（不含车位、车库、储藏室、商铺）"  # VS-1/SV-2: says what it counts
    assert f"全部{households}" in desk_sup.locator("#survey-draw-form").inner_text()
    desk_sup.click("#survey-draw-form button[type=submit]")
    desk_sup.wait_for_selector(f"text=已确定发放对象：全部{households}，共 12 份，每个单元均已覆盖。")
    coverage = desk_sup.locator("#survey-coverage")
    assert "每个单元均已覆盖" in coverage.inner_text()
    rows = [r.split("\t")[:3] for r in coverage.locator("tbody tr").all_inner_texts()]
    assert rows == [["5", "1", "6"], ["5", "2", "6"]]  # building, entrance, forms issued
    desk_sup.fill("#id_issued_on", "2026-12-01")
    desk_sup.click("#survey-issue-form button[type=submit]")
    desk_sup.wait_for_selector("text=已发放，回收截止")
    assert desk_sup.locator("#survey-status").inner_text() == "回收中"
    assert "0 / 12" in desk_sup.locator("#survey-counts").inner_text()
    deadlines = desk_sup.locator("#survey-deadlines").inner_text()
    assert "SV-2.collect" in deadlines and "SV-6.analysis" in deadlines and "SV-6.measures" in deadlines
    shot(desk_sup, "survey_01_issued")
    survey.refresh_from_db()
    assert (survey.kind, survey.status, survey.issued_on) == ("questionnaire", "issued", dt.date(2026, 12, 1))

    # 2. The owner answers on the phone: 清洁 不满意, 其他 left blank, a suggestion.
    phone.goto(base + reverse("portal:home"))
    phone.wait_for_url("**/m/login/**")
    phone.fill("#id_username", OWNER_PHONE)
    phone.fill("#id_password", OWNER_PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(base + "/m/")
    assert "待填写问卷 (1)" in phone.locator("#surveys-card").inner_text()
    phone_shot(shot, phone, "survey_02_owner_home")
    phone.click("#surveys-card")
    phone.wait_for_url("**/m/surveys/")
    phone.click("text=2026年下半年业户问卷调查")
    phone.wait_for_url("**/m/surveys/*/")
    for position, item in enumerate(ITEMS, start=1):
        choice = OWNER_ANSWERS.get(item, S)
        if choice is None:
            continue  # an abstention (SV-3)
        label = {S: "满意", D: "不满意"}[choice]
        fieldset = phone.locator("#sheet-form fieldset", has_text=f"{position}. {item}")
        fieldset.locator(f"label.chip:has(span:text-is('{label}'))").click()
    phone.fill("textarea[name=suggestions]", "垃圾桶清运不及时，夏天有异味")
    phone_shot(shot, phone, "survey_03_owner_form")
    phone.click("#sheet-form button[type=submit]")
    phone.wait_for_url("**/m/surveys/*/thanks/")
    assert "提交成功，感谢您的参与！" in phone.locator("#thanks").inner_text()
    phone_shot(shot, phone, "survey_04_owner_thanks")
    owner_sheet = SurveySheet.objects.get(survey=survey, room__code=OWNER_ROOM)
    assert owner_sheet.channel == "portal" and owner_sheet.returned_at is not None

    # 3. The front desk types two paper forms: keyboard only once the page is open.
    clerk = new_page(DESKTOP)
    console_sign_in(clerk, live_server, "qiantai")
    clerk.goto(base + reverse("engagement:survey_entry", args=[survey.pk]))
    assert clerk.locator("#entry-count").inner_text() == "已回收 1 / 12"
    numbers = dict(SurveySheet.objects.filter(survey=survey).values_list("room__code", "number"))
    for room_code, answers in PAPER.items():
        assert clerk.evaluate("document.activeElement.id") == "id_sheet"  # autofocus: ready to type
        clerk.keyboard.type(str(numbers[room_code]))
        clerk.keyboard.press("Tab")
        clerk.keyboard.type(answers)
        with clerk.expect_navigation():
            clerk.keyboard.press("Enter")
        message = clerk.locator(".messages").inner_text()
        assert f"第 {numbers[room_code]} 号表（{room_code}）已录入。" in message
    assert clerk.locator("#entry-count").inner_text() == "已回收 3 / 12"
    shot(clerk, "survey_05_paper_entry")
    assert set(
        SurveySheet.objects.filter(survey=survey, channel="paper", returned_at__isnull=False).values_list(
            "room__code", flat=True
        )
    ) == set(PAPER)

    # 4. The supervisor closes collection and checks the results by hand.
    desk_sup.goto(base + reverse("engagement:survey", args=[survey.pk]))
    desk_sup.once("dialog", lambda dialog: dialog.accept())  # 确定截止回收？
    desk_sup.click("#survey-close-form button[type=submit]")
    desk_sup.wait_for_selector("text=已截止回收。")
    assert desk_sup.locator("#survey-status").inner_text() == "已截止"
    desk_sup.click("#survey-facts >> text=统计结果")
    desk_sup.wait_for_url("**/surveys/*/results/")

    want = expected_results(community, issued=12)
    assert (want["s"], want["b"], want["d"]) == (18, 4, 5)  # the worked example, for the reader
    assert desk_sup.locator("#return-rate").inner_text() == want["return_rate"] == "25.0%"
    assert desk_sup.locator("#penalty").inner_text() == f"−{want['penalty']}"
    assert f"回收率低于规定 {want['points']} 个百分点" in desk_sup.locator("#penalty-note").inner_text()
    assert desk_sup.locator("#overall-raw").inner_text() == want["raw"] == "81.5%"
    assert desk_sup.locator("#overall-adjusted").inner_text() == want["adjusted"] == "0.0%"
    arithmetic = desk_sup.locator("#overall-arithmetic").inner_text()
    assert "(18 + 4) ÷ (18 + 4 + 5) × 100% = 81.5%" in arithmetic
    assert "回收率 25.0%，低于 60% 35 个百分点，扣 175 分 → 0.0%" in arithmetic
    table = {}
    for row in desk_sup.locator("#stats-table tbody tr[data-item]").all():
        cells = row.locator("td").all_inner_texts()
        table[row.locator("td").nth(1).inner_text().split()[0]] = [int(c) for c in cells[2:6]]
    assert table == {item: [c[S], c[B], c[D], c[A]] for item, c in want["counts"].items()}
    assert table["其他"][3] == 2 and table["社区文化"][3] == 1  # blank and multiple both abstain (SV-3)

    # Pareto (SV-4): 清洁 2, then 便民服务, 特殊困难和需求, 社区文化 with 1 each; 80% cumulative → ★ ×3.
    pareto = [r.split("\t") for r in desk_sup.locator("#pareto-table tbody tr").all_inner_texts()]
    assert [(r[0], r[1], r[3], r[4].strip()) for r in pareto[:4]] == [
        ("清洁", "2", "40.0%", "★"),
        ("便民服务", "1", "60.0%", "★"),
        ("特殊困难和需求", "1", "80.0%", "★"),
        ("社区文化", "1", "100.0%", ""),
    ]
    assert all(r[1] == "0" and r[4].strip() == "" for r in pareto[4:])
    assert desk_sup.locator("#key-items li").count() == 3
    assert desk_sup.locator(".pareto-chart svg").count() == 1
    shot(desk_sup, "survey_06_results")

    conclusion = "回收率偏低，下次改为上门发放；清洁为关键改进项目，已制定垃圾清运整改措施。"
    desk_sup.fill("#id_conclusion", conclusion)
    desk_sup.click("#publish button[type=submit]")
    desk_sup.wait_for_selector("text=统计结果已公布。")
    assert "已公布" in desk_sup.locator("#publish").inner_text()
    shot(desk_sup, "survey_07_published")
    survey.refresh_from_db()
    assert survey.status == "published" and survey.conclusion == conclusion

    # 5. The owner reads the published results on the phone: numbers and conclusion, no room, no name.
    phone.goto(base + reverse("portal:me"))
    phone.click("text=满意度调查结果")
    phone.click("text=2026年下半年业户问卷调查")
    phone.wait_for_url("**/m/surveys/results/*/")
    body = phone.locator("body").inner_text()
    assert phone.locator(".overall-rate").inner_text() == want["adjusted"]
    assert want["return_rate"] in body and conclusion in body
    assert "清洁 ★" in phone.locator(".survey-public table.grid").first.inner_text()
    for private in (OWNER_ROOM, *PAPER, OWNER_NAME, "垃圾桶清运不及时"):
        assert private not in body, private
    assert phone.locator(".chart svg").count() == 1
    phone_shot(shot, phone, "survey_08_owner_results")
