"""RC-10's monthly clocks become occurrences of the recurring duty "RC-10.summary" (core.duties).

Before, a month's first complaint opened a Deadline (rule RC-10, subject the community, duty blank),
met by a raw update when the summary was published; a month without complaints had no clock. Now
the calendar opens one row per community and month, keyed (community, duty, period). The old rows
are kept, history and all (met, late, overdue), by naming their duty and month, so the calendar
does not open a second clock for a month that already has one. The old code keyed its rows on the
due time, so a month whose due day changed in between could have two: the one met first (or else
the oldest) is kept, the other is cancelled, as a clock that should not have run.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations
from django.utils import timezone

DUTY = "RC-10.summary"


def _month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def forwards(apps, schema_editor):
    Deadline = apps.get_model("core", "Deadline")
    ContentType = apps.get_model("contenttypes", "ContentType")
    community_type = ContentType.objects.filter(app_label="core", model="community").first()
    if community_type is None:
        return
    zone = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    rows = Deadline.objects.filter(rule="RC-10", duty="", subject_type=community_type, cancelled_at__isnull=True)
    taken = set(Deadline.objects.filter(duty=DUTY).values_list("community_id", "period"))
    # Met rows first (the earliest met), then the oldest: the first of a (community, month) is kept.
    for row in sorted(rows, key=lambda r: (r.met_at is None, r.met_at or r.starts_at, r.pk)):
        first = row.starts_at.astimezone(zone).date().replace(day=1)  # the old rows started on the 1st
        period = f"{first:%Y-%m}"
        if (row.community_id, period) in taken:
            row.cancelled_at = now
            row.save(update_fields=["cancelled_at"])
            continue
        taken.add((row.community_id, period))
        row.duty, row.period = DUTY, period
        # A duty about a month is owed once the month is over (duties.Opens.AT_END).
        row.starts_at = dt.datetime.combine(_month_after(first), dt.time.min, tzinfo=zone)
        # Worded as core.duties words an occurrence (stored in Chinese, shown in the reader's language).
        row.title = f"月度投诉汇总公布（{first.year}年{first.month}月）"
        row.save(update_fields=["duty", "period", "starts_at", "title"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0008_deadline_duty_period"),
        ("servicedesk", "0005_rectification_fix_clock"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
