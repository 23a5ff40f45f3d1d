"""Rectification notices (RC-5) and the manager's spot checks (RC-4) are the quality app's now:
quality 0002 has moved their rows (ids, clocks and log entries kept); the old tables go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("servicedesk", "0006_rc10_summary_duty"),
        ("quality", "0002_move_rows"),
    ]

    operations = [
        migrations.DeleteModel(name="RectificationNotice"),
        migrations.DeleteModel(name="CallbackSpotCheck"),
    ]
