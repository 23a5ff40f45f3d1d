"""Written rectification notices 整改通知书 (QA-2: every finding tracked to closure).

A notice is issued for a finding of a registered kind (quality.registry.NoticeSource: RC-5's
unsatisfied repair callback today), to one of the office's staff or to a person or contractor
named on the paper, with a due date: by default the source's policy of days (24:00 of the last
day, RULES.md "Clocks"), or another date the issuer sets. Its own clock (e.g. RC-5.fix) runs on the
notice; the finding's app meets its clocks when it is issued (RC-5.issue) and acts when it is
closed (RC-4: the household is called back again).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from guanjia.core import clock, transitions, workdays
from guanjia.core.access import require
from guanjia.core.activity import log
from guanjia.core.deadlines import deadline_meet, deadline_open
from guanjia.core.errors import Conflict, Forbidden, ServiceError
from guanjia.core.notify import notify
from guanjia.core.numbering import next_number
from guanjia.core.policies import policy

from ..choices import RecipientKind
from ..models import RectificationNotice
from ..registry import NoticeSource, notice_source_or_none, source_of

NUMBER_PREFIX = "ZG"


def notice_fix_due(source: NoticeSource, community, at: dt.datetime, fix_due: dt.date | None = None) -> dt.datetime:
    """When the fix is due: 24:00 of `fix_due`, or of the source's policy-th day after `at`."""
    if fix_due is None:
        return workdays.add_days(at, policy(community, source.fix_days_policy))
    return workdays.deadline_end(fix_due)


def notice_of(source: str | NoticeSource, subject) -> RectificationNotice | None:
    key = source.key if isinstance(source, NoticeSource) else source
    return RectificationNotice.objects.filter(
        source=key, subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
    ).first()


def _recipient(source: NoticeSource, subject, recipient, recipient_kind: str, recipient_name: str):
    """Whom the notice goes to: the source's own (RC-5: the ticket's technician), else one given."""
    default = source.recipient(subject)
    if default is not None:
        return default, RecipientKind.STAFF, ""
    kind = recipient_kind or (RecipientKind.STAFF if recipient is not None else RecipientKind.CONTRACTOR)
    if kind not in RecipientKind.values:
        raise ServiceError("invalid", _("请选择整改对象。"), field="recipient_kind")
    if kind == RecipientKind.STAFF:
        if recipient is None:
            raise ServiceError("invalid", _("请选择整改人。"), field="recipient")
        return recipient, kind, ""
    name = " ".join((recipient_name or "").split())
    if not name:
        raise ServiceError("invalid", _("请填写整改人或整改单位的名称。"), field="recipient_name")
    return None, kind, name[:100]


def notice_issue(
    *,
    source: str,
    subject,
    actor,
    problem: str = "",
    requirement: str = "",
    fix_due: dt.date | None = None,
    recipient=None,
    recipient_kind: str = "",
    recipient_name: str = "",
) -> RectificationNotice:
    """Issue the 整改通知书 for a finding. `problem` defaults to the finding as recorded; `fix_due`
    (a date) overrides the source's default period for this notice."""
    spec = source_of(source)
    community = subject.community
    require(actor, spec.issue_permission, community)
    spec.check(subject, actor)
    person, kind, name = _recipient(spec, subject, recipient, recipient_kind, recipient_name)
    if person is not None and person.pk == actor.pk:
        raise Forbidden("forbidden", _("不能给自己下达整改通知书。"))
    problem = (problem or spec.problem(subject) or "").strip()
    if not problem:
        raise ServiceError("invalid", _("请填写存在问题。"), field="problem")
    at = clock.now()
    if fix_due is not None and fix_due < workdays.local_date(at):
        raise ServiceError("invalid", _("整改期限不能早于今天。"), field="fix_due")
    due_at = notice_fix_due(spec, community, at, fix_due)
    household = spec.household(subject) if spec.household else None
    with transaction.atomic():
        type(subject).objects.select_for_update().filter(pk=subject.pk).first()  # one notice per finding
        if notice_of(spec, subject) is not None:
            raise Conflict("issued", _("该问题的整改通知书已下达。"))
        notice = RectificationNotice(
            community=community,
            number=next_number(NUMBER_PREFIX),
            source=spec.key,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            household_id=getattr(household, "pk", household),
            recipient_kind=kind,
            recipient=person,
            recipient_name=name,
            problem=problem,
            requirement=(requirement or "").strip(),
            issued_at=at,
            issued_by=actor,
            due_at=due_at,
        )
        notice.full_clean(exclude=["status"])  # the state machine owns it
        notice.save()
        deadline_open(
            subject=notice,
            rule=spec.fix_rule,
            title=_("整改 %(n)s") % {"n": notice.number},
            starts_at=at,
            due_at=due_at,
            owner=person,
            owner_role="" if person else spec.owner_role,
            household=notice.household_id,
        )
        if spec.on_issued:
            spec.on_issued(notice, actor, at)
        log(
            actor,
            "quality.notice.issued",
            notice,
            household=notice.household_id,
            summary=_("下达整改通知书 %(n)s，限 %(due)s 前整改")
            % {"n": notice.number, "due": workdays.deadline_text(due_at)},
            due_at=due_at.isoformat(),
            default_period=fix_due is None,
            source=spec.key,
        )
        notify(
            person,
            _("整改通知书 %(n)s") % {"n": notice.number},
            body=_("请于 %(due)s 前整改完毕：%(p)s") % {"due": workdays.deadline_text(due_at), "p": problem[:150]},
            url=reverse("quality:notice", args=[notice.pk]),
            community=community,
        )
    return notice


def notice_close(*, notice: RectificationNotice, actor, result: str) -> RectificationNotice:
    """Put right: the notice's clock stops and the finding's app follows up (RC-4: called back again)."""
    transitions.check(notice, "close", actor)
    result = (result or "").strip()
    if not result:
        raise ServiceError("invalid", _("请填写整改结果。"), field="result")
    at = clock.now()
    spec = notice_source_or_none(notice.source)  # a notice of a kind no app registers now is still closed
    with transaction.atomic():
        transitions.fire(notice, "close")
        notice.closed_at, notice.closed_by, notice.result = at, actor, result
        notice.save()
        deadline_meet(notice, at=at, by=actor)
        log(
            actor,
            "quality.notice.closed",
            notice,
            household=notice.household_id,
            summary=_("整改完成 %(n)s") % {"n": notice.number},
        )
        if spec and spec.on_closed:
            spec.on_closed(notice, actor, at)
    return notice
