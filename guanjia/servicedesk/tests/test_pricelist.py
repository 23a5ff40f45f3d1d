"""The public price list of special services (SS-2; RC-2 "fee items and fee standards are public"):
services, the console page, the desk filing a ticket under an item, and the owners' portal pages
(the price list and the published complaint summaries, RC-10)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.core.errors import Forbidden, ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import UserFactory
from guanjia.servicedesk import services as sd
from guanjia.servicedesk.choices import Kind, ServiceCategory
from guanjia.servicedesk.models import ComplaintSummary, ServiceItem, Ticket

from .factories import Office

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


def item(office, name="疏通下水道", price="80.00", free=False, **kw):
    return sd.service_item_save(
        community=office.community,
        actor=office.supervisor,
        name=name,
        category=kw.pop("category", ServiceCategory.HOME_REPAIR),
        free=free,
        price=Decimal(price) if price is not None else None,
        unit=kw.pop("unit", "次"),
        **kw,
    )


def owner_login(client, office):
    user = UserFactory()
    office.owner.user = user
    office.owner.save(update_fields=["user"])
    client.force_login(user)
    return user


# --- Services ----------------------------------------------------------------------------------


def test_a_paid_item_needs_its_price_ss2(office):
    with pytest.raises(ServiceError) as error:
        item(office, price=None)
    assert error.value.field == "price" and "收费标准" in str(error.value.message)
    assert not ServiceItem.objects.exists()


def test_a_negative_price_is_refused_naming_the_field_ss2(office):
    with pytest.raises(ServiceError) as error:
        item(office, price="-5")
    assert error.value.field == "price" and str(error.value.message) == "收费标准不能为负数。"


def test_a_free_item_needs_no_price_and_keeps_none(office):
    free = item(office, name="上门检查燃气", free=True, price="30")
    assert free.free and free.price is None


def test_saving_and_retiring_are_logged_and_names_are_unique_per_community(office):
    line = item(office)
    assert ActivityLog.objects.filter(verb="servicedesk.service_item.created", subject_id=str(line.pk)).exists()
    with pytest.raises(ServiceError) as error:
        item(office, name=" 疏通下水道 ")
    assert error.value.field == "name"
    item(Office(), name="疏通下水道")  # another community may use the same name
    sd.service_item_retire(item=line, actor=office.manager)
    line.refresh_from_db()
    assert not line.active
    assert ActivityLog.objects.filter(verb="servicedesk.service_item.retired").count() == 1


def test_front_desk_may_not_edit_the_price_list(office):
    with pytest.raises(Forbidden):
        sd.service_item_save(
            community=office.community, actor=office.desk, name="保洁", category="cleaning", price=Decimal("50")
        )
    line = item(office)
    with pytest.raises(Forbidden):
        sd.service_item_retire(item=line, actor=office.desk)


def test_staff_of_another_community_may_not_edit_it(office):
    other = Office()
    with pytest.raises(Forbidden):
        sd.service_item_save(
            community=office.community, actor=other.manager, name="保洁", category="cleaning", price=Decimal("50")
        )


# --- Console -----------------------------------------------------------------------------------


def test_console_page_lists_items_and_editors_add_one(client, office, django_assert_max_num_queries):
    for n in range(5):
        item(office, name=f"项目{n}", price=str(10 + n))
    client.force_login(office.supervisor)
    url = reverse("servicedesk:pricelist")
    with django_assert_max_num_queries(15):
        page = client.get(url).content.decode()
    assert "项目4" in page and "¥14.00/次" in page and "新增服务项目" in page
    response = client.post(url, {"name": "灭蟑螂", "category": "pest_control", "price": "120", "unit": "次"})
    assert response.status_code == 302
    assert ServiceItem.objects.get(community=office.community, name="灭蟑螂").price == Decimal("120")


def test_console_form_shows_the_price_error_beside_the_field(client, office):
    client.force_login(office.supervisor)
    response = client.post(reverse("servicedesk:pricelist"), {"name": "擦窗", "category": "cleaning", "price": "-1"})
    assert response.status_code == 400
    assert "收费标准不能为负数。" in response.content.decode()
    response = client.post(reverse("servicedesk:pricelist"), {"name": "擦窗", "category": "cleaning"})
    assert "有偿服务项目须填写收费标准。" in response.content.decode()
    assert not ServiceItem.objects.exists()


def test_front_desk_sees_the_list_but_cannot_edit(client, office):
    line = item(office)
    client.force_login(office.desk)
    page = client.get(reverse("servicedesk:pricelist")).content.decode()
    assert "疏通下水道" in page and "新增服务项目" not in page
    assert (
        client.post(reverse("servicedesk:pricelist"), {"name": "x", "category": "other", "free": "on"}).status_code
        == 403
    )
    assert client.get(reverse("servicedesk:pricelist_edit", args=[line.pk])).status_code == 403
    assert client.post(reverse("servicedesk:pricelist_retire", args=[line.pk])).status_code == 403
    line.refresh_from_db()
    assert line.active


def test_an_item_of_another_community_is_a_404(client, office):
    theirs = item(Office(), name="他们的项目")
    client.force_login(office.manager)
    assert client.get(reverse("servicedesk:pricelist_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("servicedesk:pricelist_retire", args=[theirs.pk])).status_code == 404
    assert "他们的项目" not in client.get(reverse("servicedesk:pricelist")).content.decode()
    theirs.refresh_from_db()
    assert theirs.active


def test_editing_and_retiring_from_the_console(client, office):
    line = item(office)
    client.force_login(office.manager)
    url = reverse("servicedesk:pricelist_edit", args=[line.pk])
    response = client.post(url, {"name": "疏通下水道", "category": "home_repair", "price": "95", "unit": "次"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.price == Decimal("95.00")
    client.post(reverse("servicedesk:pricelist_retire", args=[line.pk]))
    assert "疏通下水道" not in table(client.get(reverse("servicedesk:pricelist")))
    shown = table(client.get(reverse("servicedesk:pricelist"), {"show": "all"}))
    assert "疏通下水道" in shown and "已停止公示" in shown


def table(response) -> str:
    page = response.content.decode()
    return page[page.index('id="pricelist"') : page.index("</table>")]


# --- The desk ----------------------------------------------------------------------------------


def desk_post(client, office, **extra):
    data = {
        "kind": Kind.REPAIR,
        "channel": "window",
        "category": "other",
        "description": "厨房下水道堵塞",
        "room": office.room.pk,
        "reporter": office.owner.pk,
        **extra,
    }
    return client.post(reverse("servicedesk:desk"), data)


def test_desk_filing_with_an_item_stores_item_paid_and_price(client, office):
    line = item(office, price="80")
    client.force_login(office.desk)
    assert "疏通下水道（¥80.00/次）" in client.get(reverse("servicedesk:desk")).content.decode()
    response = desk_post(client, office, service_item=line.pk, price="1")  # the item's price wins
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.service_item == line and ticket.special_service and ticket.paid
    assert ticket.price == Decimal("80.00")


def test_desk_filing_with_a_free_item_is_free(client, office):
    line = item(office, name="上门检查燃气", free=True, price=None)
    client.force_login(office.desk)
    desk_post(client, office, service_item=line.pk)
    ticket = Ticket.objects.get()
    assert ticket.service_item == line and ticket.special_service and not ticket.paid and ticket.price is None


def test_desk_cannot_choose_another_communitys_or_a_retired_item(client, office):
    theirs = item(Office(), name="他们的项目")
    retired = item(office, name="旧项目")
    sd.service_item_retire(item=retired, actor=office.manager)
    client.force_login(office.desk)
    assert desk_post(client, office, service_item=theirs.pk).status_code == 400
    assert desk_post(client, office, service_item=retired.pk).status_code == 400
    assert not Ticket.objects.exists()


def test_desk_filing_without_an_item_still_works(client, office):
    client.force_login(office.desk)
    assert desk_post(client, office).status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.service_item is None and not ticket.special_service


# --- The portal --------------------------------------------------------------------------------


def test_portal_price_list_shows_only_active_items_of_the_owners_communities(client, office):
    item(office, name="疏通下水道", price="80")
    item(office, name="上门检查燃气", free=True, price=None)
    sd.service_item_retire(item=item(office, name="已停项目"), actor=office.manager)
    item(Office(), name="别处的项目")
    owner_login(client, office)
    response = client.get(reverse("portal:prices"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "疏通下水道" in page and "¥80.00/次" in page and "上门检查燃气" in page and "免费" in page
    assert "已停项目" not in page and "别处的项目" not in page
    assert reverse("portal:prices") in client.get(reverse("portal:me")).content.decode()


def summary(office, month, published=True):
    now = timezone.now()
    return ComplaintSummary.objects.create(
        community=office.community,
        month=month,
        prepared_by=office.supervisor,
        approved_by=office.manager if published else None,
        approved_at=now if published else None,
        published_at=now if published else None,
    )


def test_portal_complaint_notices_list_only_published_summaries_of_the_owners_communities(client, office):
    mine = summary(office, dt.date(2026, 10, 1))
    draft = summary(office, dt.date(2026, 9, 1), published=False)
    theirs = summary(Office(), dt.date(2026, 10, 1))
    owner_login(client, office)
    page = client.get(reverse("portal:complaint_notices")).content.decode()
    assert reverse("servicedesk:summary_public", args=[mine.pk]) in page and "2026年10月" in page
    assert reverse("servicedesk:summary_public", args=[draft.pk]) not in page
    assert reverse("servicedesk:summary_public", args=[theirs.pk]) not in page
    assert reverse("portal:complaint_notices") in client.get(reverse("portal:me")).content.decode()


def test_portal_pages_need_an_owner_sign_in(client, office):
    for name in ("portal:prices", "portal:complaint_notices"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("portal:login") in response["Location"]
