"""Each bill line carries its bill's kind and issue time and what credit notes took off it
(issue 11: the collection rates and the recovery read the lines alone, never joined to the bills)."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Bill, BillLine, Allocation = (apps.get_model("billing", m) for m in ("Bill", "BillLine", "Allocation"))
    bill = Bill.objects.filter(pk=OuterRef("bill_id"))
    credits = (
        Allocation.objects.filter(line_id=OuterRef("pk"), adjustment__isnull=False)
        .order_by()
        .values("line_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    money = models.DecimalField(max_digits=14, decimal_places=2)
    BillLine.objects.update(
        bill_kind=Subquery(bill.values("kind")),
        issued_at=Subquery(bill.values("issued_at")),
        credited=Coalesce(Subquery(credits, output_field=money), Value(0, output_field=money)),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0006_arrears_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="billline",
            name="bill_kind",
            field=models.CharField(
                choices=[
                    ("regular", "账单"),
                    ("charge", "临时收费"),
                    ("debit_note", "补收单"),
                    ("late_charge", "违约金"),
                    ("opening", "期初欠费"),
                ],
                default="regular",
                max_length=20,
                verbose_name="账单类型",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="billline",
            name="issued_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="开具时间"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="billline",
            name="credited",
            field=models.DecimalField(
                db_default=0, decimal_places=2, default=0, max_digits=14, verbose_name="冲减金额"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="billline",
            constraint=models.CheckConstraint(
                condition=models.Q(("credited__gte", 0), ("credited__lte", models.F("amount"))),
                name="billline_credited_within_amount",
            ),
        ),
        migrations.AddConstraint(
            model_name="billline",
            constraint=models.CheckConstraint(
                condition=models.Q(("bill_kind", ""), _negated=True), name="billline_has_bill_kind"
            ),
        ),
    ]
