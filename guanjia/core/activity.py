"""Writing the activity log (DESIGN.md §6)."""

from django.contrib.contenttypes.models import ContentType

from .models import ActivityLog


def log(actor, verb: str, subject=None, *, community=None, household=None, summary: str = "", **data) -> ActivityLog:
    """Record that `actor` did `verb` to `subject`; `household` is the estates.Room it concerns."""
    if community is None and subject is not None:
        community = getattr(subject, "community", None)
    return ActivityLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        community=community,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
        household_id=getattr(household, "pk", household),
        summary=str(summary)[:300],
        data=data,
    )
