"""Export of the register in the import template's layout: round trip, masking, logging, scoping."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from guanjia.core.errors import ServiceError
from guanjia.core.importing.services import import_commit
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates.exporting import register_export
from guanjia.estates.importing import ROOM_COLUMNS
from guanjia.estates.management.commands.bench_import import cn_id
from guanjia.estates.models import Lease, Ownership, Room
from guanjia.estates.tests.test_import import MESSY_ROOMS, import_preview, xlsx

pytestmark = pytest.mark.django_db

TENANT_A = cn_id("320102", dt.date(1995, 7, 7), 55)
TENANT_B = cn_id("320102", dt.date(1996, 8, 8), 66)
LEASES = [
    [
        "房屋编号",
        "租户姓名",
        "证件号码",
        "手机号码",
        "起租日期",
        "到期日期",
        "退租日期",
        "租赁登记备案号",
        "室内装修情况",
    ],
    ["3-2-1201", "孙租客", TENANT_A, "13512345678", "2024-03-01", "2025-02-28", "2024-12-31", "BA-9", "简装"],
    ["3-2-1201", "周租客", TENANT_B, None, "2025-03-01", "2027-02-28", None, None, "精装修"],
]


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


def load(community, actor, kind, file):
    batch = import_preview(community=community, actor=actor, kind=kind, file=file)
    assert batch.errors == []
    import_commit(batch=batch, actor=actor)


def export_file(community, actor, kind) -> SimpleUploadedFile:
    filename, handle = register_export(community=community, actor=actor, kind=kind)
    assert filename.endswith(".xlsx")
    return SimpleUploadedFile("export.xlsx", handle.read())


def snapshot(community):
    rooms = sorted(
        Room.objects.filter(community=community).values_list(
            "code",
            "kind",
            "floor",
            "building_area",
            "usable_area",
            "land_area",
            "use",
            "handover",
            "moved_in_on",
            "facilities",
            "garage",
            "note",
        )
    )
    owners = sorted(
        (
            o.room.code,
            o.person.name,
            o.person.id_number,
            o.person.gender,
            o.share,
            o.since,
            o.acquisition,
            o.certificate_no,
            tuple(p.number for p in o.person.phones.order_by("id")),
        )
        for o in Ownership.objects.filter(community=community).select_related("room", "person")
    )
    leases = sorted(
        (x.room.code, x.tenant.name, x.tenant.id_number, x.start, x.end, x.ended_on, x.registration_no, x.decoration)
        for x in Lease.objects.filter(community=community).select_related("room", "tenant")
    )
    return rooms, owners, leases


def test_export_reimports_into_fresh_community(community, supervisor):
    load(community, supervisor, "rooms", xlsx(MESSY_ROOMS))
    load(community, supervisor, "leases", xlsx(LEASES))
    rooms_file = export_file(community, supervisor, "rooms")
    leases_file = export_file(community, supervisor, "leases")

    fresh = CommunityFactory()
    manager = staff("office_manager", fresh)
    load(fresh, manager, "rooms", rooms_file)
    load(fresh, manager, "leases", leases_file)

    before, after = snapshot(community), snapshot(fresh)
    assert len(before[0]) == 4 and len(before[1]) == 5 and len(before[2]) == 2
    assert after == before


def test_export_layout_matches_template(community, supervisor):
    load(community, supervisor, "rooms", xlsx(MESSY_ROOMS))
    sheet = load_workbook(export_file(community, supervisor, "rooms")).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert community.name in rows[0][0]  # a title row above the headers
    assert [h.rstrip("*") for h in rows[1]] == [str(c.label) for c in ROOM_COLUMNS]
    assert len(rows) == 2 + 6  # one row per owner, one for the room without owners
    entry = ActivityLog.objects.get(verb="estates.register.exported")
    assert entry.community == community and entry.actor == supervisor
    assert entry.data == {"kind": "rooms", "rows": 6, "full_ids": True}


def test_export_masks_ids_for_roles_without_view_id(community, supervisor):
    load(community, supervisor, "rooms", xlsx(MESSY_ROOMS))
    archivist = staff("archivist", community)
    sheet = load_workbook(export_file(community, archivist, "rooms")).worksheets[0]
    ids = [row[14] for row in sheet.iter_rows(min_row=3, values_only=True) if row[14]]
    assert ids and all("*" in value for value in ids)
    assert "**************002X" in ids
    assert ActivityLog.objects.get(verb="estates.register.exported", actor=archivist).data["full_ids"] is False


def test_export_refused_for_front_desk(client, community):
    desk = staff("front_desk", community)
    with pytest.raises(ServiceError) as error:
        register_export(community=community, actor=desk, kind="rooms")
    assert error.value.status == 403
    client.force_login(desk)
    assert client.get(reverse("estates:register_export_download", args=["rooms"])).status_code == 403
    assert not ActivityLog.objects.filter(verb="estates.register.exported").exists()


def test_export_view_is_scoped_to_current_community(client, community, supervisor):
    load(community, supervisor, "rooms", xlsx(MESSY_ROOMS))
    other = CommunityFactory()
    load(
        other, staff("cs_supervisor", other), "rooms", xlsx([["房屋编号", "类型", "建筑面积"], ["8-8-808", "住宅", 90]])
    )
    client.force_login(supervisor)
    assert client.get(reverse("estates:register_export")).status_code == 200
    response = client.get(reverse("estates:register_export_download", args=["rooms"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    codes = {row[0] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert codes == {"3-2-1201", "3-2-1202", "5-101", "6-1-301"}


def test_export_query_count_does_not_grow(community, supervisor, django_assert_max_num_queries):
    load(community, supervisor, "rooms", xlsx(MESSY_ROOMS))
    with django_assert_max_num_queries(8):
        register_export(community=community, actor=supervisor, kind="rooms")
    with django_assert_max_num_queries(8):
        register_export(community=community, actor=supervisor, kind="leases")
