"""Natural order of buildings and rooms everywhere (issue 8, PR-2/PR-4): 1幢, 2幢, 10幢; 1-2-602 before 10-1-101.

The order comes from a stored, indexed sort key (filled on save and in the bulk paths), so lists,
registers, exports and pickers sort in the database, paginated, on SQLite and PostgreSQL alike.
"""

import datetime as dt
import importlib
import io
import random

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from guanjia.core.periods import Period
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import registers, services
from guanjia.estates.exporting import register_export
from guanjia.estates.models import Building, Room, Unit
from guanjia.estates.search import search_households
from guanjia.estates.sorting import natural_key
from guanjia.estates.tests.factories import LeaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

NATURAL = ["1-1-101", "1-2-99", "1-2-602", "1-2-1001", "1-10-101", "2-1-101", "10-1-101", "S1-1"]


def test_pr2_natural_key_orders_codes_as_people_read_them():
    shuffled = NATURAL[:]
    random.Random(8).shuffle(shuffled)
    assert sorted(shuffled, key=natural_key) == NATURAL
    assert sorted(["10", "2", "1"], key=natural_key) == ["1", "2", "10"]
    assert natural_key("3-2-0101") != natural_key("3-2-101")  # distinct codes, distinct keys


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


@pytest.fixture
def rooms(community, supervisor):
    made = []
    for code in reversed(NATURAL):
        parts = code.split("-")
        building, unit, number = (parts[0], "", parts[1]) if len(parts) == 2 else parts
        made.append(
            services.room_create(
                community=community,
                actor=supervisor,
                building_code=building,
                unit_code=unit,
                number=number,
                building_area=90,
            )
        )
    return made


def test_pr2_sort_key_filled_on_save_and_in_bulk_paths(community):
    building = Building.objects.create(community=community, code="10")
    assert building.sort_key == natural_key("10")
    made = Building.objects.bulk_create([Building(community=community, code="2")])
    assert Building.objects.get(pk=made[0].pk).sort_key == natural_key("2")
    unit = Unit.objects.create(community=community, building=building, code="3")
    Room.objects.bulk_create([Room(community=community, building=building, unit=unit, number="602", code="10-3-602")])
    room = Room.objects.get(code="10-3-602")
    assert room.sort_key == natural_key("10-3-602")
    Room.objects.filter(pk=room.pk).update(code="10-3-603")
    assert Room.objects.get(pk=room.pk).sort_key == natural_key("10-3-603")
    room.refresh_from_db()
    room.code = "10-3-604"
    Room.objects.bulk_update([room], ["code"])
    assert Room.objects.get(pk=room.pk).sort_key == natural_key("10-3-604")
    room.code = "10-3-605"
    room.save(update_fields=["code"])
    assert Room.objects.get(pk=room.pk).sort_key == natural_key("10-3-605")


def test_pr2_default_order_is_natural_and_comes_from_the_database(community, rooms):
    with CaptureQueriesContext(connection) as queries:
        codes = list(Room.objects.filter(community=community).values_list("code", flat=True))
    assert codes == NATURAL
    assert "sort_key" in queries[-1]["sql"].split("ORDER BY")[1]
    assert list(Building.objects.filter(community=community).values_list("code", flat=True)) == ["1", "2", "10", "S1"]
    assert list(Unit.objects.filter(community=community, building__code="1").values_list("code", flat=True)) == [
        "1",
        "2",
        "10",
    ]


def test_pr2_room_and_building_lists_and_picker(client, community, supervisor, rooms):
    client.force_login(supervisor)
    page = client.get(reverse("estates:rooms")).content.decode()
    positions = [page.index(f">{code}<") for code in NATURAL]
    assert positions == sorted(positions)
    buildings = client.get(reverse("estates:buildings")).content.decode()
    assert buildings.index(">2</a>") < buildings.index(">10</a>")
    # The building picker of the room list filter.
    picker = page.split('name="building"')[1].split("</select>")[0]
    assert picker.index(">2栋<") < picker.index(">10栋<")


def test_pr4_property_and_lease_lists_and_export_in_natural_order(community, supervisor, rooms):
    month = Period.parse("2026-01")
    assert [r.code for r in registers.property_list(community, month)] == NATURAL
    for room in rooms:
        LeaseFactory(room=room, tenant=PersonFactory(community=community), start=month.start, end=dt.date(2026, 12, 31))
    assert [r.code for r in registers.lease_list(community, month)] == NATURAL
    _filename, handle = register_export(community=community, actor=supervisor, kind="rooms")
    sheet = load_workbook(io.BytesIO(handle.read())).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)] == NATURAL


def test_pr2_search_picker_lists_an_entrance_in_natural_order(community, supervisor, rooms):
    hits = search_households(user=supervisor, community=community, query="1-2", limit=10)
    assert [h.room.code for h in hits] == ["1-2-99", "1-2-602", "1-2-1001"]


def test_pr2_migration_fills_keys_of_existing_rows(community, rooms):
    Room.objects.filter(community=community).update(sort_key="")
    Building.objects.filter(community=community).update(sort_key="")
    migration = importlib.import_module("guanjia.estates.migrations.0004_natural_sort_unknown_since")
    migration.fill_sort_keys(apps, None)
    assert list(Room.objects.filter(community=community).values_list("code", flat=True)) == NATURAL
    assert all(r.sort_key == natural_key(r.code) for r in Room.objects.filter(community=community))
    assert migration.natural_key("10-1-101") == natural_key("10-1-101")  # the frozen copy agrees
