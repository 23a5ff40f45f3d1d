"""`manage.py bench_import`'s two measured phases, small: the raw-SQL floor writes the rows an import
writes, and the import passes through the real services (the benchmark compares like with like)."""

import io
import json

import pytest
from django.core.management import call_command

from guanjia.core.models import ActivityLog
from guanjia.estates.management.commands.bench_import import build_file, room_rows
from guanjia.estates.models import Building, Ownership, Person, Phone, Room, Unit

pytestmark = pytest.mark.django_db


def run(*args) -> dict:
    out = io.StringIO()
    call_command("bench_import", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def written(community) -> tuple:
    return (
        Building.objects.filter(community=community).count(),
        Unit.objects.filter(community=community).count(),
        Room.objects.filter(community=community).count(),
        Person.objects.filter(community=community).count(),
        Phone.objects.filter(community=community).count(),
        Ownership.objects.filter(community=community).count(),
        ActivityLog.objects.filter(community=community, verb="estates.room.imported").count(),
    )


def test_the_baseline_and_the_import_write_the_same_rows(tmp_path):
    path = tmp_path / "bench.xlsx"
    path.write_bytes(build_file(250))  # 250 rooms: two buildings, three entrances
    raw = run("--phase", "baseline", "--rooms", "250")
    measured = run("--phase", "import", "--file", str(path))
    baseline_community, import_community = (
        Room.objects.order_by("community_id").values_list("community", flat=True).distinct()
    )
    assert raw["rows"] == sum(written(baseline_community)) == 2 + 3 + 5 * 250
    assert written(import_community) == written(baseline_community)
    assert measured["rows"] == 250 and measured["written"] == {"rooms": 250, "people": 250, "ownerships": 250}
    assert measured["peak_mb"] >= measured["idle_mb"] > 0


def test_the_generated_register_has_no_duplicate_id_numbers_past_20000_rows():
    numbers = [row["id_number"] for row in room_rows(60000)]
    assert len(set(numbers)) == len(numbers)
