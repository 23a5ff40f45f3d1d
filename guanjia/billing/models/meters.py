"""Meters and their readings (FE-1, FE-2): a room's own meters and the common meters whose usage is
allocated to rooms in the billing run.

A reading is refused when lower than the meter's previous one (unless the meter was replaced or rolled
over), dated in the future, or dated in a month already billed; usage far above the household's own
average, or none at all in an occupied home, is put on the check list (status CHECK) and is not
billed until someone confirms it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned

from ..choices import MeterKind, ReadingSource, ReadingStatus
from ._fields import QUANTITY

USER = settings.AUTH_USER_MODEL


def reading_photo_path(reading, filename: str) -> str:
    return f"billing/readings/{reading.community_id}/{clock.today():%Y/%m}/{filename}"


class Meter(CommunityOwned):
    kind = models.CharField(_("表计类型"), max_length=20, choices=MeterKind.choices)
    number = models.CharField(_("表号"), max_length=40)
    room = models.ForeignKey(
        "estates.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="meters", verbose_name=_("房屋")
    )
    place = models.CharField(_("安装位置"), max_length=100, blank=True, help_text=_("公共表必填"))
    installed_on = models.DateField(_("安装日期"), null=True, blank=True)
    verify_by = models.DateField(_("下次检定日期"), null=True, blank=True)
    multiplier = models.DecimalField(_("倍率"), max_digits=8, decimal_places=2, default=1)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = verbose_name_plural = _("表计")
        ordering = ["community", "kind", "number"]
        indexes = [models.Index(fields=["community", "verify_by"], name="meter_verify_by")]
        constraints = [models.UniqueConstraint(fields=["community", "kind", "number"], name="meter_unique_number")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_common(self) -> bool:
        return self.room_id is None


class MeterReading(CommunityOwned):
    meter = models.ForeignKey(Meter, on_delete=models.PROTECT, related_name="readings")
    read_on = models.DateField(_("抄表日期"))
    value = models.DecimalField(_("读数"), **QUANTITY)
    usage = models.DecimalField(_("用量"), **QUANTITY, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=ReadingSource.choices)
    reader = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("抄表人")
    )
    photo = models.ImageField(_("照片"), upload_to=reading_photo_path, blank=True)
    replacement = models.BooleanField(_("换表"), default=False)
    rollover = models.BooleanField(_("表计翻转"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.OK)
    check_reason = models.CharField(_("复核原因"), max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("复核人")
    )
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = verbose_name_plural = _("抄表记录")
        ordering = ["meter", "-read_on", "-id"]
        indexes = [
            models.Index(fields=["meter", "read_on"], name="reading_meter_day"),
            models.Index(fields=["community", "status"], name="reading_comm_status"),
        ]
        constraints = [models.UniqueConstraint(fields=["meter", "read_on"], name="reading_once_a_day")]

    def __str__(self) -> str:
        return f"{self.meter} {self.read_on} {self.value}"
