"""Move the rows into the quality app, keeping their ids (issue 9).

* engagement.Cause and engagement.Action (SV-5, QA-3) → quality.Cause and quality.Action, as they were.
* servicedesk.RectificationNotice (RC-5) → quality.RectificationNotice: the finding is the callback
  that found the problem (source "RC-5.callback"), addressed to the ticket's technician (staff),
  issued or closed.
* servicedesk.CallbackSpotCheck (RC-4) → quality.SpotCheck of kind "RC-4.callbacks" for its month.

Deadlines, log entries and printed copies name their subject by content type and id: the ids are
kept, and each old content type becomes the new model's (renamed in place; when the new one already
exists, every reference is pointed at it), so a notice's RC-5.fix clock, a cause's log entries and
the household timelines stay attached. Links stored in notifications are rewritten to the new pages.
servicedesk 0007 and engagement 0006 then drop the old tables. Runs backwards too, for the rows the
old tables can hold.
"""

import re

from django.core.management.color import no_style
from django.db import migrations

MOVES = [  # (old app, old model, new model)
    ("engagement", "cause", "cause"),
    ("engagement", "action", "action"),
    ("servicedesk", "rectificationnotice", "rectificationnotice"),
    ("servicedesk", "callbackspotcheck", "spotcheck"),
]
CALLBACK_SOURCE = "RC-5.callback"  # servicedesk.services.rectifications.SOURCE
TICKET_SOURCE = "RC-5.ticket"  # a notice of old whose callback is not known
SPOT_CHECK_KIND = "RC-4.callbacks"  # servicedesk.quality_hooks.SPOT_CHECK
# What notifications linked to, and where those pages are now (the paths as served, after the
# console's own prefix, which the patterns keep as \1).
LINKS = [
    (r"^(/console/)desk/rectifications/(\d+)/$", r"\1quality/notices/\2/"),
    (r"^(/console/)desk/callbacks/(\d+)/rectify/$", rf"\1quality/notices/issue/{CALLBACK_SOURCE}/\2/"),
]
BACK = [
    (r"^(/console/)quality/notices/(\d+)/$", r"\1desk/rectifications/\2/"),
    (rf"^(/console/)quality/notices/issue/{re.escape(CALLBACK_SOURCE)}/(\d+)/$", r"\1desk/callbacks/\2/rectify/"),
]


def _retype(apps, old_app, old_model, new_app, new_model) -> None:
    """Make the old model's content type the new model's, with everything that names it."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    old = ContentType.objects.filter(app_label=old_app, model=old_model).first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label=new_app, model=new_model).first()
    if new is None:
        old.app_label, old.model = new_app, new_model
        old.save(update_fields=["app_label", "model"])
        return
    for model in apps.get_models():
        if model._meta.label_lower == "auth.permission":
            continue  # the old type's permissions go with it; the new type has its own
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model._meta.label_lower == "contenttypes.contenttype":
                model._base_manager.filter(**{field.name: old}).update(**{field.name: new})
    old.delete()


def _reset_sequences(schema_editor, *models) -> None:
    """Rows were inserted with their ids: PostgreSQL's sequences must start after them (SQLite's
    AUTOINCREMENT follows the largest id by itself)."""
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
        schema_editor.execute(sql)


def _relink(apps, pairs) -> None:
    Notification = apps.get_model("core", "Notification")
    for pattern, replacement in pairs:
        regex = re.compile(pattern)
        for note in Notification.objects.filter(url__regex=pattern).only("pk", "url"):
            Notification.objects.filter(pk=note.pk).update(url=regex.sub(replacement, note.url))


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    OldCause, OldAction = apps.get_model("engagement", "Cause"), apps.get_model("engagement", "Action")
    OldNotice = apps.get_model("servicedesk", "RectificationNotice")
    OldCheck = apps.get_model("servicedesk", "CallbackSpotCheck")
    Callback = apps.get_model("servicedesk", "Callback")
    Cause, Action = apps.get_model("quality", "Cause"), apps.get_model("quality", "Action")
    Notice, SpotCheck = apps.get_model("quality", "RectificationNotice"), apps.get_model("quality", "SpotCheck")

    Cause.objects.bulk_create(
        Cause(id=c.id, item_id=c.item_id, category=c.category, parent_id=c.parent_id, text=c.text, position=c.position)
        for c in OldCause.objects.order_by("id")
    )
    action_fields = [f.attname for f in OldAction._meta.concrete_fields]
    Action.objects.bulk_create(
        Action(**{name: getattr(a, name) for name in action_fields}) for a in OldAction.objects.order_by("id")
    )

    notices = list(OldNotice.objects.select_related("ticket").order_by("id"))
    if notices:
        callback_type, _new = ContentType.objects.get_or_create(app_label="servicedesk", model="callback")
        ticket_type, _new = ContentType.objects.get_or_create(app_label="servicedesk", model="ticket")
        taken, rows = set(), []
        for old in notices:
            source, subject_type, subject_id = CALLBACK_SOURCE, callback_type, old.callback_id
            if subject_id is None or (source, subject_id) in taken:
                # An old notice without its callback: the ticket's latest unsatisfied one still free,
                # else the ticket itself (kept, under a source of its own, rather than lost).
                found = (
                    Callback.objects.filter(ticket_id=old.ticket_id, satisfied=False, done_at__lte=old.issued_at)
                    .exclude(pk__in=[pk for s, pk in taken if s == CALLBACK_SOURCE])
                    .order_by("-done_at", "-id")
                    .values_list("pk", flat=True)
                    .first()
                )
                if found is not None:
                    subject_id = found
                else:
                    source, subject_type, subject_id = TICKET_SOURCE, ticket_type, old.ticket_id
                    if (source, subject_id) in taken:
                        source = f"{TICKET_SOURCE}.{old.pk}"
            taken.add((source, subject_id))
            rows.append(
                Notice(
                    id=old.id,
                    community_id=old.community_id,
                    number=old.number,
                    source=source,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    household_id=old.ticket.room_id,
                    recipient_kind="staff",
                    recipient_id=old.technician_id,
                    problem=old.problem,
                    requirement=old.requirement,
                    status="closed" if old.closed_at else "issued",
                    issued_at=old.issued_at,
                    issued_by_id=old.issued_by_id,
                    due_at=old.due_at,
                    closed_at=old.closed_at,
                    closed_by_id=old.closed_by_id,
                    result=old.result,
                )
            )
        Notice.objects.bulk_create(rows)

    checks = list(OldCheck.objects.order_by("id"))
    if checks:
        callback_type, _new = ContentType.objects.get_or_create(app_label="servicedesk", model="callback")
        SpotCheck.objects.bulk_create(
            SpotCheck(
                id=c.id,
                community_id=c.community_id,
                kind=SPOT_CHECK_KIND,
                period=f"{c.month:%Y-%m}",
                record_type=callback_type,
                record_id=c.callback_id,
                drawn_by_id=c.drawn_by_id,
                drawn_at=c.drawn_at,
                checked_at=c.checked_at,
                passed=c.genuine,
                note=c.note,
            )
            for c in checks
        )

    _reset_sequences(schema_editor, Cause, Action, Notice, SpotCheck)
    for old_app, old_model, new_model in MOVES:
        _retype(apps, old_app, old_model, "quality", new_model)
    _relink(apps, LINKS)


def backwards(apps, schema_editor):
    """Back into the old tables: the actions and causes, RC-5's notices and RC-4's checks."""
    import datetime as dt

    OldCause, OldAction = apps.get_model("engagement", "Cause"), apps.get_model("engagement", "Action")
    OldNotice = apps.get_model("servicedesk", "RectificationNotice")
    OldCheck = apps.get_model("servicedesk", "CallbackSpotCheck")
    Callback = apps.get_model("servicedesk", "Callback")
    Cause, Action = apps.get_model("quality", "Cause"), apps.get_model("quality", "Action")
    Notice, SpotCheck = apps.get_model("quality", "RectificationNotice"), apps.get_model("quality", "SpotCheck")

    OldCause.objects.bulk_create(
        OldCause(id=c.id, item_id=c.item_id, category=c.category, parent_id=c.parent_id, text=c.text, position=c.position)
        for c in Cause.objects.order_by("id")
    )
    action_fields = [f.attname for f in OldAction._meta.concrete_fields]
    OldAction.objects.bulk_create(
        OldAction(**{name: getattr(a, name) for name in action_fields}) for a in Action.objects.order_by("id")
    )
    notices = list(Notice.objects.filter(source=CALLBACK_SOURCE, recipient__isnull=False).order_by("id"))
    tickets = dict(Callback.objects.filter(pk__in=[n.subject_id for n in notices]).values_list("pk", "ticket_id"))
    OldNotice.objects.bulk_create(
        OldNotice(
            id=n.id,
            community_id=n.community_id,
            number=n.number,
            ticket_id=tickets[n.subject_id],
            callback_id=n.subject_id,
            technician_id=n.recipient_id,
            problem=n.problem,
            requirement=n.requirement,
            issued_at=n.issued_at,
            issued_by_id=n.issued_by_id,
            due_at=n.due_at,
            closed_at=n.closed_at,
            closed_by_id=n.closed_by_id,
            result=n.result,
        )
        for n in notices
        if n.subject_id in tickets
    )
    OldCheck.objects.bulk_create(
        OldCheck(
            id=c.id,
            community_id=c.community_id,
            month=dt.date.fromisoformat(f"{c.period}-01"),
            callback_id=c.record_id,
            drawn_by_id=c.drawn_by_id,
            drawn_at=c.drawn_at,
            checked_at=c.checked_at,
            genuine=c.passed,
            note=c.note,
        )
        for c in SpotCheck.objects.filter(kind=SPOT_CHECK_KIND).order_by("id")
    )
    _reset_sequences(schema_editor, OldCause, OldAction, OldNotice, OldCheck)
    for old_app, old_model, new_model in MOVES:
        _retype(apps, "quality", new_model, old_app, old_model)
    _relink(apps, BACK)
    for model in (SpotCheck, Notice, Action, Cause):
        model.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0010_approval_one_running"),
        ("engagement", "0005_vs5_summary_duty"),
        ("quality", "0001_initial"),
        ("servicedesk", "0006_rc10_summary_duty"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
