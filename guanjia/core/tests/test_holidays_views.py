"""The console's working-day calendar: the year page, entering the notice, and the fallback warning (DESIGN.md §5)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from guanjia.core import workdays
from guanjia.core.models import ActivityLog, Holiday
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(workdays, "today", lambda: D(2026, 11, 23))


@pytest.fixture
def community():
    return CommunityFactory(name="翠苑一期")


@pytest.fixture
def desk(client, community):
    user = staff("front_desk", community)
    client.force_login(user)
    return user


@pytest.fixture
def manager(client, community):
    user = staff("office_manager", community)
    client.force_login(user)
    return user


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def year_url(year):
    return reverse("core:calendar_year", args=[year])


def test_calendar_opens_on_this_year(desk, client):
    response = client.get(reverse("core:calendar"))
    assert response.status_code == 302
    assert response["Location"] == year_url(timezone.localdate().year)


def test_any_staff_member_sees_the_2026_holidays_but_cannot_edit(desk, client):
    response = client.get(year_url(2026))
    assert response.status_code == 200
    page = text(response)
    assert "国务院通知（系统内置）" in page
    assert '国庆节</td><td>2026-10-01 至 2026-10-07</td><td class="num">7' in page
    assert '中秋节</td><td>2026-09-25 至 2026-09-27</td><td class="num">3' in page
    makeups = page[page.index('id="makeup-days"') :]
    assert "2026-09-20" in makeups and "2026-10-10" in makeups
    assert 'id="holiday-add"' not in page
    assert "批量录入放假通知" not in page
    assert client.post(year_url(2026), {"date": "2027-09-26", "kind": "workday"}).status_code == 403
    assert client.get(reverse("core:calendar_notice")).status_code == 403
    assert not Holiday.objects.exists()


def test_a_year_without_a_notice_is_computed_and_warned_about(desk, client):
    page = text(client.get(year_url(2027)))
    assert "未录入，按法定节假日推算" in page
    assert "2027年放假安排尚未录入，按法定节假日推算。" in page
    assert '春节</td><td>2027-02-05 至 2027-02-10</td><td class="num">6' in page
    assert "中秋节</td><td>2027-09-15</td>" in page
    dashboard = text(client.get(reverse("core:dashboard")))
    assert "2027年放假安排尚未录入，按法定节假日推算。" in dashboard


def test_out_of_range_year_is_not_found(desk, client):
    assert client.get(year_url(1999)).status_code == 404


def test_manager_adds_and_deletes_a_day(manager, client):
    response = client.post(year_url(2027), {"date": "2027-09-26", "kind": "workday", "name": "国庆节"})
    assert response.status_code == 302
    holiday = Holiday.objects.get()
    assert (holiday.date, holiday.kind, holiday.created_by) == (D(2027, 9, 26), "workday", manager)
    page = text(client.get(year_url(2027)))
    assert "国务院通知（已录入）" in page
    assert "2027年放假安排尚未录入" not in page
    # The loaded year now only has this row: the page points at the statutory days it leaves as working days,
    # and so does the dashboard.
    assert "请核对" in page and "2027-02-05 春节" in page
    assert "2027年已录入的放假安排漏了法定节假日，请核对。" in text(client.get(reverse("core:dashboard")))

    response = client.post(reverse("core:calendar_delete", args=[holiday.pk]))
    assert response.status_code == 302
    assert not Holiday.objects.exists()
    assert ActivityLog.objects.filter(verb="core.holiday.deleted", actor=manager).count() == 1


def test_a_refused_day_is_shown_beside_the_form(manager, client):
    response = client.post(year_url(2027), {"date": "2027-09-27", "kind": "workday", "name": ""})
    assert response.status_code == 400
    assert "2027-09-27（星期一） 本来就是工作日，无需登记调休上班。" in text(response)
    assert not Holiday.objects.exists()


BAD_NOTICE = "2027-10-01 至 2027-10-07 国庆节 放假\n2027-09-27 上班\n国庆节放假"
GOOD_NOTICE = """2027-01-01 元旦 放假
2027-02-05 至 2027-02-11 春节 放假
2027-02-20 春节 上班
2027-04-03 至 2027-04-05 清明节 放假
2027-05-01 至 2027-05-05 劳动节 放假
2027-06-09 端午节 放假
2027-09-15 中秋节 放假
2027-10-01 至 2027-10-07 国庆节 放假
2027-09-26 国庆节 上班
"""


def test_bulk_preview_lists_every_bad_line(manager, client):
    response = client.post(reverse("core:calendar_notice"), {"text": BAD_NOTICE, "preview": "1"})
    assert response.status_code == 200
    page = text(response)
    assert "2 处错误" in page
    assert "第2行：2027-09-27（星期一） 本来就是工作日" in page
    assert "第3行：无法识别日期" in page
    preview = page[page.index('id="notice-preview"') :]
    assert "2027-10-01" in preview and "2027-10-04" in preview and "2027-10-02" not in preview
    assert not Holiday.objects.exists()


def test_bulk_save_is_all_or_nothing(manager, client):
    response = client.post(reverse("core:calendar_notice"), {"text": BAD_NOTICE, "save": "1"})
    assert response.status_code == 400
    assert "有2处错误，未保存任何记录。" in text(response)
    assert not Holiday.objects.exists()

    response = client.post(reverse("core:calendar_notice"), {"text": GOOD_NOTICE, "save": "1"})
    assert response.status_code == 302
    assert response["Location"] == year_url(2027)
    assert Holiday.objects.filter(year=2027).count() == 1 + 5 + 1 + 1 + 3 + 1 + 1 + 5 + 1
    assert workdays.year_status(2027) == "loaded"
    assert workdays.is_workday(D(2027, 2, 20))
    page = text(client.get(year_url(2027)))
    assert '春节</td><td>2027-02-05 至 2027-02-11</td><td class="num">7' in page
    assert "请核对" not in page
    assert "尚未录入" not in text(client.get(reverse("core:dashboard")))


def test_year_page_query_budget(manager, client, django_assert_max_num_queries):
    workdays.holidays_import(text=GOOD_NOTICE, actor=manager)
    with django_assert_max_num_queries(12):
        response = client.get(year_url(2027))
    assert response.status_code == 200
    assert text(response).count("删除</button>") == Holiday.objects.count()
