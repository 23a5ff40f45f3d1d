"""Natural order of buildings, units and rooms (a stored, indexed sort key) and unknown acquisition dates.

The sort key of the rows that already exist is filled here; from now on `save()` and the models'
bulk paths keep it (guanjia/estates/sorting.py). The key function is copied, not imported, so this
migration keeps meaning what it meant when it was written.
"""

import re

from django.db import migrations, models

import guanjia.estates.sorting

_DIGITS = re.compile(r"\d+")
BATCH = 2000


def _digits(match):
    run = match.group()
    significant = run.lstrip("0")
    return f"{len(significant):02d}{significant}{min(len(run) - len(significant), 9)}"


def natural_key(code):
    return _DIGITS.sub(_digits, str(code or "").upper())[:255]


def fill_sort_keys(apps, schema_editor):
    for name in ("Building", "Unit", "Room"):
        model = apps.get_model("estates", name)
        batch = []
        for row in model.objects.only("pk", "code").order_by("pk").iterator(chunk_size=BATCH):
            row.sort_key = natural_key(row.code)
            batch.append(row)
            if len(batch) == BATCH:
                model.objects.bulk_update(batch, ["sort_key"])
                batch = []
        if batch:
            model.objects.bulk_update(batch, ["sort_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("estates", "0003_clock_defaults"),
    ]

    operations = [
        migrations.AddField(
            model_name="building",
            name="sort_key",
            field=guanjia.estates.sorting.SortKeyField(
                default="", editable=False, max_length=255, verbose_name="排序键"
            ),
        ),
        migrations.AddField(
            model_name="room",
            name="sort_key",
            field=guanjia.estates.sorting.SortKeyField(
                default="", editable=False, max_length=255, verbose_name="排序键"
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="sort_key",
            field=guanjia.estates.sorting.SortKeyField(
                default="", editable=False, max_length=255, verbose_name="排序键"
            ),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterModelOptions(
            name="building",
            options={"ordering": ["community", "sort_key"], "verbose_name": "楼栋", "verbose_name_plural": "楼栋"},
        ),
        migrations.AlterModelOptions(
            name="unit",
            options={"ordering": ["building", "sort_key"], "verbose_name": "单元", "verbose_name_plural": "单元"},
        ),
        migrations.AlterModelOptions(
            name="room",
            options={"ordering": ["community", "sort_key"], "verbose_name": "房屋", "verbose_name_plural": "房屋"},
        ),
        migrations.AddIndex(
            model_name="building",
            index=models.Index(fields=["community", "sort_key"], name="building_comm_sort"),
        ),
        migrations.AddIndex(
            model_name="unit",
            index=models.Index(fields=["building", "sort_key"], name="unit_bldg_sort"),
        ),
        migrations.AddIndex(
            model_name="room",
            index=models.Index(fields=["community", "sort_key"], name="room_comm_sort"),
        ),
        # An ownership whose start is unknown (a developer's handover register) is stored as unknown.
        migrations.AlterField(
            model_name="ownership",
            name="since",
            field=models.DateField(blank=True, null=True, verbose_name="取得日期"),
        ),
        migrations.AlterModelOptions(
            name="ownership",
            options={
                "ordering": ["room", models.OrderBy(models.F("since"), descending=True, nulls_last=True), "id"],
                "verbose_name": "产权",
                "verbose_name_plural": "产权",
            },
        ),
    ]
