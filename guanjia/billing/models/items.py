"""Fee items 收费项目 (FE-1, LW-4) and their published prices.

An item says what is charged, on what basis, how often and to whom; where it applies is a list of
`FeeApplication`s (a kind of room, a building, or one room, each from a date). Its price is a
history of `FeePrice`s, each published before it takes effect (物业服务收费明码标价规定 art. 7:
a new standard is shown a month before it applies; the lead time is the policy FE-1.price_notice_days),
so a bill always uses the price that was public on the first day of the period it covers.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanjia.core import clock
from guanjia.core.models import CommunityOwned
from guanjia.core.validators import TEXT_MAX, text_length
from guanjia.estates.choices import RoomKind

from ..choices import Basis, ItemKind, MeterKind, PayerRule, PriceForm, Rounding
from ._fields import PRICE, money

CYCLES = ((1, _("每月")), (3, _("每季度")), (6, _("每半年")), (12, _("每年")))


class FeeItem(CommunityOwned):
    code = models.SlugField(_("项目编码"), max_length=30)
    name = models.CharField(_("项目名称"), max_length=60)
    kind = models.CharField(_("收费类型"), max_length=20, choices=ItemKind.choices, default=ItemKind.PERIODIC)
    basis = models.CharField(_("计费依据"), max_length=20, choices=Basis.choices, default=Basis.BUILDING_AREA)
    unit_label = models.CharField(_("计价单位"), max_length=20, help_text=_("如：元/㎡·月、元/吨"))
    cycle_months = models.PositiveSmallIntegerField(_("计费周期"), choices=CYCLES, default=1)
    due_day = models.PositiveSmallIntegerField(
        _("缴费期限（周期首月几日）"), default=10, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    rounding = models.CharField(_("舍入方式"), max_length=10, choices=Rounding.choices, default=Rounding.HALF_UP)
    decimals = models.PositiveSmallIntegerField(
        _("保留小数位"), default=2, validators=[MaxValueValidator(2)], help_text=_("每行金额舍入一次")
    )
    payer = models.CharField(_("缴费人"), max_length=10, choices=PayerRule.choices, default=PayerRule.OWNER)
    price_form = models.CharField(_("价格形式"), max_length=20, choices=PriceForm.choices, default=PriceForm.MARKET)
    legal_basis = models.CharField(_("收费依据"), max_length=200, help_text=_("如：物业服务合同第五条；市发改委文件号"))
    service_standard = models.TextField(_("服务内容与标准"), blank=True, max_length=TEXT_MAX, validators=[text_length])
    # LW-4 (物业管理条例 art. 44): utilities collected on behalf of a supplier carry no handling fee.
    collected_on_behalf = models.BooleanField(_("代收费用"), default=False)
    supplier = models.CharField(_("代收单位"), max_length=100, blank=True)
    surcharge = money(_("手续费（每行）"), default=0)
    meter_kind = models.CharField(_("表计类型"), max_length=20, choices=MeterKind.choices, blank=True)
    common_meter = models.ForeignKey(
        "billing.Meter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocated_items",
        verbose_name=_("分摊的公共表"),
    )
    starts_on = models.DateField(_("开始计费日期"))
    ends_on = models.DateField(_("停止计费日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("收费项目")
        ordering = ["community", "code"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="feeitem_unique_code")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.collected_on_behalf and self.surcharge:
            errors["surcharge"] = _("代收费用不得加收手续费（物业管理条例第四十四条，LW-4）。")
        if self.kind in (ItemKind.METERED, ItemKind.SHARED_METER) and not self.meter_kind:
            errors["meter_kind"] = _("按表计量或公共表分摊的项目须选择表计类型。")
        if self.kind == ItemKind.METERED and self.basis != Basis.METER_USAGE:
            errors["basis"] = _("按表计量的项目以表计用量计费。")
        if self.kind == ItemKind.SHARED_METER:
            if self.common_meter_id is None:
                errors["common_meter"] = _("公共表分摊项目须指定公共表。")
            if self.basis not in (Basis.BUILDING_AREA, Basis.PER_HOUSEHOLD):
                errors["basis"] = _("公共表用量按建筑面积或按户分摊。")
        if self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("停止计费日期不能早于开始计费日期。")
        if errors:
            raise ValidationError(errors)


class FeeApplication(CommunityOwned):
    """Where an item applies: every room of a kind, a building, or one room, from a date, and until
    one once it is ended (kept, so that a later catch-up run still bills the days it applied)."""

    item = models.ForeignKey(FeeItem, on_delete=models.CASCADE, related_name="applications")
    room_kind = models.CharField(_("房屋类型"), max_length=20, choices=RoomKind.choices, blank=True)
    building = models.ForeignKey(
        "estates.Building", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("楼栋")
    )
    room = models.ForeignKey("estates.Room", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("房屋"))
    since = models.DateField(_("起始日期"))
    until = models.DateField(_("截止日期"), null=True, blank=True, help_text=_("最后适用的一天"))

    class Meta:
        verbose_name = verbose_name_plural = _("适用范围")
        ordering = ["item", "since", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(room_kind__gt="", building__isnull=True, room__isnull=True)
                    | models.Q(room_kind="", building__isnull=False, room__isnull=True)
                    | models.Q(room_kind="", building__isnull=True, room__isnull=False)
                ),
                name="feeapplication_one_target",
            ),
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="feeapplication_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        target = self.get_room_kind_display() or self.building or self.room
        return f"{self.item} · {target}"


class FeePrice(CommunityOwned):
    """One published unit price of an item, from `effective_from` (FE-1 明码标价)."""

    item = models.ForeignKey(FeeItem, on_delete=models.CASCADE, related_name="prices")
    unit_price = models.DecimalField(_("单价"), **PRICE, validators=[MinValueValidator(0)])
    effective_from = models.DateField(_("执行日期"))
    published_at = models.DateTimeField(_("公示时间"), default=clock.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("公示人")
    )
    note = models.CharField(_("调整说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = _("收费标准")
        ordering = ["item", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["item", "effective_from"], name="feeprice_unique_date")]

    def __str__(self) -> str:
        return f"{self.item} {self.unit_price} @ {self.effective_from}"


class TenantPays(CommunityOwned):
    """The lease says the tenant pays these items (FE-1 "who pays"): while it runs, its bills are his."""

    lease = models.OneToOneField("estates.Lease", on_delete=models.CASCADE, related_name="tenant_pays")
    items = models.ManyToManyField(FeeItem, related_name="+", verbose_name=_("由租户缴纳的项目"))

    class Meta:
        verbose_name = verbose_name_plural = _("租户缴费约定")

    def __str__(self) -> str:
        return str(self.lease)
