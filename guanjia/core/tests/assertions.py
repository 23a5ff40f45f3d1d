"""One helper asserting what a transition left behind (DESIGN.md house style): its state, its
activity-log entries, the deadlines it opened, met, moved or stopped, and the notifications it sent.

    with assert_transition(
        ticket,
        state=Status.DISPATCHED,
        verb="servicedesk.ticket.dispatched",
        deadline={"rule": "RC-8.response", "owner": technician, "state": "open"},
        notification={"user": technician, "title": "新派工单"},
    ):
        sd.ticket_dispatch(ticket=ticket, technician=technician, actor=desk)

All four are required, so a transition test cannot forget one; `None` says "none at all". Only what
the block did counts: log entries, deadlines and notifications are compared with a snapshot taken
before it. Deadlines are those of the object's community, so one opened on another subject (the
callback a passed check schedules) is named with `subject=` (the object, or its model class).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType

from guanjia.core.models import ActivityLog, Deadline, Notification

_DEADLINE_FIELDS = (
    "rule",
    "subject_type_id",
    "subject_id",
    "starts_at",
    "due_at",
    "owner_id",
    "owner_role",
    "met_at",
    "met_by_id",
    "cancelled_at",
)


def _specs(value) -> list[dict]:
    if value is None:
        return []
    return [value] if isinstance(value, dict) else list(value)


def _deadlines(community_id) -> dict[int, tuple]:
    rows = Deadline.objects.filter(community_id=community_id).values_list("pk", *_DEADLINE_FIELDS)
    return {row[0]: row[1:] for row in rows}


def _deadline_matches(deadline, spec: dict, default_subject) -> bool:
    subject = spec.get("subject", default_subject)
    if deadline.subject_type_id != ContentType.objects.get_for_model(subject).pk:
        return False
    if not isinstance(subject, type) and deadline.subject_id != str(subject.pk):  # a class: any of that kind
        return False
    for key, expected in spec.items():
        if key == "subject":
            continue
        if key in ("owner", "met_by"):
            found, expected = getattr(deadline, f"{key}_id"), getattr(expected, "pk", expected)
        elif key == "state":  # a DeadlineState or its value
            found, expected = str(deadline.state), str(expected)
        else:
            found = getattr(deadline, key)
        if found != expected:
            return False
    return True


def _notification_matches(note, spec: dict) -> bool:
    for key, expected in spec.items():
        if key == "user":
            if note.user_id != expected.pk:
                return False
        elif key in ("title", "body"):
            if str(expected) not in getattr(note, key):
                return False
        elif getattr(note, key) != expected:
            return False
    return True


def _cover(kind: str, rows: list, specs: list[dict], matches) -> None:
    """Each spec matches one row at least, and every row is matched by a spec."""
    described = [f"{row!r}: {vars_of(row)}" for row in rows]
    for spec in specs:
        assert any(matches(row, spec) for row in rows), f"no {kind} {spec} among those written: {described}"
    for row in rows:
        assert any(matches(row, spec) for spec in specs), f"unexpected {kind} {vars_of(row)}"


def vars_of(row) -> dict:
    return {k: v for k, v in vars(row).items() if not k.startswith("_")}


@contextmanager
def assert_transition(obj, *, state, verb, deadline, notification, actor=None, field: str = "status"):
    """Around one service call on `obj`:

    state: `obj`'s state in the database afterwards (`field`, the FSM field).
    verb: the activity-log entries written on `obj`, oldest first: a verb or a list of verbs (by `actor`,
        when given).
    deadline: the deadlines of `obj`'s community the block opened or changed, each described by a dict
        matched against them: `rule`, `subject` (default `obj`; a model class for one the block created,
        e.g. the callback a passed check schedules), `state` (open/overdue/met/late/cancelled
        at the present moment), `due_at`, `starts_at`, `owner`, `owner_role`, `met_at`, `met_by`; a list
        of dicts; None for none.
    notification: the notifications sent, each a dict: `user`, `title` or `body` (a part of it), `url`;
        a list; None for none.
    """
    subject_type = ContentType.objects.get_for_model(obj)
    last_entry = ActivityLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = _deadlines(obj.community_id)
    yield
    obj.refresh_from_db()
    assert getattr(obj, field) == state, f"{obj} is {getattr(obj, field)!r}, not {state!r}"

    entries = list(
        ActivityLog.objects.filter(pk__gt=last_entry, subject_type=subject_type, subject_id=str(obj.pk)).order_by("pk")
    )
    expected_verbs = [verb] if isinstance(verb, str) else list(verb)
    assert [e.verb for e in entries] == expected_verbs, f"log entries {[e.verb for e in entries]}"
    if actor is not None:
        assert all(e.actor_id == actor.pk for e in entries), "an entry by someone else"

    after = _deadlines(obj.community_id)
    touched = [pk for pk, row in after.items() if before.get(pk) != row]
    written = list(Deadline.objects.filter(pk__in=touched).with_state().order_by("pk"))
    _cover("deadline", written, _specs(deadline), lambda d, spec: _deadline_matches(d, spec, obj))

    notes = list(Notification.objects.filter(pk__gt=last_note).order_by("pk"))
    _cover("notification", notes, _specs(notification), _notification_matches)
