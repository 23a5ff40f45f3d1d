"""The owner's bills and statement in the portal (FE-1): only his own households' owner bills (a
tenant only his own), the statement with its arithmetic, another household's bill or room a 404."""

import datetime as dt

import pytest
from django.urls import reverse

from guanjia.billing.choices import PayerKind
from guanjia.billing.tests.factories import FeeItemFactory, bill_for
from guanjia.core import clock
from guanjia.core.tests.factories import UserFactory, at
from guanjia.estates.models import Person
from guanjia.estates.tests.factories import LeaseFactory, PersonFactory

from .bills_setup import NOW, OCT, Office, pay

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def owner_of(room):
    user = UserFactory()
    Person.objects.filter(ownerships__room=room).update(user=user)
    return user


@pytest.fixture
def office():
    return Office()


def test_fe1_the_owner_sees_his_bills_newest_first_and_not_anothers(client, office):
    mine, theirs = office.room("张三"), office.room("李四")
    item = FeeItemFactory(community=office.community)
    with clock.frozen(at(2026, 9, 1, 9, 0)):
        september = bill_for(mine, [(item, "90.00")], period=dt.date(2026, 9, 1))
    october = bill_for(mine, [(item, "100.00")], period=OCT.start)
    developer = bill_for(mine, [(FeeItemFactory(community=office.community), "5.00")], period=OCT.start,
                         payer_kind=PayerKind.DEVELOPER, payer_name="开发建设单位")  # fmt: skip
    foreign = bill_for(theirs, [(item, "100.00")], period=OCT.start)
    client.force_login(owner_of(mine))
    page = client.get(reverse("portal:fees_bills")).content.decode()
    assert page.index(october.number) < page.index(september.number)
    assert foreign.number not in page and developer.number not in page
    detail = client.get(reverse("portal:fees_bill", args=[october.pk]))
    assert detail.status_code == 200 and "100.00" in detail.content.decode()
    assert client.get(reverse("portal:fees_bill", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("portal:fees_bill", args=[developer.pk])).status_code == 404
    assert client.get(reverse("portal:fees_statement", args=[theirs.pk])).status_code == 404
    assert 'id="fees-bills-card"' in client.get(reverse("portal:home")).content.decode()


def test_fe1_the_owners_statement_prints_its_arithmetic(client, office):
    room = office.room("张三")
    item = FeeItemFactory(community=office.community)
    bill = bill_for(room, [(item, "100.00")], period=OCT.start)
    pay(bill.lines.get(), "40.00", cashier=office.cashier, number="SJ-7")
    client.force_login(owner_of(room))
    page = client.get(reverse("portal:fees_statement", args=[room.pk]), {"start": "2026-01-01", "end": "2026-11-30"})
    text = page.content.decode()
    assert page.status_code == 200 and "0.00 ＋ 100.00 ＋ （0.00） － 40.00 ＝ 60.00 元" in text and "SJ-7" in text


def test_fe1_a_tenant_sees_only_the_bills_he_pays(client, office):
    room = office.room("张三")
    tenant = UserFactory()
    person = PersonFactory(community=office.community, name="王五", user=tenant)
    LeaseFactory(room=room, tenant=person)
    item = FeeItemFactory(community=office.community)
    owners = bill_for(room, [(item, "100.00")], period=OCT.start)
    with clock.frozen(at(2026, 10, 2, 9, 0)):
        his = bill_for(room, [(FeeItemFactory(community=office.community), "30.00")], period=OCT.start,
                       payer_kind=PayerKind.TENANT, payer_name="王五")  # fmt: skip
    type(his).objects.filter(pk=his.pk).update(payer=person)
    client.force_login(tenant)
    page = client.get(reverse("portal:fees_bills")).content.decode()
    assert his.number in page and owners.number not in page
    statement = client.get(reverse("portal:fees_statement", args=[room.pk])).content.decode()
    assert "30.00" in statement and "100.00" not in statement


def test_fe1_the_owners_bill_list_reads_a_fixed_number_of_queries(client, office, django_assert_max_num_queries):
    room = office.room("张三")
    user = owner_of(room)
    item = FeeItemFactory(community=office.community)
    client.force_login(user)

    def bills(n, first):
        for k in range(n):
            month = dt.date(2024 + (first + k) // 12, (first + k) % 12 + 1, 1)
            with clock.frozen(at(month.year, month.month, 1, 9, 0)):
                pay(bill_for(room, [(item, "100.10")], period=month).lines.get(), "0.20", cashier=office.cashier)

    bills(2, 0)
    with django_assert_max_num_queries(20) as few:
        page = client.get(reverse("portal:fees_bills")).content.decode()
    assert page.count("未缴 99.90") == 2
    bills(10, 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("portal:fees_bills")).content.decode()
    assert page.count("未缴 99.90") == 12
