"""The demo's monthly lists (PR-4, AR-2), done the way an office does them: every ended month the
calendar owes (core.duties) is sent to the office manager on the 2nd, approved on the 3rd and signed
for by the archivist on the 4th, each through the services at that moment. A step later than the
demo's now is not done yet, so only the most recent month can still be on its way, never overdue.
The oldest month of each community is returned once and sent again, as lists sometimes are."""

from __future__ import annotations

from django.db import transaction

from guanjia.core import duties
from guanjia.core.approval_models import ApprovalOutcome
from guanjia.core.demo import DemoBuild, after
from guanjia.core.roles import Role

from . import monthly_lists

# What the manager and the archivist type: shown as typed, in every language.
RETURN_COMMENT = "租赁清单中有一户续租未登记，请补录后重新提交。"
RECEIPT_NOTE = "业户资料及清单已清点装盒。"


def build(context: DemoBuild) -> None:
    review, handover = duties.duty_of(monthly_lists.REVIEW), duties.duty_of(monthly_lists.HANDOVER)
    months = sorted(set(review.owed_periods(context.now)) | set(handover.owed_periods(context.now)))
    with transaction.atomic(), context.timeline() as timeline:
        for community in context.communities:
            cs = context.member(community, Role.CS_SUPERVISOR)
            for n, month in enumerate(months):
                if not timeline.reached(after(month, 2, 10)):
                    continue
                approval = monthly_lists.lists_submit(community=community, period=month, actor=cs)
                if n == 0 and timeline.reached(after(month, 2, 16)):
                    context.decide(
                        approval.subject, monthly_lists.REVIEW, outcome=ApprovalOutcome.RETURN, comment=RETURN_COMMENT
                    )
                    if timeline.reached(after(month, 3, 9)):
                        monthly_lists.lists_submit(community=community, period=month, actor=cs)
                if timeline.reached(after(month, 3, 11)):
                    context.decide(approval.subject, monthly_lists.REVIEW)
                if timeline.reached(after(month, 4, 15)):
                    monthly_lists.lists_receive(
                        community=community,
                        period=month,
                        actor=context.member(community, Role.ARCHIVIST),
                        note=RECEIPT_NOTE,
                    )
