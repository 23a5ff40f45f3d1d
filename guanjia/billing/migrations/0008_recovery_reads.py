"""The recovery (FE-3) reads only the allocations to arrears and, on PostgreSQL, the open lines from
their index alone; the collection rates no longer read allocations by period (issue 11)."""

import datetime

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Allocation, BillLine = (apps.get_model("billing", m) for m in ("Allocation", "BillLine"))
    Allocation.objects.update(due_on=Subquery(BillLine.objects.filter(pk=OuterRef("line_id")).values("due_on")))


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
