"""The property register 权籍 (PR-1 … PR-4) and the household file 一户一档 (AR-1)."""

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned
from guanjia.core.periods import MONTH, Period
from guanjia.core.validators import TEXT_MAX, tenure_date, text_length

from .choices import (
    Acquisition,
    DocumentCategory,
    Gender,
    Handover,
    IdType,
    RegisterKind,
    Relationship,
    RoomKind,
    RoomUse,
)
from .sorting import NaturallySorted

# An area is never negative, whichever way it comes in (form, import, API).
AREA = {"max_digits": 10, "decimal_places": 2, "null": True, "blank": True, "validators": [MinValueValidator(0)]}


class Building(NaturallySorted, CommunityOwned):
    code = models.CharField(_("楼栋编号"), max_length=20)
    name = models.CharField(_("楼栋名称"), max_length=50, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("楼栋")
        # Natural order (1幢, 2幢, 10幢) from the stored key, served by the index.
        ordering = ["community", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="uniq_building_code")]
        indexes = [models.Index(fields=["community", "sort_key"], name="building_comm_sort")]

    def __str__(self) -> str:
        return self.name or f"{self.code}栋"


class Unit(NaturallySorted, CommunityOwned):
    """单元/门洞: an entrance of a building (SV-2 covers every one)."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("楼栋"))
    code = models.CharField(_("单元编号"), max_length=20)

    class Meta:
        verbose_name = verbose_name_plural = _("单元")
        ordering = ["building", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["building", "code"], name="uniq_unit_code")]
        indexes = [models.Index(fields=["building", "sort_key"], name="unit_bldg_sort")]

    def __str__(self) -> str:
        return f"{self.building}{self.code}单元"


class Room(NaturallySorted, CommunityOwned):
    """A room 房屋; as the household 业户 it owns the household file (AR-1)."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("楼栋"))
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="rooms", verbose_name=_("单元")
    )
    number = models.CharField(_("房号"), max_length=20)
    # Canonical code "楼栋-单元-房号" (e.g. 3-2-1201), the key every search and import uses.
    code = models.CharField(_("房屋编号"), max_length=64)
    kind = models.CharField(_("类型"), max_length=20, choices=RoomKind.choices, default=RoomKind.RESIDENCE)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    building_area = models.DecimalField(_("建筑面积(㎡)"), **AREA)
    usable_area = models.DecimalField(_("使用面积(㎡)"), **AREA)
    land_area = models.DecimalField(_("分摊土地面积(㎡)"), **AREA)
    use = models.CharField(_("用途"), max_length=20, choices=RoomUse.choices, default=RoomUse.VACANT)
    handover = models.CharField(_("交付状态"), max_length=20, choices=Handover.choices, default=Handover.UNDELIVERED)
    moved_in_on = models.DateField(_("入伙日期"), null=True, blank=True, validators=[tenure_date])
    facilities = models.CharField(_("附属设施"), max_length=200, blank=True)
    garage = models.CharField(_("车库/车位使用"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = _("房屋")
        # Natural order of the canonical code (1-2-602 before 10-1-101): building, unit, room.
        ordering = ["community", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="uniq_room_code")]
        indexes = [
            models.Index(fields=["community", "sort_key"], name="room_comm_sort"),
            models.Index(fields=["community", "building", "unit"], name="room_comm_bldg_unit"),
            models.Index(fields=["community", "handover"], name="room_comm_handover"),
            models.Index(fields=["community", "kind"], name="room_comm_kind"),
            models.Index(fields=["community", "use"], name="room_comm_use"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def display_name(self) -> str:
        unit = f"{self.unit.code}单元" if self.unit_id else ""
        return f"{self.building.code}栋{unit}{self.number}室"


class Person(CommunityOwned):
    """An owner, tenant or resident. ID numbers are encrypted with a keyed hash for lookup (LW-1)."""

    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("姓名全拼"), max_length=200, blank=True, editable=False)
    name_initials = models.CharField(_("姓名首字母"), max_length=50, blank=True, editable=False)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_encrypted = models.TextField(blank=True, editable=False)
    id_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_last4 = models.CharField(_("证件号后四位"), max_length=4, blank=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # The portal account of an owner or tenant (owner portal, /m/).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("人员")
        ordering = ["community", "name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_hash"], condition=~Q(id_hash=""), name="uniq_person_id_number"
            )
        ]
        indexes = [
            models.Index(fields=["community", "name"], name="person_comm_name"),
            models.Index(fields=["community", "name_pinyin"], name="person_comm_pinyin"),
            models.Index(fields=["community", "name_initials"], name="person_comm_initials"),
            models.Index(fields=["community", "id_last4"], name="person_comm_idlast4"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The full ID number: only for roles with people.view_id, and the caller logs the view (LW-1)."""
        from guanjia.core.crypto import decrypt

        return decrypt(self.id_encrypted)


class Phone(CommunityOwned):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("电话"), max_length=20)
    last4 = models.CharField(max_length=4, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("电话")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["community", "number"], name="phone_comm_number"),
            models.Index(fields=["community", "last4"], name="phone_comm_last4"),
            models.Index(fields=["number"], name="phone_number"),  # portal activation, across communities
        ]

    def save(self, *args, **kwargs):
        self.last4 = self.number[-4:]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.number


class Ownership(CommunityOwned):
    """A person's share of a room from `since` until `until` (PR-1: history is never overwritten).

    `since` is null when the start is not known (a register handed over by a developer has no
    acquisition dates): it is shown as 取得日期不详, never invented, and such an ownership counts
    as held on every day before its `until`."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("房屋"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("业主"))
    share = models.DecimalField(_("份额(%)"), max_digits=5, decimal_places=2, default=100)
    since = models.DateField(_("取得日期"), null=True, blank=True, validators=[tenure_date])
    until = models.DateField(_("终止日期"), null=True, blank=True, validators=[tenure_date])
    acquisition = models.CharField(
        _("取得方式"), max_length=20, choices=Acquisition.choices, default=Acquisition.PURCHASE
    )
    certificate_no = models.CharField(_("产权证号"), max_length=60, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("产权")
        ordering = ["room", F("since").desc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["room", "until"], name="ownership_room_until"),
            models.Index(fields=["person", "until"], name="ownership_person_until"),
            models.Index(fields=["community", "since", "until"], name="ownership_comm_period"),
        ]

    def __str__(self) -> str:
        return f"{self.room} · {self.person}"

    def held_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or self.until > day)


class Lease(CommunityOwned):
    """A tenancy of a room (PR-3)."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="leases", verbose_name=_("房屋"))
    tenant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="leases", verbose_name=_("租户"))
    start = models.DateField(_("起租日期"), validators=[tenure_date])
    end = models.DateField(_("到期日期"), validators=[tenure_date])
    ended_on = models.DateField(_("退租日期"), null=True, blank=True, validators=[tenure_date])
    registration_no = models.CharField(_("租赁登记备案号"), max_length=60, blank=True)
    decoration = models.CharField(_("室内装修情况"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("租赁")
        ordering = ["room", "-start", "id"]
        indexes = [
            models.Index(fields=["room", "end"], name="lease_room_end"),
            models.Index(fields=["tenant"], name="lease_tenant"),
            models.Index(fields=["community", "start", "end"], name="lease_comm_period"),
        ]

    def __str__(self) -> str:
        return f"{self.room} · {self.tenant}"

    @property
    def last_day(self) -> dt.date:
        return self.ended_on or self.end

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day <= self.last_day


class Resident(CommunityOwned):
    """A person living in a room: family of the owner, or of the tenant."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="residents", verbose_name=_("房屋"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="residences", verbose_name=_("住户"))
    relationship = models.CharField(_("与业主关系"), max_length=20, choices=Relationship.choices)
    since = models.DateField(_("入住日期"), null=True, blank=True, validators=[tenure_date])
    until = models.DateField(_("迁出日期"), null=True, blank=True, validators=[tenure_date])

    class Meta:
        verbose_name = verbose_name_plural = _("住户")
        ordering = ["room", "id"]
        indexes = [
            models.Index(fields=["room", "until"], name="resident_room_until"),
            models.Index(fields=["person", "until"], name="resident_person_until"),
        ]

    def __str__(self) -> str:
        return f"{self.room} · {self.person}"


def document_path(instance, filename: str) -> str:
    return f"households/{instance.community_id}/{instance.room_id}/{filename}"


class HouseholdDocument(CommunityOwned):
    """A scanned or uploaded paper of the household file (AR-1)."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="documents", verbose_name=_("房屋"))
    category = models.CharField(_("类别"), max_length=20, choices=DocumentCategory.choices)
    title = models.CharField(_("标题"), max_length=100)
    file = models.FileField(_("文件"), upload_to=document_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("档案文件")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["room", "category"], name="document_room_category")]

    def __str__(self) -> str:
        return self.title


class MonthlyLists(CommunityOwned):
    """A month's property list and lease list as one thing reviewed (PR-4) and handed over (AR-2).

    Made when the month is first sent for review or signed for; it is the subject of the
    "PR-4.lists" approval (core.approvals). The lists themselves are computed (estates.registers).
    """

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("月度清单")
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["community", "month"], name="uniq_monthly_lists")]

    def __str__(self) -> str:
        return self.period.label

    @property
    def period(self) -> Period:
        return Period.of(MONTH, self.month)


class RegisterReview(CommunityOwned):
    """The office manager's sign-off of a month's property or lease list (PR-4), frozen as approved.

    Written when the month's "PR-4.lists" approval is approved (estates.monthly_lists): who signed,
    when, with what comment and how many rows the list had then, for the Excel and PDF sign-off box."""

    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    kind = models.CharField(_("清单"), max_length=20, choices=RegisterKind.choices)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=clock.now, editable=False)
    rows = models.PositiveIntegerField(_("条目数"))
    comment = models.TextField(_("审核意见"), blank=True, max_length=TEXT_MAX, validators=[text_length])

    class Meta:
        verbose_name = verbose_name_plural = _("清单审核")
        ordering = ["-month", "kind"]
        constraints = [models.UniqueConstraint(fields=["community", "month", "kind"], name="uniq_register_review")]


def import_path(instance, filename: str) -> str:
    """Where the register's import files went before the batches moved to core (migration 0001
    still names it; core.importing.models.import_path is the same path)."""
    return f"imports/{instance.community_id}/{filename}"
