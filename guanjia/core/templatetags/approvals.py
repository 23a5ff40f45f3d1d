"""{% approval_panel subject "RC-10.summary" %}: the approval's steps so far and, for the person whose
role decides the current step, the approve / return form (DESIGN §12)."""

from django import template

from guanjia.core import approvals
from guanjia.core.approval_models import ApprovalStatus
from guanjia.core.views_approvals import DecideForm

register = template.Library()


@register.inclusion_tag("core/_approval_panel.html", takes_context=True)
def approval_panel(context, subject, key: str):
    request = context["request"]
    approval = approvals.current_approval(subject, key)
    decisions = list(approval.decisions.select_related("decided_by")) if approval else []
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "kind": approvals.kind_of(key),
        "approval": approval,
        "approval_colour": ApprovalStatus(approval.status).colour if approval else "",
        "decisions": decisions,
        "may_decide": bool(approval) and approvals.may_decide(request.user, approval),
        "form": DecideForm(),
    }
