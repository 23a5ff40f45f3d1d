"""The fishbone's causes (SV-5) and the corrective/preventive actions (QA-3) are the quality app's
now: quality 0002 has moved their rows (ids, clocks and log entries kept); the old tables go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0005_vs5_summary_duty"),
        ("quality", "0002_move_rows"),
    ]

    operations = [
        migrations.DeleteModel(name="Action"),
        migrations.DeleteModel(name="Cause"),
    ]
