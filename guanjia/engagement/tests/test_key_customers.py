"""Key-customer interviews (VS-6): a written record and measures, a list filter, counted in the summary."""

import pytest
from django.urls import reverse

from guanjia.core.errors import ServiceError
from guanjia.engagement.models import Visit
from guanjia.engagement.services import visit_record
from guanjia.servicedesk.tests.factories import Office, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return Office()


def record(office, **kw):
    kw.setdefault("form", "office")
    kw.setdefault("visited_at", at(2026, 11, 10, 10, 0))
    return visit_record(community=office.community, actor=office.supervisor, room=office.room, **kw)


def test_vs6_key_customer_needs_measures(office):
    with pytest.raises(ServiceError) as e:
        record(office, key_customer=True, measures="  ")
    assert e.value.field == "measures" and "改进措施" in str(e.value.message)
    assert not Visit.objects.exists()


def test_vs6_key_customer_with_measures_is_kept(office):
    visit = record(office, key_customer=True, measures=" 每季度回访一次 ")
    visit.refresh_from_db()
    assert visit.key_customer and visit.measures == "每季度回访一次"


def test_vs6_form_shows_the_error_beside_measures(client, office):
    client.force_login(office.desk)
    response = client.post(
        reverse("engagement:visit_new"),
        {"room_code": office.room.code, "form": "phone", "visited_at": "2026-11-10T10:00", "key_customer": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["measures"] == ["重点客户访谈须填写改进措施（VS-6）。"]
    assert "重点客户访谈须填写改进措施" in response.content.decode()
    assert not Visit.objects.exists()


def test_vs6_form_records_key_customer_and_detail_shows_it(client, office):
    client.force_login(office.desk)
    response = client.post(
        reverse("engagement:visit_new"),
        {
            "room_code": office.room.code,
            "form": "phone",
            "visited_at": "2026-11-10T10:00",
            "key_customer": "on",
            "measures": "安排专人跟进",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.key_customer
    html = client.get(reverse("engagement:visit", args=[visit.pk])).content.decode()
    assert "重点客户访谈" in html and "安排专人跟进" in html.split('id="visit-measures"')[1]


def test_vs6_list_filter_key_customers(client, office):
    key = record(office, key_customer=True, measures="跟进", opinions="甲意见")
    plain = record(office, opinions="乙意见", visited_at=at(2026, 11, 11, 10, 0))
    client.force_login(office.supervisor)
    url = reverse("engagement:visits") + "?month=2026-11"
    all_html = client.get(url).content.decode().split('id="visit-list"')[1]
    assert "甲意见" in all_html and "乙意见" in all_html
    html = client.get(url + "&key_customer=1").content.decode()
    listed = html.split('id="visit-list"')[1].split("</table>")[0]
    assert "甲意见" in listed and "乙意见" not in listed
    assert 'name="key_customer" value="1" checked' in html
    assert key.pk and plain.pk
