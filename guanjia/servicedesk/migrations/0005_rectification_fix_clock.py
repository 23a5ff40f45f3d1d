"""RC-5 now runs two clocks: the written notice within 24 hours (RC-5.issue, on the ticket) and the fix by
the notice's own due date (RC-5.fix, on the notice). Notices issued before carry their clock as "RC-5":
it timed the fix, so it is named RC-5.fix like the new ones (lists, reminders and KPIs read one name)."""

from django.db import migrations


def rename(apps, schema_editor, old="RC-5", new="RC-5.fix"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Deadline = apps.get_model("core", "Deadline")
    notice_type = ContentType.objects.filter(app_label="servicedesk", model="rectificationnotice").first()
    if notice_type is not None:
        Deadline.objects.filter(subject_type=notice_type, rule=old).update(rule=new)


def unrename(apps, schema_editor):
    rename(apps, schema_editor, old="RC-5.fix", new="RC-5")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0006_clock_defaults"),
        ("servicedesk", "0004_clock_defaults"),
    ]

    operations = [migrations.RunPython(rename, unrename)]
