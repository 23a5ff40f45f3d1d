"""What the arrears part (FE-2, FE-3, CM-9) adds to the shared pages: the printed demand FE-3.demand, the
approval kind of a deposit's refund, menu entries, the dashboard panel, the QA-4 indicators and how
its log entries read."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanjia.core import approvals, demo, documents
from guanjia.core.activity import describe
from guanjia.core.approvals import ApprovalKind, StepDefault
from guanjia.core.demo import DemoPart
from guanjia.core.documents import DocumentKind
from guanjia.core.registry import DashboardPanel, HouseholdSection, MenuEntry, household_section, indicator, menu, panel
from guanjia.core.roles import Role

from .policies import APPROVAL_HOURS

DEMAND = "FE-3.demand"

VERBS = {
    "billing.contact.recorded": pgettext_lazy("activity", "记录催缴"),
    "billing.reminder.sent": pgettext_lazy("activity", "发送缴费提醒"),
    "billing.demand.issued": pgettext_lazy("activity", "开具催告函"),
    "billing.demand.delivered": pgettext_lazy("activity", "催告函送达"),
    "billing.late_charge.billed": pgettext_lazy("activity", "计收违约金"),
    "billing.deposit.received": pgettext_lazy("activity", "收取押金"),
    "billing.deposit.deducted": pgettext_lazy("activity", "扣除押金"),
    "billing.deposit.refund_requested": pgettext_lazy("activity", "申请退还押金"),
    "billing.deposit.settled": pgettext_lazy("activity", "押金结清"),
}


def demand_context(request, letter) -> dict:
    from .selectors_arrears import household_open_lines

    issued = timezone.localdate(letter.issued_at)
    return {"letter": letter, "lines": list(household_open_lines(letter.room, issued))}


def _demand_subject(request, key):
    from .models import DemandLetter

    return documents.subject_in_scope(
        DemandLetter.objects.select_related("room__building", "room__unit"), request, pk=key
    )


def _refund_url(refund) -> str:
    deposit = getattr(refund, "deposit", None)
    return reverse("billing:deposit", args=[deposit.pk]) if deposit else ""


def panel_context(request):
    from guanjia.core import clock

    from . import selectors_arrears
    from .services import deposits

    community = request.community
    today = clock.today()
    due = selectors_arrears.due_steps_count(community, today)
    overdue_deposits = deposits.ageing(community, today).count()
    if not due and not overdue_deposits:
        return None
    return {"due": due, "deposits": overdue_deposits}


def household_context(request, room) -> dict:
    """The household file's 欠费与押金 (AR-1): its overdue amount and ladder step, the last contacts and
    its deposits — a fixed number of queries, bounded rows."""
    from .models import Deposit, DunningContact
    from .services import dunning

    row, ladder = dunning.standing(room)
    return {
        "room": room,
        "row": row,
        "ladder": ladder,
        "contacts": list(DunningContact.objects.filter(room=room).order_by("-at", "-id")[:5]),
        "deposits": list(Deposit.objects.filter(room=room).order_by("-id")[:10]),
    }


DEMO_ORDER = 70  # after the parts that bill and take payments


def _demo_part(context):
    from . import demo_arrears

    return demo_arrears.build(context)


def register() -> None:
    from . import indicators_arrears
    from .services import deposits

    for verb, sentence in VERBS.items():
        describe(verb, sentence)
    documents.register(
        DocumentKind(
            code=DEMAND,
            title=_("物业费催告函"),
            template="billing/arrears_demand_pdf.html",
            permission="billing.dun",
            subject=_demand_subject,
            context=demand_context,
            filename=lambda letter: f"{letter.number}.pdf",
            number=lambda letter: letter.number,
            household=lambda letter: letter.room,
        )
    )
    # FE-1: a deposit's remainder leaves the office only once the office manager approves it
    # (the chain's default limit: policies.APPROVAL_HOURS). Kept apart from FE-1.refund (payments part).
    approvals.register(
        ApprovalKind(
            key=deposits.REFUND_KIND,
            label=_("押金退还"),
            rule="FE-1",
            steps=(StepDefault(Role.OFFICE_MANAGER, APPROVAL_HOURS),),
            on_approved=deposits.refund_approved,
            on_returned=deposits.refund_returned,
            url=_refund_url,
        )
    )
    household_section(
        HouseholdSection(
            "billing.arrears",
            _("欠费与押金"),
            "billing/arrears_household_section.html",
            household_context,
            permission="billing.view",
            order=62,
        )
    )
    demo.register(DemoPart("billing.arrears", DEMO_ORDER, build=_demo_part))
    for i in indicators_arrears.INDICATORS:
        indicator(i)
    menu(
        MenuEntry(
            "billing", _("欠费与催缴"), "billing:arrears", "billing.view", order=50, active=("billing:arrears*",)
        ),
        MenuEntry("billing", _("押金"), "billing:deposits", "billing.view", order=55, active=("billing:deposit*",)),
    )
    panel(
        DashboardPanel(
            "billing.arrears",
            "billing/arrears_dashboard_panel.html",
            panel_context,
            "billing.dun",
            roles=frozenset({Role.CS_SUPERVISOR, Role.OFFICE_MANAGER}),
            order=45,
        )
    )
