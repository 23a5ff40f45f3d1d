"""Meters and their readings (FE-1, FE-2).

A meter belongs to a room, or is a common meter (no room; its place is required) whose usage is
allocated to rooms in the billing run (services.metered). Its next verification date 计量器具检定
opens a core Deadline (rule FE-1, the equipment supervisor's, due at 24:00 of that day), met when the
verification is recorded with the next date.

A reading (`reading_record`) is refused, field by field:
- dated in the future, or in a month already billed (a BillingRun of that month is issued);
- on a day the meter already has a reading, or before the meter's latest reading (readings are
  recorded in the order they were read: usage is always from the latest one);
- lower than the latest reading, unless the meter was replaced or rolled over.

Usage (× the meter's multiplier, to 0.001):
- the first reading of a meter is its base reading: no usage, nothing to bill;
- normally value − latest value;
- replacement 换表: the new meter starts from zero, so usage = the new meter's first reading;
- rollover 表计翻转: the register passed its last figure and started again at zero. Its capacity is
  the next power of ten above the latest reading's whole part (9,985 → 10,000), so usage =
  capacity − latest + value (9,985 → 12: 27). A rollover reading must be lower than the latest.

The check list (status CHECK, with `check_reason`): usage above FE-1.usage_check_pct % of the
household's own average (the meter's last six usages), or zero usage in an occupied home (room used
as self-occupied, rented or commercial). A reading on the check list is not billed until someone
confirms or corrects it (`reading_confirm`).

The rules live in `assess()`, a pure function of what is known about the meter, so the bulk import
(billing.readings_import) applies exactly the same ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from guanjia.core import clock, uploads, workdays
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_cancel, deadline_meet, deadline_open
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.policies import policy
from guanjia.core.roles import Role
from guanjia.estates.choices import RoomUse

from ..choices import MeterKind, ReadingSource, ReadingStatus, RunStatus
from ..models import BillingRun, BillLine, Meter, MeterReading

THOUSANDTH = Decimal("0.001")
HISTORY = 6  # FE-1: the household's own average is of the meter's last six usages
OCCUPIED = frozenset({RoomUse.SELF, RoomUse.RENTED, RoomUse.COMMERCIAL})
VERIFY_RULE = "FE-1"  # 计量器具检定: the meter's next verification date
METER_FIELDS = ("kind", "number", "room", "place", "installed_on", "verify_by", "multiplier", "active")


def _first_error(error: ValidationError) -> ServiceError:
    if hasattr(error, "error_dict"):
        name, errors = next(iter(error.error_dict.items()))
        return ServiceError("invalid", errors[0].messages[0], field=None if name == "__all__" else name)
    return ServiceError("invalid", error.messages[0])


# --- Meters ---------------------------------------------------------------------------------------


def _verify_title(meter: Meter) -> str:
    where = meter.room.code if meter.room_id else meter.place
    return _("表计检定：%(meter)s（%(where)s）") % {"meter": meter, "where": where}


def _open_verification(meter: Meter, *, actor=None) -> None:
    """FE-1: the verification date is a deadline of the equipment supervisor, 24:00 of that day."""
    if meter.verify_by is None or not meter.active:
        return
    deadline_open(
        subject=meter,
        rule=VERIFY_RULE,
        title=_verify_title(meter),
        due_at=workdays.deadline_end(meter.verify_by),
        owner_role=Role.EQUIPMENT_SUPERVISOR,
        household=meter.room_id,
    )


def _check_meter(meter: Meter, community) -> None:
    if meter.room_id is not None and meter.room.community_id != community.pk:
        raise ServiceError("not_found", _("房屋：所选房屋不存在。"), field="room", status=404)
    if not meter.number:
        raise ServiceError("number_required", _("表号：请填写表号。"), field="number")
    if meter.room_id is None and not (meter.place or "").strip():
        raise ServiceError("place_required", _("安装位置：公共表须填写安装位置。"), field="place")
    if meter.multiplier is not None and meter.multiplier <= 0:
        raise ServiceError("multiplier", _("倍率：须大于零。"), field="multiplier")
    if meter.installed_on and meter.installed_on > clock.today():
        raise ServiceError("installed_future", _("安装日期：不能晚于今天。"), field="installed_on")
    if meter.installed_on and meter.verify_by and meter.verify_by < meter.installed_on:
        raise ServiceError("verify_before_install", _("下次检定日期：不能早于安装日期。"), field="verify_by")
    try:
        meter.full_clean()
    except ValidationError as error:
        if "__all__" in getattr(error, "error_dict", {}) or "number" in getattr(error, "error_dict", {}):
            raise ServiceError(
                "duplicate", _("表号：本小区已有同类型的表计 %(n)s。") % {"n": meter.number}, field="number"
            ) from None
        raise _first_error(error) from None


def meter_create(*, community, actor, kind: str, number: str, room=None, place: str = "", **fields) -> Meter:
    """A room meter, or a common meter (no room, `place` required) (FE-1); opens its verification."""
    require(actor, "billing.manage_meters", community)
    meter = Meter(community=community, kind=kind, number=(number or "").strip(), room=room, place=place.strip())
    for name, value in fields.items():
        if name not in METER_FIELDS:
            raise TypeError(name)
        setattr(meter, name, value)
    _check_meter(meter, community)
    with transaction.atomic():
        meter.save()
        _open_verification(meter, actor=actor)
        log(actor, "billing.meter.created", meter, household=meter.room_id, summary=str(meter))
    return meter


def meter_update(*, meter: Meter, actor, **fields) -> Meter:
    """Change a meter; a new verification date (or a meter taken out of use) moves its FE-1 deadline."""
    require(actor, "billing.manage_meters", meter.community_id)
    before = Meter.objects.get(pk=meter.pk)
    for name, value in fields.items():
        if name not in METER_FIELDS:
            raise TypeError(name)
        setattr(meter, name, value.strip() if isinstance(value, str) else value)
    _check_meter(meter, meter.community)
    changed = [name for name in METER_FIELDS if getattr(before, name) != getattr(meter, name)]
    with transaction.atomic():
        meter.save()
        if {"verify_by", "active"} & set(changed):
            deadline_cancel(meter, VERIFY_RULE)
            _open_verification(meter, actor=actor)
        log(actor, "billing.meter.updated", meter, household=meter.room_id, summary=str(meter), changed=changed)
    return meter


def meter_verified(*, meter: Meter, verified_on: dt.date, next_verify_by: dt.date, actor) -> Meter:
    """计量器具检定 done on `verified_on` (FE-1): the deadline is met and the next one opened."""
    require(actor, "billing.manage_meters", meter.community_id)
    if verified_on > clock.today():
        raise ServiceError("future", _("检定日期：不能晚于今天。"), field="verified_on")
    if next_verify_by <= verified_on:
        raise ServiceError("next_before", _("下次检定日期：须晚于本次检定日期。"), field="next_verify_by")
    with transaction.atomic():
        deadline_meet(meter, VERIFY_RULE, at=min(clock.now(), workdays.deadline_end(verified_on)), by=actor)
        meter.verify_by = next_verify_by
        meter.save(update_fields=["verify_by"])
        _open_verification(meter, actor=actor)
        log(
            actor,
            "billing.meter.verified",
            meter,
            household=meter.room_id,
            summary=_("%(meter)s 于 %(on)s 检定，下次检定 %(next)s")
            % {"meter": meter, "on": verified_on, "next": next_verify_by},
        )
    return meter


# --- Readings: the rules --------------------------------------------------------------------------


@dataclass
class Prior:
    """What the rules know of a meter before a new reading: its latest reading and recent usages."""

    last_on: dt.date | None = None
    last_value: Decimal | None = None
    usages: list = field(default_factory=list)  # the last HISTORY usages, newest first


@dataclass(frozen=True)
class Assessed:
    usage: Decimal | None
    status: str
    check_reason: str


def as_value(raw, field_name: str = "value") -> Decimal:
    """A reading's figure: a non-negative Decimal to three places, or a ServiceError naming the field."""
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip().replace(",", "")) if raw not in (None, "") else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ServiceError("value", _("读数：请填写数字。"), field=field_name)
    if value < 0:
        raise ServiceError("negative", _("读数：不能为负数。"), field=field_name)
    if value >= Decimal("1e11"):
        raise ServiceError("too_large", _("读数：数值过大。"), field=field_name)
    return value.quantize(THOUSANDTH)


def rollover_capacity(last_value: Decimal) -> Decimal:
    """The register's capacity: the next power of ten above the latest reading's whole part."""
    return Decimal(10) ** len(str(int(last_value)))


def assess(
    *,
    meter: Meter,
    occupied: bool,
    prior: Prior,
    read_on: dt.date,
    value: Decimal,
    replacement: bool,
    rollover: bool,
    today: dt.date,
    billed: bool,
    check_pct: int,
) -> Assessed:
    """Apply FE-1's reading rules; raise the first refusal (a ServiceError naming its field)."""
    if not meter.active:
        raise Conflict("inactive", _("表计：%(m)s 已停用，不能录入读数。") % {"m": meter}, field="meter")
    if read_on > today:
        raise ServiceError("future", _("抄表日期：不能晚于今天。"), field="read_on")
    if billed:
        raise Conflict(
            "billed",
            _("抄表日期：%(m)s 已开具账单，不能再录入该月读数。") % {"m": f"{read_on:%Y-%m}"},
            field="read_on",
        )
    if replacement and rollover:
        raise ServiceError("both", _("换表：换表与表计翻转不能同时选择。"), field="replacement")
    if prior.last_on is not None:
        if prior.last_on == read_on:
            raise Conflict("twice", _("抄表日期：%(d)s 已有读数。") % {"d": read_on}, field="read_on")
        if prior.last_on > read_on:
            raise Conflict(
                "earlier",
                _("抄表日期：该表最近一次读数为 %(d)s，不能录入更早的读数。") % {"d": prior.last_on},
                field="read_on",
            )
    multiplier = meter.multiplier or Decimal(1)
    if replacement:
        raw = value
    elif prior.last_value is None:
        raw = None  # the base reading
        if rollover:
            raise ServiceError("rollover_first", _("表计翻转：该表还没有上次读数。"), field="rollover")
    elif rollover:
        if value >= prior.last_value:
            raise ServiceError(
                "rollover_higher",
                _("读数：表计翻转后的读数应小于上次读数 %(v)s。") % {"v": prior.last_value},
                field="value",
            )
        raw = rollover_capacity(prior.last_value) - prior.last_value + value
    else:
        if value < prior.last_value:
            raise ServiceError(
                "lower",
                _("读数：%(v)s 低于上次读数 %(last)s；如已换表或表计翻转，请勾选。")
                % {"v": value, "last": prior.last_value},
                field="value",
            )
        raw = value - prior.last_value
    if raw is None:
        return Assessed(None, ReadingStatus.OK, "")
    usage = (raw * multiplier).quantize(THOUSANDTH)
    unit = MeterKind(meter.kind).unit
    usages = [u for u in prior.usages if u is not None][:HISTORY]
    if usages:
        average = sum(usages, Decimal(0)) / len(usages)
        if average > 0 and usage * 100 > average * check_pct:
            reason = _("用量 %(u)s%(unit)s 超过本户近 %(n)s 次平均 %(a)s%(unit)s 的 %(p)s%%") % {
                "u": usage,
                "unit": unit,
                "n": len(usages),
                "a": average.quantize(THOUSANDTH),
                "p": check_pct,
            }
            return Assessed(usage, ReadingStatus.CHECK, reason)
    if usage == 0 and occupied:
        return Assessed(usage, ReadingStatus.CHECK, _("房屋有人使用，但用量为零"))
    return Assessed(usage, ReadingStatus.OK, "")


def prior_of(meter: Meter) -> Prior:
    """The meter's latest reading and last usages (one query)."""
    rows = list(meter.readings.order_by("-read_on", "-id").values_list("read_on", "value", "usage")[:HISTORY])
    if not rows:
        return Prior()
    return Prior(last_on=rows[0][0], last_value=rows[0][1], usages=[u for _d, _v, u in rows])


def billed_month(community_id: int, day: dt.date) -> bool:
    return BillingRun.objects.filter(
        community_id=community_id, period=day.replace(day=1), status=RunStatus.ISSUED
    ).exists()


def is_occupied(meter: Meter) -> bool:
    return meter.room_id is not None and meter.room.use in OCCUPIED


# --- Readings: the services -----------------------------------------------------------------------


def reading_record(
    *,
    meter: Meter,
    read_on: dt.date,
    value,
    source: str,
    actor=None,
    owner_person=None,
    photo=None,
    replacement: bool = False,
    rollover: bool = False,
    note: str = "",
) -> MeterReading:
    """Record a meter reading (FE-1): by staff or a smart-meter feed's API account (`actor`, who needs
    billing.read_meters), or by the owner through the portal (no actor: `owner_person`, after
    `owner_reading_submit` has checked his room and the window)."""
    if source not in ReadingSource.values:
        raise ServiceError("source", _("来源：无效的来源。"), field="source")
    if actor is not None:
        require(actor, "billing.read_meters", meter.community_id)
    elif source != ReadingSource.OWNER or owner_person is None or owner_person.community_id != meter.community_id:
        raise Forbidden("forbidden", _("您没有权限执行此操作。"))
    value = as_value(value)
    if photo:
        photo = uploads.accept(photo, kind=uploads.PHOTO, field="photo")
    reader = actor if actor is not None else getattr(owner_person, "user", None)
    with transaction.atomic():
        meter = Meter.objects.select_for_update(of=("self",)).select_related("room", "community").get(pk=meter.pk)
        assessed = assess(
            meter=meter,
            occupied=is_occupied(meter),
            prior=prior_of(meter),
            read_on=read_on,
            value=value,
            replacement=replacement,
            rollover=rollover,
            today=clock.today(),
            billed=billed_month(meter.community_id, read_on),
            check_pct=policy(meter.community_id, "FE-1.usage_check_pct"),
        )
        reading = MeterReading(
            community_id=meter.community_id,
            meter=meter,
            read_on=read_on,
            value=value,
            usage=assessed.usage,
            source=source,
            reader=reader,
            replacement=replacement,
            rollover=rollover,
            status=assessed.status,
            check_reason=str(assessed.check_reason)[:200],
        )
        if photo:
            reading.photo.save(photo.name, photo, save=False)
        reading.save()
        if replacement:
            Meter.objects.filter(pk=meter.pk).update(installed_on=read_on)
        log(
            reader,
            "billing.reading.recorded",
            reading,
            community=meter.community,
            household=meter.room_id,
            summary=_("%(meter)s %(on)s 读数 %(v)s") % {"meter": meter, "on": read_on, "v": value},
            source=source,
            status=assessed.status,
            note=note[:200],
        )
    return reading


def reading_confirm(*, reading: MeterReading, actor, value=None) -> MeterReading:
    """Take a reading off the check list (FE-1): confirmed as read, or corrected to `value`.

    A correction is checked against the reading before it, as a new reading would be; it is refused
    when the meter has a later reading (whose usage counts from this one). A reading of a month that
    was billed meanwhile goes on the next run (services.metered)."""
    require(actor, "billing.manage_meters", reading.community_id)
    with transaction.atomic():
        reading = MeterReading.objects.select_for_update(of=("self",)).select_related("meter__room").get(pk=reading.pk)
        if reading.status != ReadingStatus.CHECK:
            raise Conflict("not_on_list", _("状态：该读数不在待复核清单中。"), field="status")
        if BillLine.objects.filter(reading=reading).exists():
            raise Conflict("billed", _("状态：该读数已计费。"), field="status")
        old = reading.value
        if value not in (None, ""):
            value = as_value(value)
        else:
            value = old
        if value != old:
            meter = reading.meter
            if meter.readings.filter(read_on__gt=reading.read_on).exists():
                raise Conflict("later", _("读数：该表已有之后的读数，不能更正。"), field="value")
            before = list(
                meter.readings.filter(read_on__lt=reading.read_on)
                .order_by("-read_on", "-id")
                .values_list("read_on", "value", "usage")[:HISTORY]
            )
            prior = Prior(
                last_on=before[0][0] if before else None,
                last_value=before[0][1] if before else None,
                usages=[u for _d, _v, u in before],
            )
            assessed = assess(
                meter=meter,
                occupied=False,
                prior=prior,
                read_on=reading.read_on,
                value=value,
                replacement=reading.replacement,
                rollover=reading.rollover,
                today=clock.today(),
                billed=False,
                check_pct=10**6,  # a person has looked at it: no second check
            )
            reading.value, reading.usage = value, assessed.usage
        reading.status = ReadingStatus.CONFIRMED
        reading.confirmed_by = actor
        reading.save(update_fields=["value", "usage", "status", "confirmed_by"])
        summary = (
            _("复核确认 %(meter)s %(on)s 读数 %(v)s")
            if value == old
            else _("复核更正 %(meter)s %(on)s 读数 %(old)s → %(v)s")
        ) % {"meter": reading.meter, "on": reading.read_on, "v": value, "old": old}
        log(
            actor,
            "billing.reading.confirmed",
            reading,
            community=reading.meter.community,
            household=reading.meter.room_id,
            summary=summary,
            corrected=value != old,
        )
    return reading


# --- Owners' readings (portal) --------------------------------------------------------------------


def owner_window(community) -> tuple[int, int]:
    """FE-1.reading_from_day … FE-1.reading_to_day: the days of the month owners report readings."""
    return policy(community, "FE-1.reading_from_day"), policy(community, "FE-1.reading_to_day")


def in_owner_window(community, day: dt.date) -> bool:
    first, last = owner_window(community)
    return first <= day.day <= last


def owner_reading_submit(*, meter: Meter, user, value, photo=None) -> MeterReading:
    """An owner (or tenant, or resident) reports his own room's meter today, inside the FE-1 window."""
    from guanjia.estates.selectors import homes_of

    if meter.room_id is None or not homes_of(user).filter(pk=meter.room_id).exists():
        raise ServiceError("not_found", _("表计：没有找到该表计。"), field="meter", status=404)
    today = clock.today()
    if not in_owner_window(meter.community_id, today):
        first, last = owner_window(meter.community_id)
        raise Conflict(
            "window",
            _("抄表日期：业主自报读数时间为每月 %(a)s 日至 %(b)s 日。") % {"a": first, "b": last},
            field="read_on",
        )
    person = user.people.filter(community_id=meter.community_id).first()
    return reading_record(
        meter=meter, read_on=today, value=value, source=ReadingSource.OWNER, owner_person=person, photo=photo
    )
