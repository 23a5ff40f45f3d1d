"""The register's import batches move to core's importer (issue 9): each keeps its id (so the
household entries "批量导入登记" that name their batch still point at it), its file, its status,
what its preview found (every problem becomes a row error) and what its commit wrote; the log
entries about a batch follow it to core's model. A batch left "queued" by the old worker is back
to "previewed": the clerk confirms it again."""

from django.core.management.color import no_style
from django.db import migrations

KINDS = {"rooms": "estates.rooms", "leases": "estates.leases"}


def _content_type(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def forward(apps, schema_editor):
    Old = apps.get_model("estates", "ImportBatch")
    New = apps.get_model("core", "ImportBatch")
    RowError = apps.get_model("core", "ImportRowError")
    ActivityLog = apps.get_model("core", "ActivityLog")
    if not Old.objects.exists():
        return
    old_type = _content_type(apps, "estates", "importbatch")
    new_type = _content_type(apps, "core", "importbatch")
    committers = dict(
        ActivityLog.objects.filter(verb="estates.import.committed", subject_type=old_type).values_list(
            "subject_id", "actor_id"
        )
    )
    for old in Old.objects.order_by("pk").iterator():
        result = old.result or {}
        preview = result.get("preview", {})
        counts = preview.get("counts", {})
        New.objects.create(
            id=old.pk,
            community_id=old.community_id,
            kind=KINDS.get(old.kind, old.kind),
            file=old.file.name,
            filename=old.filename,
            status="previewed" if old.status == "queued" else old.status,
            progress=100,
            total_rows=old.total_rows,
            valid_rows=counts.get("valid_rows", 0),
            error_rows=counts.get("error_rows", len(preview.get("excluded_rows", []))),
            error_count=len(old.errors or []),
            summary={**preview, "records": 0},
            mode=result.get("mode", ""),
            result=result.get("committed", {}),
            failure=result.get("failure", ""),
            created_by_id=old.created_by_id,
            created_at=old.created_at,
            checked_at=old.created_at,
            committed_by_id=committers.get(str(old.pk)) if old.committed_at else None,
            committed_at=old.committed_at,
        )
        RowError.objects.bulk_create(
            [
                RowError(batch_id=old.pk, row=e.get("row"), column=str(e.get("column", ""))[:100], message=e["message"])
                for e in sorted(old.errors or [], key=lambda e: e.get("row") or 0)
            ],
            batch_size=500,
        )
    ActivityLog.objects.filter(subject_type=old_type).update(subject_type=new_type)
    # The copies kept their ids: PostgreSQL's sequence must go on after them.
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [New]):
            cursor.execute(sql)


def backward(apps, schema_editor):
    Old = apps.get_model("estates", "ImportBatch")
    New = apps.get_model("core", "ImportBatch")
    ActivityLog = apps.get_model("core", "ActivityLog")
    back = {v: k for k, v in KINDS.items()}
    batches = New.objects.filter(kind__in=back)
    if not batches.exists():
        return
    old_type = _content_type(apps, "estates", "importbatch")
    new_type = _content_type(apps, "core", "importbatch")
    ids = []
    for new in batches.order_by("pk").iterator():
        errors = list(new.row_errors.filter(warning=False).order_by("id").values("row", "column", "message"))
        summary = {k: v for k, v in new.summary.items() if k != "records"}
        result = {"preview": summary}
        if new.result:
            result["committed"] = new.result
        if new.mode:
            result["mode"] = new.mode
        if new.failure:
            result["failure"] = new.failure
        Old.objects.create(
            id=new.pk,
            community_id=new.community_id,
            kind=back[new.kind],
            file=new.file.name,
            filename=new.filename,
            status="previewed" if new.status in ("checking", "queued") else new.status,
            total_rows=new.total_rows,
            errors=errors,
            result=result,
            created_by_id=new.created_by_id,
            created_at=new.created_at,
            committed_at=new.committed_at,
        )
        ids.append(str(new.pk))
    ActivityLog.objects.filter(subject_type=new_type, subject_id__in=ids).update(subject_type=old_type)
    batches.delete()
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Old]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0011_import_batches"),
        ("estates", "0005_monthly_lists"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="ImportBatch"),
    ]
