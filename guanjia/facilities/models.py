"""The equipment ledger 设备台账 (FM-1): device types (a tree), maintenance contractors, devices with
their location, maintainer and statutory data, and each device's history (records, documents, the
service-desk tickets raised on it).

Device types are the company's one catalogue, shared by every community (seeded by a data migration,
extended in the admin): a type is not a tenant's row. Every other model carries its community."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned

from .choices import DocumentKind, Importance, Maintainer, RecordKind

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2, "null": True, "blank": True, "validators": [MinValueValidator(0)]}


class DeviceType(models.Model):
    """A node of the type tree: 电梯 › 客梯. `special` marks 特种设备 (statutory registration and inspection)."""

    code = models.SlugField(_("类型编码"), max_length=40, unique=True)
    name = models.CharField(_("类型名称"), max_length=50)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("上级类型")
    )
    special = models.BooleanField(_("特种设备"), default=False, help_text=_("须办理使用登记并定期法定检验"))
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = verbose_name_plural = _("设备类型")
        ordering = ["sort", "code"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="devicetype_unique_name")]

    def __str__(self) -> str:
        return self.name


class Contractor(CommunityOwned):
    """A maintenance company 维保单位 with its licence 资质证书 (FM-1: a lapsed licence is a deadline)."""

    name = models.CharField(_("单位名称"), max_length=100)
    licence_no = models.CharField(_("资质证书编号"), max_length=60, blank=True)
    licence_expires_on = models.DateField(_("资质有效期至"), null=True, blank=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("维保单位")
        ordering = ["community", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="contractor_unique_name")]
        indexes = [models.Index(fields=["community", "licence_expires_on"], name="contractor_licence")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("facilities:contractor_edit", args=[self.pk])


class Device(CommunityOwned):
    code = models.CharField(_("设备编号"), max_length=40, help_text=_("贴在设备上的二维码标签号，本小区唯一"))
    name = models.CharField(_("设备名称"), max_length=100)
    type = models.ForeignKey(DeviceType, on_delete=models.PROTECT, related_name="devices", verbose_name=_("设备类型"))
    brand = models.CharField(_("品牌"), max_length=50, blank=True)
    model = models.CharField(_("型号"), max_length=60, blank=True)
    serial_no = models.CharField(_("出厂编号"), max_length=60, blank=True)
    building = models.ForeignKey(
        "estates.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("楼栋"),
        help_text=_("公共区域的设备可不选楼栋"),
    )
    floor = models.CharField(_("楼层"), max_length=10, blank=True, help_text=_("如 B1、1、屋顶"))
    place = models.CharField(_("房间/公共区域"), max_length=100, help_text=_("如 地下一层水泵房、3号电梯井"))
    importance = models.CharField(_("重要程度"), max_length=1, choices=Importance.choices, default=Importance.B)
    commissioned_on = models.DateField(_("启用日期"), null=True, blank=True)
    warranty_ends_on = models.DateField(_("保修期至"), null=True, blank=True)
    value = models.DecimalField(_("原值(元)"), **MONEY)
    responsible = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("责任人")
    )
    maintainer = models.CharField(_("维护方式"), max_length=20, choices=Maintainer.choices, default=Maintainer.IN_HOUSE)
    contractor = models.ForeignKey(
        Contractor, on_delete=models.PROTECT, null=True, blank=True, related_name="devices", verbose_name=_("维保单位")
    )
    registration_no = models.CharField(_("特种设备使用登记证号"), max_length=60, blank=True)
    last_inspection_on = models.DateField(_("上次法定检验"), null=True, blank=True)
    next_inspection_on = models.DateField(_("下次法定检验"), null=True, blank=True)
    certificate_no = models.CharField(_("检验合格证编号"), max_length=60, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("设备")
        ordering = ["community", "code"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="device_unique_code")]
        indexes = [
            models.Index(fields=["community", "type", "code"], name="device_comm_type"),
            models.Index(fields=["community", "building", "code"], name="device_comm_building"),
            models.Index(fields=["community", "importance", "code"], name="device_comm_importance"),
            models.Index(fields=["community", "next_inspection_on"], name="device_comm_inspection"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("facilities:device", args=[self.pk])

    @property
    def location(self) -> str:
        parts = [str(self.building) if self.building_id else "", f"{self.floor}层" if self.floor else "", self.place]
        return " ".join(p for p in parts if p)


class DeviceRecord(CommunityOwned):
    """One event of a device's history: maintenance, a statutory inspection (with the next date), a repair."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="records", verbose_name=_("设备"))
    kind = models.CharField(_("类别"), max_length=20, choices=RecordKind.choices)
    done_on = models.DateField(_("日期"))
    done_by = models.CharField(_("执行人/单位"), max_length=100)
    content = models.TextField(_("工作内容"), max_length=2000)
    result = models.CharField(_("结果"), max_length=200, blank=True)
    next_due_on = models.DateField(_("下次检验日期"), null=True, blank=True, help_text=_("法定检验必填"))
    certificate_no = models.CharField(_("检验合格证编号"), max_length=60, blank=True)
    cost = models.DecimalField(_("费用(元)"), **MONEY)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("设备履历")
        ordering = ["-done_on", "-id"]
        indexes = [models.Index(fields=["device", "done_on"], name="devicerecord_device_day")]

    def __str__(self) -> str:
        return f"{self.device.code} {self.get_kind_display()} {self.done_on}"


def document_path(instance, filename: str) -> str:
    return f"facilities/{instance.community_id}/{instance.device_id}/{filename}"


class DeviceDocument(CommunityOwned):
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="documents", verbose_name=_("设备"))
    kind = models.CharField(_("资料类别"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    title = models.CharField(_("资料名称"), max_length=100)
    file = models.FileField(_("文件"), upload_to=document_path, max_length=255)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("设备资料")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["device", "uploaded_at"], name="devicedoc_device_time")]

    def __str__(self) -> str:
        return self.title


class DeviceTicket(CommunityOwned):
    """A service-desk ticket about a device (its faults): the link lives here, the desk knows nothing of it."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="ticket_links", verbose_name=_("设备"))
    ticket = models.ForeignKey(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="device_links", verbose_name=_("工单")
    )
    linked_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    linked_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("设备故障工单")
        constraints = [models.UniqueConstraint(fields=["device", "ticket"], name="deviceticket_unique")]

    def __str__(self) -> str:
        return f"{self.device.code} ← {self.ticket_id}"


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Checkpoint(CommunityOwned):
    """A point of a patrol route 巡更点 (FM-3, FM-5): a stairwell, a roof door, a fire exit, a pump room.
    Its QR tag carries an unguessable token; `critical` points are photographed and escalate when missed."""

    code = models.CharField(_("巡更点编号"), max_length=40, help_text=_("本小区唯一"))
    name = models.CharField(_("巡更点名称"), max_length=100)
    building = models.ForeignKey(
        "estates.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkpoints",
        verbose_name=_("楼栋"),
    )
    place = models.CharField(_("位置"), max_length=100, help_text=_("如 3栋屋顶门、地下车库B区出口"))
    critical = models.BooleanField(_("关键点"), default=False, help_text=_("须拍照；漏检上报主管"))
    token = models.CharField(_("二维码令牌"), max_length=40, unique=True, default=new_token, editable=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("巡更点")
        ordering = ["community", "code"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="checkpoint_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("facilities:checkpoint", args=[self.token])

    @property
    def location(self) -> str:
        return " ".join(p for p in (str(self.building) if self.building_id else "", self.place) if p)


class SeededChecklist(CommunityOwned):
    """Marks a checklist seeded from a statutory template (FM-2): its plans may tighten the template's
    frequency but not loosen it beyond the policy's maximum interval."""

    checklist = models.OneToOneField(
        "core.Checklist", on_delete=models.CASCADE, related_name="seeded", verbose_name=_("检查表")
    )
    template = models.CharField(_("模板"), max_length=40)

    class Meta:
        verbose_name = verbose_name_plural = _("法定检查表模板")
        constraints = [models.UniqueConstraint(fields=["community", "template"], name="seededchecklist_unique")]

    def __str__(self) -> str:
        return self.template
