"""Console pages of the monthly lists: month picker, preview, Excel, PDF, sign-off and scoping (PR-4)."""

import datetime as dt
import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from guanjia.core.middleware import SESSION_KEY
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import registers, services
from guanjia.estates.models import RegisterReview
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, PersonFactory, RoomFactory

pytestmark = pytest.mark.django_db

MONTH = "2025-03"
ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"


@pytest.fixture
def community():
    return CommunityFactory(name="翠苑一期")


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


@pytest.fixture
def register(community):
    """A room sold mid-March 2025 (张三 → 李四) and a lease; the buyer has an ID number and a phone."""
    supervisor = staff("cs_supervisor", community)
    room = RoomFactory(unit__building__community=community, facilities="阳台", garage="B1-08")
    OwnershipFactory(room=room, person=PersonFactory(community=community, name="张三"), since=dt.date(2020, 1, 1))
    buyer = services.person_create(
        community=community, actor=supervisor, name="李四", id_number=ID_NUMBER.lower(), phones=[PHONE]
    )
    services.ownership_transfer(
        room=room, actor=supervisor, owners=[(buyer, Decimal(100))], on=dt.date(2025, 3, 15), acquisition="purchase"
    )
    LeaseFactory(
        room=room,
        tenant=PersonFactory(community=community, name="王租客"),
        start=dt.date(2024, 4, 1),
        end=dt.date(2025, 3, 31),
        registration_no="租备2024-77",
    )
    return room


def url(name, kind="property", month=MONTH):
    return reverse(name, kwargs={"month": month, "kind": kind})


def test_index_defaults_to_last_month_and_shows_recent_months(client, manager, register, django_assert_max_num_queries):
    registers.register_review_sign(community=register.community, month=dt.date(2025, 3, 1), kind="lease", actor=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("estates:lists"))
    assert response.status_code == 200
    last = registers.last_month()
    assert response.context["selected"]["month"] == last
    assert len(response.context["recent"]) == 12
    assert "月度清单" in response.text and "近12个月" in response.text

    response = client.get(reverse("estates:lists"), {"month": MONTH})
    selected = response.context["selected"]
    assert (selected["property_rows"], selected["changed_rooms"], selected["lease_rows"]) == (1, 1, 1)
    assert selected["lease_review"].reviewed_by == manager
    assert "已审核" in response.text and "待审核" in response.text
    assert "审核签字" in response.text  # the manager may still sign the property list


def test_preview_shows_names_but_no_id_or_phone(client, manager, register):
    client.force_login(manager)
    response = client.get(url("estates:list_detail"))
    assert response.status_code == 200
    text = response.text
    assert "李四（100%）" in text and "本月产权变动" in text and "张三（100%）" in text
    assert ID_NUMBER not in text and ID_NUMBER[-4:] not in text and PHONE not in text
    assert "不是当月的历史值" in text  # footnote: room attributes are current values

    response = client.get(url("estates:list_detail", kind="lease"))
    assert "王租客" in response.text and "本月到期" in response.text and "租备2024-77" in response.text


def test_preview_is_paginated_with_a_query_budget(client, manager, community, django_assert_max_num_queries):
    for i in range(60):
        OwnershipFactory(
            room=RoomFactory(unit__building__community=community),
            person=PersonFactory(community=community, name=f"业主{i}"),
            since=dt.date(2020, 1, 1),
        )
    client.force_login(manager)
    with django_assert_max_num_queries(15):
        response = client.get(url("estates:list_detail"))
    assert len(response.context["page_obj"]) == 50 and response.context["row_count"] == 60
    response = client.get(url("estates:list_detail"), {"page": 2})
    assert len(response.context["page_obj"]) == 10


def test_bad_or_future_month_and_unknown_kind_are_404(client, manager):
    client.force_login(manager)
    assert client.get(url("estates:list_detail", month="2025-13")).status_code == 404
    assert client.get(url("estates:list_detail", month="2999-01")).status_code == 404
    assert client.get(url("estates:list_detail", kind="owners")).status_code == 404


def test_front_desk_cannot_open_lists(client, community):
    client.force_login(staff("front_desk", community))
    assert client.get(reverse("estates:lists")).status_code == 403
    assert client.get(url("estates:list_xlsx")).status_code == 403


def test_sign_off_from_the_console(client, manager, register):
    client.force_login(manager)
    response = client.post(url("estates:list_sign"), {"comment": "已核对"})
    assert response.status_code == 302
    review = RegisterReview.objects.get()
    assert (review.kind, review.rows, review.comment, review.reviewed_by) == ("property", 1, "已核对", manager)
    page = client.get(url("estates:list_detail")).text
    assert "已核对" in page and "审核签字" not in page

    response = client.post(url("estates:list_sign"), {"comment": "again"})
    assert response.status_code == 409
    assert "已审核，不能重复审核" in response.text
    assert RegisterReview.objects.count() == 1


def test_sign_off_of_unfinished_month_shown_as_error(client, manager):
    client.force_login(manager)
    this_month = registers.month_key(registers.month_start(dt.date.today()))
    response = client.post(url("estates:list_sign", month=this_month), {"comment": ""})
    assert response.status_code == 400
    assert "尚未结束" in response.text
    assert not RegisterReview.objects.exists()


def test_supervisor_cannot_sign_from_the_console(client, community):
    client.force_login(staff("cs_supervisor", community))
    assert client.get(url("estates:list_detail")).status_code == 200
    assert client.post(url("estates:list_sign"), {"comment": ""}).status_code == 403
    assert not RegisterReview.objects.exists()


def test_excel_download(client, manager, register):
    registers.register_review_sign(
        community=register.community, month=dt.date(2025, 3, 1), kind="property", actor=manager
    )
    client.force_login(manager)
    response = client.get(url("estates:list_xlsx"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["产权清单"]
    assert ws["A1"].value == "翠苑一期 产权清单 2025年3月"
    headers = [c.value for c in ws[2]]
    assert headers[:3] == ["房屋编号", "类型", "建筑面积(㎡)"] and "业主（份额）" in headers and "产权证号" in headers
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["I"].width == 26
    data = dict(zip(headers, [c.value for c in ws[3]], strict=True))
    assert data["房屋编号"] == register.code and data["业主（份额）"] == "李四（100%）"
    assert data["建筑面积(㎡)"] == 89.5 and data["附属设施"] == "阳台" and data["本月变动"] == "是"
    cells = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert f"审核人：{manager.username}" in cells
    assert ID_NUMBER not in cells and PHONE not in cells
    changes = wb["本月产权变动"]
    assert [c.value for c in changes[3]][1:] == [register.code, "购买", "张三（100%）", "李四（100%）"]

    entry = ActivityLog.objects.get(verb="estates.register.exported")
    assert entry.actor == manager and entry.community == register.community
    assert entry.data == {"month": MONTH, "kind": "property", "format": "xlsx", "rows": 1}


def test_lease_excel_download(client, manager, register):
    client.force_login(manager)
    wb = load_workbook(io.BytesIO(client.get(url("estates:list_xlsx", kind="lease")).content))
    ws = wb.active
    assert ws.title == "租赁清单"
    headers = [c.value for c in ws[2]]
    assert headers == ["房屋编号", "地址", "租户", "租期", "登记备案号", "室内装修", "状态"]
    assert [c.value for c in ws[3]][2:] == ["王租客", "2024-04-01 至 2025-03-31", "租备2024-77", None, "本月到期"]


def pdf_text(content: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return result.stdout.decode()


def test_pdf_download(client, manager, register):
    registers.register_review_sign(
        community=register.community, month=dt.date(2025, 3, 1), kind="property", actor=manager
    )
    client.force_login(manager)
    response = client.get(url("estates:list_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "翠苑一期产权清单" in text and "2025年3月" in text
    assert "李四（100%）" in text and "本月产权变动" in text
    assert "审核人" in text and manager.username in text
    assert re.search(r"\b1\s*/\s*1\b", text)  # page x / y in the header
    assert ID_NUMBER not in text and PHONE not in text
    assert ActivityLog.objects.filter(verb="estates.register.exported", data__format="pdf").exists()

    lease = pdf_text(client.get(url("estates:list_pdf", kind="lease")).content)
    assert "翠苑一期租赁清单" in lease and "王租客" in lease and "本月到期" in lease


# --- Scoping: a manager of A never sees, downloads or signs B's lists ------------------------


@pytest.fixture
def other(register):
    b = CommunityFactory(name="枫林二期")
    OwnershipFactory(
        room=RoomFactory(unit__building__community=b),
        person=PersonFactory(community=b, name="外区业主"),
        since=dt.date(2020, 1, 1),
    )
    return b


def test_manager_of_a_cannot_switch_to_b(client, manager, other):
    client.force_login(manager)
    session = client.session
    session[SESSION_KEY] = other.pk
    session.save()
    # The switcher ignores a community outside the user's scope: the pages stay on A.
    for kind in ("property", "lease"):
        response = client.get(url("estates:list_detail", kind=kind))
        assert response.context["community"] == manager.memberships.get().community
        assert "外区业主" not in response.text
    assert "外区业主" not in pdf_text(client.get(url("estates:list_pdf")).content)
    client.post(url("estates:list_sign"), {"comment": ""})
    assert not RegisterReview.objects.filter(community=other).exists()
    assert client.post(reverse("core:switch_community"), {"community": other.pk}).status_code == 404


def test_manager_of_a_holding_a_lesser_role_in_b_is_refused_there(client, community, other):
    user = staff("office_manager", community)
    from guanjia.core.models import Membership

    Membership.objects.create(user=user, community=other, role="front_desk")
    client.force_login(user)
    client.post(reverse("core:switch_community"), {"community": other.pk})
    for name in ("estates:list_detail", "estates:list_xlsx", "estates:list_pdf"):
        assert client.get(url(name)).status_code == 403
    assert client.post(url("estates:list_sign"), {"comment": ""}).status_code == 403
    assert not RegisterReview.objects.exists()
    assert not ActivityLog.objects.filter(verb="estates.register.exported").exists()
