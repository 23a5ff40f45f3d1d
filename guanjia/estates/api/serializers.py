"""Serializers of the register API.

Read serializers shape rows for output; input serializers only validate the shape of a request.
Nothing here writes: the views hand validated data to `estates.services` (DESIGN.md §7).
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from guanjia.core.access import has_perm
from guanjia.core.api import ScopedRelatedField
from guanjia.core.masking import mask_id, mask_phone
from guanjia.core.models import Community
from guanjia.core.validators import tenure_date

from ..choices import Acquisition, Gender, IdType, Relationship
from ..models import Building, HouseholdDocument, Lease, Ownership, Person, Resident, Room, Unit
from ..services import ROOM_FIELDS

# --- Read ---------------------------------------------------------------------------------


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "community", "code", "name", "floors"]


class UnitSerializer(serializers.ModelSerializer):
    building_code = serializers.CharField(source="building.code", read_only=True, label=_("楼栋编号"))

    class Meta:
        model = Unit
        fields = ["id", "community", "building", "building_code", "code"]


class RoomSerializer(serializers.ModelSerializer):
    building_code = serializers.CharField(source="building.code", read_only=True, label=_("楼栋编号"))
    unit_code = serializers.CharField(source="unit.code", read_only=True, allow_null=True, label=_("单元编号"))
    display_name = serializers.CharField(read_only=True, label=_("房屋"))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    use_display = serializers.CharField(source="get_use_display", read_only=True)
    handover_display = serializers.CharField(source="get_handover_display", read_only=True)

    class Meta:
        model = Room
        fields = [
            "id",
            "community",
            "building",
            "building_code",
            "unit",
            "unit_code",
            "number",
            "code",
            "display_name",
            "kind",
            "kind_display",
            "floor",
            "building_area",
            "usable_area",
            "land_area",
            "use",
            "use_display",
            "handover",
            "handover_display",
            "moved_in_on",
            "facilities",
            "garage",
            "note",
            "created_at",
            "updated_at",
        ]


class PhoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True, label=_("电话"))


class PersonSerializer(serializers.ModelSerializer):
    """A person; the ID number is always masked here, the full number only through the logged
    `id-number` action (LW-1), and phones are masked for roles that do not need them (AR-4)."""

    id_number = serializers.SerializerMethodField(label=_("证件号（已遮蔽）"))
    phones = serializers.SerializerMethodField(label=_("电话"))
    # LW-1: null for roles without people.view_birth_date (with the ID's last four it rebuilds the number).
    birth_date = serializers.SerializerMethodField(label=_("出生日期"))
    id_type_display = serializers.CharField(source="get_id_type_display", read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "community",
            "name",
            "name_pinyin",
            "name_initials",
            "id_type",
            "id_type_display",
            "id_number",
            "gender",
            "birth_date",
            "phones",
            "note",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_id_number(self, person: Person) -> str:
        return mask_id(person.id_number)

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_birth_date(self, person: Person):
        if not has_perm(self.context["request"].user, "people.view_birth_date", person.community_id):
            return None
        return person.birth_date.isoformat() if person.birth_date else None

    @extend_schema_field(PhoneSerializer(many=True))
    def get_phones(self, person: Person) -> list[dict]:
        full = has_perm(self.context["request"].user, "people.view_phone", person.community_id)
        return [{"id": p.pk, "number": p.number if full else mask_phone(p.number)} for p in person.phones.all()]


class OwnershipSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    person_name = serializers.CharField(source="person.name", read_only=True, label=_("业主"))
    acquisition_display = serializers.CharField(source="get_acquisition_display", read_only=True)
    current = serializers.SerializerMethodField(label=_("当前有效"))

    class Meta:
        model = Ownership
        fields = [
            "id",
            "community",
            "room",
            "room_code",
            "person",
            "person_name",
            "share",
            "since",
            "until",
            "current",
            "acquisition",
            "acquisition_display",
            "certificate_no",
            "note",
        ]

    def get_current(self, ownership: Ownership) -> bool:
        return ownership.until is None


class LeaseSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    tenant_name = serializers.CharField(source="tenant.name", read_only=True, label=_("租户"))
    last_day = serializers.DateField(read_only=True, label=_("最后租住日"))

    class Meta:
        model = Lease
        fields = [
            "id",
            "community",
            "room",
            "room_code",
            "tenant",
            "tenant_name",
            "start",
            "end",
            "ended_on",
            "last_day",
            "registration_no",
            "decoration",
            "note",
        ]


class ResidentSerializer(serializers.ModelSerializer):
    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    person_name = serializers.CharField(source="person.name", read_only=True, label=_("住户"))
    relationship_display = serializers.CharField(source="get_relationship_display", read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "community",
            "room",
            "room_code",
            "person",
            "person_name",
            "relationship",
            "relationship_display",
            "since",
            "until",
        ]


class DocumentSerializer(serializers.ModelSerializer):
    """Metadata of a household document; the file itself through the scoped `download` action."""

    room_code = serializers.CharField(source="room.code", read_only=True, label=_("房屋编号"))
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    filename = serializers.SerializerMethodField(label=_("文件名"))
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField(label=_("下载地址"))

    class Meta:
        model = HouseholdDocument
        fields = [
            "id",
            "community",
            "room",
            "room_code",
            "category",
            "category_display",
            "title",
            "filename",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    def get_filename(self, document: HouseholdDocument) -> str:
        return document.file.name.rsplit("/", 1)[-1]

    def get_download_url(self, document: HouseholdDocument) -> str:
        url = reverse("document-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


# --- Input (shape only) -------------------------------------------------------------------


class RoomCreateSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(queryset=Community.objects.all(), scope_field="pk", label=_("小区"))
    building_code = serializers.CharField(max_length=20, label=_("楼栋编号"))
    unit_code = serializers.CharField(max_length=20, required=False, allow_blank=True, label=_("单元编号"))
    number = serializers.CharField(max_length=20, label=_("房号"))

    class Meta:
        model = Room
        fields = ["community", "building_code", "unit_code", "number", *ROOM_FIELDS]
        validators = []  # uniqueness is the service's to check (it answers 409 with the room code)


class RoomUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = list(ROOM_FIELDS)
        validators = []


class PersonCreateSerializer(serializers.Serializer):
    community = ScopedRelatedField(queryset=Community.objects.all(), scope_field="pk", label=_("小区"))
    name = serializers.CharField(max_length=50, label=_("姓名"))
    id_type = serializers.ChoiceField(choices=IdType.choices, default=IdType.RESIDENT_ID, label=_("证件类型"))
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, label=_("证件号"))
    phones = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=10, label=_("电话")
    )
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True, label=_("性别"))
    birth_date = serializers.DateField(required=False, allow_null=True, label=_("出生日期"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("备注"))


class PersonUpdateSerializer(serializers.Serializer):
    """Fields left out keep their value; `id_number` left out (or null) keeps the stored number."""

    name = serializers.CharField(max_length=50, required=False, label=_("姓名"))
    id_type = serializers.ChoiceField(choices=IdType.choices, required=False, label=_("证件类型"))
    id_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, allow_null=True, label=_("证件号")
    )
    phones = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=10, label=_("电话")
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("备注"))


class IdNumberSerializer(serializers.Serializer):
    id_number = serializers.CharField(read_only=True, label=_("证件号"))


class OwnerShareSerializer(serializers.Serializer):
    person = ScopedRelatedField(queryset=Person.objects.all(), label=_("业主"))
    share = serializers.DecimalField(max_digits=5, decimal_places=2, default=100, label=_("份额(%)"))


class OwnershipRegisterSerializer(serializers.Serializer):
    owners = OwnerShareSerializer(many=True, label=_("业主"))
    since = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[tenure_date], label=_("取得日期")
    )
    acquisition = serializers.ChoiceField(
        choices=Acquisition.choices, default=Acquisition.PURCHASE, label=_("取得方式")
    )
    certificate_no = serializers.CharField(max_length=60, required=False, allow_blank=True, label=_("产权证号"))


class TransferSerializer(serializers.Serializer):
    owners = OwnerShareSerializer(many=True, label=_("新业主"))
    on = serializers.DateField(validators=[tenure_date], label=_("转移日期"))
    acquisition = serializers.ChoiceField(choices=Acquisition.choices, label=_("取得方式"))
    certificate_no = serializers.CharField(max_length=60, required=False, allow_blank=True, label=_("产权证号"))


class LeaseCreateSerializer(serializers.Serializer):
    room = ScopedRelatedField(queryset=Room.objects.all(), label=_("房屋"))
    tenant = ScopedRelatedField(queryset=Person.objects.all(), label=_("租户"))
    start = serializers.DateField(validators=[tenure_date], label=_("起租日期"))
    end = serializers.DateField(validators=[tenure_date], label=_("到期日期"))
    registration_no = serializers.CharField(max_length=60, required=False, allow_blank=True, label=_("租赁登记备案号"))
    decoration = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("室内装修情况"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, label=_("备注"))


class LeaseEndSerializer(serializers.Serializer):
    on = serializers.DateField(validators=[tenure_date], label=_("退租日期"))


class ResidentCreateSerializer(serializers.Serializer):
    room = ScopedRelatedField(queryset=Room.objects.all(), label=_("房屋"))
    person = ScopedRelatedField(queryset=Person.objects.all(), label=_("住户"))
    relationship = serializers.ChoiceField(choices=Relationship.choices, label=_("与业主关系"))
    since = serializers.DateField(required=False, allow_null=True, validators=[tenure_date], label=_("入住日期"))


class ResidentEndSerializer(serializers.Serializer):
    until = serializers.DateField(validators=[tenure_date], label=_("迁出日期"))
