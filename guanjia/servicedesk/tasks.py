"""Background jobs of the service desk: deadline reminders (DESIGN.md §4).

Reminders only tell people; whether a deadline is open, overdue or met is derived from the
clock at read time, so nothing is wrong if this job is late or never runs. Run it every
15 minutes (`manage.py send_reminders` from cron) or enqueue `send_reminders` on the db_worker.
"""

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django_tasks import task

from guanjia.core import clock, duties, workdays
from guanjia.core.models import Community, Deadline, Membership
from guanjia.core.notify import notify
from guanjia.core.roles import Role

from .selectors import subject_links

logger = logging.getLogger(__name__)

# Remind this long before a deadline falls due …
LEAD = dt.timedelta(hours=2)
BATCH = 500


def _repeat_after() -> dt.timedelta:
    """… and again after this long while it stays pending (settings.REMINDER_REPEAT_HOURS, default 24)."""
    return dt.timedelta(hours=getattr(settings, "REMINDER_REPEAT_HOURS", 24))


def reminders_due(now: dt.datetime):
    """Pending deadlines due within LEAD or overdue that need a reminder now.

    Never reminded; or reminded before it fell due and now overdue (one "overdue" notice);
    or last reminded more than the repeat interval ago.
    """
    return (
        Deadline.objects.pending()
        .filter(due_at__lt=now + LEAD)
        .filter(
            Q(reminded_at__isnull=True)
            | Q(due_at__lt=now, reminded_at__lt=F("due_at"))
            | Q(reminded_at__lt=now - _repeat_after())
        )
        .order_by("due_at", "id")
    )


def _role_key(deadline: Deadline) -> tuple[int, str]:
    return deadline.community_id, deadline.owner_role or Role.OFFICE_MANAGER


def _needs_role(deadline: Deadline) -> bool:
    return deadline.owner_id is None or not deadline.owner.is_active


def _role_holders(deadlines) -> dict[tuple[int, str], list]:
    """{(community id, role): active users} for the deadlines no active person owns, in one query.

    A deadline with neither owner nor role, or a role nobody holds, goes to the office manager,
    so a reminder is never lost."""
    wanted = {_role_key(d) for d in deadlines if _needs_role(d)}
    if not wanted:
        return {}
    communities = {c for c, _r in wanted}
    roles = {r for _c, r in wanted} | {Role.OFFICE_MANAGER}
    holders: dict[tuple[int, str], list] = defaultdict(list)
    memberships = Membership.objects.filter(
        community_id__in=communities, role__in=roles, user__is_active=True
    ).select_related("user")
    for m in memberships:
        holders[(m.community_id, m.role)].append(m.user)
    return {key: holders.get(key) or holders.get((key[0], Role.OFFICE_MANAGER), []) for key in wanted}


def _message(deadline: Deadline, now: dt.datetime) -> tuple[str, str]:
    due = workdays.deadline_text(deadline.due_at)
    if deadline.due_at < now:
        title = _("已超时：%(t)s") % {"t": deadline.title}
    else:
        title = _("即将到期：%(t)s") % {"t": deadline.title}
    return title, _("截止时间 %(due)s（%(rule)s）") % {"due": due, "rule": deadline.rule}


def remind(now: dt.datetime | None = None) -> int:
    """Send the reminders due now; returns how many notifications were sent. Safe to run twice."""
    now = now or clock.now()
    sent = 0
    while True:
        with transaction.atomic():
            # skip_locked: two workers running at once never remind the same deadline twice (PostgreSQL);
            # SQLite serialises writers, which gives the same guarantee.
            batch = list(
                reminders_due(now)
                .select_related("owner", "community")
                .select_for_update(skip_locked=True, of=("self",))[:BATCH]
            )
            if not batch:
                break
            links = subject_links(batch)
            holders = _role_holders(batch)
            for deadline in batch:
                recipients = holders.get(_role_key(deadline), []) if _needs_role(deadline) else [deadline.owner]
                if not recipients:
                    logger.warning("deadline %s (%s) has no one to remind", deadline.pk, deadline.rule)
                title, body = _message(deadline, now)
                url = (
                    duties.link(deadline)
                    if deadline.duty
                    else links.get((deadline.subject_type_id, str(deadline.subject_id)), "")
                )
                for user in recipients:
                    notify(user, title, body=body, url=url, community=deadline.community)
                    sent += 1
            Deadline.objects.filter(pk__in=[d.pk for d in batch]).update(reminded_at=now)
        if len(batch) < BATCH:
            break
    return sent


def open_duties_and_remind(now: dt.datetime | None = None) -> int:
    """The periodic job's work: open every community's recurring duties owed by now (the same rows
    a page opens when it is read, so nothing depends on this job having run), then remind."""
    now = now or clock.now()
    duties.duties_open(Community.objects.all(), now=now)
    return remind(now)


@task()
def send_reminders() -> int:
    """The periodic job (db_worker): remind the person responsible of what is due or overdue."""
    return open_duties_and_remind()
