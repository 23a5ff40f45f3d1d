"""The recovery (FE-3) reads only the allocations to arrears, without joining their lines (an
allocation carries its line's due date, payer kind, bill kind and issue time), and, on PostgreSQL,
the open lines from their index alone; the collection rates no longer read allocations by period
(issue 11)."""

import datetime

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Allocation, BillLine = (apps.get_model("billing", m) for m in ("Allocation", "BillLine"))
    line = BillLine.objects.filter(pk=OuterRef("line_id"))
    Allocation.objects.update(
        **{name: Subquery(line.values(name)) for name in ("due_on", "payer_kind", "bill_kind", "issued_at")}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_line_carries_bill"),
    ]

    operations = [
        migrations.AddField(
            model_name="allocation",
            name="due_on",
            field=models.DateField(default=datetime.date(2000, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="allocation",
            name="payer_kind",
            field=models.CharField(
                choices=[("owner", "业主"), ("tenant", "租户"), ("developer", "开发建设单位")],
                default="owner",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="allocation",
            name="bill_kind",
            field=models.CharField(choices=[
                    ("regular", "账单"),
                    ("charge", "临时收费"),
                    ("debit_note", "补收单"),
                    ("late_charge", "违约金"),
                    ("opening", "期初欠费"),
                ], default="regular", max_length=20),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="allocation",
            name="issued_at",
            field=models.DateTimeField(default=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="allocation", name="allocation_comm_period"),
        migrations.RemoveIndex(model_name="billline", name="billline_open_due"),
        migrations.AddIndex(
            model_name="billline",
            index=models.Index(
                condition=models.Q(("open_amount__gt", 0)),
                fields=["community", "due_on", "payer_kind", "room", "open_amount"],
                include=("bill_kind", "issued_at"),
                name="billline_open_due",
            ),
        ),
    ]
