"""Approval chains (DESIGN §12): the registry of kinds, the services, "waiting for my decision".

An app declares each kind once, in its `AppConfig.ready()`:

    approvals.register(ApprovalKind(
        key="RN-3.review", label=_("装修申请审核"), rule="RN-3",
        steps=(StepDefault(Role.FRONT_DESK, 8), StepDefault(Role.EQUIPMENT_SUPERVISOR, 16), …),
        on_approved=renovation_approved, on_returned=renovation_returned, url=renovation_url,
    ))

A community's chain is made from those defaults the first time it is needed and can then be
changed by its office manager (`chain_set`: add, remove, reorder a step, change a role or its
time limit), logged like a policy. Each open step is an `ApprovalDecision` with a Deadline for
its role; the person who holds that role in the community decides it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from . import clock
from .access import memberships, require, roles_of
from .activity import log
from .approval_models import (
    Approval,
    ApprovalChain,
    ApprovalDecision,
    ApprovalOutcome,
    ApprovalStatus,
    ApprovalStep,
)
from .deadlines import deadline_cancel, deadline_meet, deadline_open
from .errors import Conflict, Forbidden, ServiceError
from .notify import notify_role
from .roles import COMPANY_ROLES, Role

MAX_STEPS = 10


@dataclass(frozen=True)
class StepDefault:
    role: str
    limit_hours: int


@dataclass(frozen=True)
class ApprovalKind:
    key: str
    label: Any
    rule: str
    steps: tuple[StepDefault, ...]
    # Called inside the deciding transaction: (approval, actor) and (approval, actor, comment).
    on_approved: Callable | None = None
    on_returned: Callable | None = None
    url: Callable[[Any], str] | None = field(default=None, compare=False)


_KINDS: dict[str, ApprovalKind] = {}


def register(kind: ApprovalKind) -> ApprovalKind:
    if not kind.steps:
        raise ValueError(f"approval kind {kind.key} needs at least one step")
    _KINDS[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    _KINDS.pop(key, None)


def kind_of(key: str) -> ApprovalKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise KeyError(f"unknown approval kind {key!r}; register it in the app's AppConfig.ready()") from None


def kinds() -> list[ApprovalKind]:
    return sorted(_KINDS.values(), key=lambda k: k.key)


# -- chains -------------------------------------------------------------------------------------


def chain_of(community, key: str) -> ApprovalChain:
    """The community's chain for `key`, made from the registered defaults on first use."""
    kind = kind_of(key)
    chain = ApprovalChain.objects.filter(community=community, kind=key).first()
    if chain is not None:
        return chain
    try:
        with transaction.atomic():
            chain = ApprovalChain.objects.create(community=community, kind=key)
            ApprovalStep.objects.bulk_create(
                ApprovalStep(chain=chain, position=n, role=s.role, limit_hours=s.limit_hours)
                for n, s in enumerate(kind.steps)
            )
    except IntegrityError:  # made by a concurrent request in the meantime
        chain = ApprovalChain.objects.get(community=community, kind=key)
    return chain


def chain_steps(community, key: str) -> list[ApprovalStep]:
    return list(chain_of(community, key).steps.order_by("position"))


def chain_set(*, community, key: str, steps: Sequence[tuple[str, int]], actor) -> ApprovalChain:
    """Replace the steps of the community's chain; running approvals keep the steps they started with."""
    require(actor, "core.edit_policy", community)
    kind_of(key)
    if not steps:
        raise ServiceError("approval_no_steps", _("审批流程至少需要一个步骤。"), field="steps")
    if len(steps) > MAX_STEPS:
        raise ServiceError(
            "approval_too_many_steps", _("审批流程最多 %(n)d 个步骤。") % {"n": MAX_STEPS}, field="steps"
        )
    for n, (role, hours) in enumerate(steps, start=1):
        if role not in Role.values or role in COMPANY_ROLES:
            raise ServiceError("approval_bad_role", _("第 %(n)d 步：请选择管理处的岗位。") % {"n": n}, field="steps")
        if not isinstance(hours, int) or not 1 <= hours <= 24 * 90:
            raise ServiceError(
                "approval_bad_limit", _("第 %(n)d 步：时限须为 1 至 2160 小时。") % {"n": n}, field="steps"
            )
    with transaction.atomic():
        chain = ApprovalChain.objects.select_for_update().get(pk=chain_of(community, key).pk)
        before = [(s.role, s.limit_hours) for s in chain.steps.order_by("position")]
        chain.steps.all().delete()
        ApprovalStep.objects.bulk_create(
            ApprovalStep(chain=chain, position=n, role=role, limit_hours=hours) for n, (role, hours) in enumerate(steps)
        )
        chain.updated_at = clock.now()
        chain.save(update_fields=["updated_at"])
        log(
            actor, "core.approval_chain.changed", chain, community=community, kind=key, before=before, after=list(steps)
        )
    return chain


# -- approvals ----------------------------------------------------------------------------------


def _subject_filter(subject) -> dict:
    return {"subject_type": ContentType.objects.get_for_model(subject), "subject_id": str(subject.pk)}


def approvals_of(subject, key: str | None = None) -> QuerySet[Approval]:
    qs = Approval.objects.filter(**_subject_filter(subject))
    return qs.filter(kind=key) if key else qs


def current_approval(subject, key: str) -> Approval | None:
    """The latest approval of `subject` for `key` (running or finished), or None."""
    return approvals_of(subject, key).order_by("-started_at", "-id").first()


def _open_step(approval: Approval, kind: ApprovalKind, position: int) -> ApprovalDecision:
    step = approval.steps[position]
    now = clock.now()
    decision = ApprovalDecision.objects.create(
        community=approval.community,
        approval=approval,
        position=position,
        role=step["role"],
        opened_at=now,
        due_at=now + dt.timedelta(hours=step["limit_hours"]),
    )
    title = _("审批：%(what)s（第 %(n)d 步）") % {"what": kind.label, "n": position + 1}
    deadline_open(subject=decision, rule=kind.rule, title=title, due_at=decision.due_at, owner_role=step["role"])
    url = kind.url(approval.subject) if kind.url else ""
    notify_role(step["role"], approval.community, _("待您审批：%(what)s") % {"what": kind.label}, url=url)
    return decision


def approval_start(*, subject, key: str, actor, community=None) -> Approval:
    """Send `subject` into its community's chain for `key`; the first step's role is asked at once."""
    kind = kind_of(key)
    community = community or subject.community
    with transaction.atomic():
        running = approvals_of(subject, key).select_for_update().filter(status=ApprovalStatus.IN_PROGRESS)
        if running.exists():
            raise Conflict("approval_running", _("该事项正在审批中，不能重复送审。"))
        steps = [{"role": s.role, "limit_hours": s.limit_hours} for s in chain_steps(community, key)]
        try:
            with transaction.atomic():
                approval = Approval.objects.create(
                    community=community,
                    kind=key,
                    steps=steps,
                    started_by=actor,
                    started_at=clock.now(),
                    **_subject_filter(subject),
                )
        except IntegrityError:  # sent at the same moment by someone else (constraint approval_one_running)
            raise Conflict("approval_running", _("该事项正在审批中，不能重复送审。")) from None
        approval.subject = subject
        _open_step(approval, kind, 0)
        log(actor, "core.approval.started", subject, community=community, kind=key, approval=approval.pk)
    return approval


def may_decide(user, approval: Approval) -> bool:
    role = approval.current_role
    return role is not None and role in roles_of(user, approval.community_id) and role not in COMPANY_ROLES


def approval_decide(*, approval: Approval, actor, outcome: str, comment: str = "") -> Approval:
    """Approve or return the current step. Returning needs a comment (what to change)."""
    kind = kind_of(approval.kind)
    comment = (comment or "").strip()
    if outcome not in ApprovalOutcome.values:
        raise ServiceError("approval_bad_outcome", _("请选择同意或退回。"), field="outcome")
    if outcome == ApprovalOutcome.RETURN and not comment:
        raise ServiceError("approval_comment_required", _("退回时请写明需要修改的内容。"), field="comment")
    with transaction.atomic():
        approval = Approval.objects.select_for_update().get(pk=approval.pk)
        if approval.status != ApprovalStatus.IN_PROGRESS:
            raise Conflict("approval_finished", _("该审批已结束。"))
        if not may_decide(actor, approval):
            raise Forbidden("forbidden", _("该步骤须由%(role)s审批。") % {"role": Role(approval.current_role).label})
        now = clock.now()
        decision = approval.decisions.get(position=approval.position, decided_at__isnull=True)
        decision.decided_by, decision.decided_at = actor, now
        decision.outcome, decision.comment = outcome, comment
        decision.save(update_fields=["decided_by", "decided_at", "outcome", "comment"])
        deadline_meet(decision, at=now, by=actor)
        subject = approval.subject
        if outcome == ApprovalOutcome.RETURN:
            approval.status, approval.finished_at = ApprovalStatus.RETURNED, now
        elif approval.position + 1 < len(approval.steps):
            approval.position += 1
        else:
            approval.status, approval.finished_at = ApprovalStatus.APPROVED, now
        approval.save(update_fields=["status", "finished_at", "position"])
        if approval.status == ApprovalStatus.IN_PROGRESS:
            _open_step(approval, kind, approval.position)
        log(
            actor,
            f"core.approval.{'returned' if outcome == ApprovalOutcome.RETURN else 'approved'}",
            subject,
            community=approval.community,
            kind=approval.kind,
            step=decision.position + 1,
            final=approval.status != ApprovalStatus.IN_PROGRESS,
            comment=comment,
        )
        if approval.status == ApprovalStatus.APPROVED and kind.on_approved:
            kind.on_approved(approval, actor)
        elif approval.status == ApprovalStatus.RETURNED and kind.on_returned:
            kind.on_returned(approval, actor, comment)
    return approval


def approval_cancel(*, approval: Approval, actor, reason: str) -> Approval:
    """Withdraw a running approval (by whoever may start it again); its open step's clock stops."""
    with transaction.atomic():
        approval = Approval.objects.select_for_update().get(pk=approval.pk)
        if approval.status != ApprovalStatus.IN_PROGRESS:
            raise Conflict("approval_finished", _("该审批已结束。"))
        approval.status, approval.finished_at = ApprovalStatus.CANCELLED, clock.now()
        approval.save(update_fields=["status", "finished_at"])
        for decision in approval.decisions.filter(decided_at__isnull=True):
            deadline_cancel(decision)
        log(actor, "core.approval.cancelled", approval.subject, community=approval.community, reason=reason)
    return approval


# -- reading ------------------------------------------------------------------------------------


def label(decisions):
    """Give each decision its kind's label and the subject's page (for lists of decisions)."""
    for decision in decisions:
        kind = kind_of(decision.approval.kind)
        decision.kind_label = kind.label
        decision.subject_url = kind.url(decision.approval.subject) if kind.url else ""
    return decisions


def waiting_for(user) -> QuerySet[ApprovalDecision]:
    """Open steps the user may decide: one list per person, from every community where he holds the role."""
    where = Q()
    for cid, role in memberships(user):
        if cid is not None and role not in COMPANY_ROLES:
            where |= Q(community_id=cid, role=role)
    if not where:
        return ApprovalDecision.objects.none()
    return (
        ApprovalDecision.objects.filter(where, decided_at__isnull=True, approval__status=ApprovalStatus.IN_PROGRESS)
        .select_related("approval", "community")
        .order_by("due_at", "id")
    )
