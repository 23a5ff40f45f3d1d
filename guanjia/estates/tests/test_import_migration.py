"""Migration estates 0006: the register's import batches move to core's importer and stay meaningful."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("estates", "0005_monthly_lists"), ("core", "0011_import_batches")]
AFTER = [("estates", "0006_import_batches_to_core")]
AT = dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_batches_keep_their_ids_errors_results_and_log_entries():
    apps = migrate(BEFORE)
    try:
        Company, Community = apps.get_model("core", "Company"), apps.get_model("core", "Community")
        User = apps.get_model("auth", "User")
        Old, ActivityLog = apps.get_model("estates", "ImportBatch"), apps.get_model("core", "ActivityLog")
        ContentType = apps.get_model("contenttypes", "ContentType")
        community = Community.objects.create(company=Company.objects.create(name="物业"), code="c1", name="翠苑")
        clerk, committer = User.objects.create(username="clerk"), User.objects.create(username="boss")
        summary = {"counts": {"rows": 3, "valid_rows": 2, "error_rows": 1, "rooms": 2}, "excluded_rows": [4]}
        summary |= {"header_row": 1, "fatal": False, "sample": [], "ignored_columns": []}
        done = Old.objects.create(
            community=community,
            kind="rooms",
            file="imports/1/a.xlsx",
            filename="权籍.xlsx",
            status="committed",
            total_rows=3,
            errors=[{"row": 4, "column": "建筑面积", "message": "建筑面积：为负数"}],
            result={"preview": summary, "committed": {"rooms": 2}, "mode": "valid_only"},
            created_by=clerk,
            created_at=AT,
            committed_at=AT,
        )
        waiting = Old.objects.create(
            community=community,
            kind="leases",
            file="imports/1/b.xlsx",
            filename="租赁.xlsx",
            status="queued",
            total_rows=1,
            errors=[],
            result={
                "preview": {**summary, "counts": {"rows": 1, "valid_rows": 1, "error_rows": 0}, "excluded_rows": []}
            },
            created_by=clerk,
            created_at=AT,
        )
        old_type = ContentType.objects.get_or_create(app_label="estates", model="importbatch")[0]
        ActivityLog.objects.create(
            verb="estates.import.committed", subject_type=old_type, subject_id=str(done.pk), actor=committer, at=AT
        )
        apps = migrate(AFTER)
        New, RowError = apps.get_model("core", "ImportBatch"), apps.get_model("core", "ImportRowError")
        moved = New.objects.get(pk=done.pk)
        assert (moved.kind, moved.status, moved.mode, moved.result) == (
            "estates.rooms",
            "committed",
            "valid_only",
            {"rooms": 2},
        )
        assert (moved.total_rows, moved.valid_rows, moved.error_rows, moved.error_count) == (3, 2, 1, 1)
        assert moved.summary["excluded_rows"] == [4] and moved.file.name == "imports/1/a.xlsx"
        assert moved.committed_by_id == committer.pk and moved.created_by_id == clerk.pk
        assert list(RowError.objects.filter(batch=moved).values_list("row", "column", "message")) == [
            (4, "建筑面积", "建筑面积：为负数")
        ]
        again = New.objects.get(pk=waiting.pk)
        assert (again.kind, again.status) == ("estates.leases", "previewed")  # the old worker's queue is gone
        entry = ActivityLog.objects.get(verb="estates.import.committed")
        assert (entry.subject_type.app_label, entry.subject_type.model) == ("core", "importbatch")
        assert New.objects.create(community_id=community.pk, kind="x", created_by_id=clerk.pk).pk > waiting.pk

        apps = migrate(BEFORE)  # and back
        Old = apps.get_model("estates", "ImportBatch")
        back = Old.objects.get(pk=done.pk)
        assert back.kind == "rooms" and back.errors == [{"row": 4, "column": "建筑面积", "message": "建筑面积：为负数"}]
        assert back.result["committed"] == {"rooms": 2} and back.result["preview"]["excluded_rows"] == [4]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
