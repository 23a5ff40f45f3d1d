"""The move into the quality app keeps the data (quality 0002): rows keep their ids, the clocks and log
entries on them stay attached through their content type, notification links follow the pages, and
the migration runs backwards to the old tables and forwards again (SQLite and PostgreSQL alike)."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from guanjia.core import clock
from guanjia.core.deadlines import deadlines_of
from guanjia.core.models import ActivityLog, Notification
from guanjia.core.periods import MONTH, Period
from guanjia.engagement.tests.factories import survey_office
from guanjia.quality import services as quality
from guanjia.quality.models import Action, Cause, RectificationNotice, SpotCheck
from guanjia.servicedesk.quality_hooks import SPOT_CHECK

from .factories import NOW, answered_survey, done_callbacks, issue

BEFORE = [
    ("quality", "0001_initial"),
    ("servicedesk", "0006_rc10_summary_duty"),
    ("engagement", "0005_vs5_summary_duty"),
]
AFTER = [
    ("quality", "0002_move_rows"),
    ("servicedesk", "0007_moved_to_quality"),
    ("engagement", "0006_moved_to_quality"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards(transactional_db):
    """AFTER is not the latest of every app (servicedesk 0008, and the billing migrations that depend
    on it, came later): leave the schema as the rest of the suite expects it, whatever happened."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_rows_move_back_and_forth_with_their_ids_clocks_and_links():
    office = survey_office(households=5)
    with clock.frozen(NOW):
        notice = issue(office)
        open_notice = issue(office)
        quality.notice_close(notice=notice, actor=office.technician, result="已整改")
        done_callbacks(office, 1)
        drawn = quality.spot_check_draw(
            kind=SPOT_CHECK, community=office.community, period=Period.of(MONTH, NOW), actor=office.manager
        )
        quality.spot_check_record(check=drawn[0], actor=office.manager, passed=False, note="业主称未接到回访电话")
    with clock.frozen(dt.datetime(2026, 12, 10, 10, 0, tzinfo=NOW.tzinfo)):
        _s, _sec, cle = answered_survey(office)
        cause = quality.cause_add(item=cle, actor=office.supervisor, category="man", text="人手不足")
        sub = quality.cause_add(item=cle, actor=office.supervisor, text="招聘困难", parent=cause)
        action = quality.action_create(
            community=office.community,
            actor=office.supervisor,
            cause=sub,
            problem="清洁不到位",
            measure="增加保洁员",
            owner=office.supervisor,
            due_on=dt.date(2026, 12, 20),
        )
    check = drawn[0]
    Notification.objects.create(
        user=office.technician, title="旧链接", url=f"/console/desk/rectifications/{notice.pk}/"
    )
    fix_clocks = {d.pk for d in deadlines_of(notice)}

    old = migrate(BEFORE)  # backwards: into the old tables
    OldNotice, OldCheck = (
        old.get_model("servicedesk", "RectificationNotice"),
        old.get_model("servicedesk", "CallbackSpotCheck"),
    )
    OldAction, OldCause = old.get_model("engagement", "Action"), old.get_model("engagement", "Cause")
    back = OldNotice.objects.get(pk=notice.pk)
    assert (back.number, back.callback_id, back.technician_id, back.closed_at is not None) == (
        notice.number,
        notice.subject_id,
        office.technician.pk,
        True,
    )
    assert OldNotice.objects.filter(pk=open_notice.pk, closed_at__isnull=True).exists()
    assert OldCheck.objects.get(pk=check.pk).genuine is False and OldCheck.objects.count() == len(drawn)
    assert OldAction.objects.get(pk=action.pk).cause_id == sub.pk
    assert OldCause.objects.get(pk=sub.pk).parent_id == cause.pk
    assert ContentType.objects.filter(app_label="servicedesk", model="rectificationnotice").exists()
    assert Notification.objects.get(title="旧链接").url == f"/console/desk/rectifications/{notice.pk}/"
    # A notice of old whose callback is not known is kept all the same, under the ticket.
    lost = OldNotice.objects.create(
        community_id=office.community.pk,
        number="ZG-2026-999999",
        ticket_id=back.ticket_id,
        callback=None,
        technician_id=office.technician.pk,
        problem="旧数据",
        issued_at=NOW,
        issued_by_id=office.supervisor.pk,
        due_at=NOW + dt.timedelta(days=3),
    )

    migrate(AFTER)  # and forwards again, as from today's schema
    moved = RectificationNotice.objects.get(pk=notice.pk)
    assert (moved.number, moved.source, moved.subject_id, moved.status) == (
        notice.number,
        "RC-5.callback",
        notice.subject_id,
        "closed",
    )
    assert moved.recipient == office.technician and moved.household_id == office.room.pk
    assert RectificationNotice.objects.get(pk=open_notice.pk).status == "issued"
    kept = RectificationNotice.objects.get(pk=lost.pk)
    assert kept.source == "RC-5.callback" or kept.source.startswith("RC-5.ticket")
    assert {d.pk for d in deadlines_of(moved)} == fix_clocks  # the RC-5.fix clock stays on the notice
    assert ActivityLog.objects.filter(verb="quality.notice.issued", subject_id=str(notice.pk)).get().subject == moved
    moved_check = SpotCheck.objects.get(pk=check.pk)
    assert (moved_check.kind, moved_check.period, moved_check.passed) == (SPOT_CHECK, "2026-11", False)
    assert Action.objects.get(pk=action.pk).cause == Cause.objects.get(pk=sub.pk)
    assert Notification.objects.get(title="旧链接").url == moved.get_absolute_url()
    assert not ContentType.objects.filter(app_label="servicedesk", model="rectificationnotice").exists()
    fresh = issue(office)  # the ids go on after the moved rows (PostgreSQL's sequences)
    assert fresh.pk > max(notice.pk, open_notice.pk, lost.pk)
