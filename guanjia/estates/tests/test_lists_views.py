"""Console pages of the monthly lists: month picker, preview, Excel, PDF, review, hand-over, scoping (PR-4, AR-2)."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from guanjia.core import clock, documents
from guanjia.core.approval_models import Approval, ApprovalStatus
from guanjia.core.document_models import IssuedDocument
from guanjia.core.middleware import SESSION_KEY
from guanjia.core.models import ActivityLog
from guanjia.core.periods import Period
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.pdf import pdf_text
from guanjia.estates import services
from guanjia.estates.models import RegisterReview
from guanjia.estates.tests.factories import (
    LeaseFactory,
    OwnershipFactory,
    PersonFactory,
    RoomFactory,
    approve_lists,
)

pytestmark = pytest.mark.django_db

SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2025, 4, 3, 10, 0, tzinfo=SH)  # March is over; its lists are due for review and hand-over
MONTH = "2025-03"
MARCH = Period.parse(MONTH)
ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield NOW


@pytest.fixture
def community():
    return CommunityFactory(name="翠苑一期")


@pytest.fixture
def manager(community):
    return staff("office_manager", community)


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


@pytest.fixture
def register(community, supervisor):
    """A room sold mid-March 2025 (张三 → 李四) and a lease; the buyer has an ID number and a phone."""
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


def pdf_url(community, kind="property", month=MONTH):
    """The registered form's PDF (core.documents): the key names the community and the month."""
    return documents.document_url(f"PR-4.{kind}", community.pk, month)


def test_index_defaults_to_last_month_and_shows_recent_months(client, manager, supervisor, register):
    approve_lists(register.community, MARCH.previous(), supervisor=supervisor, manager=manager)
    client.force_login(manager)
    response = client.get(reverse("estates:lists"))
    assert response.status_code == 200
    assert response.context["selected"].period == MARCH  # the month just ended
    recent = response.context["recent"]
    assert len(recent) == 12 and recent[0].period == MARCH and recent[1].review == "approved"
    assert "月度清单" in response.text and "近12个月" in response.text
    assert "待送审" in response.text and "已审核" in response.text

    response = client.get(reverse("estates:lists"), {"month": MONTH})
    selected = response.context["selected"]
    assert (selected.property_rows, selected.changed_rooms, selected.lease_rows) == (1, 1, 1)
    assert "提交经理审核" in response.text  # not sent yet (the manager may send it himself when the desk cannot)


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


def test_the_month_goes_through_the_chain_and_the_sign_off_shows_on_the_page(client, manager, supervisor, register):
    """PR-4: the CS supervisor sends the month, the office manager approves it on the list page."""
    client.force_login(supervisor)
    page = client.get(url("estates:list_detail")).text
    assert "提交经理审核" in page and "尚未送审" not in page  # no approval yet: no panel, the submit button
    response = client.post(reverse("estates:lists_submit", args=[MONTH]), {"next": url("estates:list_detail")})
    assert response.status_code == 302 and response.url == url("estates:list_detail")
    approval = Approval.objects.get(kind="PR-4.lists")
    assert approval.community == register.community and approval.started_by == supervisor
    page = client.get(url("estates:list_detail")).text
    assert "经理审核中" in page and "提交经理审核" not in page
    assert 'id="approval-form"' not in page  # the supervisor does not decide

    client.force_login(manager)
    page = client.get(url("estates:list_detail", kind="lease")).text
    assert 'id="approval-form"' in page and "月度产权清单、租赁清单审核" in page
    response = client.post(
        reverse("core:approval_decide", args=[approval.pk]),
        {"outcome": "approve", "comment": "已核对", "next": url("estates:list_detail", kind="lease")},
    )
    assert response.status_code == 302 and response.url == url("estates:list_detail", kind="lease")
    reviews = {r.kind: r for r in RegisterReview.objects.all()}
    assert set(reviews) == {"property", "lease"}
    assert (reviews["property"].rows, reviews["property"].comment, reviews["property"].reviewed_by) == (
        1,
        "已核对",
        manager,
    )
    assert reviews["lease"].reviewed_at == NOW
    page = client.get(url("estates:list_detail")).text
    assert "已核对" in page and "审核时条目数" in page and "提交经理审核" not in page
    assert 'id="approval-form"' not in page and "已批准" in page  # the panel keeps the history
    index = client.get(reverse("estates:lists")).text
    assert "已审核" in index and manager.username in index

    client.force_login(supervisor)
    client.post(reverse("estates:lists_submit", args=[MONTH]))
    assert Approval.objects.count() == 1  # an approved month is not sent again
    assert "已审核，不能重复送审" in client.get(reverse("estates:lists")).text


def test_a_return_with_a_comment_goes_back_to_the_supervisor(client, manager, supervisor, register):
    client.force_login(supervisor)
    client.post(reverse("estates:lists_submit", args=[MONTH]))
    approval = Approval.objects.get()
    client.force_login(manager)
    client.post(reverse("core:approval_decide", args=[approval.pk]), {"outcome": "return", "comment": "  "})
    assert Approval.objects.get().status == ApprovalStatus.IN_PROGRESS  # a return needs its reason
    client.post(
        reverse("core:approval_decide", args=[approval.pk]), {"outcome": "return", "comment": "3-1-602 缺产权证号"}
    )
    assert Approval.objects.get().status == ApprovalStatus.RETURNED and not RegisterReview.objects.exists()

    client.force_login(supervisor)
    page = client.get(reverse("estates:lists")).text
    assert "已退回" in page and "3-1-602 缺产权证号" in page and "重新提交经理审核" in page
    assert supervisor.notifications.filter(title="2025年3月月度清单被退回", body="3-1-602 缺产权证号").exists()
    client.post(reverse("estates:lists_submit", args=[MONTH]))
    assert Approval.objects.filter(status=ApprovalStatus.IN_PROGRESS).count() == 1


def test_the_month_under_way_cannot_be_sent(client, supervisor):
    client.force_login(supervisor)
    this_month = Period.of("month", NOW).key
    response = client.post(reverse("estates:lists_submit", args=[this_month]), follow=True)
    assert response.status_code == 200 and "尚未结束" in response.text
    assert not Approval.objects.exists()


def test_only_the_deciding_role_decides_and_only_the_cs_desk_sends(client, community, manager, supervisor, register):
    archivist = staff("archivist", community)
    client.force_login(archivist)
    assert client.post(reverse("estates:lists_submit", args=[MONTH])).status_code == 403
    client.force_login(supervisor)
    client.post(reverse("estates:lists_submit", args=[MONTH]))
    approval = Approval.objects.get()
    response = client.post(reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve"}, follow=True)
    assert "须由管理处经理审批" in response.text
    assert Approval.objects.get().status == ApprovalStatus.IN_PROGRESS and not RegisterReview.objects.exists()


def test_another_communitys_manager_cannot_decide(client, supervisor, register, other):
    client.force_login(supervisor)
    client.post(reverse("estates:lists_submit", args=[MONTH]))
    approval = Approval.objects.get()
    client.force_login(staff("office_manager", other))
    response = client.post(reverse("core:approval_decide", args=[approval.pk]), {"outcome": "approve"})
    assert response.status_code == 404  # outside his scope: not found, never "forbidden"
    assert Approval.objects.get().status == ApprovalStatus.IN_PROGRESS and not RegisterReview.objects.exists()


def test_excel_download(client, manager, register):
    approve_lists(register.community, MARCH, manager=manager, comment="核对无误")
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
    assert f"审核人：{manager.username}" in cells and "审核意见：核对无误" in cells
    assert "接收人：__________" in cells  # not yet signed for (AR-2)
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


def test_pdf_download(client, manager, register):
    approve_lists(register.community, MARCH, manager=manager, comment="核对无误")
    client.force_login(manager)
    response = client.get(pdf_url(register.community))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, layout=True)
    assert "翠苑一期产权清单" in text and "2025年3月" in text
    assert "李四（100%）" in text and "本月产权变动" in text
    assert "审核人" in text and manager.username in text and "核对无误" in text and "2025-04-03" in text
    assert re.search(r"\b1\s*/\s*1\b", text)  # page x / y in the header
    assert ID_NUMBER not in text and PHONE not in text
    assert ActivityLog.objects.filter(verb="estates.register.exported", data__format="pdf").exists()  # AR-4
    copy = IssuedDocument.objects.get()  # DESIGN §14: the copy, numbered, its number printed on it
    assert (copy.kind, copy.number, copy.subject_id) == (
        "PR-4.property",
        "CQ-2025-000001",
        f"{copy.community_id}-{MONTH}",
    )
    assert copy.number in text.replace(" ", "") and copy.issued_by == manager
    assert (
        "%E4%BA%A7%E6%9D%83%E6%B8%85%E5%8D%95-2025-03.pdf" in response["Content-Disposition"]
    )  # …-产权清单-2025-03.pdf

    lease = pdf_text(client.get(pdf_url(register.community, kind="lease")).content, layout=True)
    assert "翠苑一期租赁清单" in lease and "王租客" in lease and "本月到期" in lease
    assert manager.username in lease  # one approval signs both lists


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
    own = manager.memberships.get().community
    assert "外区业主" not in pdf_text(client.get(pdf_url(own)).content, layout=True)
    for kind in ("property", "lease"):  # B named in the link: not his, not found
        assert client.get(pdf_url(other, kind=kind)).status_code == 404
    client.post(reverse("estates:lists_submit", args=[MONTH]))
    assert not Approval.objects.filter(community=other).exists()
    assert client.post(reverse("core:switch_community"), {"community": other.pk}).status_code == 404


def test_manager_of_a_holding_a_lesser_role_in_b_is_refused_there(client, community, other):
    user = staff("office_manager", community)
    from guanjia.core.models import Membership

    Membership.objects.create(user=user, community=other, role="front_desk")
    client.force_login(user)
    client.post(reverse("core:switch_community"), {"community": other.pk})
    for name in ("estates:list_detail", "estates:list_xlsx"):
        assert client.get(url(name)).status_code == 403
    assert client.get(pdf_url(other)).status_code == 403  # he works in B, as front desk: no export there
    assert client.post(reverse("estates:lists_submit", args=[MONTH])).status_code == 403
    assert client.post(reverse("estates:lists_receive", args=[MONTH])).status_code == 403
    assert not Approval.objects.exists()
    assert not ActivityLog.objects.filter(verb="estates.register.exported").exists()
    assert not IssuedDocument.objects.exists()
    # The link names its community: his own A prints, whichever community the switcher holds.
    assert client.get(pdf_url(community)).status_code == 200
    assert IssuedDocument.objects.get().community == community


# --- AR-2: the archivist signs for the month on the lists page ------------------------------


def test_the_archivist_signs_for_the_month_on_the_lists_page(client, community, register):
    archivist = staff("archivist", community)
    client.force_login(archivist)
    page = client.get(reverse("estates:lists")).text
    assert "文档管理员签收" in page and "该月清单尚未经管理处经理审核" in page
    assert "提交经理审核" not in page  # the archivist does not send the lists
    response = client.post(
        reverse("estates:lists_receive", args=[MONTH]), {"note": "业户资料 12 份", "next": reverse("estates:lists")}
    )
    assert response.status_code == 302
    page = client.get(reverse("estates:lists")).text
    assert "已签收" in page and f"{archivist.username} · 2025-04-03 10:00" in page and 'id="receive-form"' not in page
    entry = ActivityLog.objects.get(verb="estates.lists.received")
    assert entry.data["note"] == "业户资料 12 份" and entry.data["on_time"] is True

    response = client.post(reverse("estates:lists_receive", args=[MONTH]), follow=True)
    assert "已于 2025-04-03 10:00 签收" in response.text
    wb = load_workbook(io.BytesIO(client.get(url("estates:list_xlsx")).content))
    cells = " ".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    assert f"文档管理员签收：{archivist.username}    签收日期：2025-04-03" in cells


def test_the_cs_supervisor_cannot_sign_for_the_archivist(client, supervisor, register):
    client.force_login(supervisor)
    assert 'id="receive-form"' not in client.get(reverse("estates:lists")).text
    assert client.post(reverse("estates:lists_receive", args=[MONTH])).status_code == 403
    assert not ActivityLog.objects.filter(verb="estates.lists.received").exists()


def test_lists_page_queries_do_not_grow_with_the_months_shown(
    client, community, manager, supervisor, register, monkeypatch
):
    """Sizes, sign-offs, approvals and both duties of every month shown come from a fixed set of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanjia.estates import monthly_lists
    from guanjia.estates.views_lists import ListIndexView

    for n in (1, 2, 5):
        approve_lists(community, MARCH.shift(-n), supervisor=supervisor, manager=manager)
    monthly_lists.lists_submit(community=community, period=MARCH, actor=supervisor)  # the selected month: in review
    monthly_lists.lists_receive(community=community, period=MARCH.previous(), actor=staff("archivist", community))
    client.force_login(manager)
    client.get(reverse("estates:lists"))  # opens the duties once

    counts = {}
    for shown in (1, 24):
        monkeypatch.setattr(ListIndexView, "recent_count", shown)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("estates:lists"))
        assert len(response.context["recent"]) == shown
        counts[shown] = len(queries)
    assert counts[1] == counts[24] <= 20, counts
