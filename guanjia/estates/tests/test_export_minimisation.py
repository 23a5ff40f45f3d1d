"""AR-4: a register export shows phones as the role's pages do (masked without people.view_phone)."""

import io

import pytest
from openpyxl import load_workbook

from guanjia.core import clock
from guanjia.core.tests.factories import CommunityFactory, at, staff
from guanjia.estates import services
from guanjia.estates.exporting import register_export
from guanjia.estates.tests.factories import OwnershipFactory, RoomFactory

pytestmark = pytest.mark.django_db


def _cells(community, user) -> str:
    _name, handle = register_export(community=community, actor=user, kind="rooms")
    sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).worksheets[0]
    return "\n".join("\t".join("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("role", "phone"), [("archivist", "138****1111"), ("quality", "138****1111"), ("cs_supervisor", "13800001111")]
)
def test_export_masks_phones_for_roles_without_view_phone(role, phone):
    community = CommunityFactory()
    manager = staff("office_manager", community)
    with clock.frozen(at(2026, 11, 20, 10, 0)):
        owner = services.person_create(community=community, actor=manager, name="陈晓梅", phones=["13800001111"])
        OwnershipFactory(
            room=RoomFactory(community=community, unit__community=community, unit__building__community=community),
            person=owner,
        )
        text = _cells(community, staff(role, None if role == "quality" else community))
    assert phone in text
    if "*" in phone:
        assert "13800001111" not in text
