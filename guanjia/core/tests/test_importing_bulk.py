"""Prepared bulk INSERTs (core.importing.bulk): reserved ids, values adapted as the ORM would."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from guanjia.core.importing.bulk import SQLITE_CACHE_KIB, BulkInsert, Ids, bulk_session
from guanjia.core.models import ActivityLog, Holiday
from guanjia.core.tests.factories import CommunityFactory, staff

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2031, 3, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_ids_are_new_even_past_deleted_rows_and_the_rows_point_at_each_other():
    community = CommunityFactory()
    actor = staff("office_manager", community)
    used = [ActivityLog.objects.create(verb="core.policy.changed", community=community).pk for _ in range(3)]
    ActivityLog.objects.filter(pk=used[-1]).delete()  # the highest id is gone, and never to be reused
    with transaction.atomic():
        ids = Ids(ActivityLog)
        first, second = ids.take(2), ids.take(1)
        entries = BulkInsert(
            ActivityLog,
            ["id", "summary", "data", "household_id"],
            constants={
                "at": NOW,
                "verb": "core.import.committed",
                "community_id": community.pk,
                "actor_id": actor.pk,
                "subject_type_id": None,
                "subject_id": "",
            },
        )
        for pk in first + second:
            entries.add((pk, f"第 {pk} 条", {"row": pk, "names": ["张三"]}, first[0]))
        entries.flush()
    assert first[0] > used[-1] and first + second == list(range(first[0], first[0] + 3))
    assert entries.written == 3
    rows = list(ActivityLog.objects.filter(pk__in=first + second).order_by("pk"))
    assert [r.data for r in rows] == [{"row": pk, "names": ["张三"]} for pk in first + second]
    assert {r.at for r in rows} == {NOW} and {r.household_id for r in rows} == {first[0]}
    later = ActivityLog.objects.create(verb="core.policy.changed", community=community)
    assert later.pk > second[0]  # the ORM goes on after them


def test_dates_as_values_or_as_the_text_the_database_keeps():
    with transaction.atomic():
        days = BulkInsert(
            Holiday,
            ["date", "year", "name"],
            constants={"kind": "holiday", "created_by_id": None, "created_at": NOW, "updated_at": NOW},
        )
        days.add((dt.date(2031, 1, 1), 2031, "元旦"))
        days.add(("2031-05-01", 2031, "劳动节"))
        days.flush()
    assert list(Holiday.objects.values_list("date", "name")) == [
        (dt.date(2031, 1, 1), "元旦"),
        (dt.date(2031, 5, 1), "劳动节"),
    ]
    assert Holiday.objects.filter(date__lt=dt.date(2031, 2, 1)).count() == 1  # compared as dates


def test_rows_are_written_in_runs_and_unknown_columns_refused(monkeypatch):
    monkeypatch.setattr("guanjia.core.importing.bulk.FLUSH", 2)
    with transaction.atomic():
        days = BulkInsert(
            Holiday,
            ["date", "year", "name"],
            constants={"kind": "workday", "created_by_id": None, "created_at": NOW, "updated_at": NOW},
        )
        for i in range(5):
            days.add((dt.date(2032, 1, 1) + dt.timedelta(days=i), 2032, ""))
        assert days.written == 4 and len(days.rows) == 1  # two runs of two, one row waiting
        days.flush()
    assert Holiday.objects.filter(year=2032).count() == 5
    with pytest.raises(ValueError, match="no columns"):
        BulkInsert(Holiday, ["day"])


@pytest.mark.django_db(transaction=True)
def test_ids_need_a_transaction():
    """Outside one, the ids after the highest are not ours to take."""
    with pytest.raises(RuntimeError, match="transaction"):
        Ids(ActivityLog)


def test_a_bulk_session_leaves_the_connection_as_it_was():
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            before = cursor.fetchone()[0]
        with bulk_session():
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA cache_size")
                assert cursor.fetchone()[0] == -SQLITE_CACHE_KIB
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            assert cursor.fetchone()[0] == before
        else:
            assert not queries.captured_queries  # PostgreSQL's session is left alone
