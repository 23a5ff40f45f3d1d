"""Issue 10 in the register: one "\\x0b" in a room note broke the community's Excel export with a 500.

Text with control characters put straight into the database (as older versions, the admin or a
restore could leave it) still exports, to each exporter; and every way in strips them: the
console's forms, the API, the importer. Household papers are told by their content."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from guanjia.core import clock
from guanjia.core.models import Community
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.tests.pdf import pdf_text
from guanjia.core.tests.uploads import PDF, PHP_AS_JPG, SVG_WITH_SCRIPT, jpeg_bytes
from guanjia.estates import services
from guanjia.estates.exporting import register_export
from guanjia.estates.models import HouseholdDocument, Lease, Person, RegisterReview, Room
from guanjia.estates.tests.factories import LeaseFactory, OwnershipFactory, PersonFactory, RoomFactory, approve_lists
from guanjia.estates.tests.test_import import MESSY_ROOMS, import_preview, xlsx
from guanjia.estates.tests.test_lists_views import MARCH, NOW, pdf_url, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):  # April 2025: March's lists are complete
        yield


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
    """A room sold in March 2025 (张三 → 李四), let to 王租客 until its end."""
    room = RoomFactory(unit__building__community=community, facilities="阳台", garage="B1-08")
    OwnershipFactory(room=room, person=PersonFactory(community=community, name="张三"), since=dt.date(2020, 1, 1))
    buyer = services.person_create(community=community, actor=supervisor, name="李四")
    services.ownership_transfer(
        room=room, actor=supervisor, owners=[(buyer, Decimal(100))], on=dt.date(2025, 3, 15), acquisition="purchase"
    )
    LeaseFactory(
        room=room,
        tenant=PersonFactory(community=community, name="王租客"),
        start=dt.date(2024, 4, 1),
        end=dt.date(2025, 3, 31),
        registration_no="租备2024-77",
        decoration="精装",
    )
    return room


def controls() -> str:
    """Every C0 control but tab, LF and CR; NUL only where the database can store it (PostgreSQL's
    text cannot, so there the attack cannot happen)."""
    first = 1 if connection.vendor == "postgresql" else 0
    return "".join(chr(c) for c in range(first, 0x20) if c not in (0x09, 0x0A, 0x0D))


def poison(text: str) -> str:
    return text[:1] + controls() + text[1:]


def cells(workbook) -> str:
    return " ".join(str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value)


def test_the_register_export_survives_control_characters_stored_in_the_database(register, manager):
    community = register.community
    Room.objects.filter(pk=register.pk).update(note=poison("卫生间漏水"), facilities=poison("阳台"))
    Person.objects.filter(name="李四").update(name=poison("李四"))
    Lease.objects.filter(room=register).update(decoration=poison("精装"), registration_no=poison("租备"))
    Community.objects.filter(pk=community.pk).update(name=poison("翠苑一期"))
    community.refresh_from_db()
    for kind in ("rooms", "leases"):
        _name, handle = register_export(community=community, actor=manager, kind=kind)
        text = cells(load_workbook(io.BytesIO(handle.read())))
        assert "翠\n\n苑一期" in text  # VT and FF are line breaks; the rest is gone
        assert ("卫\n\n生间漏水" if kind == "rooms" else "精\n\n装") in text


def test_the_monthly_lists_in_excel_and_pdf_survive_them(client, register, manager):
    approve_lists(register.community, MARCH, manager=manager, comment="核对无误")
    RegisterReview.objects.update(comment=poison("核对无误"))
    Room.objects.filter(pk=register.pk).update(facilities=poison("阳台"))
    Person.objects.filter(name="李四").update(name=poison("李四"))
    Lease.objects.filter(room=register).update(registration_no=poison("租备2024-77"))
    Community.objects.filter(pk=register.community_id).update(name=poison("翠苑一期"))
    client.force_login(manager)
    for kind in ("property", "lease"):
        response = client.get(url("estates:list_xlsx", kind=kind))
        assert response.status_code == 200
        text = cells(load_workbook(io.BytesIO(response.content)))
        assert "翠\n\n苑一期" in text
        assert ("阳\n\n台" if kind == "property" else "租\n\n备2024-77") in text
        response = client.get(pdf_url(register.community, kind=kind))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert "苑一期" in pdf_text(response.content, layout=True)


# --- The ways in ------------------------------------------------------------------------------


def test_the_console_form_strips_them(client, supervisor, register):
    client.force_login(supervisor)
    data = {"kind": "residence", "use": "self", "handover": "moved_in", "building_area": "89.50"}
    data |= {"facilities": "阳\x00台", "garage": "B1\x1b-08", "note": "卫生间\x0b漏水\x07"}
    response = client.post(reverse("estates:room_edit", args=[register.pk]), data)
    assert response.status_code == 302
    register.refresh_from_db()
    assert (register.facilities, register.garage, register.note) == ("阳台", "B1-08", "卫生间\n漏水")


def test_the_api_strips_them(supervisor, register):
    api = APIClient()
    api.force_authenticate(supervisor)
    response = api.patch(f"/api/rooms/{register.pk}/", {"note": "卫生间\u000b漏水\u0000\u001f"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["note"] == "卫生间\n漏水"
    response = api.patch(
        f"/api/rooms/{register.pk}/",
        "note=%E6%BC%8F%0B%E6%B0%B4%01",
        content_type=("application/x-www-form-urlencoded"),
    )
    assert response.status_code == 200 and Room.objects.get(pk=register.pk).note == "漏\n水"


def test_the_importer_strips_them_raw_and_as_excels_escapes(community, supervisor):
    rows = [list(row) for row in MESSY_ROOMS[:4]]
    rows[3][-1] = "一楼_x000B_二楼\x85见图"  # a pasted line break as Excel stores it, a C1 control as it is
    rows[3][6] = "张_x001B_三"
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(rows))
    assert batch.errors == []
    from guanjia.core.importing.services import import_commit

    import_commit(batch=batch, actor=supervisor)
    room = Room.objects.get(community=community)
    assert room.note == "一楼\n二楼见图"
    assert Person.objects.get(community=community).name == "张三"


def test_the_bad_rows_download_carries_them_as_line_breaks(community, supervisor):
    from guanjia.core.importing.badrows import import_bad_rows

    rows = [list(row) for row in MESSY_ROOMS[:4]]
    rows[3][3] = "九十"  # a bad area: the row goes to the download, with its note
    rows[3][-1] = "一楼_x000B_二楼_x0007_"
    batch = import_preview(community=community, actor=supervisor, kind="rooms", file=xlsx(rows))
    assert batch.errors
    _name, content = import_bad_rows(batch=batch, actor=supervisor)
    assert "一楼\n二楼" in cells(load_workbook(io.BytesIO(content)))


# --- Household papers (AR-1): told by content ----------------------------------------------------


def upload(client, room, name, content):
    return client.post(
        reverse("estates:document_upload", args=[room.pk]),
        {"category": "contract", "title": "", "file": SimpleUploadedFile(name, content, content_type="image/jpeg")},
    )


def test_household_papers_are_told_by_their_content(client, supervisor, register):
    client.force_login(supervisor)
    for name, content, message in [
        ("合同.jpg", PHP_AS_JPG, "按文件内容判断"),
        ("户型图.svg", SVG_WITH_SCRIPT, "脚本"),
    ]:
        page = upload(client, register, name, content).content.decode()
        assert 'id="id_file_error"' in page and message in page
    assert not HouseholdDocument.objects.exists()

    assert upload(client, register, "合同.jpg", PDF).status_code == 302  # a PDF, whatever its name says
    assert upload(client, register, "身份证.jpg", jpeg_bytes(gps=True)).status_code == 302
    pdf, photo = HouseholdDocument.objects.order_by("pk")
    assert pdf.file.name.endswith(".pdf") and pdf.title == "合同.pdf"
    with photo.file.open("rb") as handle:
        assert b"Exif" not in handle.read()  # the GPS position of the owner's home is not kept
