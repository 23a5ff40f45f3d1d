"""The billing models' own guarantees (FE-1): an issued bill is written once; a line's open amount stays
within its amount; a room is billed for an item's period once."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from guanjia.billing.models import BillLine
from guanjia.billing.tests.factories import FeeItemFactory, bill_for
from guanjia.core import numbering
from guanjia.estates.tests.factories import RoomFactory

pytestmark = pytest.mark.django_db


def test_fe1_an_issued_bill_cannot_be_saved_again_or_deleted():
    room = RoomFactory()
    bill = bill_for(room, [(FeeItemFactory(community=room.community), "100.00")])
    bill.total = 1
    with pytest.raises(ValidationError):
        bill.save()
    with pytest.raises(ValidationError):
        bill.delete()


def test_fe1_a_room_is_billed_for_an_items_period_once():
    room = RoomFactory()
    item = FeeItemFactory(community=room.community)
    bill_for(room, [(item, "100.00")])
    with pytest.raises(IntegrityError), transaction.atomic():
        bill_for(room, [(item, "100.00")])


def test_open_amount_stays_within_the_line():
    room = RoomFactory()
    bill = bill_for(room, [(FeeItemFactory(community=room.community), "100.00")])
    with pytest.raises(IntegrityError), transaction.atomic():
        BillLine.objects.filter(bill=bill).update(open_amount=101)


def test_numbering_keeps_one_series_per_scope_and_reserves_blocks():
    room = RoomFactory()
    other = RoomFactory()
    assert numbering.next_number("SJ", year=2026, scope=room.community) == "SJ-2026-000001"
    assert numbering.next_number("SJ", year=2026, scope=other.community) == "SJ-2026-000001"
    assert numbering.block("SJ", 3, year=2026, scope=room.community) == [
        "SJ-2026-000002",
        "SJ-2026-000003",
        "SJ-2026-000004",
    ]
    assert numbering.next_number("SJ", year=2026) == "SJ-2026-000001"
    assert numbering.block("SJ", 0, year=2026) == []
