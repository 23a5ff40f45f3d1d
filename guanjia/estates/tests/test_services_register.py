import datetime as dt

import pytest

from guanjia.core.errors import ServiceError
from guanjia.core.models import ActivityLog
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.estates import services
from guanjia.estates.models import Ownership

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    return CommunityFactory()


@pytest.fixture
def supervisor(community):
    return staff("cs_supervisor", community)


def test_room_create_derives_code_and_logs(community, supervisor):
    room = services.room_create(community=community, actor=supervisor, building_code="３", unit_code="2", number="1201")
    assert room.code == "3-2-1201"
    assert ActivityLog.objects.filter(verb="estates.room.created", household_id=room.pk).exists()
    with pytest.raises(ServiceError, match="已存在"):
        services.room_create(community=community, actor=supervisor, building_code="3", unit_code="2", number="1201")


def test_person_id_number_encrypted_and_derived(community, supervisor):
    person = services.person_create(
        community=community, actor=supervisor, name="张三", id_number="11010519491231002x", phones=["138 0013 8000"]
    )
    assert person.id_number == "11010519491231002X"
    assert "110105" not in person.id_encrypted
    assert (person.gender, person.birth_date) == ("F", dt.date(1949, 12, 31))
    assert (person.name_pinyin, person.name_initials) == ("zhangsan", "zs")
    assert [p.number for p in person.phones.all()] == ["13800138000"]


def test_person_bad_id_names_the_field(community, supervisor):
    with pytest.raises(ServiceError) as err:
        services.person_create(community=community, actor=supervisor, name="李四", id_number="110105194912310021")
    assert err.value.field == "id_number"
    assert "身份证号" in str(err.value)


def test_transfer_keeps_history_pr1(community, supervisor):
    room = services.room_create(community=community, actor=supervisor, building_code="1", unit_code="1", number="101")
    seller = services.person_create(community=community, actor=supervisor, name="王五")
    buyer = services.person_create(community=community, actor=supervisor, name="赵六")
    services.ownership_register(room=room, actor=supervisor, owners=[(seller, 100)], since=dt.date(2020, 1, 1))
    services.ownership_transfer(
        room=room, actor=supervisor, owners=[(buyer, 100)], on=dt.date(2026, 3, 1), acquisition="purchase"
    )
    history = list(Ownership.objects.filter(room=room).order_by("since"))
    assert [(o.person.name, o.since, o.until) for o in history] == [
        ("王五", dt.date(2020, 1, 1), dt.date(2026, 3, 1)),
        ("赵六", dt.date(2026, 3, 1), None),
    ]
    assert ActivityLog.objects.filter(verb="estates.ownership.transferred", household_id=room.pk).count() == 1


def test_transfer_refused_for_front_desk(community, supervisor):
    desk = staff("front_desk", community)
    room = services.room_create(community=community, actor=supervisor, building_code="1", unit_code="1", number="102")
    owner = services.person_create(community=community, actor=supervisor, name="王五")
    services.ownership_register(room=room, actor=supervisor, owners=[(owner, 100)], since=dt.date(2020, 1, 1))
    with pytest.raises(ServiceError) as err:
        services.ownership_transfer(
            room=room, actor=desk, owners=[(owner, 100)], on=dt.date(2026, 1, 1), acquisition="gift"
        )
    assert err.value.status == 403
