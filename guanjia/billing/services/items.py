"""Fee items 收费项目, where they apply, and their published prices (FE-1 明码标价, LW-4).

- `item_create` / `item_update`: what is charged, on what basis, how often and to whom. LW-4
  (物业管理条例 art. 44): an item collected on behalf of a supplier carries no handling fee, and names
  the supplier.
- `application_add` / `application_end`: where an item applies — every room of a kind, a building
  or one room — from a date. The model keeps no end date of an application, so ending one removes it
  (its history stays in the log, and the periods already billed keep their bills, which are written
  once); an application whose start lies ahead can be ended the same way before it ever applies.
- `price_publish` / `price_withdraw`: a price is a new `FeePrice` row, never an edit. The rule
  (FE-1, 物业服务收费明码标价规定 art. 7, decided here):
    * no price takes effect before the day it is published (never retroactive), nor before the
      item starts charging, nor after it stops;
    * an item's first price is published on or before the day it takes effect (a new item's price is
      public before billing starts), so it may take effect from the item's start date;
    * every later price is a change of the standard and takes effect no earlier than
      `FE-1.price_notice_days` days after the day it is published;
    * a price not yet in force can be withdrawn (a mistake), logged with its figures; one in force
      stays (a later change replaces it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from guanjia.core import clock
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.errors import Conflict, ServiceError
from guanjia.core.policies import policy
from guanjia.core.textnorm import clean_prose, clean_text

from ..models import BillLine, FeeApplication, FeeItem, FeePrice
from ..selectors_items import price_text

PERMISSION = "billing.manage_items"
PRICE_STEP = Decimal("0.0001")  # FeePrice.unit_price has four places

# What item_create / item_update take (the model's fields a person sets).
ITEM_FIELDS = (
    "code",
    "name",
    "kind",
    "basis",
    "unit_label",
    "cycle_months",
    "due_day",
    "rounding",
    "decimals",
    "payer",
    "price_form",
    "legal_basis",
    "service_standard",
    "collected_on_behalf",
    "supplier",
    "surcharge",
    "meter_kind",
    "common_meter",
    "starts_on",
    "ends_on",
)
# Shown as typed on the board (clean_prose keeps "㎡" and full-width punctuation; NFKC would not).
_TEXT = ("name", "unit_label", "legal_basis", "supplier", "service_standard")


def _full_clean(obj, exclude=None) -> None:
    """full_clean(), with Django's errors turned into one ServiceError naming the field."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        if field == "__all__":
            raise ServiceError("invalid", messages[0]) from None
        label = obj._meta.get_field(field).verbose_name
        raise ServiceError("invalid", f"{label}：{messages[0]}", field=field) from None


def _set_fields(item: FeeItem, fields: dict) -> list[str]:
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fee item fields: {sorted(unknown)}")
    changed = []
    for name, value in fields.items():
        if name in _TEXT:
            value = clean_prose(value)
        elif name == "code":
            value = clean_text(value)
        elif name == "surcharge":
            value = Decimal("0") if value in (None, "") else value
        elif name == "meter_kind":
            value = value or ""
        if getattr(item, name) != value:
            changed.append(name)
        setattr(item, name, value)
    return changed


def _check_item(item: FeeItem) -> None:
    """What the model cannot say on its own field, said before full_clean (LW-4 first)."""
    if item.collected_on_behalf and item.surcharge:
        # LW-4, 物业管理条例 art. 44: utilities collected on behalf of a supplier carry no handling fee.
        raise ServiceError(
            "surcharge_on_behalf", _("代收费用不得加收手续费（物业管理条例第四十四条，LW-4）。"), field="surcharge"
        )
    if item.surcharge and item.surcharge < 0:
        raise ServiceError("invalid", _("手续费不能为负数。"), field="surcharge")
    if item.collected_on_behalf and not item.supplier:
        raise ServiceError("invalid", _("代收费用须填写代收单位（如自来水公司、供电公司）。"), field="supplier")
    if not item.legal_basis:
        raise ServiceError("invalid", _("请填写收费依据（明码标价须公示）。"), field="legal_basis")
    if item.common_meter_id and item.common_meter.community_id != item.community_id:
        raise ServiceError("invalid", _("所选公共表不属于本小区。"), field="common_meter")


def item_create(*, community, actor, **fields) -> FeeItem:
    """A new fee item of `community` (FE-1); it charges nothing until it applies somewhere and has a price."""
    require(actor, PERMISSION, community)
    item = FeeItem(community=community)
    _set_fields(item, fields)
    if not item.code:
        raise ServiceError("invalid", _("请填写项目编码。"), field="code")
    if FeeItem.objects.filter(community=community, code=item.code).exists():
        raise Conflict("duplicate", _("本小区已有项目编码“%(code)s”。") % {"code": item.code}, field="code")
    _check_item(item)
    with transaction.atomic():
        _full_clean(item, exclude=["community"])
        item.save()
        log(
            actor,
            "billing.item.created",
            item,
            summary=_("新增收费项目 %(name)s") % {"name": item.name},
            code=item.code,
            kind=item.kind,
            on_behalf=item.collected_on_behalf,
        )
    return item


def item_update(*, item: FeeItem, actor, **fields) -> FeeItem:
    """Change an item's description (FE-1). Its code stays (bills and imports name it); its start date
    may not move past its first price; its prices change only by publishing a new one."""
    require(actor, PERMISSION, item.community)
    if "code" in fields and fields["code"] != item.code:
        raise ServiceError("invalid", _("项目编码不能修改。"), field="code")
    item = FeeItem.objects.select_related("common_meter").get(pk=item.pk)
    changed = _set_fields(item, {k: v for k, v in fields.items() if k != "code"})
    _check_item(item)
    first = FeePrice.objects.filter(item=item).order_by("effective_from").values_list("effective_from", flat=True)
    first = first.first()
    if first is not None and item.starts_on > first:
        raise ServiceError(
            "invalid",
            _("开始计费日期不能晚于首个收费标准的执行日期 %(d)s。") % {"d": first.isoformat()},
            field="starts_on",
        )
    last = FeePrice.objects.filter(item=item).order_by("-effective_from").values_list("effective_from", flat=True)
    last = last.first()
    if last is not None and item.ends_on is not None and item.ends_on < last:
        raise ServiceError(
            "invalid",
            _("停止计费日期不能早于已公示收费标准的执行日期 %(d)s。") % {"d": last.isoformat()},
            field="ends_on",
        )
    with transaction.atomic():
        _full_clean(item, exclude=["community"])
        item.save()
        log(
            actor,
            "billing.item.updated",
            item,
            summary=_("修改收费项目 %(name)s") % {"name": item.name},
            changed=changed,
        )
    return item


# --- Where an item applies -------------------------------------------------------------------


def application_add(
    *, item: FeeItem, actor, since: dt.date, room_kind: str = "", building=None, room=None
) -> FeeApplication:
    """Apply `item` from `since` to every room of `room_kind`, to `building`, or to one `room` (FE-1)."""
    require(actor, PERMISSION, item.community)
    targets = [bool(room_kind), building is not None, room is not None]
    if sum(targets) != 1:
        raise ServiceError("invalid", _("请选择一种适用范围：房屋类型、楼栋或单个房屋。"), field="room_kind")
    for name, target in (("building", building), ("room", room)):
        if target is not None and target.community_id != item.community_id:
            raise ServiceError("invalid", _("所选楼栋或房屋不属于本小区。"), field=name)
    if since is None:
        raise ServiceError("invalid", _("请填写起始日期。"), field="since")
    if since < item.starts_on:
        raise ServiceError(
            "invalid",
            _("起始日期不能早于项目开始计费日期 %(d)s。") % {"d": item.starts_on.isoformat()},
            field="since",
        )
    if item.ends_on and since > item.ends_on:
        raise ServiceError("invalid", _("起始日期不能晚于项目停止计费日期。"), field="since")
    same = FeeApplication.objects.filter(
        item=item, room_kind=room_kind or "", building=building, room=room, until__isnull=True
    )
    if same.exists():
        raise Conflict("duplicate", _("该项目已适用于此范围。"), field="room_kind")
    application = FeeApplication(
        community=item.community, item=item, room_kind=room_kind or "", building=building, room=room, since=since
    )
    with transaction.atomic():
        _full_clean(application, exclude=["community"])
        application.save()
        log(
            actor,
            "billing.application.added",
            item,
            household=room,
            summary=_("%(item)s 自 %(d)s 起适用于 %(t)s")
            % {"item": item.name, "d": since.isoformat(), "t": _target(application)},
            application=application.pk,
            since=since.isoformat(),
        )
    return application


def _target(application: FeeApplication) -> str:
    if application.room_kind:
        return str(application.get_room_kind_display())
    if application.building_id:
        return str(application.building)
    return application.room.code


def application_end(
    *, application: FeeApplication, actor, reason: str = "", last_day: dt.date | None = None
) -> FeeItem:
    """Stop applying an item to the application's rooms after `last_day` (today by default) (FE-1).
    The application is kept with its end, so bills already issued and a later catch-up run agree on
    the days it applied; one that would end before it starts never applied and is removed. The log
    says who ended it and why."""
    item = application.item
    require(actor, PERMISSION, item.community)
    last_day = last_day or clock.today()
    if application.until is not None:
        raise Conflict("application_ended", _("该适用范围已于 %(d)s 停止。") % {"d": application.until.isoformat()})
    target = _target(application)
    with transaction.atomic():
        if last_day < application.since:
            application.delete()
        else:
            application.until = last_day
            application.full_clean()
            application.save(update_fields=["until"])
        log(
            actor,
            "billing.application.ended",
            item,
            household=application.room_id,
            summary=_("%(item)s 停止适用于 %(t)s") % {"item": item.name, "t": target},
            target=target,
            since=application.since.isoformat(),
            ended_on=last_day.isoformat(),
            reason=clean_text(reason),
        )
    return item


# --- Prices (FE-1 明码标价) ----------------------------------------------------------------------


def earliest_change(community, today: dt.date | None = None) -> dt.date:
    """The first day a price change published today may take effect (FE-1.price_notice_days)."""
    today = today or clock.today()
    return today + dt.timedelta(days=policy(community, "FE-1.price_notice_days"))


def _unit_price(value) -> Decimal:
    try:
        price = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ServiceError("invalid", _("单价须为数字。"), field="unit_price") from None
    if not price.is_finite():
        raise ServiceError("invalid", _("单价须为数字。"), field="unit_price")
    if price < 0:
        raise ServiceError("invalid", _("单价不能为负数。"), field="unit_price")
    if price != price.quantize(PRICE_STEP):
        raise ServiceError("invalid", _("单价最多保留四位小数。"), field="unit_price")
    return price.quantize(PRICE_STEP)


def price_publish(*, item: FeeItem, unit_price, effective_from: dt.date, note: str = "", actor) -> FeePrice:
    """Publish a price of `item` taking effect on `effective_from` (FE-1; the rule is the module's)."""
    require(actor, PERMISSION, item.community)
    price = _unit_price(unit_price)
    if effective_from is None:
        raise ServiceError("invalid", _("请填写执行日期。"), field="effective_from")
    today = clock.today()
    if effective_from < today:
        raise ServiceError(
            "retroactive", _("执行日期不能早于公示日期（收费标准不得追溯执行）。"), field="effective_from"
        )
    if effective_from < item.starts_on:
        raise ServiceError(
            "invalid",
            _("执行日期不能早于项目开始计费日期 %(d)s。") % {"d": item.starts_on.isoformat()},
            field="effective_from",
        )
    if item.ends_on and effective_from > item.ends_on:
        raise ServiceError("invalid", _("执行日期不能晚于项目停止计费日期。"), field="effective_from")
    with transaction.atomic():
        FeeItem.objects.select_for_update().filter(pk=item.pk).first()  # one price decision at a time per item
        prices = FeePrice.objects.filter(item=item)
        if prices.filter(effective_from=effective_from).exists():
            raise Conflict(
                "duplicate",
                _("%(d)s 已有公示的收费标准；如有误，请先撤回再重新公示。") % {"d": effective_from.isoformat()},
                field="effective_from",
            )
        if prices.exists():
            # FE-1, 明码标价规定 art. 7: a change is public FE-1.price_notice_days before it applies.
            earliest = earliest_change(item.community, today)
            if effective_from < earliest:
                raise ServiceError(
                    "notice",
                    _("调整收费标准须提前 %(n)s 天公示，执行日期最早为 %(d)s。")
                    % {"n": policy(item.community, "FE-1.price_notice_days"), "d": earliest.isoformat()},
                    field="effective_from",
                )
        row = FeePrice(
            community=item.community,
            item=item,
            unit_price=price,
            effective_from=effective_from,
            published_at=clock.now(),
            published_by=actor,
            note=clean_text(note),
        )
        _full_clean(row, exclude=["community"])
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # another publisher took the same day meanwhile
            raise Conflict("duplicate", _("该执行日期已有公示的收费标准。"), field="effective_from") from None
        log(
            actor,
            "billing.price.published",
            item,
            summary=_("公示 %(item)s 收费标准 %(p)s %(u)s，自 %(d)s 起执行")
            % {"item": item.name, "p": price_text(price), "u": item.unit_label, "d": effective_from.isoformat()},
            price=str(price),
            effective_from=effective_from.isoformat(),
        )
    return row


def price_withdraw(*, price: FeePrice, actor, reason: str = "") -> FeeItem:
    """Withdraw a published price that has not taken effect (a mistake), logged with its figures (FE-1).
    A price in force, or one a bill already used, stays: a change is published instead."""
    item = price.item
    require(actor, PERMISSION, item.community)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError("invalid", _("请填写撤回原因。"), field="reason")
    if price.effective_from <= clock.today():
        raise Conflict("in_force", _("该收费标准已开始执行，不能撤回；如需调整请公示新的收费标准。"))
    with transaction.atomic():
        if BillLine.objects.filter(item=item, covers_to__gte=price.effective_from).exists():
            raise Conflict("billed", _("已按该收费标准开具账单，不能撤回。"))
        log(
            actor,
            "billing.price.withdrawn",
            item,
            summary=_("撤回 %(item)s 自 %(d)s 起执行的收费标准 %(p)s")
            % {"item": item.name, "d": price.effective_from.isoformat(), "p": price_text(price.unit_price)},
            price=str(price.unit_price),
            effective_from=price.effective_from.isoformat(),
            published_at=price.published_at.isoformat(),
            reason=reason,
        )
        price.delete()
    return item
