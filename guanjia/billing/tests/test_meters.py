"""Meters and readings (FE-1): every refusal of a reading (lower, future, billed month, twice a day,
earlier than the latest, outside the owner's window), replacement and rollover, the check list
(above the household's average, zero in an occupied home), confirm and correct, meters (common
meters need a place), permissions and the verification deadline (计量器具检定)."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from guanjia.core import clock
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.models import ActivityLog, Deadline
from guanjia.core.policies import policy_set
from guanjia.core.tests.factories import CommunityFactory, UserFactory, at, staff
from guanjia.estates.tests.factories import OwnershipFactory, PersonFactory, RoomFactory

from ..choices import ReadingSource, ReadingStatus, RunStatus
from ..models import BillingRun, MeterReading
from ..services import meters as m
from .factories import MeterFactory, read

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 22, 10, 0)  # inside the owners' window (20th … 25th)
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def meter():
    return MeterFactory(room=RoomFactory(use="self"))


@pytest.fixture
def reader(meter):
    return staff("technician", meter.community)


@pytest.fixture
def supervisor(meter):
    return staff("equipment_supervisor", meter.community)


def record(meter, reader, value, day=TODAY, **kw):
    return m.reading_record(meter=meter, read_on=day, value=value, source=ReadingSource.STAFF, actor=reader, **kw)


def photo_file(name="dial.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


# --- Usage ----------------------------------------------------------------------------------------


def test_fe1_first_reading_is_the_base_and_has_no_usage(meter, reader):
    reading = record(meter, reader, "120.5")
    assert reading.value == Decimal("120.500") and reading.usage is None and reading.status == ReadingStatus.OK
    assert reading.reader == reader and reading.source == ReadingSource.STAFF
    entry = ActivityLog.objects.get(verb="billing.reading.recorded")
    assert entry.household_id == meter.room_id and entry.actor == reader


def test_fe1_usage_is_the_difference_times_the_multiplier(meter, reader):
    meter.multiplier = Decimal("2.00")
    meter.save()
    read(meter, dt.date(2026, 10, 22), "100")
    reading = record(meter, reader, "112.25")
    assert reading.usage == Decimal("24.500")


def test_fe1_a_lower_reading_is_refused(meter, reader):
    read(meter, dt.date(2026, 10, 22), "100")
    with pytest.raises(ServiceError) as refused:
        record(meter, reader, "99.9")
    assert refused.value.field == "value" and "低于上次读数 100.000" in str(refused.value.message)
    assert "换表或表计翻转" in str(refused.value.message)
    assert MeterReading.objects.count() == 1


def test_fe1_a_reading_in_the_future_is_refused(meter, reader):
    with pytest.raises(ServiceError) as refused:
        record(meter, reader, "10", day=TODAY + dt.timedelta(days=1))
    assert refused.value.field == "read_on" and "不能晚于今天" in str(refused.value.message)


def test_fe1_a_reading_in_a_billed_month_is_refused(meter, reader):
    BillingRun.objects.create(
        community=meter.community, period=dt.date(2026, 10, 1), status=RunStatus.ISSUED, started_by=reader
    )
    with pytest.raises(Conflict) as refused:
        record(meter, reader, "10", day=dt.date(2026, 10, 30))
    assert refused.value.field == "read_on" and "2026-10 已开具账单" in str(refused.value.message)
    # a month still being issued (or not run yet) takes readings
    BillingRun.objects.create(community=meter.community, period=dt.date(2026, 11, 1), started_by=reader)
    assert record(meter, reader, "10").pk


def test_fe1_twice_a_day_and_before_the_latest_are_refused(meter, reader):
    record(meter, reader, "10")
    with pytest.raises(Conflict) as twice:
        record(meter, reader, "11")
    assert twice.value.field == "read_on" and "已有读数" in str(twice.value.message)
    with pytest.raises(Conflict) as earlier:
        record(meter, reader, "9", day=TODAY - dt.timedelta(days=3))
    assert earlier.value.field == "read_on" and "不能录入更早的读数" in str(earlier.value.message)


def test_fe1_a_value_that_is_not_a_number_or_negative_is_refused(meter, reader):
    for bad, words in (("abc", "请填写数字"), ("-1", "不能为负数"), ("", "请填写数字")):
        with pytest.raises(ServiceError) as refused:
            record(meter, reader, bad)
        assert refused.value.field == "value" and words in str(refused.value.message)


def test_fe1_replacement_starts_the_new_meter_from_its_first_reading(meter, reader):
    read(meter, dt.date(2026, 10, 22), "9500")
    reading = record(meter, reader, "3.5", replacement=True)
    assert reading.replacement and reading.usage == Decimal("3.500")
    meter.refresh_from_db()
    assert meter.installed_on == TODAY


def test_fe1_rollover_counts_through_the_register_capacity(meter, reader):
    read(meter, dt.date(2026, 10, 22), "9985")
    reading = record(meter, reader, "12", rollover=True)
    assert m.rollover_capacity(Decimal("9985")) == 10000
    assert reading.rollover and reading.usage == Decimal("27.000")  # 10000 − 9985 + 12


def test_fe1_rollover_refused_when_not_lower_or_without_a_previous_reading(meter, reader):
    with pytest.raises(ServiceError) as first:
        record(meter, reader, "5", rollover=True, day=TODAY - dt.timedelta(days=30))
    assert first.value.field == "rollover"
    read(meter, dt.date(2026, 10, 22), "100")
    with pytest.raises(ServiceError) as higher:
        record(meter, reader, "150", rollover=True)
    assert higher.value.field == "value" and "应小于上次读数" in str(higher.value.message)
    with pytest.raises(ServiceError):
        record(meter, reader, "150", rollover=True, replacement=True)


def test_fe1_an_inactive_meter_takes_no_reading(meter, reader):
    meter.active = False
    meter.save()
    with pytest.raises(Conflict):
        record(meter, reader, "10")


# --- The check list -------------------------------------------------------------------------------


def _history(meter, usages):
    day, value = dt.date(2026, 4, 22), Decimal(100)
    read(meter, day, str(value))
    for i, usage in enumerate(usages, start=1):
        value += Decimal(usage)
        read(meter, dt.date(2026, 4 + i, 22), str(value), usage=Decimal(usage))
    return value


def test_fe1_usage_above_the_households_average_goes_to_the_check_list(meter, reader):
    last = _history(meter, ["10", "12", "8", "10", "10", "10"])  # average 10
    ok = record(meter, reader, str(last + 20), day=dt.date(2026, 11, 10))  # 20 = 200 %: not above
    assert ok.status == ReadingStatus.OK
    high = record(meter, reader, str(last + 20 + Decimal("25")), day=TODAY)
    assert high.status == ReadingStatus.CHECK and high.usage == Decimal("25.000")
    assert "超过本户近 6 次平均" in high.check_reason and "200%" in high.check_reason


def test_fe1_the_check_threshold_is_the_communitys_policy(meter, reader):
    last = _history(meter, ["10", "10", "10"])
    manager = staff("office_manager", meter.community)
    policy_set(community=meter.community, key="FE-1.usage_check_pct", raw_value="300", actor=manager)
    assert record(meter, reader, str(last + 25)).status == ReadingStatus.OK  # 250 % of the average


def test_fe1_zero_usage_in_an_occupied_home_goes_to_the_check_list(reader):
    for use, expected in (("self", "check"), ("rented", "check"), ("commercial", "check"), ("vacant", "ok")):
        meter = MeterFactory(room=RoomFactory(use=use, community=reader.memberships.get().community))
        read(meter, dt.date(2026, 10, 22), "50")
        reading = record(meter, reader, "50")
        assert (use, reading.status) == (use, expected)
        if expected == "check":
            assert reading.check_reason == "房屋有人使用，但用量为零"


def test_fe1_confirm_takes_a_reading_off_the_check_list(meter, reader, supervisor):
    read(meter, dt.date(2026, 10, 22), "50")
    reading = record(meter, reader, "50")
    assert reading.status == ReadingStatus.CHECK
    confirmed = m.reading_confirm(reading=reading, actor=supervisor)
    assert confirmed.status == ReadingStatus.CONFIRMED and confirmed.confirmed_by == supervisor
    assert confirmed.value == Decimal("50.000") and confirmed.usage == Decimal("0.000")
    with pytest.raises(Conflict) as again:
        m.reading_confirm(reading=confirmed, actor=supervisor)
    assert again.value.field == "status"


def test_fe1_correct_recomputes_the_usage_with_the_same_rules(meter, reader, supervisor):
    read(meter, dt.date(2026, 10, 22), "50")
    reading = record(meter, reader, "50")
    with pytest.raises(ServiceError) as lower:
        m.reading_confirm(reading=reading, actor=supervisor, value="40")
    assert lower.value.field == "value"
    corrected = m.reading_confirm(reading=reading, actor=supervisor, value="58.5")
    assert corrected.value == Decimal("58.500") and corrected.usage == Decimal("8.500")
    assert corrected.status == ReadingStatus.CONFIRMED
    assert "50.000 → 58.500" in ActivityLog.objects.get(verb="billing.reading.confirmed").summary


def test_fe1_correct_refused_when_the_meter_has_a_later_reading(meter, reader, supervisor):
    read(meter, dt.date(2026, 9, 22), "50")
    reading = read(meter, dt.date(2026, 10, 22), "50", usage=Decimal(0), status=ReadingStatus.CHECK)
    record(meter, reader, "60")
    with pytest.raises(Conflict) as refused:
        m.reading_confirm(reading=reading, actor=supervisor, value="55")
    assert refused.value.field == "value"
    assert m.reading_confirm(reading=reading, actor=supervisor).status == ReadingStatus.CONFIRMED


def test_fe1_who_may_read_and_confirm(meter, reader):
    with pytest.raises(Forbidden):
        record(meter, staff("security_guard", meter.community), "10")
    with pytest.raises(Forbidden):
        record(meter, staff("technician", CommunityFactory()), "10")  # another community's technician
    read(meter, dt.date(2026, 10, 22), "50")
    reading = record(meter, reader, "50")
    with pytest.raises(Forbidden):
        m.reading_confirm(reading=reading, actor=reader)  # the technician reads; the supervisor confirms
    with pytest.raises(Forbidden):
        m.reading_record(meter=meter, read_on=TODAY, value="60", source=ReadingSource.IMPORT)  # no one
    with pytest.raises(Forbidden):
        m.reading_record(meter=meter, read_on=TODAY, value="60", source=ReadingSource.SMART)  # a feed needs its account
    stranger = PersonFactory()  # an owner's reading names a person of the meter's community
    with pytest.raises(Forbidden):
        m.reading_record(meter=meter, read_on=TODAY, value="60", source=ReadingSource.OWNER, owner_person=stranger)


def test_fe1_a_photo_is_stored_through_the_upload_gate(meter, reader):
    reading = record(meter, reader, "10", photo=photo_file())
    assert reading.photo.name.startswith(f"billing/readings/{meter.community_id}/2026/11/")
    with pytest.raises(ServiceError) as refused:
        record(meter, reader, "11", day=TODAY - dt.timedelta(days=1), photo=SimpleUploadedFile("x.jpg", b"<?php"))
    assert refused.value.field == "photo"


# --- Owners in the portal (FE-1.reading_from_day … reading_to_day) --------------------------------


@pytest.fixture
def owner(meter):
    user = UserFactory()
    OwnershipFactory(room=meter.room, person=PersonFactory(community=meter.community, user=user))
    return user


def test_fe1_an_owner_reports_his_own_meter_inside_the_window(meter, owner):
    read(meter, dt.date(2026, 10, 22), "50")
    reading = m.owner_reading_submit(meter=meter, user=owner, value="57", photo=photo_file())
    assert reading.source == ReadingSource.OWNER and reading.reader == owner and reading.usage == Decimal("7.000")
    assert reading.read_on == TODAY and reading.photo


def test_fe1_an_owner_outside_the_window_is_refused(meter, owner):
    with clock.frozen(at(2026, 11, 26, 9, 0)), pytest.raises(Conflict) as refused:
        m.owner_reading_submit(meter=meter, user=owner, value="57")
    assert "每月 20 日至 25 日" in str(refused.value.message)
    with clock.frozen(at(2026, 11, 19, 23, 59)), pytest.raises(Conflict):
        m.owner_reading_submit(meter=meter, user=owner, value="57")


def test_fe1_an_owner_cannot_report_another_households_meter(meter, owner):
    other = MeterFactory(room=RoomFactory(community=meter.community))
    with pytest.raises(ServiceError) as refused:
        m.owner_reading_submit(meter=other, user=owner, value="57")
    assert refused.value.status == 404
    common = MeterFactory(room=None, community=meter.community, place="泵房")
    with pytest.raises(ServiceError):
        m.owner_reading_submit(meter=common, user=owner, value="57")


# --- Meters and their verification (计量器具检定) --------------------------------------------------


def test_fe1_a_common_meter_needs_a_place(meter, supervisor):
    with pytest.raises(ServiceError) as refused:
        m.meter_create(community=meter.community, actor=supervisor, kind="water", number="GS-01")
    assert refused.value.field == "place"
    common = m.meter_create(community=meter.community, actor=supervisor, kind="water", number="GS-01", place="泵房")
    assert common.is_common and common.place == "泵房"


def test_fe1_meter_refusals(meter, supervisor):
    with pytest.raises(ServiceError) as duplicate:
        m.meter_create(community=meter.community, actor=supervisor, kind="water", number=meter.number, place="x")
    assert duplicate.value.field == "number"
    elsewhere = RoomFactory()
    with pytest.raises(ServiceError) as foreign:
        m.meter_create(community=meter.community, actor=supervisor, kind="water", number="X", room=elsewhere)
    assert foreign.value.status == 404
    with pytest.raises(Forbidden):
        m.meter_create(
            community=meter.community, actor=staff("technician", meter.community), kind="gas", number="G1", place="x"
        )


def test_fe1_verification_deadline_opened_moved_and_met(meter, supervisor):
    new = m.meter_create(
        community=meter.community,
        actor=supervisor,
        kind="electricity",
        number="E-1",
        room=meter.room,
        verify_by=dt.date(2026, 12, 10),
    )
    deadline = Deadline.objects.get(rule="FE-1", subject_id=str(new.pk))
    assert deadline.owner_role == "equipment_supervisor" and deadline.household_id == meter.room_id
    assert deadline.due_at == at(2026, 12, 11, 0, 0)  # 24:00 of verify_by
    m.meter_update(meter=new, actor=supervisor, verify_by=dt.date(2026, 12, 20))
    deadline.refresh_from_db()
    assert deadline.cancelled_at is not None
    moved = Deadline.objects.get(rule="FE-1", subject_id=str(new.pk), cancelled_at__isnull=True)
    assert moved.due_at == at(2026, 12, 21, 0, 0)
    with pytest.raises(ServiceError) as refused:
        m.meter_verified(meter=new, actor=supervisor, verified_on=TODAY, next_verify_by=TODAY)
    assert refused.value.field == "next_verify_by"
    m.meter_verified(meter=new, actor=supervisor, verified_on=TODAY, next_verify_by=dt.date(2032, 11, 22))
    moved.refresh_from_db()
    assert moved.met_at is not None and moved.met_by == supervisor
    following = Deadline.objects.get(
        rule="FE-1", subject_id=str(new.pk), met_at__isnull=True, cancelled_at__isnull=True
    )
    assert following.due_at == at(2032, 11, 23, 0, 0)
    new.refresh_from_db()
    assert new.verify_by == dt.date(2032, 11, 22)
