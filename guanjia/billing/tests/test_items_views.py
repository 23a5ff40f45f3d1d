"""The fee item pages (FE-1, LW-4): the console's list, detail and forms; the public 明码标价 board (no
sign-in), its printed poster, and the owners' page in the portal. Each read in a fixed number of
queries; another community's item is a 404; a role that may not manage items gets a 403."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.core import clock, documents
from guanjia.core.tests.factories import login
from guanjia.core.tests.pdf import pdf_text
from guanjia.estates.tests.factories import OwnershipFactory, PersonFactory
from guanjia.portal.tests.factories import portal_user

from ..models import FeeApplication, FeeItem, FeePrice
from ..services import items as services
from .items_setup import EARLIER, NOW, Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


@pytest.fixture(autouse=True)
def pinned():
    with clock.frozen(NOW):
        yield


def priced_items(office, count: int):
    for n in range(count):
        item = office.item(f"i{n:02d}", when=EARLIER, starts_on=dt.date(2025, 12, 1), name=f"项目{n:02d}")
        services.application_add(item=item, actor=office.manager, since=item.starts_on, room_kind="residence")
        services.price_publish(
            item=item, unit_price="3.10", effective_from=dt.date(2027, 1, 1), note="调整", actor=office.manager
        )


# --- Console --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 20])
def test_fe1_item_list_shows_current_and_next_price_in_a_fixed_budget(
    office, client, count, django_assert_max_num_queries
):
    priced_items(office, count)
    office.water(when=EARLIER, starts_on=dt.date(2025, 12, 1))
    login(client, office.cashier, office.community)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("billing:items"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "项目00" in html and "2.50 元/㎡·月" in html and "3.10 元/㎡·月" in html and "2027-01-01 起执行" in html
    assert "代收" in html and "新增收费项目" not in html  # the cashier reads, the manager sets
    assert reverse("fees:board", args=[office.community.code]) in html
    assert documents.document_url("FE-1.price_board", office.community.pk, "2026-11-20") in html


def test_fe1_item_pages_are_refused_to_roles_without_fees(office, client):
    item = office.item()
    login(client, office.technician, office.community)
    assert client.get(reverse("billing:items")).status_code == 403
    assert client.get(reverse("billing:item", args=[item.pk])).status_code == 403
    login(client, office.cashier, office.community)
    assert client.get(reverse("billing:item_new")).status_code == 403
    assert client.post(reverse("billing:price_publish", args=[item.pk]), {}).status_code == 403


def test_fe1_item_of_another_community_is_a_404(office, client):
    other = Office()
    item = other.item()
    login(client, office.manager, office.community)
    for name in ("billing:item", "billing:item_edit", "billing:price_publish", "billing:application_add"):
        assert client.get(reverse(name, args=[item.pk])).status_code == 404
    price = FeePrice.objects.get(item=item)
    assert client.post(reverse("billing:price_withdraw", args=[price.pk]), {"reason": "x"}).status_code == 404


def test_fe1_item_detail_shows_price_history_and_applications(office, client, django_assert_max_num_queries):
    item = office.item("wy", when=EARLIER, starts_on=dt.date(2025, 12, 1))
    services.application_add(item=item, actor=office.manager, since=item.starts_on, building=office.tower_a)
    services.price_publish(item=item, unit_price="2.80", effective_from=dt.date(2027, 1, 1), actor=office.manager)
    login(client, office.manager, office.community)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("billing:item", args=[item.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "执行中" in html and "已公示，待执行" in html and "2.80" in html and "1幢" in html
    assert 'id="publish-form"' in html and "2026-12-20" in html  # the earliest day a change may take effect
    login(client, office.cashier, office.community)
    html = client.get(reverse("billing:item", args=[item.pk])).content.decode()
    assert 'id="publish-form"' not in html and "撤回" not in html


def test_lw4_the_item_form_shows_the_surcharge_refusal_beside_the_field(office, client):
    login(client, office.manager, office.community)
    assert client.get(reverse("billing:item_new")).status_code == 200
    data = {
        "code": "water",
        "name": "水费",
        "kind": "metered",
        "basis": "meter_usage",
        "unit_label": "元/吨",
        "cycle_months": 1,
        "due_day": 10,
        "rounding": "half_up",
        "decimals": 2,
        "payer": "owner",
        "price_form": "government_guided",
        "legal_basis": "市发改委水价文件",
        "collected_on_behalf": "on",
        "supplier": "市自来水有限公司",
        "surcharge": "0.50",
        "meter_kind": "water",
        "starts_on": "2026-12-01",
    }
    response = client.post(reverse("billing:item_new"), data)
    assert response.status_code == 400
    assert "代收费用不得加收手续费" in response.content.decode() and "id_surcharge_error" in response.content.decode()
    data["surcharge"] = ""
    response = client.post(reverse("billing:item_new"), data)
    item = FeeItem.objects.get(code="water")
    assert response.status_code == 302 and response["Location"] == reverse("billing:item", args=[item.pk])
    response = client.post(reverse("billing:item_edit", args=[item.pk]), {**data, "name": "自来水费", "surcharge": "0"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "自来水费" and item.code == "water"


def test_fe1_publishing_a_change_too_soon_shows_the_notice_rule(office, client):
    item = office.item()
    login(client, office.manager, office.community)
    url = reverse("billing:price_publish", args=[item.pk])
    response = client.post(url, {"unit_price": "2.80", "effective_from": "2026-12-10"})
    assert response.status_code == 400 and "须提前 30 天公示" in response.content.decode()
    response = client.post(url, {"unit_price": "2.80", "effective_from": "2026-12-20"})
    assert response.status_code == 302 and response["Location"] == reverse("billing:item", args=[item.pk])
    change = FeePrice.objects.get(item=item, effective_from=dt.date(2026, 12, 20))
    withdraw = reverse("billing:price_withdraw", args=[change.pk])
    assert client.get(withdraw).status_code == 200
    assert client.post(withdraw, {"reason": "表决未通过"}).status_code == 302
    assert not FeePrice.objects.filter(pk=change.pk).exists()


def test_fe1_a_price_in_force_offers_no_withdrawal(office, client):
    item = office.item("wy", when=EARLIER, starts_on=dt.date(2025, 12, 1))
    login(client, office.manager, office.community)
    response = client.get(reverse("billing:price_withdraw", args=[item.prices.get().pk]))
    assert response.status_code == 409 and "不能撤回" in response.content.decode()


def test_fe1_applications_are_added_by_room_code_and_ended(office, client):
    item = office.item()
    room = office.room()
    login(client, office.manager, office.community)
    url = reverse("billing:application_add", args=[item.pk])
    response = client.post(url, {"target": "room", "room": "9-9-999", "since": "2026-12-01"})
    assert response.status_code == 400 and "9-9-999" in response.content.decode()
    response = client.post(url, {"target": "room", "room": room.code, "since": "2026-12-01"})
    assert response.status_code == 302
    application = FeeApplication.objects.get(item=item)
    assert application.room == room
    assert (
        client.post(reverse("billing:application_end", args=[application.pk]), {"reason": "改为商用"}).status_code
        == 302
    )
    assert not FeeApplication.objects.filter(item=item).exists()  # ended before it began: removed


# --- The public board, the poster and the portal ---------------------------------------------


def board_office():
    office = Office()
    item = office.item(
        "wy", when=EARLIER, starts_on=dt.date(2025, 12, 1), service_standard="二级物业服务标准：24小时秩序维护"
    )
    services.application_add(item=item, actor=office.manager, since=item.starts_on, room_kind="residence")
    services.price_publish(
        item=item, unit_price="2.80", effective_from=dt.date(2027, 1, 1), note="业主大会同意", actor=office.manager
    )
    office.water(when=EARLIER, starts_on=dt.date(2025, 12, 1))
    return office


REQUIRED = (
    "示范物业服务有限公司",  # the company
    "二级物业服务标准：24小时秩序维护",  # service content and standard
    "建筑面积",  # basis
    "2025-12-01",  # start date of charging
    "物业服务费",
    "2.50 元/㎡·月",  # item and price
    "市场调节价",
    "政府指导价",  # price form
    "《物业服务合同》第五条",  # legal basis
    "12358",  # the price complaint line
    "0755-26881234",  # the office phone
    "2.80 元/㎡·月",
    "2027-01-01 起执行",  # the announced change and its effective date
    "不加收任何手续费",  # LW-4
)


@pytest.mark.parametrize("extra", [0, 15])
def test_fe1_public_board_shows_every_required_field_without_sign_in(client, extra, django_assert_max_num_queries):
    office = board_office()
    priced_items(office, extra)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("fees:board", args=[office.community.code]))
    assert response.status_code == 200
    html = response.content.decode()
    missing = [word for word in REQUIRED if word not in html]
    assert not missing, missing
    assert client.get(reverse("fees:board", args=["no-such-place"])).status_code == 404


def test_fe1_poster_pdf_prints_the_board(client):
    office = board_office()
    login(client, office.cashier, office.community)
    response = client.get(documents.document_url("FE-1.price_board", office.community.pk, "2026-11-20"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content).replace("\n", "")
    for word in (
        "物业服务收费明码标价公示",
        "示范物业服务有限公司",
        "12358",
        "物业服务费",
        "2027-01-01",
        "市自来水有限公司",
    ):
        assert word in text, word
    assert client.get(documents.document_url("FE-1.price_board", office.community.pk, "not-a-day")).status_code == 404
    other = Office()
    assert client.get(documents.document_url("FE-1.price_board", other.community.pk, "2026-11-20")).status_code == 404
    login(client, office.technician, office.community)
    assert client.get(documents.document_url("FE-1.price_board", office.community.pk, "2026-11-20")).status_code == 403


def test_fe1_portal_shows_the_board_of_the_owners_community_only(client, django_assert_max_num_queries):
    office = board_office()
    other = Office()
    other.item("secret", when=EARLIER, starts_on=dt.date(2025, 12, 1), name="别处的项目")
    room = office.room()
    person = OwnershipFactory(room=room, person=PersonFactory(community=office.community)).person
    client.force_login(portal_user(person))
    assert reverse("portal:fees_prices") in client.get(reverse("portal:me")).content.decode()
    with django_assert_max_num_queries(14):
        response = client.get(reverse("portal:fees_prices"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "物业收费标准公示" in html and "12358" in html and "2.50 元/㎡·月" in html and "2027-01-01 起执行" in html
    assert "别处的项目" not in html
    assert reverse("portal:prices") in html  # the special-service list (SS-2) stays apart
    client.logout()
    assert client.get(reverse("portal:fees_prices")).status_code == 302


def test_fe1_the_menu_offers_the_items_to_who_reads_fees_only(office, client):
    login(client, office.cashier, office.community)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert f'href="{reverse("billing:items")}"' in html
    login(client, office.technician, office.community)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert f'href="{reverse("billing:items")}"' not in html


def test_fe1_an_application_by_building_from_the_form(office, client):
    item = office.item()
    login(client, office.manager, office.community)
    url = reverse("billing:application_add", args=[item.pk])
    response = client.post(url, {"target": "building", "since": "2026-12-01"})
    assert response.status_code == 400 and "请选择楼栋" in response.content.decode()
    response = client.post(url, {"target": "building", "building": office.tower_b.pk, "since": "2026-11-30"})
    assert response.status_code == 400 and "起始日期不能早于项目开始计费日期" in response.content.decode()
    response = client.post(url, {"target": "building", "building": office.tower_b.pk, "since": "2026-12-01"})
    assert response.status_code == 302
    assert FeeApplication.objects.get(item=item).building == office.tower_b
