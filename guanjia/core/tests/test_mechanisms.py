"""The core mechanisms every feature relies on: scoping, permissions, personal data, numbering, text."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from guanjia.core import crypto
from guanjia.core.access import has_perm, require, scoped, visible_communities
from guanjia.core.errors import ServiceError
from guanjia.core.masking import mask_id, mask_name, mask_phone
from guanjia.core.models import Community, Membership
from guanjia.core.numbering import next_number
from guanjia.core.tests.factories import CommunityFactory, staff
from guanjia.core.textnorm import normalise_room_code, parse_area
from guanjia.core.validators import normalise_phone, parse_cn_id, split_phones


@pytest.mark.django_db
class TestScoping:
    def test_community_staff_see_only_their_community(self):
        a, b = CommunityFactory(), CommunityFactory()
        desk = staff("front_desk", a)
        assert list(visible_communities(desk)) == [a]
        assert list(scoped(Community.objects.all(), desk, field="pk")) == [a]
        assert has_perm(desk, "estates.view", a)
        assert not has_perm(desk, "estates.view", b)

    def test_company_roles_see_every_community(self):
        a, b = CommunityFactory(), CommunityFactory()
        quality = staff("quality")
        assert set(visible_communities(quality)) == {a, b}
        assert has_perm(quality, "estates.export", b)
        # ...but a company role only does what its role allows.
        assert not has_perm(quality, "estates.transfer", a)

    def test_role_decides_the_action(self):
        a = CommunityFactory()
        desk = staff("front_desk", a)
        with pytest.raises(ServiceError) as err:
            require(desk, "estates.transfer", a)
        assert err.value.status == 403
        require(staff("cs_supervisor", a), "estates.transfer", a)

    def test_user_without_membership_sees_nothing(self, django_user_model):
        CommunityFactory()
        nobody = django_user_model.objects.create_user("nobody", password="x-123456")
        assert not visible_communities(nobody).exists()

    def test_membership_validation(self, django_user_model):
        user = django_user_model.objects.create_user("m", password="x-123456")
        with pytest.raises(ValidationError):
            Membership(user=user, role="quality", community=CommunityFactory()).full_clean()
        with pytest.raises(ValidationError):
            Membership(user=user, role="front_desk", community=None).full_clean()


def test_encryption_round_trip_and_keyed_hash():
    token = crypto.encrypt("11010519491231002X")
    assert "1101" not in token
    assert crypto.decrypt(token) == "11010519491231002X"
    assert crypto.lookup_hash("a") == crypto.lookup_hash("a") != crypto.lookup_hash("b")
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("11010519491231002X") == "**************002X"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("张三") == "张*"


def test_cn_id_checksum_lowercase_x_and_derived_facts():
    info = parse_cn_id("11010519491231002x")
    assert info.number == "11010519491231002X"
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "F"
    assert parse_cn_id("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"
    with pytest.raises(ValidationError, match="身份证号"):
        parse_cn_id("110105194912310021")
    with pytest.raises(ValidationError):
        parse_cn_id("1101051949123")


def test_cn_id_birth_date_is_checked_against_the_day_given_and_the_oldest_year():
    # The fast path (a plain ASCII number read once) refuses exactly what the full reading does.
    born_1990 = "110105199001010010"
    assert parse_cn_id(born_1990, today=dt.date(1990, 1, 1)).birth_date == dt.date(1990, 1, 1)
    with pytest.raises(ValidationError, match="晚于今天") as error:
        parse_cn_id(born_1990, today=dt.date(1989, 12, 31))
    assert error.value.code == "id_birth_date" and born_1990 not in error.value.messages[0]
    with pytest.raises(ValidationError, match="年份早于1880年"):
        parse_cn_id("110105187001010012", today=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="长度不对"):
        parse_cn_id(" 11010519491231002X0 ", today=dt.date(2026, 1, 1))


def test_phones():
    assert normalise_phone(" 138-1234-5678 ") == "13812345678"
    assert normalise_phone("+8613812345678") == "13812345678"
    assert normalise_phone("0755-88886666") == "0755-88886666"
    assert split_phones("13812345678/13987654321") == ["13812345678", "13987654321"]
    with pytest.raises(ValidationError, match="手机号"):
        normalise_phone("1381234567")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3-2-1201", "3-2-1201"),
        ("3栋2单元1201室", "3-2-1201"),
        ("３栋２单元１２０１", "3-2-1201"),
        (" 3 - 2 - 1201 ", "3-2-1201"),
        ("12号楼1单元302", "12-1-302"),
        ("A座1501", "A-1501"),
        ("5-S101", "5-S101"),
        ("1201", None),
        ("", None),
    ],
)
def test_room_codes_in_either_form(raw, code):
    assert normalise_room_code(raw) == code


@pytest.mark.parametrize(
    ("raw", "area"),
    [
        ("89.5㎡", Decimal("89.50")),
        ("８９．５平方米", Decimal("89.50")),
        (" 120 ", Decimal("120.00")),
        (89.5, Decimal("89.50")),
        ("", None),
    ],
)
def test_areas_as_offices_write_them(raw, area):
    assert parse_area(raw) == area


def test_bad_area():
    with pytest.raises(ValueError):
        parse_area("八十九")


@given(st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False))
def test_area_round_trip(value):
    assert parse_area(f"{value}㎡") == value


@pytest.mark.django_db
def test_numbers_are_sequential_per_prefix_and_year():
    assert next_number("ZX", year=2026) == "ZX-2026-000001"
    assert next_number("ZX", year=2026) == "ZX-2026-000002"
    assert next_number("ZG", year=2026) == "ZG-2026-000001"
    assert next_number("ZX", year=2027) == "ZX-2027-000001"
